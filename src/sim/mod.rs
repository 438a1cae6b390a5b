//! The embedded engine: a deterministic, JVM-free stand-in for Maelstrom. Same node code,
//! virtual time, one seeded RNG; Maelstrom's network, nemesis, services, clients and checkers.
//! A run is a pure function of (node code, options, seed).

pub mod checks;
pub mod clients;
pub mod clock;
pub mod engine;
pub mod model;
pub mod nemesis;
pub mod network;
pub mod services;
pub mod slot;
pub mod workloads;

use crate::challenge::Workload;
use crate::challenge::{Profile, TestOpts};
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

/// Runs `cfg` with nodes made by `make_node` (called once per node).
pub fn run_with(
    cfg: &SimConfig,
    make_node: &mut dyn FnMut(usize) -> anyhow::Result<Box<dyn Node>>,
) -> anyhow::Result<SimRun> {
    cfg.opts
        .resolve()
        .and_then(|opts| opts.check_sim_cost().map_err(anyhow::Error::msg))
        .map_err(|e| crate::exit::setup(format!("{e:#}")))?;
    let mut model = workloads::model(cfg)?;
    let nodes = (0..cfg.opts.nodes() as usize)
        .map(&mut *make_node)
        .collect::<anyhow::Result<Vec<_>>>()?;
    let slots = slot::in_process(nodes, cfg.seed);
    let engine = engine::Engine::new(cfg, model.as_mut(), slots, services::all())?;
    let outcome = engine.run()?;
    let workload = model.check(&outcome.history, cfg);
    let results = checks::assemble(cfg, &outcome, &workload);
    // The one reader that also reads a real `results.edn`; the simulator's checkers add only
    // what Maelstrom's map has no key for (named anomalies, extra counts, caveats).
    let mut figures = Figures::from_results(&results, Some(&OpStats::of(&outcome.history)));
    figures.add_findings(workload.anomalies, workload.counts, workload.notes);
    Ok(SimRun {
        outcome,
        results,
        figures,
    })
}

/// Runs a challenge profile with glomers' own node, `overrides` applied.
pub fn run_profile(profile: &Profile, overrides: &TestOpts, seed: u64) -> anyhow::Result<SimRun> {
    let cfg = SimConfig::new(profile.workload, profile.opts.merged(overrides), seed);
    let args = profile.node_args.clone();
    run_with(&cfg, &mut |_| crate::nodes::build(profile.workload, &args))
}
