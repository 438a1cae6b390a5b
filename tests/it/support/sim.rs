//! The simulator's shipped profiles, runs of glomers' own node or of a program as every node,
//! and sweeps of one run over many seeds.

use glomers::challenge::{Profile, Profiles, TestOpts};
use glomers::driver::runs::challenge_plan::ChallengePlan;
use glomers::driver::runs::sim_run::{self, Recording};
use glomers::sim::external::Program;
use glomers::sim::SimRun;
use glomers::verdict::Verdict;
use std::path::Path;
use std::time::Duration;

/// Glomers' own node on `profile`, `opts` over its options, in virtual time.
pub fn simulate_own(
    profile: &Profile,
    opts: &TestOpts,
    seed: u64,
) -> anyhow::Result<(SimRun, Verdict)> {
    sim_run::simulate(&ChallengePlan::own(profile, opts)?, seed)
}

/// `program` as every node on `profile`, in real time, stopped after `timeout`; each node's
/// stderr in `node_logs/<id>.log` if given.
pub fn simulate_foreign(
    profile: &Profile,
    opts: &TestOpts,
    program: Program,
    timeout: Duration,
    seed: u64,
    node_logs: Option<&Path>,
) -> anyhow::Result<(SimRun, Verdict)> {
    let plan = ChallengePlan::foreign(profile, opts, program)?.with_timeout(timeout);
    let recording = Recording {
        node_logs: node_logs.map(Path::to_path_buf),
        journal: None,
    };
    sim_run::simulate_recorded(&plan, seed, &recording)
}

/// The built-in profile `id` (a challenge such as "3d").
pub fn profile(id: &str) -> Profile {
    Profiles::builtin()
        .find(id)
        .unwrap_or_else(|e| panic!("built-in profile {id}: {e:#}"))
        .clone()
}

/// Runs `f` on seeds 1..=`seeds` over the machine's cores (at most 4 threads); results in seed
/// order.
pub fn sweep_seeds<T: Send>(seeds: u64, f: impl Fn(u64) -> T + Sync) -> Vec<T> {
    let threads = std::thread::available_parallelism()
        .map_or(2, |n| n.get())
        .min(4);
    let mut out: Vec<Option<T>> = (0..seeds).map(|_| None).collect();
    std::thread::scope(|scope| {
        let handles: Vec<_> = (0..threads)
            .map(|t| {
                let f = &f;
                scope.spawn(move || {
                    (1..=seeds)
                        .filter(|s| (s - 1) as usize % threads == t)
                        .map(|s| (s, f(s)))
                        .collect::<Vec<_>>()
                })
            })
            .collect();
        for h in handles {
            for (seed, r) in h.join().expect("sweep thread") {
                out[(seed - 1) as usize] = Some(r);
            }
        }
    });
    out.into_iter()
        .map(|r| r.expect("every seed ran"))
        .collect()
}
