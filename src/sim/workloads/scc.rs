//! Strongly connected components (Tarjan's algorithm), shared by the kafka and txn checkers.
//!
//! Iterative, with an explicit stack of call frames: dependency graphs over histories have
//! hundreds of thousands of vertices in long chains, which would overflow a recursive walk.

/// Vertex `v` not visited yet.
const UNSEEN: usize = usize::MAX;

/// The walk's state: Tarjan's discovery indices, low links and component stack.
struct Walk {
    index: Vec<usize>,
    low: Vec<usize>,
    on_stack: Vec<bool>,
    stack: Vec<usize>,
    next_index: usize,
}

impl Walk {
    /// Gives `v` its discovery index and puts it on the component stack.
    fn discover(&mut self, v: usize) {
        self.index[v] = self.next_index;
        self.low[v] = self.next_index;
        self.next_index += 1;
        self.stack.push(v);
        self.on_stack[v] = true;
    }

    /// Pops the component whose root is `v`, sorted.
    fn pop_component(&mut self, v: usize) -> Vec<usize> {
        let mut component = Vec::new();
        while let Some(w) = self.stack.pop() {
            self.on_stack[w] = false;
            component.push(w);
            if w == v {
                break;
            }
        }
        component.sort_unstable();
        component
    }
}

/// Every strongly connected component of the graph over vertices `0..n`, singletons included,
/// each sorted, in the order Tarjan's algorithm completes them (a component comes before
/// every component that reaches it). Roots are tried in ascending order and successors in the
/// order `successors` lists them, so the result is deterministic.
///
/// Only vertices for which `keep` holds are used as roots; `successors(v, out)` appends the
/// successors of `v` to `out` and must itself leave out vertices the caller does not keep.
pub(crate) fn components(
    n: usize,
    keep: impl Fn(usize) -> bool,
    mut successors: impl FnMut(usize, &mut Vec<usize>),
) -> Vec<Vec<usize>> {
    let mut walk = Walk {
        index: vec![UNSEEN; n],
        low: vec![0; n],
        on_stack: vec![false; n],
        stack: Vec::new(),
        next_index: 0,
    };
    let mut out = Vec::new();
    // Call frames: (vertex, its successors, position of the next one to follow).
    let mut frames: Vec<(usize, Vec<usize>, usize)> = Vec::new();
    let mut enter = |walk: &mut Walk, frames: &mut Vec<(usize, Vec<usize>, usize)>, v: usize| {
        let mut next = Vec::new();
        successors(v, &mut next);
        walk.discover(v);
        frames.push((v, next, 0));
    };
    for root in 0..n {
        if walk.index[root] != UNSEEN || !keep(root) {
            continue;
        }
        enter(&mut walk, &mut frames, root);
        while let Some((v, next, position)) = frames.last_mut() {
            let v = *v;
            if let Some(&w) = next.get(*position) {
                *position += 1;
                if walk.index[w] == UNSEEN {
                    enter(&mut walk, &mut frames, w);
                } else if walk.on_stack[w] {
                    walk.low[v] = walk.low[v].min(walk.index[w]);
                }
                continue;
            }
            frames.pop();
            if let Some(&(parent, _, _)) = frames.last() {
                walk.low[parent] = walk.low[parent].min(walk.low[v]);
            }
            if walk.low[v] == walk.index[v] {
                out.push(walk.pop_component(v));
            }
        }
    }
    out
}

/// The components of more than one vertex, i.e. those that contain a cycle (self-loops
/// aside), in [`components`]' order.
pub(crate) fn cyclic_components(
    n: usize,
    keep: impl Fn(usize) -> bool,
    successors: impl FnMut(usize, &mut Vec<usize>),
) -> Vec<Vec<usize>> {
    components(n, keep, successors)
        .into_iter()
        .filter(|c| c.len() > 1)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn of(adj: &[Vec<usize>]) -> Vec<Vec<usize>> {
        components(adj.len(), |_| true, |v, out| out.extend(&adj[v]))
    }

    #[test]
    fn a_dag_gives_singletons_sinks_first() {
        // 0 → 1 → 2, 0 → 2
        let adj = vec![vec![1, 2], vec![2], vec![]];
        assert_eq!(of(&adj), vec![vec![2], vec![1], vec![0]]);
    }

    #[test]
    fn a_cycle_is_one_component() {
        // 0 → 1 → 2 → 0, 2 → 3, 3 → 4 → 3
        let adj = vec![vec![1], vec![2], vec![0, 3], vec![4], vec![3]];
        assert_eq!(of(&adj), vec![vec![3, 4], vec![0, 1, 2]]);
        assert_eq!(
            cyclic_components(adj.len(), |_| true, |v, out| out.extend(&adj[v])),
            vec![vec![3, 4], vec![0, 1, 2]]
        );
    }

    #[test]
    fn a_self_loop_stays_a_singleton() {
        let adj = vec![vec![0, 1], vec![]];
        assert_eq!(of(&adj), vec![vec![1], vec![0]]);
        assert!(cyclic_components(2, |_| true, |v, out| out.extend(&adj[v])).is_empty());
    }

    #[test]
    fn vertices_not_kept_are_not_roots() {
        // 0 ⇄ 1 and 2 alone; only 2 is kept.
        let adj = [vec![1], vec![0], vec![]];
        assert_eq!(
            components(3, |v| v == 2, |v, out| out.extend(&adj[v])),
            vec![vec![2]]
        );
    }

    #[test]
    fn a_long_chain_does_not_overflow_the_stack() {
        let n = 200_000;
        let next = |v: usize, out: &mut Vec<usize>| out.push((v + 1) % n);
        let cyclic = cyclic_components(n, |_| true, next);
        assert_eq!(cyclic.len(), 1);
        assert_eq!(cyclic[0].len(), n);
        let chain = components(
            n,
            |_| true,
            |v, out| out.extend((v + 1 < n).then_some(v + 1)),
        );
        assert_eq!(chain.len(), n);
        assert_eq!(chain[0], vec![n - 1]);
    }
}
