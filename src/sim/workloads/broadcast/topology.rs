//! Maelstrom's `--topology` maps (grid, line, tree2/3/4, total), built exactly as
//! `maelstrom.workload.broadcast` builds them: same neighbour sets, same neighbour order.

use std::collections::BTreeMap;

/// Node → its neighbours.
type Topology = BTreeMap<String, Vec<String>>;

/// The topology named `name` over `nodes` (in Maelstrom's node order).
pub(crate) fn build(name: &str, nodes: &[String]) -> anyhow::Result<Topology> {
    Ok(match name {
        "grid" => grid(nodes),
        "line" => line(nodes),
        "tree" | "tree2" => tree(2, nodes),
        "tree3" => tree(3, nodes),
        "tree4" => tree(4, nodes),
        "total" => total(nodes),
        other => anyhow::bail!(
            "unknown --topology {other:?} (known: line, grid, tree, tree2, tree3, tree4, total)"
        ),
    })
}

/// A ⌈√n⌉-wide grid, rows filled in order; neighbours listed below, above, right, left.
fn grid(nodes: &[String]) -> Topology {
    let n = nodes.len();
    let side = (n as f64).sqrt().ceil() as i64;
    let at = |i: i64, j: i64| -> Option<&String> {
        if i < 0 || j < 0 || j >= side {
            return None;
        }
        nodes.get(usize::try_from(i * side + j).ok()?)
    };
    let mut out = Topology::new();
    for i in 0..side {
        for j in 0..side {
            if let Some(me) = at(i, j) {
                let neighbours = [at(i + 1, j), at(i - 1, j), at(i, j + 1), at(i, j - 1)]
                    .into_iter()
                    .flatten()
                    .cloned()
                    .collect();
                out.insert(me.clone(), neighbours);
            }
        }
    }
    out
}

/// A chain: each node's left then right neighbour. Empty for fewer than two nodes, as in
/// Maelstrom.
pub(crate) fn line(nodes: &[String]) -> Topology {
    let n = nodes.len();
    let mut out = Topology::new();
    if n < 2 {
        return out;
    }
    out.insert(nodes[0].clone(), vec![nodes[1].clone()]);
    out.insert(nodes[n - 1].clone(), vec![nodes[n - 2].clone()]);
    for w in nodes.windows(3) {
        out.insert(w[1].clone(), vec![w[0].clone(), w[2].clone()]);
    }
    out
}

/// Every node lists every other node.
fn total(nodes: &[String]) -> Topology {
    nodes
        .iter()
        .map(|me| {
            let others = nodes.iter().filter(|n| *n != me).cloned().collect();
            (me.clone(), others)
        })
        .collect()
}

/// A tree with branching factor `b`, filled tier by tier (1, b, b², … nodes); each node lists
/// its parent first, then its children in order.
fn tree(b: usize, nodes: &[String]) -> Topology {
    let b = b.max(1);
    // Tier boundaries: tier k holds nodes[start_k .. start_k + b^k].
    let mut tiers: Vec<&[String]> = Vec::new();
    let mut rest = nodes;
    let mut size = 1usize;
    while !rest.is_empty() {
        let take = size.min(rest.len());
        tiers.push(&rest[..take]);
        rest = &rest[take..];
        size = size.saturating_mul(b);
    }
    let mut out = Topology::new();
    for (k, tier) in tiers.iter().enumerate() {
        for (q, me) in tier.iter().enumerate() {
            let mut neighbours = Vec::new();
            if k > 0 {
                neighbours.push(tiers[k - 1][q / b].clone());
            }
            if let Some(below) = tiers.get(k + 1) {
                let lo = (q * b).min(below.len());
                let hi = (q * b + b).min(below.len());
                neighbours.extend(below[lo..hi].iter().cloned());
            }
            out.insert(me.clone(), neighbours);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn nodes(n: usize) -> Vec<String> {
        (0..n).map(|i| format!("n{i}")).collect()
    }

    fn v(names: &[&str]) -> Vec<String> {
        names.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn grid_of_five_matches_maelstrom() {
        // side 3: row 0 = n0 n1 n2, row 1 = n3 n4.
        let g = grid(&nodes(5));
        assert_eq!(g["n0"], v(&["n3", "n1"]));
        assert_eq!(g["n1"], v(&["n4", "n2", "n0"]));
        assert_eq!(g["n2"], v(&["n1"]));
        assert_eq!(g["n3"], v(&["n0", "n4"]));
        assert_eq!(g["n4"], v(&["n1", "n3"]));
    }

    #[test]
    fn grid_of_25_has_at_most_four_neighbours() {
        let g = grid(&nodes(25));
        assert_eq!(g.len(), 25);
        assert_eq!(g["n12"], v(&["n17", "n7", "n13", "n11"]));
        assert!(g.values().all(|n| n.len() <= 4 && n.len() >= 2));
    }

    #[test]
    fn line_and_total() {
        let l = line(&nodes(3));
        assert_eq!(l["n0"], v(&["n1"]));
        assert_eq!(l["n1"], v(&["n0", "n2"]));
        assert_eq!(l["n2"], v(&["n1"]));
        assert!(line(&nodes(1)).is_empty());
        assert_eq!(line(&nodes(2))["n1"], v(&["n0"]));
        assert_eq!(total(&nodes(3))["n1"], v(&["n0", "n2"]));
    }

    #[test]
    fn trees_list_parent_then_children() {
        let t = tree(2, &nodes(6));
        assert_eq!(t["n0"], v(&["n1", "n2"]));
        assert_eq!(t["n1"], v(&["n0", "n3", "n4"]));
        assert_eq!(t["n2"], v(&["n0", "n5"]));
        assert_eq!(t["n5"], v(&["n2"]));
        let t3 = tree(3, &nodes(5));
        assert_eq!(t3["n0"], v(&["n1", "n2", "n3"]));
        assert_eq!(t3["n1"], v(&["n0", "n4"]));
        assert_eq!(tree(4, &nodes(1))["n0"], Vec::<String>::new());
        assert!(build("ring", &nodes(3)).is_err());
    }
}
