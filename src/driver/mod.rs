//! The driver: challenge profiles, simulator runs, and (with the Maelstrom harness) locating,
//! installing and running the real Maelstrom.

pub mod profiles;
pub mod sim_run;
pub mod sweep;
