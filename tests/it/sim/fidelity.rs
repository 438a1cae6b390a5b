//! The simulator against real Maelstrom 0.2.4 runs of glomers' own nodes, one per challenge
//! (three of 3d). Each folder of `tests/fixtures/real/` holds the run's `results.edn`, its
//! Maelstrom command (`command.txt`) and `op-latency.txt`, the p50/p99 of each operation's
//! invocation-to-ok latency summarised from its `history.edn` (Jepsen's quantile rule).
//!
//! The same node and command run in the simulator over a few seeds; the median over the seeds
//! of each figure must match the real run: verdict equal, servers msgs-per-op ±10%,
//! availability ±0.001, broadcast stable latency p50/p95/p99/max ±15% (±5 ms near zero), and
//! client op latency p50/p99 ±25% or ±5 ms, whichever is larger. With three real runs (3d),
//! "the real run" is the range they span. Under partitions (3c) the stable latencies are one
//! draw of a random partition schedule, and a stable quantile resting on fewer than 10 values
//! (3b's p95) is one draw of a few values, so there the real figures must lie within the
//! simulated seeds' range (±15%) instead.
//!
//! Cost in a debug build: the light challenges and 3d run 5 seeds at full length (3d's one
//! simulation is held to each of its three real runs); 3e and the 1000 ops/s workloads (2,
//! 5a–5c, 6a–6c) run 3 seeds at full length, so their medians are of three runs (a single
//! seed's tail can differ; the median is what is held to the real run).

use crate::support::sim::sweep_seeds;
use glomers::challenge::{TestOpts, Workload};
use glomers::history::Quantiles;
use glomers::report::edn;
use glomers::sim::network::timing::Timing;
use glomers::sim::{self, SimConfig};
use glomers::verdict::{Figures, Validity};
use std::collections::BTreeMap;
use std::path::PathBuf;

/// One real run: what Maelstrom was told and what it reported.
struct Fixture {
    workload: Workload,
    opts: TestOpts,
    node_args: Vec<String>,
    real: Figures,
    /// Run under `--nemesis partition`: its figures depend on a random partition schedule.
    partitioned: bool,
    /// `:f` → (p50, p99) in ms.
    op_latency: BTreeMap<String, (f64, f64)>,
}

fn folder(id: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join(format!("tests/fixtures/real/{id}"))
}

fn read(id: &str, file: &str) -> String {
    let path = folder(id).join(file);
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// `test -w <workload> --bin glomers <options> -- node <workload> <node args>`.
fn fixture(id: &str) -> Fixture {
    let command = read(id, "command.txt");
    let words: Vec<&str> = command.split_whitespace().collect();
    let split = words
        .iter()
        .position(|w| *w == "--")
        .expect("a `--` before the node");
    let (test, node) = (&words[..split], &words[split + 1..]);
    let w = test.iter().position(|w| *w == "-w").expect("-w");
    let workload = Workload::from_maelstrom_name(test[w + 1]).expect("known workload");
    // Maelstrom's own flags that are not test options: the test verb, -w and --bin.
    let mut options = Vec::new();
    let mut i = 1;
    while i < test.len() {
        match test[i] {
            "-w" | "--bin" => i += 2,
            word => {
                options.push(word);
                i += 1;
            }
        }
    }
    let opts = TestOpts::parse_args(&options).expect("options parse");
    assert_eq!(node[..2], ["node", workload.maelstrom_name()], "{command}");
    let node_args = node[2..].iter().map(|s| s.to_string()).collect();
    let results = edn::parse(read(id, "results.edn")).expect("results.edn parses");
    let real = Figures::from_results(&edn::to_json(&results), None);
    let op_latency = read(id, "op-latency.txt")
        .lines()
        .filter(|l| !l.starts_with('#') && !l.trim().is_empty())
        .map(|l| {
            let f: Vec<&str> = l.split_whitespace().collect();
            let num = |s: &str| s.parse::<f64>().expect("a number");
            (f[0].to_string(), (num(f[2]), num(f[3])))
        })
        .collect();
    Fixture {
        workload,
        partitioned: command.contains("--nemesis partition"),
        opts,
        node_args,
        real,
        op_latency,
    }
}

fn simulate(fx: &Fixture, seeds: u64) -> Vec<Figures> {
    simulate_with(fx, seeds, None)
}

/// [`simulate`] with `timing` instead of the fitted model, if given.
fn simulate_with(fx: &Fixture, seeds: u64, timing: Option<Timing>) -> Vec<Figures> {
    sweep_seeds(seeds, |seed| {
        let mut cfg = SimConfig::new(fx.workload, fx.opts.clone(), seed);
        cfg.timing = timing;
        let args = fx.node_args.clone();
        sim::run_with(&cfg, &mut |_| glomers::nodes::build(fx.workload, &args))
            .unwrap_or_else(|e| panic!("seed {seed}: {e:#}"))
            .figures
    })
}

fn median(mut xs: Vec<f64>) -> f64 {
    xs.sort_by(f64::total_cmp);
    xs[xs.len() / 2]
}

/// Every figure the simulated median misses, described. `runs` are real runs of one command:
/// a figure must fall within the tolerance of the range they span (with one run, of that run).
/// Under partitions, the broadcast stable latencies are decided by the random partition
/// schedule (the first partition lasts anywhere from 0 to 20 s), so one real run is one draw:
/// there the real figure must lie within the simulated seeds' own range, widened by the same
/// tolerance. The same holds for a stable-latency quantile that rests on fewer than
/// [`FEW_VALUES`] values above it (3b's p95: the 6th slowest of 114 values, which the seeds put
/// anywhere from 47 to 168 ms).
/// How far simulated figures are from real ones: the figures outside their tolerance
/// (described), by how much in all (relative to the real value, beyond the tolerance), and the
/// distance of every figure from the middle of its real range (`|ln(simulated / real)|`, summed:
/// what a re-fit brings down).
#[derive(Default)]
struct Comparison {
    misses: Vec<String>,
    excess: f64,
    distance: f64,
    figures: usize,
}

fn compare(runs: &[&Fixture], sims: &[Figures]) -> Comparison {
    let fx = runs[0];
    let (mut excess, mut distance, mut figures) = (0.0, 0.0, 0);
    let mut out: Vec<String> = sims
        .iter()
        .filter(|s| s.valid != fx.real.valid)
        .map(|s| format!("verdict: real {:?}, simulated {:?}", fx.real.valid, s.valid))
        .collect();
    let real_range = |f: &dyn Fn(&Fixture) -> Option<f64>| -> Option<(f64, f64)> {
        let xs: Vec<f64> = runs.iter().filter_map(|r| f(r)).collect();
        let lo = xs.iter().copied().reduce(f64::min)?;
        let hi = xs.iter().copied().reduce(f64::max)?;
        Some((lo, hi))
    };
    let mut check =
        |what: String, (lo, hi): (f64, f64), sim: f64, tolerance: &dyn Fn(f64) -> f64| {
            figures += 1;
            let mid = (lo + hi) / 2.0;
            if mid > 0.0 && sim > 0.0 {
                distance += (sim / mid).ln().abs();
            }
            let below = (lo - tolerance(lo) - sim) / lo.abs().max(1e-9);
            let above = (sim - hi - tolerance(hi)) / hi.abs().max(1e-9);
            excess += below.max(above).max(0.0);
            if sim < lo - tolerance(lo) || sim > hi + tolerance(hi) {
                let real = if lo == hi {
                    format!("{lo}")
                } else {
                    format!("{lo}–{hi}")
                };
                out.push(format!(
                    "{what}: real {real}, simulated median {sim} (± {})",
                    tolerance(lo)
                ));
            }
        };
    let med = |f: &dyn Fn(&Figures) -> Option<f64>| median(sims.iter().filter_map(f).collect());
    if let Some(real) = real_range(&|r| r.real.servers_msgs_per_op) {
        let sim = med(&|s| s.servers_msgs_per_op);
        check("servers msgs-per-op".into(), real, sim, &|r| {
            (r * 0.10).max(0.001)
        });
    }
    if let Some(real) = real_range(&|r| r.real.ok_fraction) {
        check(
            "availability".into(),
            real,
            med(&|s| s.ok_fraction),
            &|_| 0.001,
        );
    }
    for q in ["0.5", "0.95", "0.99", "1"] {
        let Some(real) = real_range(&|r| stable(&r.real, q)) else {
            continue;
        };
        let tolerance = |r: f64| (r * 0.15).max(5.0);
        let what = format!("stable latency q{q}");
        let values = fx.real.counts.get("attempt-count").copied().unwrap_or(0.0);
        let above: f64 = q.parse::<f64>().map_or(0.0, |q| values * (1.0 - q));
        let one_draw = fx.partitioned || (above > 0.0 && above < FEW_VALUES);
        if one_draw {
            let seeds: Vec<f64> = sims.iter().filter_map(|s| stable(s, q)).collect();
            let (lo, hi) = (
                seeds.iter().copied().fold(f64::INFINITY, f64::min),
                seeds.iter().copied().fold(f64::NEG_INFINITY, f64::max),
            );
            // The seeds' range is the spread to be within: the check is against it, not the
            // median (`check` with the range as the reference and the real value as the probe).
            check(what, (lo, hi), real.0, &tolerance);
        } else {
            check(what, real, med(&|s| stable(s, q)), &tolerance);
        }
    }
    for f in fx.op_latency.keys() {
        for (q, pick) in [("0.5", 0), ("0.99", 1)] {
            let Some(real) = real_range(&|r| {
                r.op_latency
                    .get(f)
                    .map(|&(p50, p99)| if pick == 0 { p50 } else { p99 })
            }) else {
                continue;
            };
            let sim = med(&|s| {
                s.op_latencies
                    .get(f)
                    .and_then(|l: &Quantiles| l.get(q).copied())
            });
            check(format!("{f} latency q{q} ms"), real, sim, &|r| {
                (r * 0.25).max(5.0)
            });
        }
    }
    Comparison {
        misses: out,
        excess,
        distance,
        figures,
    }
}

/// Below this many values above it, a quantile is one draw of a few values, not a figure of
/// the system.
const FEW_VALUES: f64 = 10.0;

fn stable(s: &Figures, q: &str) -> Option<f64> {
    s.stable_latencies.as_ref()?.get(q).copied()
}

/// Figures the simulator does not reproduce yet, as `"<fixture>: <figure>"`: left out of the
/// assertion and printed. Each is an open gap, not a tolerance, and the test fails once one
/// of them matches, so the list only names open gaps. None is open.
const KNOWN_GAPS: &[&str] = &[];

/// Runs fixture `id` over `seeds` seeds and fails with every mismatch not in [`KNOWN_GAPS`].
fn holds(id: &str, seeds: u64) {
    holds_for_each(&[id], seeds);
}

/// Real runs of one command, `ids[0]` first: simulated once over `seeds` seeds and held to
/// the range the real runs span. A known gap (see [`KNOWN_GAPS`]) that no longer misses fails
/// too, so that the list only ever names open gaps.
fn holds_for_each(ids: &[&str], seeds: u64) {
    let fixtures: Vec<Fixture> = ids.iter().map(|id| fixture(id)).collect();
    for (id, fx) in ids.iter().zip(&fixtures) {
        assert_eq!(
            fx.real.valid,
            Some(Validity::Valid),
            "{id}: the real run is valid"
        );
        assert_eq!(read(id, "command.txt"), read(ids[0], "command.txt"));
    }
    let sims = simulate(&fixtures[0], seeds);
    let runs: Vec<&Fixture> = fixtures.iter().collect();
    let misses: Vec<String> = compare(&runs, &sims)
        .misses
        .into_iter()
        .map(|m| format!("{}: {m}", ids[0]))
        .collect();
    let is_known = |m: &String| KNOWN_GAPS.iter().any(|g| m.starts_with(&format!("{g}:")));
    let (known, bad): (Vec<String>, Vec<String>) = misses.iter().cloned().partition(is_known);
    for gap in &known {
        eprintln!("known gap, not asserted: {gap}");
    }
    assert!(bad.is_empty(), "\n  {}", bad.join("\n  "));
    let closed: Vec<&&str> = KNOWN_GAPS
        .iter()
        .filter(|g| g.starts_with(&format!("{}:", ids[0])))
        .filter(|g| !misses.iter().any(|m| m.starts_with(&format!("{g}:"))))
        .collect();
    assert!(
        closed.is_empty(),
        "known gaps that now match (remove them): {closed:?}"
    );
}

#[test]
fn echo_matches_the_real_run() {
    holds("1", 5);
}

#[test]
fn unique_ids_match_the_real_run() {
    holds("2", 3);
}

#[test]
fn broadcast_3a_3b_match_the_real_runs() {
    holds("3a", 5);
    holds("3b", 5);
}

#[test]
fn broadcast_3c_under_partitions_matches_the_real_run() {
    holds("3c", 10);
}

#[test]
fn broadcast_3d_matches_three_real_runs_tail_included() {
    holds_for_each(&["3d", "3d-run2", "3d-run3"], 5);
}

#[test]
fn broadcast_3e_matches_the_real_run() {
    holds("3e", 3);
}

/// Today's 3e profile (uplink slots), three real runs.
#[test]
fn broadcast_3e_with_uplink_slots_matches_three_real_runs() {
    holds_for_each(&["3e-slots", "3e-slots-run2", "3e-slots-run3"], 5);
}

#[test]
fn g_counter_matches_the_real_run() {
    holds("4", 5);
}

#[test]
fn kafka_matches_the_real_runs() {
    for id in ["5a", "5b", "5c"] {
        holds(id, 3);
    }
}

#[test]
fn txn_matches_the_real_runs() {
    for id in ["6a", "6b", "6c"] {
        holds(id, 3);
    }
}

/// Every fixture of the tests above, with the seeds each runs on, real runs of one command
/// together.
const ALL: &[(&[&str], u64)] = &[
    (&["1"], 5),
    (&["2"], 3),
    (&["3a"], 5),
    (&["3b"], 5),
    (&["3c"], 10),
    (&["3d", "3d-run2", "3d-run3"], 5),
    (&["3e"], 3),
    (&["3e-slots", "3e-slots-run2", "3e-slots-run3"], 5),
    (&["4"], 5),
    (&["5a"], 3),
    (&["5b"], 3),
    (&["5c"], 3),
    (&["6a"], 3),
    (&["6b"], 3),
    (&["6c"], 3),
];

/// The re-fit tool (`src/sim/network/timing/timing.md`): with `GLOMERS_REFIT=<field>=<v1>,…`,
/// runs every fixture once per value and prints, per value, the figures outside their
/// tolerance, by how much in all, and the summed distance of every figure from the real runs
/// (lower is closer). The fitted value is the one to keep unless another closes misses without
/// opening new ones.
#[test]
#[ignore = "a tool: GLOMERS_REFIT=<field>=<v1>,<v2>,… cargo test --release --test it refit -- --ignored --nocapture"]
fn refit_against_the_real_runs() {
    let Some((field, candidates)) = crate::support::refit::candidates() else {
        return;
    };
    let fixtures: Vec<(&str, Vec<Fixture>, u64)> = ALL
        .iter()
        .map(|(ids, seeds)| (ids[0], ids.iter().map(|id| fixture(id)).collect(), *seeds))
        .collect();
    eprintln!("{field}");
    eprintln!(
        "{:>10} {:>7} {:>9} {:>9}  misses",
        "value", "figures", "excess", "distance"
    );
    for (value, timing) in candidates {
        let mut total = Comparison::default();
        for (id, runs, seeds) in &fixtures {
            let sims = simulate_with(&runs[0], *seeds, Some(timing));
            let runs: Vec<&Fixture> = runs.iter().collect();
            let c = compare(&runs, &sims);
            total.figures += c.figures;
            total.excess += c.excess;
            total.distance += c.distance;
            total
                .misses
                .extend(c.misses.iter().map(|m| format!("{id}: {m}")));
        }
        eprintln!(
            "{value:>10} {:>7} {:>9.3} {:>9.3}  {}",
            total.figures,
            total.excess,
            total.distance,
            total.misses.len()
        );
        for miss in &total.misses {
            eprintln!("{:>10}   {miss}", "");
        }
    }
}
