//! `glomers run <challenge> --engine sim`: runs a profile in the embedded simulator and prints
//! the verdict (text or JSON), with the seed so any run can be replayed exactly.

use crate::cli::RunArgs;
use crate::driver::profiles::Profile;
use crate::report::render;
use crate::sim;
use crate::verdict::Verdict;

/// A seed from the clock, for runs that were not given one.
pub fn fresh_seed() -> u64 {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_nanos() as u64)
        .unwrap_or(0);
    nanos ^ u64::from(std::process::id()).rotate_left(32)
}

/// Runs one profile in the simulator; returns the verdict.
pub fn run(profile: &Profile, args: &RunArgs) -> anyhow::Result<Verdict> {
    let seed = args.seed.unwrap_or_else(fresh_seed);
    let mut profile = profile.clone();
    profile.node_args.extend(args.node_args.iter().cloned());
    let started = std::time::Instant::now();
    let (run, verdict) = sim::verdict(&profile, &args.opts, seed)?;
    let wall = started.elapsed();
    if args.json {
        let out = serde_json::json!({
            "challenge": profile.id,
            "engine": "sim",
            "seed": seed,
            "opts": profile.opts.merged(&args.opts).to_args(),
            "node-args": profile.node_args,
            "verdict": verdict,
            "results": run.results,
            "wall-seconds": wall.as_secs_f64(),
        });
        println!("{}", serde_json::to_string_pretty(&out)?);
    } else {
        print!("{}", render::text(&verdict));
        println!(
            "  seed                 {seed}   ({:.2} s wall, {:.1} s simulated)",
            wall.as_secs_f64(),
            run.outcome.end.as_secs_f64()
        );
        if !verdict.pass {
            eprintln!(
                "replay: glomers run {} --engine sim --seed {seed}{}",
                profile.id,
                args.opts
                    .to_args()
                    .iter()
                    .map(|a| format!(" {a}"))
                    .collect::<String>()
            );
        }
    }
    Ok(verdict)
}
