//! Shared words about challenges, below every other floor: the challenge catalog
//! (`maelstrom.toml`, [`catalog`]) and its pass criteria ([`criterion`]), Maelstrom's options as one typed
//! struct ([`opts`]), their validated value types ([`values`]), the workloads ([`workload`]),
//! and the phases of a test ([`phase`]).

pub(crate) mod catalog;
pub(crate) mod criterion;
pub(crate) mod opts;
pub(crate) mod phase;
pub(crate) mod values;
pub(crate) mod workload;

pub use catalog::{Profile, Profiles, Release};
pub use opts::{Resolved, TestOpts};
pub use phase::Phase;
pub use workload::Workload;
