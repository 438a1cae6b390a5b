//! The simulator in virtual time: each challenge's profile over many seeds with its checker
//! shown to bite, Maelstrom's services and the nemesis's faults inside a whole run, the faults
//! table, and the fidelity and calibration of the timing model against real Maelstrom runs.

mod broadcast;
mod calibration;
mod echo_unique_ids;
mod fault_table;
mod faults;
mod fidelity;
mod g_counter;
mod kafka;
mod services;
mod txn;
