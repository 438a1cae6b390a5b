//! The driver through the real binary or its plans: `glomers run` against a fake Maelstrom,
//! run folders of simulated runs, `maelstrom install` and `doctor`, hostile command lines, and
//! the committed shell completions.

mod cli_options;
mod completions;
mod doctor;
mod install;
mod run;
mod run_folders;
