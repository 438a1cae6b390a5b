//! `glomers report [RUN_DIR]`: judges a finished Maelstrom run folder (default `store/latest`)
//! and names its page; with `--html`, first writes the page and plots (for any folder, a
//! Maelstrom one too).

use crate::challenge::Profiles;
use crate::driver::output::print_report;
use crate::driver::plan::ReportPlan;
use crate::report::{html, run_dir, view};

pub fn run(plan: &ReportPlan) -> anyhow::Result<u8> {
    let dir = run_dir::resolve(plan.run_dir.as_deref())?;
    let (profiles, _) = Profiles::load(plan.profiles.as_deref())?;
    let mut report = run_dir::load(&dir, &profiles, plan.challenge.as_deref())?;
    if plan.html {
        report.page = Some(view::write(&report, &dir, &plan.view)?);
    } else {
        let page = dir.join(html::FILE);
        report.page = page.is_file().then_some(page);
    }
    print_report(&report, plan.format)?;
    Ok(report.exit_code())
}
