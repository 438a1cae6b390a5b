//! The anomalies Elle's rw-register checker finds without a dependency graph: internal
//! inconsistency (a read inside a transaction that disagrees with what the same transaction
//! wrote or read before), G1a (aborted read: reading a value only a failed transaction wrote),
//! G1b (intermediate read: reading a value that was not its writer's final write to the key)
//! and lost update (two committed transactions that read the same version of a key and both
//! wrote it).

use super::txns::{KeyId, Txns, Val, F};
use crate::history::OpType;
use serde_json::{json, Value};
use std::collections::{BTreeMap, HashMap};

fn mop_json(t: &Txns, f: F, key: KeyId, value: Val) -> Value {
    json!([
        if f == F::R { "r" } else { "w" },
        t.key_json(key),
        t.value_json(value)
    ])
}

/// Elle's `internal`: in an ok transaction, a read of a key whose expected state (from an
/// earlier write, or an earlier non-nil read, in the same transaction) differs. The first
/// violation per transaction is reported.
pub(crate) fn internal(t: &Txns) -> Vec<Value> {
    let mut out = Vec::new();
    for txn in t.txns.iter().filter(|x| x.kind == OpType::Ok) {
        let mut state: HashMap<KeyId, Val> = HashMap::new();
        for m in &txn.mops {
            match m.f {
                F::W => {
                    state.insert(m.key, m.value);
                }
                F::R => {
                    // Elle tests `(and s (not= s v))`: an expected nil constrains nothing.
                    if let Some(Some(expected)) = state.get(&m.key) {
                        if m.value != Some(*expected) {
                            out.push(json!({
                                "op": super::txns::op_json(txn.op),
                                "mop": mop_json(t, m.f, m.key, m.value),
                                "expected": t.value_json(Some(*expected)),
                            }));
                            break;
                        }
                    }
                    state.insert(m.key, m.value);
                }
            }
        }
    }
    out
}

/// G1a: ok transactions reading a value that a failed transaction wrote.
pub(crate) fn g1a(t: &Txns) -> Vec<Value> {
    let mut failed: HashMap<(KeyId, u32), usize> = HashMap::new();
    for (i, txn) in t.txns.iter().enumerate() {
        if txn.kind != OpType::Fail {
            continue;
        }
        for m in txn.mops.iter().filter(|m| m.f == F::W) {
            if let Some(v) = m.value {
                failed.insert((m.key, v), i);
            }
        }
    }
    reads_of(t, &failed, false)
}

/// G1b: ok transactions reading a value that some other transaction overwrote within itself.
pub(crate) fn g1b(t: &Txns) -> Vec<Value> {
    let mut intermediate: HashMap<(KeyId, u32), usize> = HashMap::new();
    for (i, txn) in t.txns.iter().enumerate() {
        let mut last: HashMap<KeyId, Val> = HashMap::new();
        for m in txn.mops.iter().filter(|m| m.f == F::W) {
            if let Some(Some(prev)) = last.insert(m.key, m.value) {
                intermediate.insert((m.key, prev), i);
            }
        }
    }
    reads_of(t, &intermediate, true)
}

/// Every read mop in an ok transaction of a value in `writers` (by another transaction when
/// `skip_own`).
fn reads_of(t: &Txns, writers: &HashMap<(KeyId, u32), usize>, skip_own: bool) -> Vec<Value> {
    let mut out = Vec::new();
    if writers.is_empty() {
        return out;
    }
    for (i, txn) in t.txns.iter().enumerate() {
        if txn.kind != OpType::Ok {
            continue;
        }
        for m in txn.mops.iter().filter(|m| m.f == F::R) {
            let Some(v) = m.value else { continue };
            let Some(&w) = writers.get(&(m.key, v)) else {
                continue;
            };
            if skip_own && w == i {
                continue;
            }
            out.push(json!({
                "op": super::txns::op_json(txn.op),
                "mop": mop_json(t, m.f, m.key, m.value),
                "writer": super::txns::op_json(t.txns[w].op),
            }));
        }
    }
    out
}

/// Lost update: two or more ok transactions that read key k = v and then wrote k.
pub(crate) fn lost_update(t: &Txns) -> Vec<Value> {
    let mut by_read: BTreeMap<(KeyId, Val), Vec<usize>> = BTreeMap::new();
    for (i, txn) in t.txns.iter().enumerate() {
        if txn.kind != OpType::Ok {
            continue;
        }
        // Elle's scan: remember the first read of each key; on the first write to a key that
        // was read before, record (key, first read).
        let mut reads: HashMap<KeyId, Val> = HashMap::new();
        let mut written: std::collections::HashSet<KeyId> = Default::default();
        for m in &txn.mops {
            match m.f {
                F::W => {
                    if written.contains(&m.key) {
                        continue;
                    }
                    if let Some(&read) = reads.get(&m.key) {
                        by_read.entry((m.key, read)).or_default().push(i);
                        written.insert(m.key);
                    }
                }
                F::R => {
                    reads.entry(m.key).or_insert(m.value);
                }
            }
        }
    }
    by_read
        .into_iter()
        .filter(|(_, txns)| txns.len() >= 2)
        .map(|((k, v), txns)| {
            json!({
                "key": t.key_json(k),
                "value": t.value_json(v),
                "txns": txns.iter().map(|&i| super::txns::op_json(t.txns[i].op)).collect::<Vec<_>>(),
            })
        })
        .collect()
}
