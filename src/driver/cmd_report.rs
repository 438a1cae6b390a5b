//! `glomers report [RUN_DIR]`: judges a finished Maelstrom run folder (default `store/latest`).

use super::output::print_report;
use super::plan::ReportPlan;
use crate::challenge::Profiles;
use crate::report::run_dir;

pub fn run(plan: &ReportPlan) -> anyhow::Result<u8> {
    let dir = run_dir::resolve(plan.run_dir.as_deref())?;
    let (profiles, _) = Profiles::load(plan.profiles.as_deref())?;
    let report = run_dir::load(&dir, &profiles, plan.challenge.as_deref())?;
    print_report(&report, plan.format)?;
    Ok(report.exit_code())
}
