//! Benchmark: wall time of a whole simulated challenge 3d run (25 nodes, 20 s at rate 100,
//! latency 100 ms, plus the 10 s quiet period and final reads) with glomers' own node. Prints
//! per-seed wall time and the figures, then the median and worst. Run with
//! `cargo bench --bench sim_3d`.

use glomers::challenge::{Profiles, TestOpts};
use glomers::driver::runs::challenge_plan::ChallengePlan;
use std::time::Instant;

fn main() -> anyhow::Result<()> {
    let profiles = Profiles::builtin();
    let mut walls = Vec::new();
    for challenge in ["3d", "3e"] {
        let profile = profiles.find(challenge)?;
        for seed in 1..=10u64 {
            let started = Instant::now();
            let (run, verdict) = glomers::driver::runs::sim_run::simulate(
                &ChallengePlan::own(profile, &TestOpts::default())?,
                seed,
            )?;
            let wall = started.elapsed().as_secs_f64();
            if challenge == "3d" {
                walls.push(wall);
            }
            let stable = run.figures.stable_latencies.unwrap_or_default();
            println!(
                "sim_{challenge} seed {seed:>2}: {:.3} s wall  ops {}  servers msgs/op {:.3}  stable p50 {:.0} ms max {:.0} ms  {}",
                wall,
                run.figures.ops,
                run.figures.servers_msgs_per_op.unwrap_or(f64::NAN),
                stable.get("0.5").copied().unwrap_or(f64::NAN),
                stable.get("1").copied().unwrap_or(f64::NAN),
                if verdict.pass { "pass" } else { "FAIL" }
            );
        }
    }
    walls.sort_by(f64::total_cmp);
    println!(
        "sim_3d: median {:.3} s, worst {:.3} s wall per simulated run",
        walls[walls.len() / 2],
        walls[walls.len() - 1]
    );
    Ok(())
}
