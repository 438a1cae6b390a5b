//! The simulator against real Maelstrom 0.2.4 on nodes written the way learners write them
//! (`tests/nodes/`, checked in `learner_nodes`): each ran once under Maelstrom on its
//! challenge's official command, kept in `tests/fixtures/real/<node>-<challenge>/` (the
//! command, `results.edn`, the figures, and a summary of the history). Here the same program
//! runs as real processes under `--engine sim --bin` and must reach the same verdict, with the
//! servers msgs-per-op within 15% and, for broadcast, the stable latency p50 and max within the
//! simulated seeds' range widened by 25% (or 5 ms: 3b has no latency, so its values are stable
//! at 0).
//!
//! A partitioned run's msgs-per-op follows how long the nodes were cut off (a node that retries
//! every RPC pays per second of cut), and the nemesis schedule is a function of the seed. So the
//! 6c node runs on seeds whose schedule cuts the two nodes for about as long as the real run's
//! did: the seeds are listed with their cut, and the test first checks, from an in-process run
//! of the same seed, that the schedule still cuts that long.
//!
//! Each run takes its test's wall time (3b 30 s, 3d/3e 30 s, 6c 20 s), so every run of a test
//! goes at once. Skipped, saying so, when `python3` is missing.

use crate::support::python::{node_script, python_present};
use crate::support::sim::{profile, simulate_foreign};
use glomers::challenge::TestOpts;
use glomers::history::{Op, OpType, Process};
use glomers::report::edn;
use glomers::sim::external::Program;
use glomers::verdict::{Figures, Verdict};
use serde_json::Value;
use std::path::PathBuf;
use std::time::Duration;

/// One real run: the challenge, the program and its arguments, and what Maelstrom reported.
struct Real {
    name: String,
    challenge: String,
    node: String,
    node_args: Vec<String>,
    verdict: Verdict,
    /// Seconds the two nodes spent cut off from each other (partitioned runs only).
    cut_s: Option<f64>,
}

fn fixture_file(name: &str, file: &str) -> String {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/real")
        .join(name)
        .join(file);
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// Reads `tests/fixtures/real/<name>/`: `command.txt` opens with the glomers command
/// (`glomers run <challenge> --engine maelstrom … --bin tests/nodes/<node> [--node-arg=ARG]…`).
fn real(name: &str) -> Real {
    let command = fixture_file(name, "command.txt");
    let words: Vec<&str> = command
        .lines()
        .next()
        .expect("a command")
        .split_whitespace()
        .collect();
    assert_eq!(words[..2], ["glomers", "run"], "{command}");
    let challenge = words[2].to_string();
    let bin = words.iter().position(|w| *w == "--bin").expect("--bin");
    let node = words[bin + 1]
        .strip_prefix("tests/nodes/")
        .expect("a node of tests/nodes/")
        .to_string();
    let node_args = words
        .iter()
        .filter_map(|w| w.strip_prefix("--node-arg="))
        .map(str::to_string)
        .collect();
    let results = edn::parse(fixture_file(name, "results.edn")).expect("results.edn parses");
    let figures = Figures::from_results(&edn::to_json(&results), None);
    let p = profile(&challenge);
    let verdict = Verdict::new(&challenge, "maelstrom", figures, &p.criteria, &p.goals);
    let cut_s = fixture_file(name, "history-summary.txt")
        .lines()
        .find_map(|l| l.strip_prefix("cut-seconds "))
        .map(|s| s.trim().parse().expect("seconds"));
    Real {
        name: name.to_string(),
        challenge,
        node,
        node_args,
        verdict,
        cut_s,
    }
}

/// The real run's program under `--engine sim --bin` on `seed`.
fn simulate(real: &Real, seed: u64) -> Verdict {
    let program = Program {
        bin: node_script(&real.node),
        args: real.node_args.clone(),
    };
    let (profile, timeout) = (profile(&real.challenge), Duration::from_secs(300));
    simulate_foreign(&profile, &TestOpts::default(), program, timeout, seed, None)
        .unwrap_or_else(|e| panic!("{} on seed {seed}: {e:#}", real.name))
        .1
}

/// `(fixture, seed)` runs, all at once; the verdicts in the same order.
fn simulate_all(runs: &[(&Real, u64)]) -> Vec<Verdict> {
    std::thread::scope(|scope| {
        let handles: Vec<_> = runs
            .iter()
            .map(|&(real, seed)| scope.spawn(move || simulate(real, seed)))
            .collect();
        handles
            .into_iter()
            .map(|h| h.join().expect("run thread"))
            .collect()
    })
}

fn median(mut xs: Vec<f64>) -> f64 {
    xs.sort_by(f64::total_cmp);
    xs[xs.len() / 2]
}

fn stable(v: &Verdict, q: &str) -> Option<f64> {
    v.figures.stable_latencies.as_ref()?.get(q).copied()
}

/// Every way the simulated runs of one fixture miss it (medians over the runs).
fn mismatches(real: &Real, sims: &[Verdict]) -> Vec<String> {
    let mut out = Vec::new();
    for s in sims {
        if (s.figures.valid, s.pass) != (real.verdict.figures.valid, real.verdict.pass) {
            out.push(format!(
                "verdict: real {:?} (pass {}), simulated {:?} (pass {}), notes {:?}",
                real.verdict.figures.valid,
                real.verdict.pass,
                s.figures.valid,
                s.pass,
                s.figures.notes
            ));
        }
    }
    let mut check = |what: &str, real: Option<f64>, sim: Vec<f64>, within: f64, floor: f64| {
        let Some(real) = real else { return };
        if sim.is_empty() {
            out.push(format!("{what}: real {real}, simulated none"));
            return;
        }
        let sim = median(sim);
        let tolerance = (real * within).max(floor);
        if (sim - real).abs() > tolerance {
            out.push(format!(
                "{what}: real {real}, simulated {sim} (± {tolerance:.3})"
            ));
        }
    };
    let servers: Vec<f64> = sims
        .iter()
        .filter_map(|s| s.figures.servers_msgs_per_op)
        .collect();
    check(
        "servers msgs-per-op",
        real.verdict.figures.servers_msgs_per_op,
        servers,
        0.15,
        0.0,
    );
    // A stable latency quantile is one draw of a random sample (which reads happened to see a
    // value, on a command with few reads): the real figure must fall within the simulated
    // seeds' range, widened by 25% (or 5 ms).
    for (q, what) in [
        ("0.5", "stable latency p50 ms"),
        ("1", "stable latency max ms"),
    ] {
        let Some(real) = stable(&real.verdict, q) else {
            continue;
        };
        let sim: Vec<f64> = sims.iter().filter_map(|s| stable(s, q)).collect();
        let lo = sim.iter().copied().fold(f64::INFINITY, f64::min);
        let hi = sim.iter().copied().fold(f64::NEG_INFINITY, f64::max);
        let (lo, hi) = ((lo * 0.75).min(lo - 5.0), (hi * 1.25).max(hi + 5.0));
        if sim.is_empty() || real < lo || real > hi {
            out.push(format!(
                "{what}: real {real}, simulated {sim:?} (allowed {lo:.0}–{hi:.0})"
            ));
        }
    }
    out
}

/// One line per run, so a failure (or a pass) shows the numbers.
fn show(real: &Real, seed: u64, sim: &Verdict) {
    let f = |v: &Verdict| {
        format!(
            "{:?} pass {} servers {:.3} stable p50 {:?} max {:?} ops {}",
            v.figures.valid,
            v.pass,
            v.figures.servers_msgs_per_op.unwrap_or(f64::NAN),
            stable(v, "0.5"),
            stable(v, "1"),
            v.figures.ops
        )
    };
    eprintln!(
        "{} seed {seed}: simulated {} | real {}",
        real.name,
        f(sim),
        f(&real.verdict)
    );
}

/// Runs every fixture of `names` on each of `seeds` at once, then fails with every mismatch.
/// The caller holds the machine alone: latency figures are wall-clock figures.
fn hold(names: &[&str], seeds: &[u64]) {
    // The nodes run under guards, which are the glomers binary run again.
    glomers::child::set_guard_program(env!("CARGO_BIN_EXE_glomers"));
    let reals: Vec<Real> = names.iter().map(|n| real(n)).collect();
    let runs: Vec<(&Real, u64)> = reals
        .iter()
        .flat_map(|r| seeds.iter().map(move |&s| (r, s)))
        .collect();
    let sims = simulate_all(&runs);
    let mut misses = Vec::new();
    for real in &reals {
        let mine: Vec<Verdict> = runs
            .iter()
            .zip(&sims)
            .filter(|((r, _), _)| r.name == real.name)
            .map(|((_, seed), v)| {
                show(real, *seed, v);
                v.clone()
            })
            .collect();
        misses.extend(
            mismatches(real, &mine)
                .into_iter()
                .map(|m| format!("{}: {m}", real.name)),
        );
    }
    assert!(misses.is_empty(), "\n  {}", misses.join("\n  "));
}

#[test]
fn go_style_broadcast_matches_maelstrom_on_3b_and_3d() {
    let _machine = crate::support::machine::alone();
    if !python_present() {
        return;
    }
    hold(&["go-style-broadcast-3b", "go-style-broadcast-3d"], &[1]);
}

#[test]
fn serde_null_broadcast_matches_maelstrom_on_3b() {
    let _machine = crate::support::machine::alone();
    if !python_present() {
        return;
    }
    hold(&["serde-null-broadcast-3b"], &[1]);
}

#[test]
fn batching_gossip_matches_maelstrom_on_3b_3d_and_3e() {
    let _machine = crate::support::machine::alone();
    if !python_present() {
        return;
    }
    // 3b has few reads (10 operations a second): its stable max is a wide draw, so three seeds.
    hold(&["batching-gossip-3b"], &[1, 2, 3]);
    hold(&["batching-gossip-3d", "batching-gossip-3e"], &[1]);
}

/// Seconds `history`'s nemesis kept nodes apart: from each partition whose grudge cuts a link
/// (with two nodes, `:majorities-ring` and a minority third cut nothing) to the next heal, or to
/// `end_s`.
fn cut_seconds(history: &[Op], end_s: f64) -> f64 {
    let mut total = 0.0;
    let mut since: Option<f64> = None;
    for op in history
        .iter()
        .filter(|op| op.process == Process::Nemesis && op.kind == OpType::Info)
    {
        let at = op.time as f64 / 1e9;
        let cuts = |grudge: &Value| {
            grudge.as_object().is_some_and(|g| {
                g.values()
                    .any(|v| v.as_array().is_some_and(|a| !a.is_empty()))
            })
        };
        // Maelstrom's history holds `[:isolated grudge]`; the simulator's `{target, grudge}`.
        let grudge = match &op.value {
            Value::Array(v) if v.len() == 2 => Some(&v[1]),
            Value::Object(o) => o.get("grudge"),
            _ => None,
        };
        match (op.f.as_str(), grudge) {
            ("start-partition", Some(g)) if cuts(g) => {
                since.get_or_insert(at);
            }
            ("stop-partition", _) => {
                if let Some(from) = since.take() {
                    total += at - from;
                }
            }
            _ => {}
        }
    }
    total + since.map_or(0.0, |from| (end_s - from).max(0.0))
}

/// What seed `seed`'s schedule cuts on `challenge`: the nemesis draws from a stream of its own,
/// so an in-process run of glomers' own node shows the schedule a `--bin` run gets.
fn scheduled_cut(challenge: &str, seed: u64) -> f64 {
    let (run, _) =
        crate::support::sim::simulate_own(&profile(challenge), &TestOpts::default(), seed)
            .unwrap_or_else(|e| panic!("{challenge} seed {seed} in process: {e:#}"));
    cut_seconds(&run.outcome.history, 20.0)
}

/// The Go-style txn node's three real runs, each beside a seed whose schedule cuts the two nodes
/// for about as long (seconds of cut: real, then the seed's, within 1.5 s) and in the same shape:
/// run2 is never cut (seed 1), run3 once for 6.3 s from the start (seed 9: 7.0 s), and the first
/// run twice, 2.5 s and then to the end (seed 17: 0.4 s, then 14.2 s to the end). The shape
/// matters to a node that retries with growing pauses: a 13 s cut from the start that heals
/// (seed 16) costs it 3.8 msgs-per-op under the simulator, the same total cut lasting to the end
/// about 3.0.
#[test]
fn go_style_txn_matches_maelstrom_on_6c_on_schedules_that_cut_as_long() {
    let _machine = crate::support::machine::alone();
    if !python_present() {
        return;
    }
    let pairs = [
        ("go-style-txn-6c-run2", 1),
        ("go-style-txn-6c-run3", 9),
        ("go-style-txn-6c", 17),
    ];
    for (name, seed) in pairs {
        let real = real(name);
        let want = real.cut_s.expect("a partitioned run records its cut");
        let got = scheduled_cut(&real.challenge, seed);
        assert!(
            (got - want).abs() <= 1.5,
            "{name}: seed {seed} now cuts {got:.2} s, the real run {want:.2} s: pick another seed"
        );
    }
    let names: Vec<&str> = pairs.iter().map(|(n, _)| *n).collect();
    let reals: Vec<Real> = names.iter().map(|n| real(n)).collect();
    let runs: Vec<(&Real, u64)> = reals.iter().zip(pairs).map(|(r, (_, s))| (r, s)).collect();
    glomers::child::set_guard_program(env!("CARGO_BIN_EXE_glomers"));
    let sims = simulate_all(&runs);
    let mut misses = Vec::new();
    for ((real, seed), sim) in runs.iter().zip(&sims) {
        show(real, *seed, sim);
        misses.extend(
            mismatches(real, std::slice::from_ref(sim))
                .into_iter()
                .map(|m| format!("{} seed {seed}: {m}", real.name)),
        );
    }
    assert!(misses.is_empty(), "\n  {}", misses.join("\n  "));
}
