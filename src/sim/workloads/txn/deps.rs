//! The dependency graph Elle's rw-register checker infers between transactions.
//!
//! Registers do not reveal their version order, so it is inferred, as Maelstrom configures
//! Elle (`:wfr-keys? true`): every key starts at nil, which precedes every other version
//! (initial state); and within one committed transaction that reads version v of a key and then
//! writes v' of it, v precedes v' (writes follow reads). If adding the writes-follow-reads
//! orders makes some key's version order cyclic, the cycle is reported (`cyclic-versions`) and
//! those orders are dropped, as Elle does.
//!
//! From the version orders come the edges: wr (T1 wrote the version T2 read, from unique
//! writes), ww (T1's final write of a key precedes T2's in the version order) and rw (T1 read a
//! version that precedes T2's write). Only committed (ok) transactions take part, as in Elle.
//! When the consistency model needs them, process edges (consecutive ok transactions of a
//! process) or realtime edges (T1 completed before T2 was invoked; a transitive reduction, as
//! Elle builds it) are added.

use super::graph::{Graph, Rels};
use super::txns::{KeyId, Txns, Val};
use crate::history::{Op, OpType, Process};
use serde_json::{json, Value};
use std::collections::{BTreeMap, BTreeSet, HashMap};

/// Per key, the inferred version order: `v → {later versions}`.
type VersionGraphs = BTreeMap<KeyId, BTreeMap<Val, BTreeSet<Val>>>;

pub(crate) struct Deps {
    pub(crate) graph: Graph,
    versions: VersionGraphs,
    /// Which version-order sources were used (`initial-state`, `wfr-keys`).
    pub(crate) sources: Vec<&'static str>,
    pub(crate) cyclic_versions: Vec<Value>,
    /// Values that more than one committed transaction wrote: Elle refuses such histories.
    pub(crate) duplicate_writes: Vec<Value>,
}

/// Which order graphs to add beside the data dependencies.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub(crate) struct Extra {
    pub(crate) process: bool,
    pub(crate) realtime: bool,
}

pub(crate) fn build(t: &Txns, history: &[Op], extra: Extra) -> Deps {
    let (versions, sources, cyclic_versions) = version_graphs(t);
    let mut graph = Graph::new(t.txns.len());
    let mut write_index: HashMap<(KeyId, Val), Vec<u32>> = HashMap::new();
    let mut read_index: HashMap<(KeyId, Val), Vec<u32>> = HashMap::new();
    for (i, txn) in t.txns.iter().enumerate() {
        if txn.kind != OpType::Ok {
            continue;
        }
        for (&k, &v) in &txn.ext_writes {
            write_index.entry((k, v)).or_default().push(i as u32);
        }
        for (&k, &v) in &txn.ext_reads {
            read_index.entry((k, v)).or_default().push(i as u32);
        }
    }
    // wr: the unique writer of the version each transaction read.
    let mut duplicate_writes = Vec::new();
    let mut dup_seen = BTreeSet::new();
    for (i, txn) in t.txns.iter().enumerate() {
        if txn.kind != OpType::Ok {
            continue;
        }
        for (&k, &v) in &txn.ext_reads {
            match write_index.get(&(k, v)).map(Vec::as_slice) {
                None | Some([]) => {}
                Some([w]) => graph.link(*w, i as u32, Rels::WR),
                Some(ws) => {
                    if dup_seen.insert((k, v)) {
                        duplicate_writes.push(json!({
                            "key": t.key_json(k),
                            "value": t.value_json(v),
                            "writers": ws.iter().map(|&w| super::txns::op_json(t.txns[w as usize].op)).collect::<Vec<_>>(),
                        }));
                    }
                }
            }
        }
    }
    // ww and rw from each inferred version order edge v1 → v2.
    let none: Vec<u32> = Vec::new();
    for (&k, order) in &versions {
        for (&v1, nexts) in order {
            let v1_writes = write_index.get(&(k, v1)).unwrap_or(&none);
            let v1_reads = read_index.get(&(k, v1)).unwrap_or(&none);
            for &v2 in nexts {
                let v2_writes = write_index.get(&(k, v2)).unwrap_or(&none);
                for &b in v2_writes {
                    for &a in v1_writes {
                        graph.link(a, b, Rels::WW);
                    }
                    for &a in v1_reads {
                        graph.link(a, b, Rels::RW);
                    }
                }
            }
        }
    }
    if extra.realtime {
        realtime(t, history, &mut graph);
    } else if extra.process {
        process(t, &mut graph);
    }
    Deps {
        graph,
        versions,
        sources,
        cyclic_versions,
        duplicate_writes,
    }
}

/// Initial-state orders, then writes-follow-reads orders unless they make a key cyclic.
fn version_graphs(t: &Txns) -> (VersionGraphs, Vec<&'static str>, Vec<Value>) {
    let mut initial: VersionGraphs = BTreeMap::new();
    for txn in &t.txns {
        let reads = (txn.kind == OpType::Ok).then_some(&txn.ext_reads);
        if !matches!(txn.kind, OpType::Ok | OpType::Info) {
            continue;
        }
        for (&k, &v) in txn.ext_writes.iter().chain(reads.into_iter().flatten()) {
            if v.is_some() {
                initial
                    .entry(k)
                    .or_default()
                    .entry(None)
                    .or_default()
                    .insert(v);
            }
        }
    }
    let mut merged = initial.clone();
    for txn in t.txns.iter().filter(|x| x.kind == OpType::Ok) {
        for (&k, &v) in &txn.ext_reads {
            if v.is_none() {
                continue;
            }
            if let Some(&w) = txn.ext_writes.get(&k) {
                if w != v {
                    merged.entry(k).or_default().entry(v).or_default().insert(w);
                }
            }
        }
    }
    let mut cyclic = Vec::new();
    for (&k, order) in &merged {
        for scc in value_sccs(order) {
            cyclic.push(json!({
                "key": t.key_json(k),
                "scc": scc.iter().map(|&v| t.value_json(v)).collect::<Vec<_>>(),
                "sources": ["initial-state", "wfr-keys"],
            }));
        }
    }
    if cyclic.is_empty() {
        (merged, vec!["initial-state", "wfr-keys"], cyclic)
    } else {
        (initial, vec!["initial-state"], cyclic)
    }
}

/// Cycles (components of more than one version) in one key's version order.
fn value_sccs(order: &BTreeMap<Val, BTreeSet<Val>>) -> Vec<Vec<Val>> {
    let mut ids: BTreeMap<Val, u32> = BTreeMap::new();
    for (v, nexts) in order {
        let n = ids.len() as u32;
        ids.entry(*v).or_insert(n);
        for w in nexts {
            let n = ids.len() as u32;
            ids.entry(*w).or_insert(n);
        }
    }
    let by_id: Vec<Val> = {
        let mut v = vec![None; ids.len()];
        for (val, &id) in &ids {
            v[id as usize] = *val;
        }
        v
    };
    let succ = |v: u32, out: &mut Vec<u32>| {
        if let Some(nexts) = order.get(&by_id[v as usize]) {
            out.extend(nexts.iter().filter_map(|w| ids.get(w).copied()));
        }
    };
    super::graph::cyclic_sccs(ids.len(), &|_| true, &succ)
        .into_iter()
        .map(|c| c.into_iter().map(|i| by_id[i as usize]).collect())
        .collect()
}

/// Elle's realtime graph: each completion is linked to the completions of operations invoked
/// after it, keeping only a buffer of completions no later completion is known to follow.
fn realtime(t: &Txns, history: &[Op], graph: &mut Graph) {
    let by_completion: HashMap<usize, u32> = t
        .txns
        .iter()
        .enumerate()
        .map(|(i, x)| (x.op.index, i as u32))
        .collect();
    let by_invoke: HashMap<usize, u32> = t
        .txns
        .iter()
        .enumerate()
        .filter_map(|(i, x)| x.invoke.map(|inv| (inv.index, i as u32)))
        .collect();
    let mut oks: BTreeSet<u32> = BTreeSet::new();
    // What each completion was linked from at its invocation: those are implied by it.
    let mut linked_from: HashMap<u32, Vec<u32>> = HashMap::new();
    for op in history {
        if !matches!(op.process, Process::Client(_)) || op.f != "txn" {
            continue;
        }
        match op.kind {
            OpType::Invoke => {
                if let Some(&c) = by_invoke.get(&op.index) {
                    for &a in &oks {
                        graph.link(a, c, Rels::REALTIME);
                    }
                    linked_from.insert(c, oks.iter().copied().collect());
                }
            }
            OpType::Ok => {
                if let Some(&c) = by_completion.get(&op.index) {
                    if let Some(implied) = linked_from.remove(&c) {
                        for a in implied {
                            oks.remove(&a);
                        }
                    }
                    oks.insert(c);
                }
            }
            OpType::Fail | OpType::Info => {
                if let Some(&c) = by_completion.get(&op.index) {
                    linked_from.remove(&c);
                }
            }
        }
    }
}

/// Elle's process graph: each process's consecutive ok transactions.
fn process(t: &Txns, graph: &mut Graph) {
    let mut last: HashMap<u64, u32> = HashMap::new();
    for (i, txn) in t.txns.iter().enumerate() {
        if txn.kind != OpType::Ok {
            continue;
        }
        if let Some(prev) = last.insert(txn.process, i as u32) {
            graph.link(prev, i as u32, Rels::PROCESS);
        }
    }
}

/// Why `a` precedes `b` by relation `rel`, as Elle explains a step: the key and versions.
pub(crate) fn explain(t: &Txns, deps: &Deps, a: u32, b: u32, rel: Rels) -> Value {
    let ta = &t.txns[a as usize];
    let tb = &t.txns[b as usize];
    let later = |k: KeyId, v1: Val, v2: Val| {
        deps.versions
            .get(&k)
            .and_then(|o| o.get(&v1))
            .is_some_and(|n| n.contains(&v2))
    };
    let data = match rel {
        Rels::WR => ta
            .ext_writes
            .iter()
            .find(|(k, v)| tb.ext_reads.get(k) == Some(v))
            .map(|(&k, &v)| (k, v, v)),
        Rels::WW => ta.ext_writes.iter().find_map(|(&k, &v1)| {
            let &v2 = tb.ext_writes.get(&k)?;
            later(k, v1, v2).then_some((k, v1, v2))
        }),
        Rels::RW => ta.ext_reads.iter().find_map(|(&k, &v1)| {
            let &v2 = tb.ext_writes.get(&k)?;
            later(k, v1, v2).then_some((k, v1, v2))
        }),
        _ => None,
    };
    match data {
        Some((k, v1, _)) if rel == Rels::WR => {
            json!({"type": "wr", "key": t.key_json(k), "value": t.value_json(v1)})
        }
        Some((k, v1, v2)) => json!({
            "type": rel.name(),
            "key": t.key_json(k),
            "value": t.value_json(v1),
            "value'": t.value_json(v2),
        }),
        None => json!({"type": rel.name()}),
    }
}
