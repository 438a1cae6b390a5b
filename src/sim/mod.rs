//! The embedded engine: a deterministic, JVM-free stand-in for Maelstrom. Same node code,
//! virtual time, one seeded RNG; Maelstrom's network, nemesis, services, clients and checkers.
//! A run is a pure function of (node code, options, seed).

pub mod checks;
pub mod clients;
pub mod clock;
pub mod engine;
pub mod external;
pub mod journal;
pub mod model;
pub mod nemesis;
pub mod network;
pub mod services;
pub mod slot;
pub mod workloads;

use crate::challenge::TestOpts;
use crate::challenge::Workload;
use crate::history::OpStats;
use crate::node::Node;
use crate::verdict::Figures;
use std::time::Duration;

/// Everything that defines a simulated test.
#[derive(Clone, Debug)]
pub struct SimConfig {
    pub workload: Workload,
    /// Maelstrom's options, already merged (profile + overrides).
    pub opts: TestOpts,
    pub seed: u64,
    /// Maelstrom's client RPC timeout.
    pub client_timeout: Duration,
    /// The quiet period between healing and the final operations.
    pub final_quiet: Duration,
    /// Keep node logs in the outcome (they are dropped otherwise, to save memory).
    pub keep_logs: bool,
    /// Keep a journal of at most this many messages in the outcome (none by default).
    pub journal: Option<usize>,
    /// In-process runs: this timing model instead of the fitted one
    /// ([`network::timing::Timing::in_process`]), to re-fit its constants
    /// (`src/sim/network/timing/timing.md`). Runs of processes keep their own.
    pub timing: Option<network::timing::Timing>,
}

impl SimConfig {
    pub fn new(workload: Workload, opts: TestOpts, seed: u64) -> Self {
        SimConfig {
            workload,
            opts,
            seed,
            client_timeout: Duration::from_secs(5),
            final_quiet: Duration::from_secs(10),
            keep_logs: false,
            journal: None,
            timing: None,
        }
    }
}

/// A finished simulated run: the history, Maelstrom-shaped results and the figures.
pub struct SimRun {
    pub outcome: engine::Outcome,
    /// `results.edn`'s shape, as JSON.
    pub results: serde_json::Value,
    pub figures: Figures,
}

/// Runs `cfg` with nodes made by `make_node` (called once per node, and again for each
/// restart after a kill), in virtual time.
pub fn run_with(
    cfg: &SimConfig,
    make_node: &mut dyn FnMut(usize) -> anyhow::Result<Box<dyn Node>>,
) -> anyhow::Result<SimRun> {
    check_cost(cfg)?;
    let mut model = workloads::model(cfg)?;
    let mut spawn = slot::in_process_spawn(make_node, cfg.seed);
    let slots = (0..cfg.opts.nodes() as usize)
        .map(|i| spawn(i, 0))
        .collect::<anyhow::Result<Vec<_>>>()?;
    let engine = engine::Engine::new(cfg, model.as_mut(), slots, services::all())?;
    let outcome = engine.with_spawn(spawn).run()?;
    Ok(check(cfg, model.as_ref(), outcome))
}

/// Runs `cfg` with every node an external `program`, in real time (see [`external`]): each
/// node's stderr goes to `log_dir/<id>.log` when given, and `watch` is told the phase every
/// few milliseconds and may end the run (Ctrl-C, a timeout). Every process is stopped before
/// this returns, whatever the outcome.
pub fn run_external(
    cfg: &SimConfig,
    program: &external::Program,
    log_dir: Option<&std::path::Path>,
    watch: external::Watch,
) -> anyhow::Result<SimRun> {
    check_cost(cfg)?;
    let mut model = workloads::model(cfg)?;
    let (slots, clock, spawn) =
        external::spawn_all(program, cfg.opts.nodes() as usize, log_dir, watch)?;
    let engine = engine::Engine::new(cfg, model.as_mut(), slots, services::all())?;
    // The engine owns the processes: they are stopped when it is dropped, here.
    let outcome = engine
        .on_live_clock(Box::new(clock))
        .with_spawn(spawn)
        .run()?;
    Ok(check(cfg, model.as_ref(), outcome))
}

/// Refuses a run too large for the machine before anything starts.
fn check_cost(cfg: &SimConfig) -> anyhow::Result<()> {
    cfg.opts
        .resolve()
        .and_then(|opts| opts.check_sim_cost().map_err(anyhow::Error::msg))
        .map_err(|e| crate::exit::setup(format!("{e:#}")))
}

/// Checks a finished run and reads its figures.
fn check(cfg: &SimConfig, model: &dyn model::WorkloadModel, outcome: engine::Outcome) -> SimRun {
    let workload = model.check(&outcome.history, cfg);
    let results = checks::assemble(cfg, &outcome, &workload);
    // The one reader that also reads a real `results.edn`; the simulator's checkers add only
    // what Maelstrom's map has no key for (named anomalies, extra counts, caveats).
    let mut figures = Figures::from_results(&results, Some(&OpStats::of(&outcome.history)));
    let mut notes = workload.notes;
    notes.extend(outcome.problems.iter().cloned());
    figures.add_findings(workload.anomalies, workload.counts, notes);
    SimRun {
        outcome,
        results,
        figures,
    }
}
