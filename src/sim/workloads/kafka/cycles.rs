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
use std::collections::{BTreeMap, BTreeSet};

pub struct Cycles {
    /// Completions (indices into the completion list) of each cyclic component.
    pub components: Vec<Vec<usize>>,
    pub empty_graph: bool,
}

/// Builds the graph over completions of `send`/`poll`/`txn` and finds its cycles. Fails like
/// Elle's wr-graph when some polled message has no writer.
pub fn find(
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
    let components = tarjan(&adj)
        .into_iter()
        .filter(|scc| scc.len() > 1)
        .collect();
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

/// Strongly connected components, iteratively (histories have tens of thousands of vertices).
fn tarjan(adj: &[Vec<usize>]) -> Vec<Vec<usize>> {
    const UNSEEN: usize = usize::MAX;
    let n = adj.len();
    let mut index = vec![UNSEEN; n];
    let mut low = vec![0; n];
    let mut on_stack = vec![false; n];
    let mut stack = Vec::new();
    let mut out = Vec::new();
    let mut next = 0;
    for root in 0..n {
        if index[root] != UNSEEN {
            continue;
        }
        // (vertex, next child position)
        let mut work = vec![(root, 0usize)];
        index[root] = next;
        low[root] = next;
        next += 1;
        stack.push(root);
        on_stack[root] = true;
        while let Some(top) = work.last_mut() {
            let v = top.0;
            if let Some(&w) = adj[v].get(top.1) {
                top.1 += 1;
                if index[w] == UNSEEN {
                    index[w] = next;
                    low[w] = next;
                    next += 1;
                    stack.push(w);
                    on_stack[w] = true;
                    work.push((w, 0));
                } else if on_stack[w] {
                    low[v] = low[v].min(index[w]);
                }
                continue;
            }
            work.pop();
            if let Some(&(parent, _)) = work.last() {
                low[parent] = low[parent].min(low[v]);
            }
            if low[v] == index[v] {
                let mut scc = Vec::new();
                while let Some(w) = stack.pop() {
                    on_stack[w] = false;
                    scc.push(w);
                    if w == v {
                        break;
                    }
                }
                scc.sort_unstable();
                out.push(scc);
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::tarjan;

    #[test]
    fn finds_cycles_only() {
        // 0 → 1 → 2 → 0, 2 → 3, 3 → 4 → 3
        let adj = vec![vec![1], vec![2], vec![0, 3], vec![4], vec![3]];
        let mut sccs: Vec<Vec<usize>> = tarjan(&adj).into_iter().filter(|s| s.len() > 1).collect();
        sccs.sort();
        assert_eq!(sccs, vec![vec![0, 1, 2], vec![3, 4]]);
    }
}
