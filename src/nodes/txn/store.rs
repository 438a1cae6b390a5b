//! The replicated key-value state: a last-writer-wins register per key, versioned by a Lamport
//! clock, the writing node's index and that node's own commit sequence, so every replica that
//! has applied the same transactions holds the same values whatever order they arrived in.
//! The clock saturates instead of wrapping (a peer may claim any time, up to `u64::MAX`); once
//! saturated, the commit sequence still orders one node's writes, so a later local write always
//! wins over an earlier one and an acknowledged write is never lost to an older version. A transaction runs against it in one
//! step: its reads see the store plus its own earlier writes, and its final writes are applied
//! together at the end, so no other transaction ever sees part of one, or an intermediate value.

use serde_json::Value;
use std::collections::BTreeMap;

/// A write's position in the last-writer-wins order: Lamport time, then node index, then the
/// node's commit sequence (field order is the comparison order).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) struct Version {
    pub(crate) lamport: u64,
    pub(crate) node: u32,
    /// The writing node's sequence number for this transaction: distinct and increasing per
    /// node, so two writes of one node never tie even when the clock cannot advance.
    pub(crate) seq: u64,
}

/// One micro-operation of a client transaction.
#[derive(Clone, Debug, PartialEq)]
pub(crate) enum Mop {
    Read(Value),
    Write(Value, Value),
}

/// Keys are compared by their canonical JSON text, so any JSON key works.
fn key_text(k: &Value) -> String {
    k.to_string()
}

#[derive(Debug, Default)]
pub(crate) struct Store {
    data: BTreeMap<String, (Version, Value)>,
    /// The highest Lamport time seen (local or remote).
    lamport: u64,
}

impl Store {
    pub(crate) fn get(&self, k: &Value) -> Option<&Value> {
        self.data.get(&key_text(k)).map(|(_, v)| v)
    }

    /// Applies a write if its version is newer than what the key holds; records the time.
    pub(crate) fn apply(&mut self, version: Version, k: &Value, v: &Value) {
        self.lamport = self.lamport.max(version.lamport);
        let slot = self.data.entry(key_text(k));
        match slot {
            std::collections::btree_map::Entry::Vacant(e) => {
                e.insert((version, v.clone()));
            }
            std::collections::btree_map::Entry::Occupied(mut e) => {
                if version > e.get().0 {
                    e.insert((version, v.clone()));
                }
            }
        }
    }

    /// Runs a transaction on this node (index `node`) as its commit number `seq`, which must
    /// exceed every earlier one of this node. Returns the completed micro-ops (reads
    /// filled in, null for an absent key), the version its writes took, and its final writes
    /// (one per key, in the order first written), which are already applied.
    pub(crate) fn execute(
        &mut self,
        node: u32,
        seq: u64,
        txn: &[Mop],
    ) -> (Vec<Value>, Version, Vec<(Value, Value)>) {
        // A fresh version above everything seen, so the transaction's own writes win here. At
        // saturation the time stays put and `seq` keeps this node's writes ordered.
        self.lamport = self.lamport.saturating_add(1);
        let version = Version {
            lamport: self.lamport,
            node,
            seq,
        };
        let mut own: BTreeMap<String, usize> = BTreeMap::new();
        let mut writes: Vec<(Value, Value)> = Vec::new();
        let mut done = Vec::with_capacity(txn.len());
        for mop in txn {
            match mop {
                Mop::Read(k) => {
                    let value = match own.get(&key_text(k)) {
                        Some(&i) => writes[i].1.clone(),
                        None => self.get(k).cloned().unwrap_or(Value::Null),
                    };
                    done.push(serde_json::json!(["r", k, value]));
                }
                Mop::Write(k, v) => {
                    match own.get(&key_text(k)) {
                        Some(&i) => writes[i].1 = v.clone(),
                        None => {
                            own.insert(key_text(k), writes.len());
                            writes.push((k.clone(), v.clone()));
                        }
                    }
                    done.push(serde_json::json!(["w", k, v]));
                }
            }
        }
        for (k, v) in &writes {
            self.apply(version, k, v);
        }
        (done, version, writes)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn reads_see_own_writes_and_only_final_writes_land() {
        let mut s = Store::default();
        let txn = vec![
            Mop::Read(json!(1)),
            Mop::Write(json!(1), json!(5)),
            Mop::Read(json!(1)),
            Mop::Write(json!(1), json!(6)),
            Mop::Write(json!(2), json!(7)),
        ];
        let (done, _, writes) = s.execute(0, 1, &txn);
        assert_eq!(
            done,
            vec![
                json!(["r", 1, null]),
                json!(["w", 1, 5]),
                json!(["r", 1, 5]),
                json!(["w", 1, 6]),
                json!(["w", 2, 7])
            ]
        );
        assert_eq!(writes, vec![(json!(1), json!(6)), (json!(2), json!(7))]);
        assert_eq!(s.get(&json!(1)), Some(&json!(6)));
    }

    #[test]
    fn last_writer_wins_converges_in_any_order() {
        let a = (
            Version {
                lamport: 3,
                node: 0,
                seq: 1,
            },
            json!(1),
            json!("a"),
        );
        let b = (
            Version {
                lamport: 3,
                node: 1,
                seq: 1,
            },
            json!(1),
            json!("b"),
        );
        let mut s1 = Store::default();
        let mut s2 = Store::default();
        for (v, k, x) in [&a, &b] {
            s1.apply(*v, k, x);
        }
        for (v, k, x) in [&b, &a] {
            s2.apply(*v, k, x);
        }
        assert_eq!(s1.get(&json!(1)), Some(&json!("b")));
        assert_eq!(s2.get(&json!(1)), Some(&json!("b")));
        // A local transaction after seeing time 3 writes at time 4 and wins.
        let (_, version, _) = s1.execute(0, 2, &[Mop::Write(json!(1), json!("c"))]);
        assert_eq!(
            version,
            Version {
                lamport: 4,
                node: 0,
                seq: 2,
            }
        );
        assert_eq!(s1.get(&json!(1)), Some(&json!("c")));
    }

    #[test]
    fn a_saturated_clock_still_orders_one_nodes_writes() {
        let mut s = Store::default();
        s.apply(
            Version {
                lamport: u64::MAX,
                node: 1,
                seq: 1,
            },
            &json!(1),
            &json!("peer"),
        );
        s.execute(2, 1, &[Mop::Write(json!(1), json!("a"))]);
        assert_eq!(s.lamport, u64::MAX, "the clock saturates, never wraps");
        assert_eq!(s.get(&json!(1)), Some(&json!("a")));
        s.execute(2, 2, &[Mop::Write(json!(1), json!("b"))]);
        assert_eq!(s.get(&json!(1)), Some(&json!("b")), "the later write wins");
    }
}
