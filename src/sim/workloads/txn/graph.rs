//! A directed graph over transactions whose edges carry a set of relations (ww, wr, rw,
//! process, realtime) as bits, and its strongly connected components over `u32` vertices
//! (the shared iterative Tarjan in [`crate::sim::workloads::scc`]).

use crate::sim::workloads::scc;
use std::collections::BTreeMap;

/// A set of dependency relations, as bits.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub(crate) struct Rels(pub u8);

impl Rels {
    pub(crate) const WW: Rels = Rels(1);
    pub(crate) const WR: Rels = Rels(2);
    pub(crate) const RW: Rels = Rels(4);
    pub(crate) const PROCESS: Rels = Rels(8);
    pub(crate) const REALTIME: Rels = Rels(16);

    pub(crate) fn union(self, other: Rels) -> Rels {
        Rels(self.0 | other.0)
    }

    pub(crate) fn intersects(self, other: Rels) -> bool {
        self.0 & other.0 != 0
    }

    /// The single relations in this set, in Elle's explanation priority (a pair related by
    /// both wr and ww is explained as wr; data before process and realtime).
    pub(crate) fn each(self) -> impl Iterator<Item = Rels> {
        [Rels::WR, Rels::WW, Rels::RW, Rels::PROCESS, Rels::REALTIME]
            .into_iter()
            .filter(move |r| self.intersects(*r))
    }

    pub(crate) fn name(self) -> &'static str {
        match self {
            Rels::WW => "ww",
            Rels::WR => "wr",
            Rels::RW => "rw",
            Rels::PROCESS => "process",
            Rels::REALTIME => "realtime",
            _ => "mixed",
        }
    }
}

/// Vertices `0..n`; `out[v]` maps each successor to the relations of the edge `v → w`.
#[derive(Clone, Debug, Default)]
pub(crate) struct Graph {
    pub(crate) out: Vec<BTreeMap<u32, Rels>>,
    /// Whether any link was made, self-links included: Elle drops self-edges but keeps their
    /// vertex, and an empty graph means no vertex at all.
    touched: bool,
}

impl Graph {
    pub(crate) fn new(n: usize) -> Self {
        Graph {
            out: vec![BTreeMap::new(); n],
            touched: false,
        }
    }

    pub(crate) fn len(&self) -> usize {
        self.out.len()
    }

    /// Adds `rel` to the edge `a → b`. Self-edges are never added: a transaction does not
    /// depend on itself.
    pub(crate) fn link(&mut self, a: u32, b: u32, rel: Rels) {
        self.touched = true;
        if a == b {
            return;
        }
        let e = self.out[a as usize].entry(b).or_default();
        *e = e.union(rel);
    }

    /// Whether the graph has any vertex, as Elle counts them: transactions that were linked to
    /// anything, themselves included.
    pub(crate) fn has_vertices(&self) -> bool {
        self.touched
    }

    /// Strongly connected components of more than one vertex, using only edges whose relations
    /// intersect `rels` and vertices for which `keep` holds; each sorted, listed by smallest
    /// vertex.
    pub(crate) fn sccs(&self, rels: Rels, keep: &dyn Fn(u32) -> bool) -> Vec<Vec<u32>> {
        let succ = |v: u32| {
            self.out[v as usize]
                .iter()
                .filter(move |(w, r)| r.intersects(rels) && keep(**w))
                .map(|(w, _)| *w)
        };
        cyclic_sccs(self.len(), keep, &|v, out| out.extend(succ(v)))
    }
}

/// The strongly connected components of more than one vertex over vertices `0..n` for which
/// `keep` holds, with successors from `succ`; each sorted, listed by smallest vertex (the
/// order the txn checker reports them in).
pub(crate) fn cyclic_sccs(
    n: usize,
    keep: &dyn Fn(u32) -> bool,
    succ: &dyn Fn(u32, &mut Vec<u32>),
) -> Vec<Vec<u32>> {
    let mut buffer = Vec::new();
    let mut out: Vec<Vec<u32>> = scc::cyclic_components(
        n,
        |v| keep(vertex(v)),
        |v, out| {
            buffer.clear();
            succ(vertex(v), &mut buffer);
            out.extend(buffer.iter().map(|&w| w as usize));
        },
    )
    .into_iter()
    .map(|c| c.into_iter().map(vertex).collect())
    .collect();
    out.sort_by_key(|c| c[0]);
    out
}

/// A vertex index back as the graph's `u32` (vertices are created from `u32`s).
fn vertex(v: usize) -> u32 {
    u32::try_from(v).unwrap_or(u32::MAX)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_components_by_relation() {
        let mut g = Graph::new(5);
        g.link(0, 1, Rels::WW);
        g.link(1, 0, Rels::WR);
        g.link(1, 2, Rels::RW);
        g.link(2, 1, Rels::WW);
        g.link(3, 3, Rels::WW);
        assert_eq!(
            g.sccs(Rels::WW.union(Rels::WR), &|_| true),
            vec![vec![0, 1]]
        );
        assert_eq!(g.sccs(Rels(31), &|_| true), vec![vec![0, 1, 2]]);
        assert_eq!(g.sccs(Rels(31), &|v| v != 1), Vec::<Vec<u32>>::new());
        assert!(g.has_vertices());
        assert!(!Graph::new(3).has_vertices());
    }

    #[test]
    fn deep_chains_do_not_overflow() {
        let n = 200_000u32;
        let mut g = Graph::new(n as usize);
        for v in 0..n - 1 {
            g.link(v, v + 1, Rels::WW);
        }
        g.link(n - 1, 0, Rels::WW);
        let sccs = g.sccs(Rels::WW, &|_| true);
        assert_eq!(sccs.len(), 1);
        assert_eq!(sccs[0].len(), n as usize);
    }
}
