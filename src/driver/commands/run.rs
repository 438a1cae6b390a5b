//! `glomers run <challenge|all>`: picks the engine, runs one challenge, a seed sweep or the
//! whole table, and prints the verdict.

use crate::challenge::{Profile, Profiles};
use crate::driver::output::{print_report, say};
use crate::driver::plan::{EngineFlag, Format, RunPlan};
use crate::driver::runs::challenge_plan::ChallengePlan;
use crate::driver::runs::engine::{self, Choice};
use crate::driver::runs::progress::Display;
use crate::driver::runs::sweep;
use crate::driver::runs::{run_all, run_one};
use crate::exit;
use crate::report::{render, table_exit_code};

pub fn run(plan: &RunPlan) -> anyhow::Result<u8> {
    let (profiles, _) = Profiles::load(plan.sources.profiles.as_deref())?;
    // One resolved plan per challenge, derived here once. With a single challenge, a `--bin`
    // that is missing or that this machine cannot start is refused before anything else
    // happens: before the engine is chosen (which may download Maelstrom) or a run starts. In
    // `run all`, a challenge whose plan cannot be made becomes an error row of the table.
    let one = if plan.challenge == "all" {
        None
    } else {
        Some(ChallengePlan::derive(
            profiles.find(&plan.challenge)?,
            plan,
        )?)
    };
    if let Some(count) = plan.seeds {
        let Some(sweep_plan) = one else {
            return Err(exit::setup("--seeds takes one challenge, not `all`"));
        };
        if plan.engine == EngineFlag::Maelstrom {
            return Err(exit::setup(
                "--seeds runs the simulator; it cannot be used with --engine maelstrom",
            ));
        }
        return sweep::command(&sweep_plan, count, plan.format);
    }
    let all: Vec<(&Profile, anyhow::Result<ChallengePlan>)> = match &one {
        Some(_) => Vec::new(),
        None => profiles
            .challenges
            .iter()
            .map(|p| (p, ChallengePlan::derive(p, plan)))
            .collect(),
    };
    // Faults beyond the partition exist in the simulator alone: `--engine maelstrom` refuses
    // them in one line, and `auto` runs the simulator.
    let sim_only = match &one {
        Some(one) => one.opts.needs_sim(),
        None => all
            .iter()
            .filter_map(|(_, p)| p.as_ref().ok())
            .find_map(|p| p.opts.needs_sim()),
    };
    let choice = match (sim_only, plan.engine) {
        (Some(why), EngineFlag::Maelstrom) => return Err(exit::setup(why)),
        (Some(why), EngineFlag::Auto) => Choice::Sim { why },
        _ => engine::choose(
            plan.engine,
            plan.sources.maelstrom.as_deref(),
            &profiles.maelstrom,
        )?,
    };
    if plan.engine != EngineFlag::Sim {
        crate::driver::output::tell(&format!(
            "glomers: engine {}: {}",
            choice.name(),
            choice.why()
        ));
    }
    for warning in choice.warnings() {
        crate::driver::output::tell(&format!("glomers: warning: {warning}"));
    }
    if plan.seed.is_some() && matches!(choice, Choice::Maelstrom { .. }) {
        crate::driver::output::tell(
            "glomers: --seed only applies to the simulator; Maelstrom is not seeded",
        );
    }
    let Some(one) = one else {
        let rows = run_all::run_all(all, &choice, plan)?;
        say(&match plan.format {
            Format::Json => render::table_json(&rows) + "\n",
            Format::Markdown => render::table_markdown(&rows),
            Format::Text => render::table_text(&rows),
        })?;
        return Ok(table_exit_code(&rows));
    };
    let display = Display::for_run(choice.name());
    let report = run_one::run(&one.on(choice), display, true)?;
    print_report(&report, plan.format)?;
    Ok(report.exit_code())
}
