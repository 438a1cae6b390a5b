//! Running challenges: [`challenge_plan`] one challenge's run resolved once from the plan,
//! with [`node_program`] the node under test (and [`runnable`] checking a `--bin` can start
//! here); [`engine`] choosing between Maelstrom and the simulator; [`run_one`] a plan on its
//! engine, [`maelstrom_run`] and [`sim_run`] one run per engine, [`progress`] its phases and bars, [`store_root`] where
//! `store/` goes and [`run_folder`] the run folder of the simulator; [`sweep`] many seeds,
//! [`flag_sweep`] a grid of node flags over seeds; [`run_all`] the whole table.

pub mod challenge_plan;
pub(crate) mod engine;
pub mod flag_sweep;
pub(crate) mod maelstrom_run;
pub(crate) mod node_program;
pub(crate) mod progress;
pub(crate) mod run_all;
pub(crate) mod run_folder;
pub(crate) mod run_one;
pub(crate) mod runnable;
pub mod sim_run;
pub(crate) mod store_root;
pub(crate) mod sweep;
