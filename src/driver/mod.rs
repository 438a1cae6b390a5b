//! The driver: challenge profiles, and running them — in the embedded simulator, or in the real
//! Maelstrom (located or installed, checked by `doctor`, run in its own process group with a
//! progress bar, judged from the run folder it writes).
//!
//! Map: one file per subcommand ([`cmd_run`], [`cmd_report`], [`cmd_list`],
//! [`cmd_maelstrom`]) working from a [`plan`] built from the command line, and printing through
//! [`output`]; [`cache`] the cache layout, shared by [`locate`] (with [`jarinfo`]) and
//! [`install`] (with [`download`] and [`unpack`]); [`doctor`] checking the
//! harness; [`engine`] choosing between Maelstrom and the simulator, with [`failed_download`]
//! remembering a failed automatic install; [`supervise`] the process group and signals;
//! [`progress`] phases and bars; [`node_program`] the node under test (with [`runnable`]
//! checking a `--bin` can start here); [`challenge_plan`] one challenge's run resolved once
//! from the plan, which [`maelstrom_run`] and [`sim_run`] run, one per engine; [`store_root`] where `store/` goes, [`run_folder`] the run folder of engines other
//! than Maelstrom; [`sweep`] many seeds, [`flag_sweep`] a grid of node flags over seeds
//! ([`cmd_sweep`]); [`run_all`] the whole table.

pub(crate) mod cache;
pub mod challenge_plan;
pub mod cmd_list;
pub mod cmd_maelstrom;
pub mod cmd_report;
pub mod cmd_run;
pub mod cmd_sweep;
pub(crate) mod doctor;
pub(crate) mod download;
pub(crate) mod engine;
pub(crate) mod failed_download;
pub mod flag_sweep;
pub(crate) mod install;
pub(crate) mod jarinfo;
pub(crate) mod locate;
pub(crate) mod maelstrom_run;
pub(crate) mod node_program;
pub mod output;
pub mod plan;
pub(crate) mod progress;
pub(crate) mod run_all;
pub(crate) mod run_folder;
pub(crate) mod runnable;
pub mod sim_run;
pub(crate) mod store_root;
pub(crate) mod supervise;
pub(crate) mod sweep;
pub(crate) mod unpack;
