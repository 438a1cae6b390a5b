//! `glomers run <challenge> --engine sim`: runs a profile in the embedded simulator and judges
//! it, with the seed and the command that replays the run. Glomers' own node runs in-process in
//! virtual time (the run replays exactly); a `--bin` program runs as real processes on the wall
//! clock (the seed fixes the network's and the clients' choices, not the node's timing). A
//! single run leaves a run folder as Maelstrom does ([`crate::driver::runs::run_folder`]); runs inside
//! `run all` and sweeps do not.

use crate::challenge::Phase;
use crate::child::interrupt::InterruptFlag;
use crate::driver::runs::challenge_plan::{ChallengePlan, NodeProgram};
use crate::driver::runs::progress::{Display, Timeline, Tracker};
use crate::driver::runs::run_folder::RunFolder;
use crate::exit;
use crate::report::RunReport;
use crate::sim::external::Program;
use crate::sim::{self, SimConfig};
use crate::verdict::Verdict;
use std::cell::RefCell;
use std::path::PathBuf;
use std::rc::Rc;
use std::time::Instant;

/// A seed from the clock, for runs that were not given one.
pub fn fresh_seed() -> u64 {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_nanos() as u64)
        .unwrap_or(0);
    nanos ^ u64::from(std::process::id()).rotate_left(32)
}

/// What a simulator run keeps beyond its verdict.
#[derive(Clone, Debug, Default)]
pub struct Recording {
    /// Where each node's log goes (`<id>.log`): a foreign node's stderr line by line as it
    /// runs, glomers' own nodes' logs at the end. Nowhere if `None`.
    pub node_logs: Option<PathBuf>,
    /// Keep a journal of at most this many messages (see [`SimConfig::journal`]).
    pub journal: Option<usize>,
}

/// Runs `plan` on `seed` in the simulator and judges it against the profile's criteria and
/// goals (judging is the driver's alone), keeping nothing beyond the verdict.
pub fn simulate(plan: &ChallengePlan, seed: u64) -> anyhow::Result<(sim::SimRun, Verdict)> {
    simulate_recorded(plan, seed, &Recording::default())
}

/// [`simulate`], keeping what `recording` asks for.
pub fn simulate_recorded(
    plan: &ChallengePlan,
    seed: u64,
    recording: &Recording,
) -> anyhow::Result<(sim::SimRun, Verdict)> {
    simulate_shown(plan, seed, recording, Display::Quiet)
}

/// [`simulate_recorded`] with the phases of a foreign run shown on `display`. Glomers' own
/// node runs in-process in virtual time; a foreign program runs as real processes, stopped
/// with every node by Ctrl-C or the plan's timeout.
pub(crate) fn simulate_shown(
    plan: &ChallengePlan,
    seed: u64,
    recording: &Recording,
    display: Display,
) -> anyhow::Result<(sim::SimRun, Verdict)> {
    let mut cfg = SimConfig::new(plan.profile.workload, plan.opts.clone(), seed);
    cfg.journal = recording.journal;
    let run = match &plan.node {
        NodeProgram::Own { args } => {
            cfg.keep_logs = recording.node_logs.is_some();
            sim::run_with(&cfg, &mut |_| {
                crate::nodes::build(plan.profile.workload, args)
            })?
        }
        NodeProgram::Foreign(program) => {
            run_foreign(plan, &cfg, program, recording.node_logs.as_deref(), display)?
        }
    };
    let verdict = Verdict::new(
        &plan.profile.id,
        "sim",
        run.figures.clone(),
        &plan.profile.criteria,
        &plan.profile.goals,
    );
    Ok((run, verdict))
}

/// `program` as every node of `cfg`'s run, in real time, its phases shown on `display`.
fn run_foreign(
    plan: &ChallengePlan,
    cfg: &SimConfig,
    program: &Program,
    log_dir: Option<&std::path::Path>,
    display: Display,
) -> anyhow::Result<sim::SimRun> {
    let time_limit = cfg.opts.resolve()?.time_limit_secs;
    let final_phase = plan.profile.workload.has_final_phase();
    let tracker = Rc::new(RefCell::new(Tracker::new(
        Timeline::live(time_limit, final_phase),
        display,
    )));
    let shown = tracker.clone();
    let interrupt = InterruptFlag::catch();
    let started = Instant::now();
    let limit = plan.timeout;
    let watch = Box::new(move |phase: Phase| {
        let mut shown = shown.borrow_mut();
        shown.enter(phase);
        shown.tick();
        if interrupt.raised() {
            return Some(exit::interrupted());
        }
        if started.elapsed() >= limit {
            return Some(exit::harness(format!(
                "the run did not finish within {} s, so every node was stopped",
                limit.as_secs()
            )));
        }
        None
    });
    let run = sim::run_external(cfg, program, log_dir, watch);
    tracker.borrow_mut().finish();
    run
}

/// Runs `plan` in the simulator as a single `glomers run` does, leaving a run folder, with no
/// progress shown; returns the judged run.
pub fn run_with_folder(plan: &ChallengePlan) -> anyhow::Result<RunReport> {
    run(plan, Display::Quiet, true)
}

/// Runs `plan` in the simulator; returns the judged run. With `keep_folder`, the run's
/// history, results, verdict and node logs are written to a new run folder under `store/` in
/// the plan's store (default: the current folder), which the report names. Its phases are shown
/// on `display` (a foreign run's; glomers' own node finishes in moments).
pub(crate) fn run(
    plan: &ChallengePlan,
    display: Display,
    keep_folder: bool,
) -> anyhow::Result<RunReport> {
    let seed = plan.seed.unwrap_or_else(fresh_seed);
    let folder = if keep_folder {
        let root = crate::driver::runs::store_root::store_root(plan.store.as_deref())?;
        Some(RunFolder::create(
            &root,
            plan.profile.workload.maelstrom_name(),
        )?)
    } else {
        None
    };
    let started = std::time::Instant::now();
    let recording = Recording {
        // A foreign node writes its stderr straight into the folder, line by line.
        node_logs: folder.as_ref().map(|f| f.dir().join("node-logs")),
        // A run folder keeps every message for its diagram.
        journal: keep_folder.then_some(crate::sim::journal::DEFAULT_LIMIT),
    };
    let (run, verdict) = simulate_shown(plan, seed, &recording, display)?;
    crate::verdict::require_operations(&verdict.figures)?;
    let profile = &plan.profile;
    let mut report = RunReport::new("sim", verdict);
    report.challenge = Some(profile.id.clone());
    report.title = Some(profile.title.clone());
    report.workload = Some(profile.workload.maelstrom_name().to_string());
    report.command = plan.replay_command(seed);
    report.opts = plan.opts.to_args();
    report.node_args = plan.node_args().to_vec();
    let nodes = plan.opts.nodes();
    if let Some(program) = plan.foreign_program() {
        report.notes.push(format!(
            "{} ran as {nodes} real process{} on the wall clock: the seed fixed the network's \
             and the clients' choices, not the node's own timing",
            program.bin.display(),
            if nodes == 1 { "" } else { "es" },
        ));
    }
    report.seed = Some(seed);
    report.wall_seconds = Some(started.elapsed().as_secs_f64());
    report.simulated_seconds = Some(run.outcome.end.as_secs_f64());
    if let Some(folder) = &folder {
        if plan.foreign_program().is_none() {
            let nodes: Vec<String> = (0..nodes).map(|i| format!("n{i}")).collect();
            folder.write_node_logs(&nodes, &run.outcome.logs)?;
        }
        report.run_dir = Some(folder.dir());
        folder.finish(&run.outcome.history, &run.results, &mut report)?;
        if let Some(journal) = &run.outcome.journal {
            crate::driver::runs::run_folder::write_journal(&folder.dir(), journal)?;
        }
        crate::driver::runs::run_folder::write_view(&mut report, &folder.dir());
    }
    report.results = Some(run.results);
    Ok(report)
}
