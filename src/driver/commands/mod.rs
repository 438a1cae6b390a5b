//! The subcommands, one file each: `glomers run` ([`run`]), `report` ([`report`]), `list`
//! ([`list`]), `sweep` ([`sweep`]) and `maelstrom …` ([`maelstrom`]). Each works from a plan
//! built from the command line and prints through [`crate::driver::output`].

pub mod list;
pub mod maelstrom;
pub mod report;
pub mod run;
pub mod sweep;
