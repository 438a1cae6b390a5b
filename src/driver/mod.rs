//! The driver: challenge profiles, and running them — in the embedded simulator, or in the real
//! Maelstrom (located or installed, checked by `doctor`, run in its own process group with a
//! progress bar, judged from the run folder it writes).
//!
//! Map: [`cache`] the cache layout, shared by [`locate`] (with [`jarinfo`]) and [`install`]
//! (with [`download`], [`unpack`] and [`interrupt_flag`]); [`doctor`] finding and preparing
//! Maelstrom; [`engine`] choosing between Maelstrom and the simulator; [`supervise`] the
//! process group and signals; [`progress`] phases and bars; [`maelstrom_run`] and [`sim_run`]
//! one challenge per engine; [`run_all`] the whole table.

pub mod cache;
pub mod doctor;
pub mod download;
pub mod engine;
pub mod install;
pub mod interrupt_flag;
pub mod jarinfo;
pub mod locate;
pub mod maelstrom_run;
pub mod progress;
pub mod run_all;
pub mod sim_run;
pub mod supervise;
pub mod sweep;
pub mod unpack;
