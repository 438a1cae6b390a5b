//! One schedule per fault, as Jepsen composes nemesis packages (`jepsen.nemesis.combined`):
//! each fault flip-flops between its start operation and its stop operation, the first at once
//! and each next one after Jepsen's stagger (uniform in [0, 2·interval)), with
//! `--nemesis-interval` for every fault.
//!
//! Each fault draws its schedule and its targets from a random stream of its own, derived from
//! the seed: adding a fault to `--nemesis` never moves another's operations, and the partition
//! keeps the very stream a partition-only run has ([`super::stream`]). Jepsen's db package
//! mixes kill and pause on one schedule; here each has its own, for the same reason. What a
//! fault decides per message (which one is lost, duplicated or late) comes from yet another
//! stream ([`packet_stream`]), so the schedule does not depend on how much the nodes send.

use crate::challenge::values::Fault;
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;

/// The random stream of `fault` in a run with `seed`.
pub(crate) fn stream_for(seed: u64, fault: Fault) -> ChaCha8Rng {
    if fault == Fault::Partition {
        return super::stream(seed);
    }
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    rng.set_stream(16 + fault as u64);
    rng
}

/// The stream the network draws per-message fault decisions from.
pub(crate) fn packet_stream(seed: u64) -> ChaCha8Rng {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    rng.set_stream(64);
    rng
}

/// One fault's flip-flop: whether it is on, and its stream.
pub(crate) struct Schedule {
    pub(crate) rng: ChaCha8Rng,
    pub(crate) on: bool,
}

impl Schedule {
    pub(crate) fn new(seed: u64, fault: Fault) -> Schedule {
        Schedule {
            rng: stream_for(seed, fault),
            on: false,
        }
    }

    /// Seconds until this fault's next operation (Jepsen's stagger).
    pub(crate) fn next_delay(&mut self, interval_s: f64) -> f64 {
        super::stagger(interval_s, &mut self.rng)
    }
}

/// The operation names a fault's start and stop are recorded under in the history: Jepsen's
/// own for partition (`:start-partition`), kill (`:kill` / `:start`) and pause (`:pause` /
/// `:resume`); `start-<fault>` / `stop-<fault>` for the network faults Jepsen has no name for.
pub(crate) fn op_names(fault: Fault) -> (&'static str, &'static str) {
    match fault {
        Fault::Partition => ("start-partition", "stop-partition"),
        Fault::Kill => ("kill", "start"),
        Fault::Pause => ("pause", "resume"),
        Fault::PartitionOneway => ("start-partition-oneway", "stop-partition-oneway"),
        Fault::Loss => ("start-loss", "stop-loss"),
        Fault::Duplicate => ("start-duplicate", "stop-duplicate"),
        Fault::Delay => ("start-delay", "stop-delay"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::Rng;

    #[test]
    fn every_fault_has_a_stream_of_its_own_and_partition_keeps_its_old_one() {
        let mut old = super::super::stream(7);
        let mut partition = stream_for(7, Fault::Partition);
        assert_eq!(old.gen::<u64>(), partition.gen::<u64>());
        let faults: Vec<Fault> = Fault::WORDS.iter().filter_map(|w| w.parse().ok()).collect();
        let firsts: std::collections::BTreeSet<u64> = faults
            .iter()
            .map(|f| stream_for(7, *f).gen::<u64>())
            .chain([packet_stream(7).gen::<u64>()])
            .collect();
        assert_eq!(firsts.len(), faults.len() + 1);
        assert_eq!(
            stream_for(7, Fault::Kill).gen::<u64>(),
            stream_for(7, Fault::Kill).gen::<u64>()
        );
    }
}
