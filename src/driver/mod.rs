//! The driver: challenge profiles, and running them — in the embedded simulator, or in the real
//! Maelstrom (located or installed, checked by `doctor`, run in its own process group with a
//! progress bar, judged from the run folder it writes).
//!
//! Map: [`profiles`] the challenges; [`locate`], [`jarinfo`], [`install`] (with [`download`],
//! [`unpack`] and [`interrupt_flag`]), [`doctor`] finding and preparing Maelstrom; [`engine`]
//! choosing between Maelstrom and the simulator; [`supervise`] the process group and signals;
//! [`progress`] phases and bars; [`maelstrom_run`] and [`sim_run`] one challenge per engine;
//! [`run_all`] the whole table. `exit` (errors that carry exit codes) lives at the crate root
//! and is re-exported here.

pub mod doctor;
pub mod download;
pub mod engine;
pub mod install;
pub mod interrupt_flag;
pub mod jarinfo;
pub mod locate;
pub mod maelstrom_run;
pub mod profiles;
pub mod progress;
pub mod run_all;
pub mod sim_run;
pub mod supervise;
pub mod sweep;
pub mod unpack;

/// The exit codes live below every floor; this keeps `driver::exit` paths working.
pub use crate::exit;
