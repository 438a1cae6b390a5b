//! glomers: the nodes for every Gossip Glomers challenge, a driver for Jepsen's Maelstrom, and
//! an embedded deterministic simulator of Maelstrom, in one crate.
//!
//! Map: [`protocol`] is the wire format; [`node`] the sans-IO contract and the stdio runtime;
//! [`workloads`] the nodes; [`sim`] the simulator; [`driver`] profiles and the real harness;
//! [`report`] reads Maelstrom's `store/`; [`verdict`] turns figures into a verdict.

pub mod challenge;
pub mod cli;
pub mod driver;
pub mod exit;
pub mod history;
pub mod node;
pub mod nodes;
pub mod protocol;
pub mod report;
pub mod sim;
pub mod verdict;
