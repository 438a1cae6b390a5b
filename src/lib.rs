//! glomers: the nodes for every Gossip Glomers challenge, a driver for Jepsen's Maelstrom, and
//! an embedded deterministic simulator of Maelstrom, in one crate.
//!
//! Map, by floors (a module imports only from its floor or below):
//! 1. [`protocol`] the wire format; [`challenge`] the catalog, criteria, workloads and
//!    Maelstrom's typed options; [`history`] Jepsen's history types; [`exit`] exit codes;
//!    [`child`] child processes that never outlive glomers; [`budget`] back-pressure for
//!    nodes that write faster than a run can carry.
//! 2. [`node`] the sans-IO contract and the stdio runtime; [`verdict`] figures from a
//!    Maelstrom-shaped results map, and the verdict.
//! 3. [`nodes`] our nodes.
//! 4. [`sim`] the simulator: in-process nodes in virtual time, or anyone's node as processes
//!    on the wall clock ([`sim::external`]).
//! 5. [`report`] reads Maelstrom's `store/`, and draws plots, message diagrams and pages.
//! 6. [`driver`] the subcommands, engine choice and the real harness.
//! 7. [`cli`] the command line, turned into the driver's plans.

// The module maps in the `//!` headers name private modules on purpose: they are read in the
// source or with `cargo doc --document-private-items`, where the links resolve.
#![allow(rustdoc::private_intra_doc_links)]

pub mod budget;
pub mod challenge;
pub mod child;
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
