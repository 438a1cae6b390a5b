//! Shared words about challenges, below every other floor: the challenge catalog
//! (`maelstrom.toml`, [`catalog`]) and its pass criteria ([`criterion`]), Maelstrom's options as one typed
//! struct ([`opts`]), their validated value types ([`values`]), and the workloads
//! ([`workload`]).

pub mod catalog;
pub mod criterion;
pub mod opts;
pub mod values;
pub mod workload;

pub use catalog::{Profile, Profiles, Release};
pub use opts::{Resolved, TestOpts};
pub use workload::Workload;
