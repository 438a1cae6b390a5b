//! `seq-kv`: Maelstrom's sequentially consistent key-value store, reproduced exactly.
//!
//! Maelstrom keeps the last 32 states of the store in a ring and, per calling node, the index
//! of the last state that node observed. Each request picks a state uniformly between the
//! caller's index and the newest, and runs there speculatively:
//! - if that leaves the state unchanged (a read, a failed cas, a write or cas of the value the
//!   key already holds there), the reply stands and the caller's index moves to the picked one;
//! - otherwise it runs again on the newest state, which becomes a new state (index + 1) even if
//!   it equals the previous one, and the caller's index jumps to it.
//!
//! So other nodes' reads are often stale, while a node always reads its own writes (a write
//! moves its index to the newest state). One artefact is kept on purpose: Maelstrom indexes the
//! ring modulo its length, so a caller more than 31 states behind picks an index whose state
//! has left the ring and actually reads the newer state sharing its slot (index ≡ mod 32). Its
//! reads stay at or after its own index, but two such reads can go backwards relative to each
//! other.
//!
//! Storage: the newest map plus an undo log of the changes since the oldest state still in the
//! ring, so a write costs O(log keys), not a copy of the whole map.

use super::kv::{answer, canonical_key, KvOp};
use super::Service;
use crate::protocol::{Body, Message};
use rand::Rng;
use rand_chacha::ChaCha8Rng;
use serde_json::Value;
use std::collections::{BTreeMap, VecDeque};

/// Maelstrom's ring size.
const RING: u64 = 32;

/// A change that made state `index` from state `index - 1`: `key` held `previous` before.
struct Change {
    index: u64,
    key: String,
    previous: Option<Value>,
}

#[derive(Default)]
pub(crate) struct SeqKv {
    newest: BTreeMap<String, Value>,
    /// Index of the newest state; the initial empty store is state 0.
    last: u64,
    /// Changes with index in (last - RING + 1, last], oldest first.
    undo: VecDeque<Change>,
    /// Per caller (the request's `src`), the index of the last state it observed.
    callers: BTreeMap<String, u64>,
}

impl SeqKv {
    #[cfg(test)]
    /// The index of the newest state.
    fn last_index(&self) -> u64 {
        self.last
    }

    /// The index `src` last observed (0 for a caller never seen).
    fn caller_index(&self, src: &str) -> u64 {
        self.callers.get(src).copied().unwrap_or(0)
    }

    /// The state Maelstrom's ring actually returns for index `index` (see the module header).
    fn resident(&self, index: u64) -> u64 {
        let behind = self.last - index;
        if behind < RING {
            index
        } else {
            self.last - behind % RING
        }
    }

    /// `key`'s value in state `index` (which must be in the ring).
    fn value_at(&self, index: u64, key: &str) -> Option<&Value> {
        // The earliest change after `index` to this key knows what it held at `index`.
        match self.undo.iter().find(|c| c.index > index && c.key == key) {
            Some(change) => change.previous.as_ref(),
            None => self.newest.get(key),
        }
    }

    fn push_state(&mut self, change: Option<(String, Value)>) {
        self.last += 1;
        if let Some((key, value)) = change {
            let previous = self.newest.insert(key.clone(), value);
            self.undo.push_back(Change {
                index: self.last,
                key,
                previous,
            });
        }
        // The oldest state in the ring is last - RING + 1; changes up to it are not needed.
        while self
            .undo
            .front()
            .is_some_and(|c| c.index + RING <= self.last + 1)
        {
            self.undo.pop_front();
        }
    }
}

impl Service for SeqKv {
    fn handle(&mut self, msg: &Message, rng: &mut ChaCha8Rng) -> Option<Body> {
        answer(&msg.body, |op| self.serve(&op, &msg.src, rng))
    }
}

impl SeqKv {
    /// Runs `op` for `caller` on a state no older than the last it observed; an operation
    /// that would change that state runs again on the newest one and makes a new state.
    fn serve(&mut self, op: &KvOp, caller: &str, rng: &mut ChaCha8Rng) -> Body {
        let key = canonical_key(op.key());
        let from = self.caller_index(caller);
        let picked = rng.gen_range(from..=self.last);
        let current = self.value_at(self.resident(picked), &key);
        let (reply, new) = op.apply(current, true);
        let changes = new.as_ref().is_some_and(|v| Some(v) != current);
        if !changes {
            self.callers.insert(caller.to_string(), picked);
            return reply;
        }
        let (reply, new) = op.apply(self.newest.get(&key), true);
        self.push_state(new.map(|v| (key, v)));
        self.callers.insert(caller.to_string(), self.last);
        reply
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;
    use serde_json::json;

    struct Bench {
        kv: SeqKv,
        rng: ChaCha8Rng,
    }

    impl Bench {
        fn new(seed: u64) -> Self {
            Bench {
                kv: SeqKv::default(),
                rng: ChaCha8Rng::seed_from_u64(seed),
            }
        }

        fn call(&mut self, src: &str, body: Body) -> Body {
            self.kv
                .handle(&Message::new(src, "seq-kv", body), &mut self.rng)
                .expect("seq-kv always answers")
        }

        fn cas_x(&mut self, src: &str, from: i64, to: i64) -> Body {
            let cas = Body::new("cas").with("key", "x").with("from", from);
            self.call(src, cas.with("to", to))
        }

        fn write(&mut self, src: &str, key: &str, value: i64) {
            let reply = self.call(
                src,
                Body::new("write").with("key", key).with("value", value),
            );
            assert_eq!(reply.kind, "write_ok");
        }

        fn read(&mut self, src: &str, key: &str) -> Option<i64> {
            let reply = self.call(src, Body::new("read").with("key", key));
            match reply.kind.as_str() {
                "read_ok" => Some(reply.get::<i64>("value").expect("integer value")),
                _ => {
                    assert_eq!(reply.as_error().map(|e| e.code), Some(20));
                    None
                }
            }
        }
    }

    #[test]
    fn other_nodes_read_stale_values_and_the_writer_reads_its_own() {
        let mut b = Bench::new(1);
        let mut stale = 0;
        let mut n1_last = None;
        for v in 1..=200 {
            b.write("n0", "x", v);
            // Read-your-writes: the writer's index is the newest state.
            assert_eq!(b.read("n0", "x"), Some(v));
            let seen = b.read("n1", "x");
            if seen != Some(v) {
                stale += 1;
            }
            // n1 polls every state, so it is never 32 behind: its view only moves forward.
            assert!(seen >= n1_last, "n1 went back from {n1_last:?} to {seen:?}");
            n1_last = seen;
        }
        // The reader is one state behind at each read, picked uniformly from 2 states.
        assert!((60..=140).contains(&stale), "{stale} stale reads of 200");
    }

    #[test]
    fn a_write_forces_the_newest_state_for_later_reads() {
        let mut b = Bench::new(2);
        for v in 1..=20 {
            b.write("n0", "x", v);
        }
        // Nodes that observed nothing may read any state, including the one before x existed.
        let before: Vec<Option<i64>> = (1..=30).map(|i| b.read(&format!("n{i}"), "x")).collect();
        let stale = before.iter().filter(|v| **v != Some(20)).count();
        assert!(stale >= 20, "{before:?}");
        // A state-changing write of its own moves n1 to the newest state.
        b.write("n1", "token", 1);
        assert_eq!(b.kv.caller_index("n1"), b.kv.last_index());
        for _ in 0..20 {
            assert_eq!(b.read("n1", "x"), Some(20));
        }
    }

    #[test]
    fn failed_cas_and_unchanged_writes_may_run_on_old_states() {
        let mut b = Bench::new(3);
        b.write("n0", "x", 1);
        b.write("n0", "x", 2);
        let last = b.kv.last_index();
        // A cas that fails everywhere never creates a state.
        for _ in 0..20 {
            let reply = b.cas_x("n1", 9, 10);
            assert!(matches!(reply.as_error().map(|e| e.code), Some(20 | 22)));
        }
        assert_eq!(b.kv.last_index(), last);
        // n2 has observed state 1 ({x:1}); state 2 is {x:2}. cas 1→3 succeeds on state 1 but
        // changes it, so it reruns on the newest state, fails there, and still adds a state.
        b.kv.callers.insert("n2".into(), 1);
        let mut reruns = 0;
        for _ in 0..30 {
            let before = b.kv.last_index();
            let reply = b.cas_x("n2", 1, 3);
            assert_eq!(reply.as_error().map(|e| e.code), Some(22));
            reruns += b.kv.last_index() - before;
            b.kv.callers.insert("n2".into(), 1);
        }
        assert!(reruns > 0 && reruns < 30, "{reruns} reruns of 30");
        let last = b.kv.last_index();
        // Writing the value already there changes nothing: no new state.
        b.write("n0", "x", 2);
        assert_eq!(b.kv.last_index(), last);
        // cas with create_if_not_exists on a missing key creates it on the newest state.
        let reply = b.call(
            "n1",
            Body::new("cas")
                .with("key", "y")
                .with("from", 0)
                .with("to", 5)
                .with("create_if_not_exists", true),
        );
        assert_eq!(reply.kind, "cas_ok");
        assert_eq!(b.read("n1", "y"), Some(5));
    }

    #[test]
    fn old_states_are_reconstructed_exactly() {
        let mut b = Bench::new(4);
        for v in 0..10 {
            b.write("n0", "a", v);
            b.write("n0", "b", 100 + v);
        }
        // States: 1 = {a:0}, 2 = {a:0,b:100}, 3 = {a:1,b:100}, … 20 = {a:9,b:109}.
        assert_eq!(b.kv.value_at(1, "\"a\""), Some(&json!(0)));
        assert_eq!(b.kv.value_at(1, "\"b\""), None);
        assert_eq!(b.kv.value_at(4, "\"b\""), Some(&json!(101)));
        assert_eq!(b.kv.value_at(20, "\"a\""), Some(&json!(9)));
        assert_eq!(b.kv.value_at(0, "\"a\""), None);
    }

    #[test]
    fn the_ring_keeps_32_states_and_wraps_like_maelstrom() {
        let mut b = Bench::new(5);
        for v in 1..=100 {
            b.write("n0", "x", v);
        }
        assert_eq!(b.kv.last_index(), 100);
        assert!((b.kv.undo.len() as u64) < RING);
        // State 69 is the oldest in the ring; 68 has left it and its slot holds state 100.
        assert_eq!(b.kv.resident(69), 69);
        assert_eq!(b.kv.resident(68), 100);
        assert_eq!(b.kv.resident(0), 100 - 100 % 32);
        assert_eq!(b.kv.value_at(b.kv.resident(69), "\"x\""), Some(&json!(69)));
        // A caller that never called reads states at index ≥ 0, resolved through the ring.
        for _ in 0..50 {
            let v = b.read("n1", "x").expect("every resident state has x");
            assert!(v >= 69, "read {v}, older than the ring");
        }
    }

    #[test]
    fn same_seed_same_answers() {
        let run = |seed| {
            let mut b = Bench::new(seed);
            (1..=100)
                .map(|v| {
                    b.write("n0", "x", v);
                    b.read("n1", "x")
                })
                .collect::<Vec<_>>()
        };
        assert_eq!(run(9), run(9));
        assert_ne!(run(9), run(10));
    }
}
