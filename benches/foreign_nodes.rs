//! Benchmark: the simulator driving real node processes (`run --engine sim --bin`), on each
//! challenge's official command, with glomers' own release binary as the foreign node. Prints,
//! per challenge: wall time against the test's own length (time limit, plus the 10 s quiet
//! period and final operations where the workload has them), the engine's own peak memory
//! (the nodes are separate processes), and the verdict and servers msgs-per-op beside the
//! in-process engine's on the same seed; where Maelstrom and Java are present, the same
//! program under Maelstrom too (its wall time and the JVM's peak memory). Run with
//! `cargo bench --bench foreign_nodes [IDS…]`.

mod support;

use glomers::challenge::{Profiles, TestOpts};
use glomers::driver::runs::challenge_plan::ChallengePlan;
use glomers::driver::runs::sim_run;
use glomers::sim::external::Program;
use std::time::Instant;

fn main() -> anyhow::Result<()> {
    let wanted: Vec<String> = std::env::args()
        .skip(1)
        .filter(|a| !a.starts_with('-'))
        .collect();
    let profiles = Profiles::builtin();
    if wanted.len() != 1 {
        // One process per challenge, so that each peak memory figure is that run's alone.
        let exe = std::env::current_exe()?;
        for profile in &profiles.challenges {
            if wanted.is_empty() || wanted.contains(&profile.id) {
                let status = std::process::Command::new(&exe).arg(&profile.id).status()?;
                anyhow::ensure!(status.success(), "{}: {status}", profile.id);
            }
        }
        return Ok(());
    }
    let opts = TestOpts::default();
    // The nodes run under guards, which are the glomers binary run again.
    glomers::child::set_guard_program(env!("CARGO_BIN_EXE_glomers"));
    for profile in &profiles.challenges {
        if !wanted.is_empty() && !wanted.contains(&profile.id) {
            continue;
        }
        let mut args = vec!["node".to_string(), profile.workload.maelstrom_name().into()];
        args.extend(profile.node_args.iter().cloned());
        let program = Program {
            bin: env!("CARGO_BIN_EXE_glomers").into(),
            args,
        };
        let resolved = profile.opts.resolve()?;
        let length = f64::from(resolved.time_limit_secs)
            + if profile.workload.has_final_phase() {
                10.0
            } else {
                0.0
            };
        let started = Instant::now();
        let (_, foreign) =
            sim_run::simulate(&ChallengePlan::foreign(profile, &opts, program.clone())?, 1)?;
        let wall = started.elapsed().as_secs_f64();
        let rss = support::peak_mib("self").unwrap_or(f64::NAN);
        let (_, own) = sim_run::simulate(&ChallengePlan::own(profile, &opts)?, 1)?;
        println!(
            "foreign {:<3} {:>2} nodes: {:6.2} s wall for a {:4.1} s test (+{:.2} s)  engine peak {:5.1} MiB  \
             servers msgs/op {:.4} vs in-process {:.4}  verdict {} vs {}",
            profile.id,
            resolved.node_count,
            wall,
            length,
            wall - length,
            rss,
            foreign.figures.servers_msgs_per_op.unwrap_or(f64::NAN),
            own.figures.servers_msgs_per_op.unwrap_or(f64::NAN),
            if foreign.pass { "pass" } else { "FAIL" },
            if own.pass { "pass" } else { "FAIL" },
        );
        under_maelstrom(&profile.id, &program)?;
    }
    Ok(())
}

/// The same challenge with the same program under Maelstrom, through `glomers run --engine
/// maelstrom --bin`, if Maelstrom and Java are found: wall time and the largest descendant's
/// peak memory (the JVM's).
fn under_maelstrom(id: &str, program: &Program) -> anyhow::Result<()> {
    let exe = env!("CARGO_BIN_EXE_glomers");
    let found = std::process::Command::new(exe)
        .args(["maelstrom", "path"])
        .output()
        .is_ok_and(|o| o.status.success())
        && which_java();
    if !found {
        println!("maelstrom {id:<3}: not run (Maelstrom or Java not found)");
        return Ok(());
    }
    let store = tempfile::tempdir()?;
    let mut cmd = std::process::Command::new(exe);
    cmd.args(["run", id, "--engine", "maelstrom", "--bin"])
        .arg(&program.bin)
        .arg("--store")
        .arg(store.path());
    for arg in &program.args {
        cmd.arg("--node-arg").arg(arg);
    }
    let started = Instant::now();
    let status = cmd.stdout(std::process::Stdio::null()).status()?;
    let wall = started.elapsed().as_secs_f64();
    let usage = nix::sys::resource::getrusage(nix::sys::resource::UsageWho::RUSAGE_CHILDREN)?;
    println!(
        "maelstrom {id:<3}: {wall:6.2} s wall, largest process peak {:.0} MiB, {status}",
        usage.max_rss() as f64 / 1024.0
    );
    Ok(())
}

fn which_java() -> bool {
    std::process::Command::new("java")
        .arg("-version")
        .output()
        .is_ok_and(|o| o.status.success())
}
