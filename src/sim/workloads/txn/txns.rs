//! A txn-rw-register history in the shape the checker works on: one [`Txn`] per completed
//! client operation (ok, info or fail), its micro-operations with keys and values interned to
//! small integers, and Elle's two views of a transaction: external reads (the first access to a
//! key, when it is a read) and external writes (the last write to each key).

use crate::history::{pairs, Op, OpType, Process};
use serde_json::Value;
use std::collections::{BTreeMap, HashMap};

pub(crate) type KeyId = u32;
/// An interned value; `None` is nil (the key's initial state).
pub(crate) type Val = Option<u32>;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum F {
    R,
    W,
}

#[derive(Clone, Debug)]
pub(crate) struct Mop {
    pub(crate) f: F,
    pub(crate) key: KeyId,
    pub(crate) value: Val,
}

/// One completed transaction.
#[derive(Clone, Debug)]
pub(crate) struct Txn<'h> {
    /// The completion in the history.
    pub(crate) op: &'h Op,
    /// Its invocation, when the history has one.
    pub(crate) invoke: Option<&'h Op>,
    pub(crate) kind: OpType,
    pub(crate) process: u64,
    pub(crate) mops: Vec<Mop>,
    /// Key → first read value, for keys whose first access is a read.
    pub(crate) ext_reads: BTreeMap<KeyId, Val>,
    /// Key → last written value.
    pub(crate) ext_writes: BTreeMap<KeyId, Val>,
}

/// Interns JSON values by their canonical text, so any JSON key or value compares exactly.
#[derive(Default, Debug)]
struct Interner {
    ids: HashMap<String, u32>,
    values: Vec<Value>,
}

impl Interner {
    fn intern(&mut self, v: &Value) -> u32 {
        let text = v.to_string();
        if let Some(&id) = self.ids.get(&text) {
            return id;
        }
        let id = self.values.len() as u32;
        self.values.push(v.clone());
        self.ids.insert(text, id);
        id
    }

    pub(crate) fn get(&self, id: u32) -> &Value {
        self.values.get(id as usize).unwrap_or(&Value::Null)
    }
}

/// The history's transactions, in completion order.
#[derive(Debug, Default)]
pub(crate) struct Txns<'h> {
    pub(crate) txns: Vec<Txn<'h>>,
    keys: Interner,
    vals: Interner,
    /// Micro-operations that were not `["r"|"w", key, value]` (skipped).
    pub(crate) malformed: usize,
}

impl<'h> Txns<'h> {
    pub(crate) fn from_history(history: &'h [Op]) -> Txns<'h> {
        let mut out = Txns::default();
        for pair in pairs(history) {
            let Some(done) = pair.complete else { continue };
            if done.f != "txn" {
                continue;
            }
            let Process::Client(process) = done.process else {
                continue;
            };
            let mops = out.parse_mops(&done.value);
            let (ext_reads, ext_writes) = externals(&mops);
            out.txns.push(Txn {
                op: done,
                invoke: Some(pair.invoke),
                kind: done.kind,
                process,
                mops,
                ext_reads,
                ext_writes,
            });
        }
        out.txns.sort_by_key(|t| t.op.index);
        out
    }

    fn parse_mops(&mut self, value: &Value) -> Vec<Mop> {
        let Some(items) = value.as_array() else {
            self.malformed += 1;
            return Vec::new();
        };
        let mut mops = Vec::with_capacity(items.len());
        for item in items {
            let parsed = item.as_array().and_then(|m| match m.as_slice() {
                [f, k, v] => {
                    let f = match f.as_str()? {
                        "r" => F::R,
                        "w" => F::W,
                        _ => return None,
                    };
                    Some((f, k, v))
                }
                _ => None,
            });
            match parsed {
                Some((f, k, v)) => {
                    let key = self.keys.intern(k);
                    let value = (!v.is_null()).then(|| self.vals.intern(v));
                    mops.push(Mop { f, key, value });
                }
                None => self.malformed += 1,
            }
        }
        mops
    }

    /// The value a mop or version id stands for, as JSON.
    pub(crate) fn value_json(&self, v: Val) -> Value {
        v.map_or(Value::Null, |id| self.vals.get(id).clone())
    }

    pub(crate) fn key_json(&self, k: KeyId) -> Value {
        self.keys.get(k).clone()
    }
}

/// Elle's `ext-reads` and `ext-writes`.
fn externals(mops: &[Mop]) -> (BTreeMap<KeyId, Val>, BTreeMap<KeyId, Val>) {
    let mut reads = BTreeMap::new();
    let mut touched = std::collections::BTreeSet::new();
    let mut writes = BTreeMap::new();
    for m in mops {
        if m.f == F::R && !touched.contains(&m.key) {
            reads.insert(m.key, m.value);
        }
        touched.insert(m.key);
        if m.f == F::W {
            writes.insert(m.key, m.value);
        }
    }
    (reads, writes)
}

/// An operation as anomaly reports show it.
pub(crate) fn op_json(op: &Op) -> Value {
    serde_json::json!({
        "index": op.index,
        "time": op.time,
        "type": op.kind,
        "process": match op.process { Process::Client(p) => Value::from(p), Process::Nemesis => Value::from("nemesis") },
        "f": op.f,
        "value": op.value,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn externals_follow_elle() {
        let mut t = Txns::default();
        let mops = t.parse_mops(&json!([
            ["w", 1, 5],
            ["r", 1, 5],
            ["r", 2, 3],
            ["r", 2, 4],
            ["w", 2, 6],
            ["w", 1, 7]
        ]));
        let (reads, writes) = externals(&mops);
        // Key 1 was written before it was read: no external read.
        assert_eq!(reads.len(), 1);
        let (k1, k2) = (t.keys.intern(&json!(1)), t.keys.intern(&json!(2)));
        assert_eq!(t.value_json(reads[&k2]), json!(3));
        assert_eq!(t.value_json(writes[&k1]), json!(7));
        assert_eq!(t.value_json(writes[&k2]), json!(6));
    }

    #[test]
    fn malformed_mops_are_counted_not_fatal() {
        let mut t = Txns::default();
        let mops = t.parse_mops(&json!([["x", 1, 2], ["r", 1], 7, ["r", 1, null]]));
        assert_eq!(mops.len(), 1);
        assert_eq!(t.malformed, 3);
    }
}
