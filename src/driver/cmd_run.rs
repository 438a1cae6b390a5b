//! `glomers run <challenge|all>`: picks the engine, runs one challenge, a seed sweep or the
//! whole table, and prints the verdict.

use super::engine::{self, Choice};
use super::output::{print_report, say};
use super::plan::{Engine, Format, RunPlan};
use super::progress::Display;
use super::{maelstrom_run, run_all, sim_run, sweep};
use crate::challenge::Profiles;
use crate::exit;
use crate::report::{render, table_exit_code};

pub fn run(plan: &RunPlan) -> anyhow::Result<u8> {
    let (profiles, _) = Profiles::load(plan.sources.profiles.as_deref())?;
    let one = if plan.challenge == "all" {
        None
    } else {
        Some(profiles.find(&plan.challenge)?.clone())
    };
    // A `--bin` that is missing or that this machine cannot start is refused before anything
    // else happens: before the engine is chosen (which may download Maelstrom) or a run starts.
    if let (Some(profile), Some(bin)) = (&one, &plan.bin) {
        super::node_program::resolve(bin, profile, &plan.node_args)?;
    }
    if let Some(count) = plan.seeds {
        let Some(profile) = one else {
            return Err(exit::setup("--seeds takes one challenge, not `all`"));
        };
        return sweep::command(&profile, plan, count);
    }
    // Faults beyond the partition exist in the simulator alone: `--engine maelstrom` refuses
    // them in one line, and `auto` runs the simulator.
    let sim_only = match &one {
        Some(profile) => profile.opts.merged(&plan.opts).needs_sim(),
        None => profiles
            .challenges
            .iter()
            .find_map(|p| p.opts.merged(&plan.opts).needs_sim()),
    };
    let choice = match (sim_only, plan.engine) {
        (Some(why), Engine::Maelstrom) => return Err(exit::setup(why)),
        (Some(why), Engine::Auto) => Choice::Sim { why },
        _ => engine::choose(
            plan.engine,
            plan.sources.maelstrom.as_deref(),
            &profiles.maelstrom,
        )?,
    };
    if plan.engine != Engine::Sim {
        super::output::tell(&format!(
            "glomers: engine {}: {}",
            choice.name(),
            choice.why()
        ));
    }
    for warning in choice.warnings() {
        super::output::tell(&format!("glomers: warning: {warning}"));
    }
    if plan.seed.is_some() && matches!(choice, Choice::Maelstrom { .. }) {
        super::output::tell(
            "glomers: --seed only applies to the simulator; Maelstrom is not seeded",
        );
    }
    let Some(profile) = one else {
        let rows = run_all::run_all(&profiles, &choice, plan)?;
        say(&match plan.format {
            Format::Json => render::table_json(&rows) + "\n",
            Format::Markdown => render::table_markdown(&rows),
            Format::Text => render::table_text(&rows),
        })?;
        return Ok(table_exit_code(&rows));
    };
    let report = match &choice {
        Choice::Sim { .. } => sim_run::run(&profile, plan, true)?,
        Choice::Maelstrom { harness, .. } => {
            maelstrom_run::run(harness, &profile, plan, Display::for_run("maelstrom"))?
        }
    };
    print_report(&report, plan.format)?;
    Ok(report.exit_code())
}
