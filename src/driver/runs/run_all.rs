//! `glomers run all`: every challenge in order, one overall progress bar, and a final table.
//! A challenge that cannot be run (e.g. a workload the simulator does not model yet, or a
//! harness crash) becomes an error row; `--keep-going` (the default) carries on past failures
//! and errors, `--fail-fast` stops at the first one. Ctrl-C stops the run in progress and the
//! table is printed for what finished.

use crate::challenge::Profile;
use crate::driver::plan::RunPlan;
use crate::driver::runs::challenge_plan::ChallengePlan;
use crate::driver::runs::engine::Choice;
use crate::driver::runs::progress::{self, Display};
use crate::driver::runs::run_one;
use crate::exit;
use crate::report::{Row, RowOutcome};
use std::time::Instant;

fn panic_message(payload: &(dyn std::any::Any + Send)) -> String {
    payload
        .downcast_ref::<&str>()
        .map(|s| s.to_string())
        .or_else(|| payload.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "unknown panic".into())
}

/// Runs one challenge's plan with the chosen engine; any error (in making the plan too)
/// becomes an error row.
fn run_one(choice: &Choice, plan: anyhow::Result<ChallengePlan>, display: Display) -> RowOutcome {
    let result = plan.and_then(|plan| {
        let plan = plan.on(choice.clone());
        // A simulator bug must not take the whole table down with it.
        std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            run_one::run(&plan, display, false)
        }))
        .unwrap_or_else(|payload| {
            Err(exit::harness(format!(
                "the {} panicked: {}",
                if choice.name() == "sim" {
                    "simulator"
                } else {
                    "driver"
                },
                panic_message(payload.as_ref())
            )))
        })
    });
    match result {
        Ok(report) => RowOutcome::Judged(Box::new(report)),
        Err(err) => RowOutcome::Error {
            message: format!("{err:#}"),
            code: exit::code_of(&err),
        },
    }
}

/// Runs every challenge; returns the table rows (in order, up to where it stopped).
pub(crate) fn run_all(
    plans: Vec<(&Profile, anyhow::Result<ChallengePlan>)>,
    choice: &Choice,
    args: &RunPlan,
) -> anyhow::Result<Vec<Row>> {
    if !args.node_args.is_empty() && args.bin.is_none() {
        return Err(exit::setup(
            "--node-arg cannot be used with `run all`: node flags differ per workload",
        ));
    }
    let total = plans.len();
    let bar = progress::bars_enabled().then(|| {
        progress::new_bar(
            Some(total as u64),
            "[{elapsed_precise}] {bar:30.cyan/blue} {pos}/{len} {msg}",
            true,
        )
    });
    let mut rows = Vec::with_capacity(total);
    for (i, (profile, plan)) in plans.into_iter().enumerate() {
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
                crate::driver::output::tell(&format!(
                    "[{}/{total}] {label} ({})",
                    i + 1,
                    choice.name()
                ));
                Display::Lines {
                    prefix: profile.id.clone(),
                }
            }
        };
        let started = Instant::now();
        let outcome = run_one(choice, plan, display);
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
            None => crate::driver::output::tell(&format!("[{}/{total}] {line}", i + 1)),
        }
        let interrupted = matches!(
            &row.outcome,
            RowOutcome::Error { code, .. } if *code == exit::INTERRUPTED
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
