//! `glomers run <challenge> --engine sim`: runs a profile in the embedded simulator and judges
//! it, with the seed and the command that replays the run. Glomers' own node runs in-process in
//! virtual time (the run replays exactly); a `--bin` program runs as real processes on the wall
//! clock (the seed fixes the network's and the clients' choices, not the node's timing). A
//! single run leaves a run folder as Maelstrom does ([`super::run_folder`]); runs inside
//! `run all` and sweeps do not.

use super::plan::RunPlan;
use super::progress::{Display, Phase, Plan, Tracker};
use super::run_folder::RunFolder;
use crate::challenge::{Profile, TestOpts};
use crate::child::interrupt::InterruptFlag;
use crate::exit;
use crate::report::RunReport;
use crate::sim::external::{Program, Stage};
use crate::sim::{self, SimConfig};
use crate::verdict::Verdict;
use std::cell::RefCell;
use std::path::PathBuf;
use std::rc::Rc;
use std::time::{Duration, Instant};

/// A seed from the clock, for runs that were not given one.
pub fn fresh_seed() -> u64 {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_nanos() as u64)
        .unwrap_or(0);
    nanos ^ u64::from(std::process::id()).rotate_left(32)
}

/// The command that replays a simulator run.
pub fn replay_command(profile: &Profile, args: &RunPlan, seed: u64) -> Vec<String> {
    let mut words: Vec<String> = ["glomers", "run", &profile.id, "--engine", "sim", "--seed"]
        .iter()
        .map(|s| s.to_string())
        .collect();
    words.push(seed.to_string());
    words.extend(args.opts.to_args());
    if let Some(bin) = &args.bin {
        words.push("--bin".into());
        words.push(bin.clone());
    }
    for a in &args.node_args {
        words.push("--node-arg".into());
        words.push(a.clone());
    }
    words
}

/// Runs a profile with `overrides` in the simulator and judges it against the profile's
/// criteria and goals (judging is the driver's alone).
pub fn judge(
    profile: &Profile,
    overrides: &TestOpts,
    seed: u64,
) -> anyhow::Result<(sim::SimRun, Verdict)> {
    let cfg = SimConfig::new(profile.workload, profile.opts.merged(overrides), seed);
    judge_config(profile, &cfg)
}

/// [`judge`] with the simulator's configuration given (e.g. to keep node logs).
fn judge_config(profile: &Profile, cfg: &SimConfig) -> anyhow::Result<(sim::SimRun, Verdict)> {
    let node_args = profile.node_args.clone();
    let run = sim::run_with(cfg, &mut |_| {
        crate::nodes::build(profile.workload, &node_args)
    })?;
    Ok(judged(profile, run))
}

fn judged(profile: &Profile, run: sim::SimRun) -> (sim::SimRun, Verdict) {
    let verdict = Verdict::new(
        &profile.id,
        "sim",
        run.figures.clone(),
        &profile.criteria,
        &profile.goals,
    );
    (run, verdict)
}

/// A run of the user's program as every node, in real time.
#[derive(Clone, Debug)]
pub struct ForeignRun {
    pub program: Program,
    /// Where each node's stderr goes (`<id>.log`); nowhere if `None`.
    pub log_dir: Option<PathBuf>,
    /// Wall time before the run and every node are stopped (default: its length plus 10 min).
    pub timeout: Option<Duration>,
    /// Keep a journal of at most this many messages (see [`SimConfig::journal`]).
    pub journal: Option<usize>,
}

impl ForeignRun {
    pub fn new(program: Program) -> ForeignRun {
        ForeignRun {
            program,
            log_dir: None,
            timeout: None,
            journal: None,
        }
    }
}

/// Runs a profile with the user's program as every node, in real time, and judges it. Ctrl-C
/// and the timeout stop the run and every node.
pub fn judge_foreign(
    profile: &Profile,
    overrides: &TestOpts,
    seed: u64,
    foreign: &ForeignRun,
) -> anyhow::Result<(sim::SimRun, Verdict)> {
    judge_foreign_shown(profile, overrides, seed, foreign, Display::Quiet)
}

/// [`judge_foreign`] with its stages shown on `display`.
pub(crate) fn judge_foreign_shown(
    profile: &Profile,
    overrides: &TestOpts,
    seed: u64,
    foreign: &ForeignRun,
    display: Display,
) -> anyhow::Result<(sim::SimRun, Verdict)> {
    let mut cfg = SimConfig::new(profile.workload, profile.opts.merged(overrides), seed);
    cfg.journal = foreign.journal;
    let resolved = cfg.opts.resolve()?;
    let final_phase = profile.workload.has_final_phase();
    let tracker = Rc::new(RefCell::new(Tracker::new(
        Plan::live(resolved.time_limit_secs, final_phase),
        display,
    )));
    let shown = tracker.clone();
    let interrupt = InterruptFlag::catch();
    let started = Instant::now();
    // By default a run gets its own length plus ten minutes, as a Maelstrom run does.
    let limit = foreign.timeout.unwrap_or(Duration::from_secs(
        u64::from(resolved.time_limit_secs) + 600,
    ));
    let watch = Box::new(move |stage: Stage| {
        let mut shown = shown.borrow_mut();
        shown.enter(match stage {
            Stage::Setup => Phase::Setup,
            Stage::Main => Phase::Clients,
            Stage::Final => Phase::Recovery,
        });
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
    let run = sim::run_external(&cfg, &foreign.program, foreign.log_dir.as_deref(), watch);
    tracker.borrow_mut().finish();
    Ok(judged(profile, run?))
}

/// Runs one profile in the simulator; returns the judged run. With `keep_folder`, the run's
/// history, results, verdict and node logs are written to a new run folder under `store/` in
/// `--store DIR` (default: the current folder), which the report names.
pub fn run(profile: &Profile, args: &RunPlan, keep_folder: bool) -> anyhow::Result<RunReport> {
    run_shown(profile, args, Display::for_run("sim"), keep_folder)
}

/// [`run`] with the stages of a `--bin` run shown on `display`.
pub(crate) fn run_shown(
    profile: &Profile,
    args: &RunPlan,
    display: Display,
    keep_folder: bool,
) -> anyhow::Result<RunReport> {
    let seed = args.seed.unwrap_or_else(fresh_seed);
    let mut profile = profile.clone();
    let mut foreign = match &args.bin {
        Some(bin) => Some(ForeignRun::new(super::node_program::resolve(
            bin,
            &profile,
            &args.node_args,
        )?)),
        None => {
            profile.node_args.extend(args.node_args.iter().cloned());
            None
        }
    };
    let folder = if keep_folder {
        let root = super::store_root::store_root(args.store.as_deref())?;
        Some(RunFolder::create(&root, profile.workload.maelstrom_name())?)
    } else {
        None
    };
    let started = std::time::Instant::now();
    let mut cfg = SimConfig::new(profile.workload, profile.opts.merged(&args.opts), seed);
    cfg.keep_logs = keep_folder;
    // A run folder keeps every message for its diagram.
    cfg.journal = keep_folder.then_some(crate::sim::journal::DEFAULT_LIMIT);
    let (run, verdict) = match &mut foreign {
        Some(run) => {
            run.timeout = args.timeout.map(Duration::from_secs);
            run.journal = cfg.journal;
            // The nodes write their stderr straight into the folder, line by line.
            run.log_dir = folder.as_ref().map(|f| f.dir().join("node-logs"));
            judge_foreign_shown(&profile, &args.opts, seed, run, display)?
        }
        None => judge_config(&profile, &cfg)?,
    };
    crate::verdict::require_operations(&verdict.figures)?;
    let mut report = RunReport::new("sim", verdict);
    report.challenge = Some(profile.id.clone());
    report.title = Some(profile.title.clone());
    report.workload = Some(profile.workload.maelstrom_name().to_string());
    report.command = replay_command(&profile, args, seed);
    report.opts = profile.opts.merged(&args.opts).to_args();
    report.node_args = match &foreign {
        Some(run) => run.program.args.clone(),
        None => profile.node_args.clone(),
    };
    if let Some(ForeignRun { program, .. }) = &foreign {
        let nodes = cfg.opts.nodes();
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
        if foreign.is_none() {
            let nodes: Vec<String> = (0..cfg.opts.nodes()).map(|i| format!("n{i}")).collect();
            folder.write_node_logs(&nodes, &run.outcome.logs)?;
        }
        report.run_dir = Some(folder.dir());
        folder.finish(&run.outcome.history, &run.results, &mut report)?;
        if let Some(journal) = &run.outcome.journal {
            super::run_folder::write_journal(&folder.dir(), journal)?;
        }
        super::run_folder::write_view(&mut report, &folder.dir());
    }
    report.results = Some(run.results);
    Ok(report)
}
