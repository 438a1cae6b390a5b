//! The tests whose figures are wall-clock figures: nodes run as real processes under the
//! simulator's real-time engine and held to real Maelstrom runs (delivery delays, stable
//! latencies, msgs-per-op of chatty nodes). They are a test binary of their own because cargo
//! runs test binaries one after another, so nothing else in the suite loads the machine while
//! they measure; within this binary each takes the machine alone
//! ([`support::machine::alone`]).

// The helpers are shared with `tests/it`, and each binary uses only part of them.
#[allow(dead_code)]
#[path = "../it/support/mod.rs"]
mod support;

mod foreign_nodes;
mod learner_fidelity;
mod load_curve;
mod reference_nodes;
