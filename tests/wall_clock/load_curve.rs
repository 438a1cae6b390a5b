//! Delivery delay against offered load, held to real Maelstrom 0.2.4. Each folder of
//! `tests/fixtures/real/load-curve/` is one run of one point of a sweep that
//! `tests/nodes/load_curve.py` ran under the real Maelstrom: the echo workload with
//! `tests/nodes/probe.py` as every node, each node sending its share of a total rate of
//! `probe` messages to the others for 10 s and logging how long each took to arrive
//! (`command.txt`; `summary.txt`: count, median, p99, max ms, Maelstrom's `:net` counts, the
//! senders' lag, when each node began, and the figures second by second). A point's runs
//! (`<point>`, `<point>-run2`, …) were measured on a shared machine, some beside other
//! builds, so the real figure is the range they span; a run whose probes fell behind their
//! own schedule (the machine could not run them) is left out.
//!
//! The in-process engine runs each point with [`Probe`], the same probe in Rust, in virtual
//! time; its median, p99 and max must be within 25% of the real range (or within
//! [`FLOOR_MS`], for figures of a fraction of a millisecond), except the figures of
//! [`KNOWN_GAPS`]. The real-time engine runs the Python probe itself at a few points
//! (skipped without `python3`).

use glomers::challenge::{TestOpts, Workload};
use glomers::node::{Ctx, Node};
use glomers::protocol::{Body, Message, RpcError};
use glomers::sim::network::timing::Timing;
use glomers::sim::{self, SimConfig};
use std::cell::RefCell;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::rc::Rc;
use std::time::Duration;

/// The absolute tolerance beside the relative one: below a millisecond, 25% is less than the
/// spread of one real run against the next.
const FLOOR_MS: f64 = 0.1;

/// Relative tolerance on every figure.
const TOLERANCE: f64 = 0.25;

/// A real point: what ran and what each run of it measured.
#[derive(Clone, Debug)]
pub struct Point {
    /// `<nodes>n-<rate>[-lat<ms>]`; its runs are the folders of that name with an optional
    /// `-run<k>` after it.
    pub name: String,
    pub nodes: u32,
    pub latency_ms: u32,
    /// Probes a second, all nodes together.
    pub rate: f64,
    pub delay_s: f64,
    pub seconds: f64,
    pub time_limit: u32,
    pub real: Vec<Summary>,
    /// When each node sent its first probe, in ms after the first, where a run recorded it.
    pub starts_ms: Vec<f64>,
}

/// Delivery delays, in ms.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Summary {
    pub count: usize,
    pub median: f64,
    pub p99: f64,
    pub max: f64,
}

impl Summary {
    /// Nearest-rank quantiles, as `load_curve.py` takes them.
    pub fn of(mut delays: Vec<f64>) -> Summary {
        delays.sort_by(f64::total_cmp);
        let q = |q: f64| -> f64 {
            if delays.is_empty() {
                return f64::NAN;
            }
            let k = ((q * delays.len() as f64).ceil() as usize).max(1) - 1;
            delays[k.min(delays.len() - 1)]
        };
        Summary {
            count: delays.len(),
            median: q(0.5),
            p99: q(0.99),
            max: delays.last().copied().unwrap_or(f64::NAN),
        }
    }

    /// Each figure that is not within tolerance of the range the `real` runs span, described.
    pub fn misses(&self, real: &[Summary]) -> Vec<String> {
        let figures: [(&str, Pick); 3] = [
            ("median", |s| s.median),
            ("p99", |s| s.p99),
            ("max", |s| s.max),
        ];
        figures
            .into_iter()
            .filter_map(|(what, pick)| {
                let (lo, hi) = range(real, pick);
                let sim = pick(self);
                let low = lo - (lo * TOLERANCE).max(FLOOR_MS);
                let high = hi + (hi * TOLERANCE).max(FLOOR_MS);
                (sim < low || sim > high)
                    .then(|| format!("{what} {sim:.2} ms against real {lo:.2}–{hi:.2} ms"))
            })
            .collect()
    }
}

/// One figure of a summary.
type Pick = fn(&Summary) -> f64;

/// The lowest and highest of one figure over runs.
fn range(runs: &[Summary], pick: Pick) -> (f64, f64) {
    runs.iter()
        .map(pick)
        .fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), x| {
            (lo.min(x), hi.max(x))
        })
}

/// One line of a table: the real runs' ranges and the simulated figures.
fn row(point: &Point, sim: &Summary) -> String {
    let shown = |pick: Pick| {
        let (lo, hi) = range(&point.real, pick);
        if lo == hi {
            format!("{lo:.2}")
        } else {
            format!("{lo:.2}–{hi:.2}")
        }
    };
    format!(
        "{:<16} real {:>12} / {:>14} / {:>15} ms   sim {:7.2} / {:7.2} / {:7.2} ms",
        point.name,
        shown(|s| s.median),
        shown(|s| s.p99),
        shown(|s| s.max),
        sim.median,
        sim.p99,
        sim.max
    )
}

pub fn fixture_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/real/load-curve")
}

/// Every point of the real sweep, its runs together, by name.
pub fn points() -> Vec<Point> {
    let mut dirs: Vec<PathBuf> = std::fs::read_dir(fixture_dir())
        .expect("the load-curve fixtures")
        .map(|e| e.expect("a fixture").path())
        .filter(|p| p.join("summary.txt").exists())
        .collect();
    dirs.sort();
    let mut points: Vec<Point> = Vec::new();
    for run in dirs.iter().filter_map(|d| point(d)) {
        match points.iter_mut().find(|p| p.name == run.name) {
            Some(p) => {
                p.real.extend(run.real);
                if p.starts_ms.is_empty() {
                    p.starts_ms = run.starts_ms;
                }
            }
            None => points.push(run),
        }
    }
    points
}

/// A run whose probes fell further behind their own schedule than this measured a machine
/// too busy to run them (other work on it), not Maelstrom: it is left out.
const MAX_SENDER_LAG_MS: f64 = 500.0;

/// One run's folder, unless it is one to leave out (see [`MAX_SENDER_LAG_MS`]).
fn point(dir: &Path) -> Option<Point> {
    let read = |f: &str| {
        std::fs::read_to_string(dir.join(f)).unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
    };
    let command = read("command.txt");
    let words: Vec<&str> = command.split_whitespace().collect();
    let flag = |name: &str| -> Vec<&str> {
        words
            .windows(2)
            .filter(|w| w[0] == name)
            .map(|w| w[1])
            .collect()
    };
    let num = |s: &str| {
        s.parse::<f64>()
            .unwrap_or_else(|_| panic!("{command}: {s}"))
    };
    let node_args: Vec<f64> = flag("--node-arg").into_iter().map(num).collect();
    let summary: BTreeMap<String, String> = read("summary.txt")
        .lines()
        .filter_map(|l| l.split_once(' '))
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
    let figure = |k: &str| num(summary.get(k).unwrap_or_else(|| panic!("{k} in summary")));
    if figure("sender_lag_ms") > MAX_SENDER_LAG_MS {
        return None;
    }
    // `n3:12.5 n0:0.0 …`, in node order.
    let mut starts: Vec<(usize, f64)> = summary
        .get("starts_ms")
        .map(|s| {
            s.split_whitespace()
                .filter_map(|w| {
                    let (node, ms) = w.split_once(':')?;
                    Some((node.strip_prefix('n')?.parse().ok()?, ms.parse().ok()?))
                })
                .collect()
        })
        .unwrap_or_default();
    starts.sort_by_key(|(n, _)| *n);
    let folder = dir.file_name().unwrap().to_string_lossy().to_string();
    let name = match folder.rsplit_once("-run") {
        Some((name, k)) if k.parse::<u32>().is_ok() => name.to_string(),
        _ => folder,
    };
    Some(Point {
        name,
        nodes: num(flag("--node-count")[0]) as u32,
        latency_ms: num(flag("--latency")[0]) as u32,
        rate: node_args[0],
        delay_s: node_args[1],
        seconds: node_args[2],
        time_limit: num(flag("--time-limit")[0]) as u32,
        real: vec![Summary {
            count: figure("count") as usize,
            median: figure("median_ms"),
            p99: figure("p99_ms"),
            max: figure("max_ms"),
        }],
        starts_ms: starts.into_iter().map(|(_, ms)| ms).collect(),
    })
}

/// `probe.py` in Rust for the in-process engine: answers `echo`, and from `delay` after init
/// for `seconds` sends its share of `rate` probes a second to its peers in turn, each carrying
/// the virtual time it was sent; every probe received adds its delay (ms) to `delays`.
pub struct Probe {
    rate: f64,
    delay: Duration,
    seconds: f64,
    begin: Option<Duration>,
    /// This node's probes a second, known from init.
    per_node: f64,
    sent: u64,
    delays: Rc<RefCell<Vec<f64>>>,
}

impl Probe {
    /// Node `index`'s probe; it starts as late after the first as that node did in the
    /// real run (Maelstrom starts 25 node processes over about a second; the in-process
    /// engine starts them at once).
    pub fn new(point: &Point, index: usize, delays: Rc<RefCell<Vec<f64>>>) -> Probe {
        let offset = point.starts_ms.get(index).copied().unwrap_or(0.0) / 1000.0;
        Probe {
            rate: point.rate,
            delay: Duration::from_secs_f64(point.delay_s + offset),
            seconds: point.seconds,
            begin: None,
            per_node: 0.0,
            sent: 0,
            delays,
        }
    }
}

impl Node for Probe {
    fn on_init(&mut self, ctx: &mut Ctx) {
        self.begin = Some(ctx.now + self.delay);
        self.per_node = self.rate / (ctx.peers().count() + 1) as f64;
    }

    fn on_message(&mut self, msg: Message, ctx: &mut Ctx) -> Result<(), RpcError> {
        match msg.body.kind.as_str() {
            "echo" => {
                let echo: serde_json::Value = msg.body.get("echo")?;
                ctx.reply(&msg, Body::new("echo_ok").with("echo", echo));
            }
            "probe" => {
                let sent: u64 = msg.body.get("t")?;
                let delay = ctx.now.as_nanos() as f64 - sent as f64;
                self.delays.borrow_mut().push(delay / 1e6);
            }
            other => return Err(RpcError::not_supported(other)),
        }
        Ok(())
    }

    fn on_tick(&mut self, ctx: &mut Ctx) {
        let Some(begin) = self.begin else { return };
        let per_node = self.per_node;
        let total = (self.seconds * per_node) as u64;
        if ctx.now < begin || self.sent >= total {
            return;
        }
        let due = (((ctx.now - begin).as_secs_f64() * per_node) as u64 + 1).min(total);
        let peers: Vec<String> = ctx.peers().cloned().collect();
        while self.sent < due {
            let dest = &peers[self.sent as usize % peers.len()];
            let now = ctx.now.as_nanos() as u64;
            ctx.send(dest, Body::new("probe").with("t", now));
            self.sent += 1;
        }
    }

    fn tick_interval(&self) -> Option<Duration> {
        // One tick per probe: a node writes each probe when it is due, as probe.py does.
        Some(Duration::from_secs_f64(1.0 / self.per_node.max(1.0)).min(Duration::from_millis(50)))
    }
}

/// The echo test's options at `point`: its nodes, length and latency, and a trickle of echoes
/// (the probes are the load).
fn echo_opts(point: &Point) -> TestOpts {
    TestOpts::parse_args(&[
        "--node-count".to_string(),
        point.nodes.to_string(),
        "--time-limit".into(),
        point.time_limit.to_string(),
        "--latency".into(),
        point.latency_ms.to_string(),
        "--rate".into(),
        "5".into(),
    ])
    .expect("options parse")
}

/// The echo test of `point` in the in-process engine on `seed`, with [`Probe`] as every node.
pub fn simulate(point: &Point, seed: u64) -> Summary {
    simulate_with(point, seed, None)
}

/// [`simulate`] with `timing` instead of the fitted model, if given.
fn simulate_with(point: &Point, seed: u64, timing: Option<Timing>) -> Summary {
    let opts = echo_opts(point);
    let mut cfg = SimConfig::new(Workload::Echo, opts, seed);
    cfg.timing = timing;
    let delays = Rc::new(RefCell::new(Vec::new()));
    sim::run_with(&cfg, &mut |i| {
        Ok(Box::new(Probe::new(point, i, delays.clone())) as Box<dyn Node>)
    })
    .unwrap_or_else(|e| panic!("{}: {e:#}", point.name));
    let delays = delays.take();
    Summary::of(delays)
}

/// Figures the in-process engine does not reproduce, as `"<point>: <figure>"`: printed, not
/// asserted, and the test fails once one of them matches, so that the list names only open
/// gaps.
/// - 25n-20000, every figure: the real run's probes fell 1.2 s behind their own schedule
///   (25 Python nodes and the JVM saturate the two cores), so the point is past what the probe
///   can measure on this machine; the model queues the first second's backlog longer.
/// - 5n-2000 p99 and 25n-1000 p99: the model's rare hot-handoff spikes (kept for the 3d tail)
///   queue a few messages behind them on a receive thread; the real p99 is 1.2–2.0 ms at
///   5n-2000, and the model's 1.1 ms sits under the real 2.4–7.1 ms at 25n-1000.
/// - 25n-10000 p99: the first second's backlog on 25 receive threads clears a little later
///   in the model (50 ms) than in the slowest real run (38 ms).
///
/// A model that adds a serial cost per message on a busy receive thread's cold path closes
/// 25n-1000 and 25n-10000 and the 5-node points beyond 10 000 messages a second, but it
/// stretches a chatty relay node's 3d tail (`learner_fidelity`, max 278 ms against the real
/// 208), so it is not the model in use.
const KNOWN_GAPS: &[&str] = &[
    "25n-20000: median",
    "25n-20000: p99",
    "25n-20000: max",
    "5n-2000: p99",
    "25n-1000: p99",
    "25n-10000: p99",
];

#[test]
fn the_in_process_engine_follows_the_real_load_curve() {
    // Virtual time, but a CPU-heavy run: never beside a wall-clock test.
    let _machine = crate::support::machine::shared();
    let mut misses = Vec::new();
    for point in points() {
        let sim = simulate(&point, 1);
        eprintln!("{}", row(&point, &sim));
        misses.extend(
            sim.misses(&point.real)
                .into_iter()
                .map(|m| format!("{}: {m}", point.name)),
        );
    }
    let is_known = |m: &String| KNOWN_GAPS.iter().any(|g| m.starts_with(g));
    let (known, bad): (Vec<String>, Vec<String>) = misses.iter().cloned().partition(is_known);
    for gap in &known {
        eprintln!("known gap, not asserted: {gap}");
    }
    assert!(bad.is_empty(), "\n  {}", bad.join("\n  "));
    let closed: Vec<&&str> = KNOWN_GAPS
        .iter()
        .filter(|g| !misses.iter().any(|m| m.starts_with(*g)))
        .collect();
    assert!(
        closed.is_empty(),
        "known gaps that now match (remove them): {closed:?}"
    );
}

/// Every delivery delay (ms) that `probe.py` logged in `dir/*.log`.
fn logged_delays(dir: &Path) -> Vec<f64> {
    let mut delays = Vec::new();
    for entry in std::fs::read_dir(dir).expect("the node logs") {
        let text = std::fs::read_to_string(entry.expect("a log").path()).expect("a readable log");
        delays.extend(
            text.lines()
                .filter(|l| l.starts_with("D "))
                .filter_map(|l| l.split_whitespace().nth(3)?.parse::<f64>().ok())
                .map(|us| us / 1000.0),
        );
    }
    delays
}

/// `point` under the real-time engine with `probe.py` as every node.
fn run_external(point: &Point) -> Summary {
    let profile = crate::support::sim::profile("1");
    let overrides = echo_opts(point);
    let logs = tempfile::tempdir().expect("a temporary folder");
    let program = glomers::sim::external::Program {
        bin: crate::support::python::node_script("probe.py"),
        args: [point.rate, point.delay_s, point.seconds]
            .iter()
            .map(|x| x.to_string())
            .collect(),
    };
    // The default timeout: the run's length plus ten minutes.
    let timeout = Duration::from_secs(u64::from(point.time_limit) + 600);
    let logs_dir = Some(logs.path());
    crate::support::sim::simulate_foreign(&profile, &overrides, program, timeout, 1, logs_dir)
        .unwrap_or_else(|e| panic!("{}: {e:#}", point.name));
    Summary::of(logged_delays(logs.path()))
}

#[test]
fn the_real_time_engine_follows_the_real_load_curve_at_a_few_points() {
    // Wall-clock figures: nothing else may load the machine meanwhile.
    let _machine = crate::support::machine::alone();
    if !crate::support::python::python_present() {
        return;
    }
    glomers::child::set_guard_program(env!("CARGO_BIN_EXE_glomers"));
    let wanted = ["5n-1000", "5n-20000", "25n-10000"];
    let mut misses = Vec::new();
    for point in points()
        .into_iter()
        .filter(|p| wanted.contains(&p.name.as_str()))
    {
        let sim = run_external(&point);
        eprintln!("{}", row(&point, &sim));
        misses.extend(
            sim.misses(&point.real)
                .into_iter()
                .map(|m| format!("{}: {m}", point.name)),
        );
    }
    let is_known = |m: &String| REAL_TIME_GAPS.iter().any(|g| m.starts_with(g));
    let (known, bad): (Vec<String>, Vec<String>) = misses.into_iter().partition(is_known);
    for gap in &known {
        eprintln!("known gap, not asserted: {gap}");
    }
    assert!(bad.is_empty(), "\n  {}", bad.join("\n  "));
}

/// Figures the real-time engine does not reproduce. Its median delivery is 0.1–0.2 ms above
/// the real one wherever the real median is a fraction of a millisecond: the model's handoff is
/// added to glomers' own pipes and threads, which are real here and cost about what the model
/// adds (`benches/routing.rs` shows the same offset at 1000, 5000 and 20000 messages a second).
/// At 5n-1000 the median was 0.27–0.34 ms against the real 0.14–0.16, at 25n-10000 0.24–0.40
/// against 0.18–0.28; and the 5n-1000 p99 (1.1–3.8 ms) falls either side of the real 1.7–2.9 ms.
/// The 25n-10000 max, the first second's backlog on 25 receive threads, sits at the low edge of
/// the real runs' 39.8–93.9 ms (29.4–39.6 ms on quiet runs): since the engine writes each line
/// straight into a node's pipe, it clears that backlog a little sooner than the slowest real
/// runs did. Not asserted closed: wall-clock figures vary from run to run.
const REAL_TIME_GAPS: &[&str] = &[
    "5n-1000: median",
    "5n-1000: p99",
    "25n-10000: median",
    "25n-10000: max",
];

/// The re-fit tool for the model under load (`src/sim/network/timing/timing.md`): with
/// `GLOMERS_REFIT=<field>=<v1>,…`, runs every point of the curve once per value and prints, per
/// value, the figures outside their tolerance and the summed distance of the median, p99 and
/// max from the middle of the real range (`|ln(simulated / real)|`; lower is closer).
#[test]
#[ignore = "a tool: GLOMERS_REFIT=<field>=<v1>,<v2>,… cargo test --test wall_clock refit -- --ignored --nocapture"]
fn refit_against_the_load_curve() {
    let _machine = crate::support::machine::shared();
    let Some((field, candidates)) = crate::support::refit::candidates() else {
        return;
    };
    let points = points();
    let picks: [Pick; 3] = [|s| s.median, |s| s.p99, |s| s.max];
    eprintln!("{field}");
    eprintln!("{:>10} {:>9}  misses", "value", "distance");
    for (value, timing) in candidates {
        let (mut distance, mut misses) = (0.0, Vec::new());
        for point in &points {
            let sim = simulate_with(point, 1, Some(timing));
            for pick in picks {
                let (lo, hi) = range(&point.real, pick);
                let (mid, got) = ((lo + hi) / 2.0, pick(&sim));
                if mid > 0.0 && got > 0.0 {
                    distance += (got / mid).ln().abs();
                }
            }
            misses.extend(
                sim.misses(&point.real)
                    .into_iter()
                    .map(|m| format!("{}: {m}", point.name)),
            );
        }
        eprintln!("{value:>10} {distance:>9.3}  {}", misses.len());
        for miss in &misses {
            eprintln!("{:>10}   {miss}", "");
        }
    }
}
