//! `lww-kv`: Maelstrom's "eventually consistent" last-write-wins store, as 0.2.4 implements it.
//!
//! Two replicas, each a map of key → (Lamport timestamp, value) with its own clock. Every
//! request first merges one random replica into another (max clock; per key the later
//! timestamp wins, the source's value on a tie), then runs on a random replica. Writes and
//! successful cas stamp the value with the replica's clock and advance it; cas never creates a
//! missing key (it ignores `create_if_not_exists`).
//!
//! Fidelity note: Maelstrom 0.2.4 computes that merge and then applies the request to the
//! replica vector from *before* the merge, discarding it, so its two replicas never converge:
//! each request lands on a random one of two independent stores. [`LwwKv::default`] does the
//! same; [`LwwKv::with_merges`] keeps the merges, for nodes that want to be tested against
//! the store the documentation describes.

use super::kv::{answer, canonical_key, KvOp};
use super::Service;
use crate::protocol::{Body, Message};
use rand::Rng;
use rand_chacha::ChaCha8Rng;
use serde_json::Value;
use std::collections::BTreeMap;

/// Maelstrom's replica count (its docs say 5; the code uses 2).
const REPLICAS: usize = 2;

#[derive(Clone, Debug, Default, PartialEq)]
struct Replica {
    clock: u64,
    map: BTreeMap<String, (u64, Value)>,
}

impl Replica {
    /// `source` merged with `dest` (Maelstrom's `merge-services`, source first).
    fn merge(source: &Replica, dest: &Replica) -> Replica {
        let mut map = source.map.clone();
        for (key, theirs) in &dest.map {
            match map.get(key) {
                Some(ours) if ours.0 >= theirs.0 => {}
                _ => {
                    map.insert(key.clone(), theirs.clone());
                }
            }
        }
        Replica {
            clock: source.clock.max(dest.clock),
            map,
        }
    }

    fn handle(&mut self, op: &KvOp) -> Body {
        let key = canonical_key(op.key());
        let (reply, new) = op.apply(self.map.get(&key).map(|(_, v)| v), false);
        if let Some(value) = new {
            self.map.insert(key, (self.clock, value));
            self.clock += 1;
        }
        reply
    }
}

pub(crate) struct LwwKv {
    replicas: Vec<Replica>,
    apply_merges: bool,
}

impl Default for LwwKv {
    fn default() -> Self {
        LwwKv {
            replicas: vec![Replica::default(); REPLICAS],
            apply_merges: false,
        }
    }
}

impl LwwKv {
    #[cfg(test)]
    /// A store whose merges take effect, so replicas converge as the documentation describes.
    fn with_merges() -> Self {
        LwwKv {
            apply_merges: true,
            ..LwwKv::default()
        }
    }
}

impl Service for LwwKv {
    fn handle(&mut self, msg: &Message, rng: &mut ChaCha8Rng) -> Option<Body> {
        answer(&msg.body, |op| {
            let n = self.replicas.len();
            let source = rng.gen_range(0..n);
            let dest = rng.gen_range(0..n);
            if self.apply_merges {
                self.replicas[dest] = Replica::merge(&self.replicas[source], &self.replicas[dest]);
            }
            let target = rng.gen_range(0..n);
            self.replicas[target].handle(&op)
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;
    use serde_json::json;

    fn call(kv: &mut LwwKv, rng: &mut ChaCha8Rng, body: Body) -> Body {
        kv.handle(&Message::new("n0", "lww-kv", body), rng)
            .expect("lww-kv always answers")
    }

    fn write_x(kv: &mut LwwKv, rng: &mut ChaCha8Rng, value: i64) {
        call(
            kv,
            rng,
            Body::new("write").with("key", "x").with("value", value),
        );
    }

    fn read(kv: &mut LwwKv, rng: &mut ChaCha8Rng) -> Option<Value> {
        call(kv, rng, Body::new("read").with("key", "x"))
            .fields
            .get("value")
            .cloned()
    }

    #[test]
    fn like_maelstrom_the_two_replicas_never_converge() {
        let mut kv = LwwKv::default();
        let mut rng = ChaCha8Rng::seed_from_u64(1);
        write_x(&mut kv, &mut rng, 1);
        let reads: Vec<Option<Value>> = (0..200).map(|_| read(&mut kv, &mut rng)).collect();
        // Half the reads land on the replica that never got the write, forever.
        let missing = reads.iter().filter(|v| v.is_none()).count();
        assert!(
            (60..=140).contains(&missing),
            "{missing} of 200 reads missed the write"
        );
        assert!(reads.iter().flatten().all(|v| *v == json!(1)));
    }

    #[test]
    fn with_merges_replicas_converge() {
        let mut kv = LwwKv::with_merges();
        let mut rng = ChaCha8Rng::seed_from_u64(2);
        write_x(&mut kv, &mut rng, 1);
        for _ in 0..50 {
            read(&mut kv, &mut rng);
        }
        for _ in 0..50 {
            assert_eq!(read(&mut kv, &mut rng), Some(json!(1)));
        }
    }

    #[test]
    fn later_timestamps_win_and_ties_keep_the_source() {
        let mut a = Replica::default();
        let mut b = Replica::default();
        let write = |v: i64| KvOp::Write {
            key: json!("k"),
            value: json!(v),
        };
        a.handle(&write(1)); // ts 0
        b.handle(&write(2)); // ts 0
        b.handle(&write(3)); // ts 1
        assert_eq!(Replica::merge(&a, &b).map["\"k\""], (1, json!(3)));
        assert_eq!(Replica::merge(&b, &a).map["\"k\""], (1, json!(3)));
        assert_eq!(Replica::merge(&a, &b).clock, 2);
        let mut c = Replica::default();
        c.handle(&write(9)); // ts 0, ties with a
        assert_eq!(Replica::merge(&a, &c).map["\"k\""], (0, json!(1)));
        assert_eq!(Replica::merge(&c, &a).map["\"k\""], (0, json!(9)));
    }

    #[test]
    fn cas_never_creates() {
        let mut r = Replica::default();
        let reply = r.handle(&KvOp::Cas {
            key: json!("k"),
            from: json!(0),
            to: json!(1),
            create_if_not_exists: true,
        });
        assert_eq!(reply.as_error().map(|e| e.code), Some(20));
        assert!(r.map.is_empty());
    }
}
