//! Child processes that never outlive glomers, however it ends.
//!
//! Map: [`group`] starts a child in a process group of its own with a death signal, and peeks
//! at its exit without reaping it (the Maelstrom harness runs so); [`guarded`] starts a node
//! under a [`guard`] — a small process that makes itself a subreaper, watches a lifeline from
//! glomers, and on the node's exit or glomers' end kills everything the node started and exits
//! as the node did; [`descendants`] finds, freezes, kills and reaps every process below one,
//! for the guards and for `glomers run` itself ([`descendants::Leftovers`]); [`lines`] reads a
//! child's output line by line with a cap on line length, and [`tail`] keeps the last lines
//! it wrote; [`interrupt`] turns Ctrl-C, SIGTERM and SIGHUP into a flag while children are
//! being run, so that they are stopped before glomers ends.

pub mod descendants;
pub mod group;
pub mod guard;
pub mod guarded;
pub mod interrupt;
pub mod lines;
pub mod tail;

pub use guarded::{guard_with_this_executable, set_guard_program, Guarded, Pipes};
