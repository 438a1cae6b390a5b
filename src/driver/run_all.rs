//! `glomers run all`: every challenge in order, one overall progress bar, and a final table.
//! A challenge that cannot be run (e.g. a workload the simulator does not model yet, or a
//! harness crash) becomes an error row; `--keep-going` (the default) carries on past failures
//! and errors, `--fail-fast` stops at the first one. Ctrl-C stops the run in progress and the
//! table is printed for what finished.

use super::engine::Choice;
use super::plan::RunPlan;
use super::progress::{self, Display};
use super::{maelstrom_run, sim_run};
use crate::challenge::{Profile, Profiles};
use crate::exit;
use crate::report::{Outcome, Row};
use std::time::Instant;

fn panic_message(payload: &(dyn std::any::Any + Send)) -> String {
    payload
        .downcast_ref::<&str>()
        .map(|s| s.to_string())
        .or_else(|| payload.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "unknown panic".into())
}

/// Runs one challenge with the chosen engine; any error becomes an error row.
fn run_one(choice: &Choice, profile: &Profile, args: &RunPlan, display: Display) -> Outcome {
    let result = match choice {
        Choice::Sim { .. } => {
            // A simulator bug must not take the whole table down with it.
            match std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
                sim_run::run_shown(profile, args, display, false)
            })) {
                Ok(r) => r,
                Err(payload) => Err(exit::harness(format!(
                    "the simulator panicked: {}",
                    panic_message(payload.as_ref())
                ))),
            }
        }
        Choice::Maelstrom { harness, .. } => maelstrom_run::run(harness, profile, args, display),
    };
    match result {
        Ok(report) => Outcome::Judged(Box::new(report)),
        Err(err) => Outcome::Error {
            message: format!("{err:#}"),
            code: exit::code_of(&err),
        },
    }
}

/// Runs every challenge; returns the table rows (in order, up to where it stopped).
pub(crate) fn run_all(
    profiles: &Profiles,
    choice: &Choice,
    args: &RunPlan,
) -> anyhow::Result<Vec<Row>> {
    if !args.node_args.is_empty() && args.bin.is_none() {
        return Err(exit::setup(
            "--node-arg cannot be used with `run all`: node flags differ per workload",
        ));
    }
    let total = profiles.challenges.len();
    let bar = progress::bars_enabled().then(|| {
        progress::new_bar(
            Some(total as u64),
            "[{elapsed_precise}] {bar:30.cyan/blue} {pos}/{len} {msg}",
            true,
        )
    });
    let mut rows = Vec::with_capacity(total);
    for (i, profile) in profiles.challenges.iter().enumerate() {
        let label = format!("{} {}", profile.id, profile.title);
        let display = match &bar {
            Some(bar) => {
                bar.set_message(label.clone());
                Display::Shared {
                    bar: bar.clone(),
                    prefix: label.clone(),
                }
            }
            None => {
                super::output::tell(&format!("[{}/{total}] {label} ({})", i + 1, choice.name()));
                Display::Lines {
                    prefix: profile.id.clone(),
                }
            }
        };
        let started = Instant::now();
        let outcome = run_one(choice, profile, args, display);
        let row = Row {
            id: profile.id.clone(),
            title: profile.title.clone(),
            engine: choice.name().to_string(),
            wall_seconds: started.elapsed().as_secs_f64(),
            outcome,
        };
        let line = format!(
            "{} {} ({:.1} s)",
            profile.id,
            row.status(),
            row.wall_seconds
        );
        match &bar {
            Some(bar) => {
                bar.println(line);
                bar.inc(1);
            }
            None => super::output::tell(&format!("[{}/{total}] {line}", i + 1)),
        }
        let interrupted = matches!(
            &row.outcome,
            Outcome::Error { code, .. } if *code == exit::INTERRUPTED
        );
        let failed = row.status() != "PASS";
        rows.push(row);
        if interrupted || (failed && args.fail_fast) {
            break;
        }
    }
    if let Some(bar) = bar {
        bar.finish_and_clear();
    }
    Ok(rows)
}
