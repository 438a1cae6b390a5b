//! Maelstrom's partition nemesis: start and stop operations alternate, the first at once and
//! each next one delayed uniformly in [0, 2·interval) after it (Jepsen's stagger), and every
//! start picks one of Maelstrom's targets:
//! one node isolated, a minority third, majority halves, or a majorities ring.
//!
//! The nemesis draws from a stream of its own ([`stream`]), so one seed gives one schedule of
//! partitions whatever the nodes do: the same in virtual time and with real processes.

use super::network::Grudge;
use rand::seq::SliceRandom;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use std::collections::BTreeSet;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Target {
    One,
    MinorityThird,
    Majority,
    MajoritiesRing,
}

impl Target {
    const ALL: [Target; 4] = [
        Target::One,
        Target::MinorityThird,
        Target::Majority,
        Target::MajoritiesRing,
    ];

    pub(crate) fn name(self) -> &'static str {
        match self {
            Target::One => "one",
            Target::MinorityThird => "minority-third",
            Target::Majority => "majority",
            Target::MajoritiesRing => "majorities-ring",
        }
    }
}

/// The nemesis's random stream for a run with `seed`: the run's seed on a stream of its own.
pub(crate) fn stream(seed: u64) -> ChaCha8Rng {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    rng.set_stream(1);
    rng
}

/// A random grudge of a random target type over `nodes`.
pub(crate) fn random_grudge(nodes: &[String], rng: &mut ChaCha8Rng) -> (Target, Grudge) {
    let target = Target::ALL[rng.gen_range(0..Target::ALL.len())];
    (target, grudge(target, nodes, rng))
}

fn grudge(target: Target, nodes: &[String], rng: &mut ChaCha8Rng) -> Grudge {
    let mut shuffled = nodes.to_vec();
    shuffled.shuffle(rng);
    let n = shuffled.len();
    match target {
        Target::One => {
            let rest = shuffled.split_off(1.min(n));
            Grudge::complete(&[shuffled, rest])
        }
        Target::MinorityThird => {
            // Jepsen cuts off the largest count strictly under a third, ⌊(n − 1)/3⌋
            // (`jepsen.util/minority-third`): 1 of 5, none of 2 or 3.
            let rest = shuffled.split_off(n.saturating_sub(1) / 3);
            Grudge::complete(&[shuffled, rest])
        }
        Target::Majority => {
            let rest = shuffled.split_off(n / 2);
            Grudge::complete(&[shuffled, rest])
        }
        Target::MajoritiesRing => majorities_ring(&shuffled),
    }
}

/// Each window of m = ⌊n/2⌋+1 consecutive nodes around a shuffled ring: the window's middle
/// node hears only the nodes of its window. Every node sees a majority, no two the same one.
fn majorities_ring(ring: &[String]) -> Grudge {
    let n = ring.len();
    let mut g = Grudge::default();
    if n == 0 {
        return g;
    }
    let m = n / 2 + 1;
    let all: BTreeSet<String> = ring.iter().cloned().collect();
    for start in 0..n {
        let window: BTreeSet<String> = (0..m).map(|k| ring[(start + k) % n].clone()).collect();
        let middle = ring[(start + m / 2) % n].clone();
        let outside: BTreeSet<String> = all.difference(&window).cloned().collect();
        g.0.insert(middle, outside);
    }
    g
}

/// Delay until the next nemesis operation, in seconds.
pub(crate) fn stagger(interval_s: f64, rng: &mut ChaCha8Rng) -> f64 {
    if interval_s <= 0.0 {
        0.0
    } else {
        rng.gen_range(0.0..2.0 * interval_s)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn nodes(n: usize) -> Vec<String> {
        (0..n).map(|i| format!("n{i}")).collect()
    }

    #[test]
    fn majority_splits_into_two_sides() {
        let mut rng = ChaCha8Rng::seed_from_u64(1);
        let g = grudge(Target::Majority, &nodes(5), &mut rng);
        let isolated: usize = g.0.values().map(BTreeSet::len).sum();
        // 2 nodes ignore 3 and 3 ignore 2.
        assert_eq!(isolated, 2 * 3 + 3 * 2);
    }

    #[test]
    fn ring_leaves_every_node_a_majority() {
        let mut rng = ChaCha8Rng::seed_from_u64(2);
        let g = grudge(Target::MajoritiesRing, &nodes(5), &mut rng);
        assert_eq!(g.0.len(), 5);
        assert!(g.0.values().all(|blocked| blocked.len() == 2));
    }

    #[test]
    fn minority_third_is_strictly_under_a_third() {
        let mut rng = ChaCha8Rng::seed_from_u64(4);
        for (n, cut) in [(2, 0), (3, 0), (4, 1), (5, 1), (7, 2), (25, 8)] {
            let g = grudge(Target::MinorityThird, &nodes(n), &mut rng);
            let blocked: usize = g.0.values().map(BTreeSet::len).sum();
            assert_eq!(blocked, 2 * cut * (n - cut), "{n} nodes");
        }
    }

    #[test]
    fn the_schedule_is_a_function_of_the_seed_alone() {
        let draw = |seed| {
            let mut rng = stream(seed);
            (0..8)
                .map(|_| {
                    let (target, g) = random_grudge(&nodes(5), &mut rng);
                    (target, g, stagger(10.0, &mut rng).to_bits())
                })
                .collect::<Vec<_>>()
        };
        assert_eq!(draw(1), draw(1));
        assert_ne!(draw(1), draw(2));
        // Seeds 1 to 8 do not all open alike.
        let first: BTreeSet<&str> = (1..=8).map(|s| draw(s)[0].0.name()).collect();
        assert!(first.len() > 1, "{first:?}");
    }

    #[test]
    fn one_isolates_exactly_one_node() {
        let mut rng = ChaCha8Rng::seed_from_u64(3);
        let g = grudge(Target::One, &nodes(3), &mut rng);
        let lonely: Vec<_> = g.0.iter().filter(|(_, s)| s.len() == 2).collect();
        assert_eq!(lonely.len(), 1);
    }
}
