//! Child processes that never outlive glomers, however it ends.
//!
//! Map: [`group`] starts a child in a process group of its own with a death signal, peeks at
//! its exit without reaping it, and stops the group — SIGTERM, a grace period, SIGKILL — or
//! kills it at once (the Maelstrom harness runs so, and each guard); [`guarded`] starts a node
//! under a [`guard`] — a small process that makes itself a subreaper, watches a lifeline from
//! glomers, and on the node's exit or glomers' end kills everything the node started and exits
//! as the node did; [`descendants`] finds, freezes, kills and reaps every process below one,
//! for the guards and for `glomers run` itself ([`descendants::Leftovers`]), from what
//! [`proc_stat`] reads of each process.
//!
//! For the output of any child: [`lines`] reads it line by line with a cap on line length, and
//! [`tail`] keeps the last lines of it. [`interrupt`] turns Ctrl-C, SIGTERM and SIGHUP into a
//! flag while children run, so that they are stopped before glomers ends.

pub mod descendants;
pub mod group;
pub mod guard;
pub mod guarded;
pub mod interrupt;
pub mod lines;
mod proc_stat;
pub mod tail;

pub use guarded::{guard_with_this_executable, set_guard_program, Guarded, Pipes};
