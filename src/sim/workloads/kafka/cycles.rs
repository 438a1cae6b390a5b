//! The dependency-cycle part of Jepsen's kafka checker, as Maelstrom configures it: Elle over
//! write-read edges (a send → every operation that polled its message) plus real-time edges
//! (Elle's `realtime-graph`: an `ok` operation → every operation invoked after it completed),
//! without write-write edges (Maelstrom does not set `:ww-deps`).
//!
//! Any strongly connected component of that graph is a cycle. Elle would search each component
//! for specific cycles per anomaly type; with only wr and realtime edges every such cycle is a
//! `G1c-realtime` (an operation observed a message sent after it had completed, possibly through
//! a chain), so we report one `G1c-realtime` per component. An empty graph is Elle's
//! `empty-transaction-graph`.

use super::history::{Completion, Key, Msg};
use crate::history::{Op, OpType};
use crate::sim::workloads::scc;
use std::collections::{BTreeMap, BTreeSet};

pub(crate) struct Cycles {
    /// Completions (indices into the completion list) of each cyclic component.
    pub(crate) components: Vec<Vec<usize>>,
    pub(crate) empty_graph: bool,
}

/// Builds the graph over completions of `send`/`poll`/`txn` and finds its cycles. Fails like
/// Elle's wr-graph when some polled message has no writer.
pub(crate) fn find(
    history: &[Op],
    completions: &[Completion<'_>],
    writer_of: &BTreeMap<Key, BTreeMap<Msg, usize>>,
) -> Result<Cycles, String> {
    let relevant = |f: &str| matches!(f, "send" | "poll" | "txn");
    let by_op_index: BTreeMap<usize, usize> = completions
        .iter()
        .enumerate()
        .filter(|(_, c)| relevant(&c.op.f))
        .map(|(i, c)| (c.op.index, i))
        .collect();
    let mut edges: BTreeSet<(usize, usize)> = BTreeSet::new();

    // Write-read edges.
    for (reader, c) in completions.iter().enumerate() {
        if !relevant(&c.op.f) {
            continue;
        }
        for (k, pairs) in &c.reads {
            for (_, m) in pairs {
                let writer = writer_of
                    .get(k)
                    .and_then(|w| w.get(m))
                    .ok_or_else(|| format!("no writer of value {} for key {k:?}", m.0))?;
                if *writer != reader {
                    edges.insert((*writer, reader));
                }
            }
        }
    }

    // Real-time edges, transitively reduced the way Elle does: a buffer of completed `ok`
    // operations is linked to each later invocation's completion; an `ok` drops from the
    // buffer the operations already linked to it.
    let completion_of_invoke = invoke_completions(history);
    let mut rt_in: BTreeMap<usize, Vec<usize>> = BTreeMap::new();
    let mut oks: BTreeSet<usize> = BTreeSet::new();
    for op in history.iter().filter(|o| o.is_client() && relevant(&o.f)) {
        match op.kind {
            OpType::Invoke => {
                let Some(c) = completion_of_invoke
                    .get(&op.index)
                    .and_then(|ci| by_op_index.get(ci))
                else {
                    continue;
                };
                for &o in &oks {
                    edges.insert((o, *c));
                    rt_in.entry(*c).or_default().push(o);
                }
            }
            OpType::Ok => {
                let Some(&c) = by_op_index.get(&op.index) else {
                    continue;
                };
                if let Some(implied) = rt_in.get(&c) {
                    for o in implied {
                        oks.remove(o);
                    }
                }
                oks.insert(c);
            }
            OpType::Fail | OpType::Info => {}
        }
    }

    let empty_graph = edges.is_empty();
    let n = completions.len();
    let mut adj: Vec<Vec<usize>> = vec![Vec::new(); n];
    for &(a, b) in &edges {
        adj[a].push(b);
    }
    let components = scc::cyclic_components(n, |_| true, |v, out| out.extend(&adj[v]));
    Ok(Cycles {
        components,
        empty_graph,
    })
}

/// Maps each client invocation's history index to its completion's history index.
fn invoke_completions(history: &[Op]) -> BTreeMap<usize, usize> {
    crate::history::pairs(history)
        .into_iter()
        .filter_map(|p| p.complete.map(|c| (p.invoke.index, c.index)))
        .collect()
}
