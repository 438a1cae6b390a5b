//! Elle's `wr-txns` generator as Maelstrom configures it: transactions of `min..=max` micro-ops,
//! each a read or a write (even odds) of a key drawn from a pool of `key-count` active keys with
//! an exponential distribution (base 2: each position in the pool is twice as likely as the one
//! before it). Writes to a key carry 1, 2, 3, … so values are unique per key; once a key has had
//! `max-writes-per-key` writes, the next write that picks it retires it instead, replacing it in
//! its pool position by a fresh key (one more than the largest active key).

use rand::Rng;
use rand_chacha::ChaCha8Rng;
use serde_json::{json, Value};
use std::collections::HashMap;

#[derive(Clone, Copy, Debug)]
pub(crate) struct Options {
    pub(crate) key_count: usize,
    pub(crate) min_txn_length: usize,
    pub(crate) max_txn_length: usize,
    pub(crate) max_writes_per_key: u64,
}

pub(crate) struct Generator {
    opts: Options,
    active: Vec<u64>,
    /// The next value to write, per key (absent: 1).
    next_value: HashMap<u64, u64>,
    /// Elle's key-dist-scale for base 2.
    scale: f64,
}

const BASE: f64 = 2.0;

impl Generator {
    pub(crate) fn new(opts: Options) -> anyhow::Result<Generator> {
        anyhow::ensure!(opts.key_count > 0, "--key-count must be positive");
        anyhow::ensure!(opts.max_txn_length > 0, "--max-txn-length must be positive");
        anyhow::ensure!(
            opts.max_writes_per_key > 0,
            "--max-writes-per-key must be positive"
        );
        anyhow::ensure!(
            opts.min_txn_length <= opts.max_txn_length,
            "min txn length above max"
        );
        // Base 2 would overflow an f64's useful range far beyond any sane key count.
        anyhow::ensure!(
            opts.key_count <= 1000,
            "--key-count above 1000 is not supported"
        );
        let scale = (BASE.powi(opts.key_count as i32) - 1.0) * BASE / (BASE - 1.0);
        Ok(Generator {
            opts,
            active: (0..opts.key_count as u64).collect(),
            next_value: HashMap::new(),
            scale,
        })
    }

    fn rand_key_index(&self, rng: &mut ChaCha8Rng) -> usize {
        let r: f64 = rng.gen_range(0.0..self.scale);
        let ki = ((r + BASE).ln() / BASE.ln() - 1.0).floor();
        (ki.max(0.0) as usize).min(self.active.len() - 1)
    }

    /// The next transaction, as `[["r", k, null] | ["w", k, v], …]`.
    pub(crate) fn next_txn(&mut self, rng: &mut ChaCha8Rng) -> Value {
        let o = self.opts;
        let mut length = o.min_txn_length + rng.gen_range(0..=o.max_txn_length - o.min_txn_length);
        let mut txn = Vec::with_capacity(length);
        while length > 0 {
            let write = rng.gen_bool(0.5);
            let i = self.rand_key_index(rng);
            let k = self.active[i];
            if !write {
                txn.push(json!(["r", k, null]));
                length -= 1;
                continue;
            }
            let v = self.next_value.get(&k).copied().unwrap_or(1);
            if v > o.max_writes_per_key {
                // Retire the key: a fresh one takes its place in the pool.
                let fresh = self.active.iter().copied().max().unwrap_or(0) + 1;
                self.active[i] = fresh;
                self.next_value.remove(&k);
                continue;
            }
            self.next_value.insert(k, v + 1);
            txn.push(json!(["w", k, v]));
            length -= 1;
        }
        Value::Array(txn)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;
    use std::collections::{BTreeMap, BTreeSet};

    fn gen(max_writes: u64) -> Generator {
        Generator::new(Options {
            key_count: 10,
            min_txn_length: 1,
            max_txn_length: 4,
            max_writes_per_key: max_writes,
        })
        .unwrap()
    }

    #[test]
    fn writes_are_unique_and_bounded_per_key() {
        let mut g = gen(16);
        let mut rng = ChaCha8Rng::seed_from_u64(3);
        let mut writes: BTreeMap<u64, BTreeSet<u64>> = BTreeMap::new();
        let mut lengths = BTreeSet::new();
        for _ in 0..5000 {
            let txn = g.next_txn(&mut rng);
            let mops = txn.as_array().unwrap();
            lengths.insert(mops.len());
            for m in mops {
                let k = m[1].as_u64().unwrap();
                if m[0] == "w" {
                    let v = m[2].as_u64().unwrap();
                    assert!((1..=16).contains(&v));
                    assert!(
                        writes.entry(k).or_default().insert(v),
                        "duplicate write {k}={v}"
                    );
                } else {
                    assert!(m[2].is_null());
                }
            }
        }
        assert_eq!(lengths, (1..=4).collect());
        // Keys rotate: far more than 10 keys were used, each retired after 16 writes.
        assert!(writes.len() > 50, "{} keys", writes.len());
        let full = writes.values().filter(|v| v.len() == 16).count();
        assert!(full > 40, "{full} keys reached 16 writes");
    }

    #[test]
    fn later_pool_positions_are_more_likely() {
        let g = gen(1_000_000);
        let mut rng = ChaCha8Rng::seed_from_u64(9);
        let mut counts = [0u32; 10];
        for _ in 0..100_000 {
            counts[g.rand_key_index(&mut rng)] += 1;
        }
        // Position i has probability 2^(i+1) / 2046: the last about one half.
        assert!((48_000..52_000).contains(&counts[9]), "{counts:?}");
        assert!(counts[0] < 200, "{counts:?}");
        for i in 1..10 {
            assert!(counts[i] > counts[i - 1], "{counts:?}");
        }
    }
}
