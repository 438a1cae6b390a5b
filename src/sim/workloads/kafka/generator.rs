//! Maelstrom 0.2.4's kafka operation generator, as composed in `jepsen.tests.kafka/workload`
//! with Maelstrom's options (`:txn? false`, `:crash-clients? true`, `:sub-via #{:assign}`):
//!
//! - Elle's `wr-txns` with one micro-op per operation: a 50/50 choice of poll and send, over a
//!   pool of `key-count` (default 10) active keys drawn from an exponential distribution
//!   (base 2: the last active key is chosen about half the time). Each key takes at most
//!   `max-writes-per-key` (default 16) sends, of the values 1, 2, 3…; then it is retired and a
//!   fresh key (the largest so far plus one) takes its place.
//! - `interleave-subscribes`: with probability 1/64 an `assign` of the next operation's key is
//!   emitted instead, and that operation stays pending for the next slot.
//! - `poll-unseen`: a third of those assigns also take every key that has an acknowledged send
//!   no poll has reached yet.
//! - `crash-client-gen`: a `crash` operation (the client is torn down and replaced) at the start
//!   and then after uniform(0, 2·30 s / concurrency) delays.
//! - `track-key-offsets`: the highest offset each key reached in successful sends and polls,
//!   which the final phase must poll up to.
//!
//! Keys are integers here, as in Jepsen; Maelstrom's `StringKeys` wrapper turns them into
//! strings on the way to the client, and this module's callers do the same.

use rand::Rng;
use rand_chacha::ChaCha8Rng;
use std::collections::BTreeMap;
use std::time::Duration;

/// Jepsen's default `:sub-p`: the chance that an operation slot becomes an `assign`.
const SUB_P: f64 = 1.0 / 64.0;
/// `poll-unseen` widens this fraction of assigns with the keys that have unseen sends.
const UNSEEN_P: f64 = 1.0 / 3.0;
/// Jepsen's default `:crash-client-interval`, seconds.
const CRASH_INTERVAL_S: f64 = 30.0;

/// One operation of the main phase, before keys become strings.
#[derive(Clone, Debug, PartialEq)]
pub(crate) enum GenOp {
    Send { key: u64, value: u64 },
    Poll,
    Assign { keys: Vec<u64> },
    Crash,
}

/// A drawn `wr-txns` micro-op. Reads carry their key too: it is what an `assign` standing in
/// for them subscribes to.
#[derive(Clone, Copy, Debug)]
enum Mop {
    Read(u64),
    Write(u64, u64),
}

impl Mop {
    fn key(self) -> u64 {
        match self {
            Mop::Read(k) | Mop::Write(k, _) => k,
        }
    }
}

pub(crate) struct Generator {
    key_count: usize,
    max_writes_per_key: u64,
    crash_every: f64,
    active: Vec<u64>,
    /// Next value to send per key (Elle's `(get state k 1)`).
    next_value: BTreeMap<u64, u64>,
    /// The micro-op an `assign` displaced, issued by the next slot.
    pending: Option<Mop>,
    next_crash: Duration,
    /// `poll-unseen`: highest acknowledged send and highest polled offset per key, for keys
    /// where polls lag sends.
    sent: BTreeMap<u64, i64>,
    polled: BTreeMap<u64, i64>,
    /// `track-key-offsets`: highest offset known per key.
    max_offsets: BTreeMap<u64, i64>,
}

impl Generator {
    pub(crate) fn new(key_count: usize, max_writes_per_key: u64, concurrency: usize) -> Self {
        let key_count = key_count.max(1);
        Generator {
            key_count,
            max_writes_per_key,
            crash_every: CRASH_INTERVAL_S / concurrency.max(1) as f64,
            active: (0..key_count as u64).collect(),
            next_value: BTreeMap::new(),
            pending: None,
            next_crash: Duration::ZERO,
            sent: BTreeMap::new(),
            polled: BTreeMap::new(),
            max_offsets: BTreeMap::new(),
        }
    }

    /// The operation for the next slot at time `now`.
    pub(crate) fn next(&mut self, rng: &mut ChaCha8Rng, now: Duration) -> GenOp {
        if now >= self.next_crash {
            // Jepsen's stagger: the next crash is due a uniform delay after this one.
            let delay = rng.gen_range(0.0..2.0 * self.crash_every);
            self.next_crash = now + Duration::from_secs_f64(delay);
            return GenOp::Crash;
        }
        let mop = match self.pending.take() {
            Some(m) => m,
            None => self.draw(rng),
        };
        if rng.gen::<f64>() < SUB_P {
            self.pending = Some(mop);
            let mut keys = vec![mop.key()];
            if rng.gen::<f64>() < UNSEEN_P {
                keys.extend(self.sent.keys().filter(|k| **k != mop.key()));
            }
            return GenOp::Assign { keys };
        }
        match mop {
            Mop::Read(_) => GenOp::Poll,
            Mop::Write(key, value) => GenOp::Send { key, value },
        }
    }

    /// Elle's `wr-txns` for a one-operation transaction.
    fn draw(&mut self, rng: &mut ChaCha8Rng) -> Mop {
        loop {
            let write = rng.gen_bool(0.5);
            let index = self.rand_key_index(rng);
            let key = self.active[index];
            if !write {
                return Mop::Read(key);
            }
            let value = self.next_value.get(&key).copied().unwrap_or(1);
            if value > self.max_writes_per_key {
                // The key is full: a fresh key takes its slot and the draw starts over.
                let fresh = self.active.iter().copied().max().unwrap_or(0) + 1;
                self.active[index] = fresh;
                continue;
            }
            self.next_value.insert(key, value + 1);
            return Mop::Write(key, value);
        }
    }

    /// Elle's exponential key choice with base 2: index i is chosen with probability
    /// 2^(i+1) / (2^(n+1) − 2).
    fn rand_key_index(&self, rng: &mut ChaCha8Rng) -> usize {
        let n = self.key_count as i32;
        let scale = (2f64.powi(n) - 1.0) * 2.0;
        let u = rng.gen::<f64>() * scale;
        let index = ((u + 2.0).log2() - 1.0).floor();
        (index.max(0.0) as usize).min(self.key_count - 1)
    }

    /// A successful send (`poll-unseen` and `track-key-offsets` see every `:ok` event).
    pub(crate) fn on_ok_send(&mut self, key: u64, offset: i64) {
        bump(&mut self.sent, key, offset);
        bump(&mut self.max_offsets, key, offset);
        self.trim(key);
    }

    /// A successful poll: the highest offset per key (−1 for a key polled with no messages).
    pub(crate) fn on_ok_poll(&mut self, polled: &BTreeMap<u64, i64>) {
        for (&key, &offset) in polled {
            bump(&mut self.polled, key, offset);
            // A key polled empty enters the final targets at −1, as in Jepsen: a node that
            // answers it with `[]` satisfies that, one that leaves it out is polled for 10 s.
            bump(&mut self.max_offsets, key, offset);
            self.trim(key);
        }
    }

    /// `poll-unseen` forgets keys whose polls caught up with their sends.
    fn trim(&mut self, key: u64) {
        let sent = self.sent.get(&key).copied().unwrap_or(-1);
        let polled = self.polled.get(&key).copied().unwrap_or(-1);
        if polled >= sent {
            self.sent.remove(&key);
            self.polled.remove(&key);
        }
    }

    /// Every key's highest known offset, the targets of the final polls.
    pub(crate) fn max_offsets(&self) -> &BTreeMap<u64, i64> {
        &self.max_offsets
    }
}

fn bump(map: &mut BTreeMap<u64, i64>, key: u64, offset: i64) {
    let entry = map.entry(key).or_insert(offset);
    *entry = (*entry).max(offset);
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;

    #[test]
    fn keys_take_sixteen_sends_and_the_last_key_is_hot() {
        let mut gen = Generator::new(10, 16, 4);
        let mut rng = ChaCha8Rng::seed_from_u64(3);
        let mut sends: BTreeMap<u64, Vec<u64>> = BTreeMap::new();
        let (mut assigns, mut crashes, mut polls) = (0, 0, 0);
        let mut now = Duration::ZERO;
        for _ in 0..20_000 {
            now += Duration::from_millis(1);
            match gen.next(&mut rng, now) {
                GenOp::Send { key, value } => sends.entry(key).or_default().push(value),
                GenOp::Assign { keys } => {
                    assert!(!keys.is_empty());
                    assigns += 1
                }
                GenOp::Crash => crashes += 1,
                GenOp::Poll => polls += 1,
            }
        }
        for values in sends.values() {
            let expected: Vec<u64> = (1..=values.len() as u64).collect();
            assert_eq!(values, &expected, "values per key are 1, 2, 3…");
            assert!(values.len() <= 16);
        }
        // About 10 000 sends at 16 per key: hundreds of keys over a 20 s run.
        assert!(sends.len() > 400, "{} keys", sends.len());
        assert!((200..450).contains(&assigns), "{assigns} assigns");
        assert!((8_000..12_000).contains(&polls), "{polls} polls");
        // One crash at the start, then one per 7.5 s on average.
        assert!((2..=8).contains(&crashes), "{crashes} crashes");
    }

    #[test]
    fn unseen_keys_join_assigns_until_polled() {
        let mut gen = Generator::new(10, 16, 2);
        gen.on_ok_send(42, 3);
        assert_eq!(gen.sent.get(&42), Some(&3));
        gen.on_ok_poll(&BTreeMap::from([(42, 2)]));
        assert!(gen.sent.contains_key(&42));
        gen.on_ok_poll(&BTreeMap::from([(42, 3)]));
        assert!(gen.sent.is_empty() && gen.polled.is_empty());
        assert_eq!(gen.max_offsets().get(&42), Some(&3));
    }
}
