//! Shared words about challenges, below every other floor: Maelstrom's options as one typed
//! struct ([`opts`]), their validated value types ([`values`]), and the workloads
//! ([`workload`]).

pub mod opts;
pub mod values;
pub mod workload;

pub use opts::{Resolved, TestOpts};
pub use workload::Workload;
