//! One challenge's run on the engine its plan names: the simulator or the real Maelstrom. The
//! one place a plan meets its engine, for `glomers run <challenge>` and for each row of
//! `run all`.

use crate::driver::runs::challenge_plan::ChallengePlan;
use crate::driver::runs::engine::Choice;
use crate::driver::runs::progress::Display;
use crate::driver::runs::{maelstrom_run, sim_run};
use crate::report::RunReport;

/// Runs `plan` on its engine, its phases shown on `display`; with `keep_folder`, a simulator
/// run leaves a run folder as Maelstrom's does.
pub(crate) fn run(
    plan: &ChallengePlan,
    display: Display,
    keep_folder: bool,
) -> anyhow::Result<RunReport> {
    match &plan.engine {
        Choice::Sim { .. } => sim_run::run(plan, display, keep_folder),
        Choice::Maelstrom { maelstrom, .. } => maelstrom_run::run(maelstrom, plan, display),
    }
}
