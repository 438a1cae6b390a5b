//! The driver: challenge profiles, and running them — in the embedded simulator, or in the real
//! Maelstrom (located or installed, checked by `doctor`, run in its own process group with a
//! progress bar, judged from the run folder it writes).
//!
//! Map, in three parts: [`commands`] the subcommands, working from a [`plan`] built from the
//! command line and printing through [`output`]; [`runs`] running challenges (one plan per
//! challenge, the engine choice, one run per engine, seed and flag sweeps, the whole table);
//! [`maelstrom`] getting and supervising the real Maelstrom (locate, install, doctor, the
//! process group).

pub mod commands;
pub(crate) mod maelstrom;
pub mod output;
pub mod plan;
pub mod runs;
