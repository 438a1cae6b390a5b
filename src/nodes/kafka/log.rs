//! One node's copy of the logs: per key, the messages it knows by offset, and the reads that
//! only ever return a *settled* prefix, so that a poll can never skip an offset that a later
//! poll would reveal.

use serde_json::Value;
use std::collections::BTreeMap;

/// The messages of one key that this node knows, by offset.
#[derive(Debug, Default)]
pub(crate) struct KeyLog {
    entries: BTreeMap<i64, Value>,
}

impl KeyLog {
    /// Records `msg` at `offset`. An offset is written once: a second, different message there
    /// would be a bug elsewhere, and keeping the first keeps every reader consistent.
    pub(crate) fn insert(&mut self, offset: i64, msg: Value) -> bool {
        match self.entries.get(&offset) {
            Some(_) => false,
            None => {
                self.entries.insert(offset, msg);
                true
            }
        }
    }

    /// The first offset at or after `from` this node does not hold: the end of the contiguous
    /// run starting there.
    pub(crate) fn first_gap(&self, from: i64) -> i64 {
        let mut next = from;
        for (&o, _) in self.entries.range(from..) {
            if o != next {
                break;
            }
            next = o.saturating_add(1);
        }
        next
    }

    /// Every known message with an offset in `[from, until)`, in offset order.
    pub fn read(&self, from: i64, until: i64) -> Vec<(i64, Value)> {
        if from >= until {
            return Vec::new();
        }
        self.entries
            .range(from..until)
            .map(|(o, m)| (*o, m.clone()))
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn reads_stop_at_the_bound_and_gaps_are_found() {
        let mut log = KeyLog::default();
        for o in [0, 1, 2, 4] {
            assert!(log.insert(o, json!(o * 10)));
        }
        assert!(!log.insert(1, json!("other")), "offsets are written once");
        assert_eq!(log.first_gap(0), 3);
        assert_eq!(log.first_gap(4), 5);
        assert_eq!(log.first_gap(3), 3);
        assert_eq!(log.read(1, 3), vec![(1, json!(10)), (2, json!(20))]);
        assert_eq!(log.read(3, 3), vec![]);
        assert_eq!(log.read(2, i64::MAX), vec![(2, json!(20)), (4, json!(40))]);
    }
}
