//! Shared words about challenges, below every other floor: Maelstrom's options as one typed
//! struct ([`opts`]) and their validated value types ([`values`]).

pub mod opts;
pub mod values;

pub use opts::{Resolved, TestOpts};
