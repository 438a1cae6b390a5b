//! `glomers run <challenge> --engine sim`: runs a profile in the embedded simulator and judges
//! it, with the seed and the command that replays the run exactly. A single run leaves a run
//! folder as Maelstrom does ([`super::run_folder`]); runs inside `run all` do not.

use super::plan::RunPlan;
use super::run_folder::RunFolder;
use crate::challenge::{Profile, TestOpts};
use crate::report::RunReport;
use crate::sim;
use crate::verdict::Verdict;
use anyhow::Context;

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
    let cfg = sim::SimConfig::new(profile.workload, profile.opts.merged(overrides), seed);
    judge_config(profile, &cfg)
}

/// [`judge`] with the simulator's configuration given (e.g. to keep node logs).
fn judge_config(profile: &Profile, cfg: &sim::SimConfig) -> anyhow::Result<(sim::SimRun, Verdict)> {
    let node_args = profile.node_args.clone();
    let run = sim::run_with(cfg, &mut |_| {
        crate::nodes::build(profile.workload, &node_args)
    })?;
    let verdict = Verdict::new(
        &profile.id,
        "sim",
        run.figures.clone(),
        &profile.criteria,
        &profile.goals,
    );
    Ok((run, verdict))
}

/// Runs one profile in the simulator; returns the judged run. With `keep_folder`, the run's
/// history, results, verdict and node logs are written to a new run folder under `store/` in
/// `--store DIR` (default: the current folder), which the report names.
pub fn run(profile: &Profile, args: &RunPlan, keep_folder: bool) -> anyhow::Result<RunReport> {
    let seed = args.seed.unwrap_or_else(fresh_seed);
    let mut profile = profile.clone();
    profile.node_args.extend(args.node_args.iter().cloned());
    let folder = if keep_folder {
        let root = match &args.store {
            Some(dir) => dir.clone(),
            None => std::env::current_dir().context("finding the current folder")?,
        };
        Some(RunFolder::create(&root, profile.workload.maelstrom_name())?)
    } else {
        None
    };
    let started = std::time::Instant::now();
    let mut cfg = sim::SimConfig::new(profile.workload, profile.opts.merged(&args.opts), seed);
    cfg.keep_logs = keep_folder;
    let (run, verdict) = judge_config(&profile, &cfg)?;
    crate::verdict::require_operations(&verdict.figures)?;
    let mut report = RunReport::new("sim", verdict);
    report.challenge = Some(profile.id.clone());
    report.title = Some(profile.title.clone());
    report.workload = Some(profile.workload.maelstrom_name().to_string());
    report.command = replay_command(&profile, args, seed);
    report.opts = profile.opts.merged(&args.opts).to_args();
    report.node_args = profile.node_args.clone();
    report.seed = Some(seed);
    report.wall_seconds = Some(started.elapsed().as_secs_f64());
    report.simulated_seconds = Some(run.outcome.end.as_secs_f64());
    if let Some(folder) = &folder {
        let nodes: Vec<String> = (0..cfg.opts.nodes()).map(|i| format!("n{i}")).collect();
        folder.write_node_logs(&nodes, &run.outcome.logs)?;
        report.run_dir = Some(folder.dir());
        folder.finish(&run.outcome.history, &run.results, &report)?;
    }
    report.results = Some(run.results);
    Ok(report)
}
