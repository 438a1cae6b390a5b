//! Which nodes a fault hits. Kill and pause pick from Jepsen's node specifications
//! (`jepsen.nemesis.combined/db-nodes`, every one of `node-specs`): a random non-empty subset
//! (`nil`), one node, a minority third, a minority, a majority, or all of them. A one-way
//! partition cuts one of Maelstrom's clean splits (one node, a minority third, majority
//! halves) in a single direction: one side stops hearing the other, which still hears it.

use super::Target;
use crate::sim::network::Grudge;
use rand::seq::SliceRandom;
use rand::Rng;
use rand_chacha::ChaCha8Rng;
use std::collections::BTreeSet;

/// A node specification, as Jepsen's db nemesis reads one.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum NodeSpec {
    /// Jepsen's `nil`: a random non-empty subset.
    Any,
    One,
    MinorityThird,
    Minority,
    Majority,
    All,
}

impl NodeSpec {
    /// `jepsen.nemesis.combined/node-specs`, in its order.
    const ALL: [NodeSpec; 6] = [
        NodeSpec::Any,
        NodeSpec::One,
        NodeSpec::MinorityThird,
        NodeSpec::Minority,
        NodeSpec::Majority,
        NodeSpec::All,
    ];

    /// The keyword Jepsen records as the operation's value; `nil` has none.
    pub(crate) fn name(self) -> Option<&'static str> {
        match self {
            NodeSpec::Any => None,
            NodeSpec::One => Some("one"),
            NodeSpec::MinorityThird => Some("minority-third"),
            NodeSpec::Minority => Some("minority"),
            NodeSpec::Majority => Some("majority"),
            NodeSpec::All => Some("all"),
        }
    }
}

/// Jepsen's `majority`: the smallest count strictly above half.
fn majority(n: usize) -> usize {
    n / 2 + 1
}

/// A random node specification and the nodes it names, in `nodes`' order.
pub(crate) fn pick_nodes(nodes: &[String], rng: &mut ChaCha8Rng) -> (NodeSpec, Vec<String>) {
    let spec = NodeSpec::ALL[rng.gen_range(0..NodeSpec::ALL.len())];
    let n = nodes.len();
    let mut shuffled = nodes.to_vec();
    let count = match spec {
        NodeSpec::Any => {
            shuffled.shuffle(rng);
            rng.gen_range(1..=n.max(1))
        }
        NodeSpec::One => {
            shuffled.shuffle(rng);
            1
        }
        NodeSpec::MinorityThird => {
            shuffled.shuffle(rng);
            n.saturating_sub(1) / 3
        }
        NodeSpec::Minority => {
            shuffled.shuffle(rng);
            majority(n) - 1
        }
        NodeSpec::Majority => {
            shuffled.shuffle(rng);
            majority(n)
        }
        NodeSpec::All => n,
    };
    let chosen: BTreeSet<&String> = shuffled.iter().take(count.min(n)).collect();
    let named = nodes
        .iter()
        .filter(|id| chosen.contains(id))
        .cloned()
        .collect();
    (spec, named)
}

/// A random one-way partition: a clean split of a random shape, one side of which ignores
/// the other.
pub(crate) fn oneway_grudge(nodes: &[String], rng: &mut ChaCha8Rng) -> (Target, Grudge) {
    const SHAPES: [Target; 3] = [Target::One, Target::MinorityThird, Target::Majority];
    let target = SHAPES[rng.gen_range(0..SHAPES.len())];
    let mut shuffled = nodes.to_vec();
    shuffled.shuffle(rng);
    let n = shuffled.len();
    let cut = match target {
        Target::One => 1.min(n),
        Target::MinorityThird => n.saturating_sub(1) / 3,
        _ => n / 2,
    };
    let rest = shuffled.split_off(cut);
    let (deaf, heard) = if rng.gen_bool(0.5) {
        (shuffled, rest)
    } else {
        (rest, shuffled)
    };
    let mut grudge = Grudge::default();
    if !heard.is_empty() {
        let ignored: BTreeSet<String> = heard.into_iter().collect();
        for node in deaf {
            grudge.0.insert(node, ignored.clone());
        }
    }
    (target, grudge)
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;

    fn nodes(n: usize) -> Vec<String> {
        (0..n).map(|i| format!("n{i}")).collect()
    }

    #[test]
    fn specs_name_jepsen_s_counts() {
        let mut rng = ChaCha8Rng::seed_from_u64(1);
        let mut seen = std::collections::BTreeMap::new();
        for _ in 0..600 {
            let (spec, chosen) = pick_nodes(&nodes(5), &mut rng);
            let expected = match spec {
                NodeSpec::One => Some(1),
                NodeSpec::MinorityThird => Some(1),
                NodeSpec::Minority => Some(2),
                NodeSpec::Majority => Some(3),
                NodeSpec::All => Some(5),
                NodeSpec::Any => None,
            };
            match expected {
                Some(count) => assert_eq!(chosen.len(), count, "{spec:?}"),
                None => assert!((1..=5).contains(&chosen.len())),
            }
            let mut sorted = chosen.clone();
            sorted.sort();
            assert_eq!(sorted, chosen, "in the nodes' order");
            *seen.entry(spec.name()).or_insert(0) += 1;
        }
        assert_eq!(seen.len(), 6, "every spec comes up: {seen:?}");
        // Three nodes: a minority third is nobody, as in Jepsen.
        let mut rng = ChaCha8Rng::seed_from_u64(2);
        for _ in 0..100 {
            let (spec, chosen) = pick_nodes(&nodes(3), &mut rng);
            if spec == NodeSpec::MinorityThird {
                assert!(chosen.is_empty());
            }
        }
    }

    #[test]
    fn a_oneway_partition_blocks_one_direction_only() {
        let mut rng = ChaCha8Rng::seed_from_u64(3);
        for _ in 0..50 {
            let (_, g) = oneway_grudge(&nodes(5), &mut rng);
            for (deaf, ignored) in &g.0 {
                for other in ignored {
                    assert!(g.blocks(other, deaf));
                    assert!(!g.blocks(deaf, other), "{deaf} -> {other} still flows");
                }
            }
        }
    }
}
