//! Benchmark: how many messages a second the real-time engine (`run --engine sim --bin`) can
//! route among node processes, and how long each takes, per offered rate. Every node is this
//! very binary in its probe role (a Rust twin of `tests/nodes/probe.py`, so the nodes cost
//! next to nothing): on the echo workload each sends its share of a total rate of `probe`
//! messages to the others, stamped with the wall clock, and logs each one's delivery delay.
//! Prints, per rate: probes delivered and the rate achieved, delay median / p99 / max, the
//! engine's CPU time (user + system, its own process; the nodes are children) and its peak
//! memory. With `--maelstrom PREFIX` (or `GLOMERS_MAELSTROM`) the same sweep runs under the
//! real Maelstrom too, through `glomers run --engine maelstrom`, with the JVM's CPU and peak
//! memory (the nodes' included: they are its children).
//!
//! `cargo bench --bench routing [-- --nodes 25 --rates 1000,5000,20000 --seconds 10
//! --maelstrom PREFIX]`

mod support;

use glomers::challenge::{Profiles, TestOpts};
use glomers::driver::runs::challenge_plan::ChallengePlan;
use glomers::driver::runs::sim_run::{self, Recording};
use glomers::sim::external::Program;
use nix::sys::resource::{getrusage, UsageWho};
use std::io::{BufRead, Write};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

/// Seconds from init to the first probe: every node is on the network by then.
const DELAY_S: f64 = 2.0;

struct Options {
    nodes: u32,
    rates: Vec<f64>,
    seconds: f64,
    maelstrom: Option<String>,
    /// Run one rate in this process and print its row (the parent runs one child per rate,
    /// so that each peak memory figure is that run's alone).
    one: Option<(String, f64)>,
}

fn options() -> anyhow::Result<Options> {
    let mut o = Options {
        nodes: 25,
        rates: vec![1000.0, 2000.0, 5000.0, 10000.0, 20000.0, 40000.0],
        seconds: 10.0,
        maelstrom: std::env::var("GLOMERS_MAELSTROM").ok(),
        one: None,
    };
    let mut args = std::env::args().skip(1);
    while let Some(a) = args.next() {
        let mut value = || {
            args.next()
                .ok_or_else(|| anyhow::anyhow!("{a} needs a value"))
        };
        match a.as_str() {
            "--nodes" => o.nodes = value()?.parse()?,
            "--seconds" => o.seconds = value()?.parse()?,
            "--rates" => {
                o.rates = value()?
                    .split(',')
                    .map(str::parse)
                    .collect::<Result<_, _>>()?
            }
            "--maelstrom" => o.maelstrom = Some(value()?),
            "--one" => {
                let engine = value()?;
                o.one = Some((engine, value()?.parse()?));
            }
            // cargo bench's own flag, and a filter nobody needs here.
            _ => {}
        }
    }
    Ok(o)
}

fn main() -> anyhow::Result<()> {
    let mut args = std::env::args().skip(1);
    if args.next().as_deref() == Some("probe-node") {
        let num = |s: Option<String>| s.and_then(|s| s.parse().ok()).unwrap_or(0.0);
        return probe_node(num(args.next()), num(args.next()), num(args.next()));
    }
    let o = options()?;
    // The nodes run under guards, which are the glomers binary run again.
    glomers::child::set_guard_program(env!("CARGO_BIN_EXE_glomers"));
    if let Some((engine, rate)) = &o.one {
        return measure(&o, engine, *rate);
    }
    println!(
        "{} nodes, {} s of probes per rate; delays in ms; CPU in seconds",
        o.nodes, o.seconds
    );
    let exe = std::env::current_exe()?;
    let mut engines = vec!["sim"];
    if o.maelstrom.is_some() {
        engines.push("maelstrom");
    }
    for rate in &o.rates {
        for engine in &engines {
            let mut cmd = std::process::Command::new(&exe);
            cmd.args(["--nodes", &o.nodes.to_string()])
                .args(["--seconds", &o.seconds.to_string()])
                .args(["--one", engine, &rate.to_string()]);
            if let Some(m) = &o.maelstrom {
                cmd.args(["--maelstrom", m]);
            }
            let status = cmd.status()?;
            anyhow::ensure!(status.success(), "{engine} at {rate}: {status}");
        }
    }
    Ok(())
}

/// The probe arguments: total rate, delay, seconds.
fn probe_args(o: &Options, rate: f64) -> Vec<String> {
    vec![
        "probe-node".into(),
        rate.to_string(),
        DELAY_S.to_string(),
        o.seconds.to_string(),
    ]
}

fn time_limit(o: &Options) -> u32 {
    (DELAY_S + o.seconds).ceil() as u32 + 2
}

/// One engine at one rate: runs it, reads the node logs, prints a row.
fn measure(o: &Options, engine: &str, rate: f64) -> anyhow::Result<()> {
    let exe = std::env::current_exe()?;
    let logs = tempfile::tempdir()?;
    let started = Instant::now();
    let (wall, cpu, peak, label) = if engine == "sim" {
        let profiles = Profiles::builtin();
        let profile = profiles.find("1")?;
        let overrides = TestOpts::parse_args(&[
            "--node-count".to_string(),
            o.nodes.to_string(),
            "--time-limit".into(),
            time_limit(o).to_string(),
            "--rate".into(),
            "5".into(),
        ])?;
        let program = Program {
            bin: exe,
            args: probe_args(o, rate),
        };
        let plan = ChallengePlan::foreign(profile, &overrides, program)?;
        let recording = Recording {
            node_logs: Some(logs.path().to_path_buf()),
            journal: None,
        };
        let before = cpu_seconds(UsageWho::RUSAGE_SELF)?;
        sim_run::simulate_recorded(&plan, 1, &recording)?;
        let cpu = cpu_seconds(UsageWho::RUSAGE_SELF)? - before;
        (
            started.elapsed(),
            cpu,
            support::peak_mib("self").unwrap_or(f64::NAN),
            "engine",
        )
    } else {
        let prefix = o.maelstrom.as_deref().unwrap_or_default();
        let store = logs.path();
        let mut cmd = std::process::Command::new(env!("CARGO_BIN_EXE_glomers"));
        cmd.args(["run", "1", "--engine", "maelstrom", "--maelstrom", prefix])
            .arg("--bin")
            .arg(&exe)
            .args(["--node-count", &o.nodes.to_string()])
            .args(["--time-limit", &time_limit(o).to_string(), "--rate", "5"])
            .arg("--store")
            .arg(store);
        for a in probe_args(o, rate) {
            cmd.arg("--node-arg").arg(a);
        }
        let status = cmd.stdout(std::process::Stdio::null()).status()?;
        anyhow::ensure!(status.code().is_some(), "maelstrom run: {status}");
        let usage = getrusage(UsageWho::RUSAGE_CHILDREN)?;
        let cpu = seconds(usage.user_time()) + seconds(usage.system_time());
        let peak = usage.max_rss() as f64 / 1024.0;
        (started.elapsed(), cpu, peak, "JVM+nodes")
    };
    let dir = if engine == "sim" {
        logs.path().to_path_buf()
    } else {
        latest_node_logs(logs.path())?
    };
    let delays = read_delays(&dir)?;
    let q = |q: f64| quantile(&delays, q);
    println!(
        "{engine:<9} rate {rate:>7}: {:>7} delivered ({:>7.0}/s)  delay {:8.2} / {:8.2} / {:8.2}  \
         {label} CPU {:6.2} s in {:5.1} s wall  peak {:6.1} MiB",
        delays.len(),
        delays.len() as f64 / o.seconds,
        q(0.5),
        q(0.99),
        delays.last().copied().unwrap_or(f64::NAN),
        cpu,
        wall.as_secs_f64(),
        peak,
    );
    Ok(())
}

fn seconds(t: nix::sys::time::TimeVal) -> f64 {
    t.tv_sec() as f64 + t.tv_usec() as f64 / 1e6
}

fn cpu_seconds(who: UsageWho) -> anyhow::Result<f64> {
    let u = getrusage(who)?;
    Ok(seconds(u.user_time()) + seconds(u.system_time()))
}

/// `store/latest/node-logs` of a Maelstrom run under `store_parent`.
fn latest_node_logs(store_parent: &Path) -> anyhow::Result<PathBuf> {
    let latest = store_parent.join("store").join("latest");
    Ok(std::fs::canonicalize(latest)?.join("node-logs"))
}

/// Every delivery delay (ms) in the `D` lines of `dir/*.log`, sorted.
fn read_delays(dir: &Path) -> anyhow::Result<Vec<f64>> {
    let mut delays = Vec::new();
    for entry in std::fs::read_dir(dir)? {
        let text = std::fs::read_to_string(entry?.path())?;
        for line in text.lines().filter(|l| l.starts_with("D ")) {
            if let Some(us) = line.split_whitespace().nth(3) {
                delays.push(us.parse::<f64>()? / 1000.0);
            }
        }
    }
    delays.sort_by(f64::total_cmp);
    Ok(delays)
}

fn quantile(sorted: &[f64], q: f64) -> f64 {
    if sorted.is_empty() {
        return f64::NAN;
    }
    let k = ((q * sorted.len() as f64).ceil() as usize).max(1) - 1;
    sorted[k.min(sorted.len() - 1)]
}

fn wall_ns() -> u128 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_nanos())
}

/// The probe node: answers init and echo; `delay` s after init sends its share of `rate`
/// probes a second for `secs` s, to its peers in turn; logs `D <src> <sent_ns> <delay_us>`
/// for each probe received.
fn probe_node(rate: f64, delay: f64, secs: f64) -> anyhow::Result<()> {
    let out = Arc::new(Mutex::new(std::io::stdout()));
    let log = Arc::new(Mutex::new(String::new()));
    let stdin = std::io::stdin();
    let mut me = String::new();
    for line in stdin.lock().lines() {
        let line = line?;
        let msg: serde_json::Value = serde_json::from_str(&line)?;
        let body = &msg["body"];
        let src = msg["src"].as_str().unwrap_or_default().to_string();
        let reply = match body["type"].as_str() {
            Some("probe") => {
                let sent = body["t"].as_u64().unwrap_or(0) as u128;
                let us = wall_ns().saturating_sub(sent) / 1000;
                let mut log = log.lock().expect("log");
                log.push_str(&format!("D {src} {sent} {us}\n"));
                continue;
            }
            Some("init") => {
                me = body["node_id"].as_str().unwrap_or_default().to_string();
                let peers: Vec<String> = body["node_ids"]
                    .as_array()
                    .into_iter()
                    .flatten()
                    .filter_map(|v| v.as_str())
                    .filter(|id| *id != me)
                    .map(str::to_string)
                    .collect();
                let (out, log, me) = (out.clone(), log.clone(), me.clone());
                std::thread::spawn(move || send_probes(&me, &peers, rate, delay, secs, out, log));
                serde_json::json!({"type": "init_ok"})
            }
            Some("echo") => serde_json::json!({"type": "echo_ok", "echo": body["echo"]}),
            _ => continue,
        };
        let mut reply = reply;
        reply["in_reply_to"] = body["msg_id"].clone();
        let line = serde_json::json!({"src": me, "dest": src, "body": reply}).to_string();
        let mut out = out.lock().expect("stdout");
        writeln!(out, "{line}")?;
        out.flush()?;
    }
    Ok(())
}

fn send_probes(
    me: &str,
    peers: &[String],
    rate: f64,
    delay: f64,
    secs: f64,
    out: Arc<Mutex<std::io::Stdout>>,
    log: Arc<Mutex<String>>,
) {
    let flush_log = || {
        let text = std::mem::take(&mut *log.lock().expect("log"));
        let _ = std::io::stderr().write_all(text.as_bytes());
    };
    let per_node = rate / (peers.len() + 1) as f64;
    let total = (secs * per_node) as u64;
    let begin = Instant::now() + Duration::from_secs_f64(delay);
    let mut sent = 0u64;
    let mut last_flush = Instant::now();
    while sent < total && !peers.is_empty() {
        let now = Instant::now();
        if now >= begin {
            let due = (((now - begin).as_secs_f64() * per_node) as u64 + 1).min(total);
            let mut lines = String::new();
            while sent < due {
                let dest = &peers[sent as usize % peers.len()];
                lines.push_str(&format!(
                    "{{\"src\":\"{me}\",\"dest\":\"{dest}\",\"body\":{{\"type\":\"probe\",\"t\":{}}}}}\n",
                    wall_ns()
                ));
                sent += 1;
            }
            let mut out = out.lock().expect("stdout");
            let _ = out.write_all(lines.as_bytes()).and_then(|_| out.flush());
        }
        if last_flush.elapsed() > Duration::from_millis(200) {
            flush_log();
            last_flush = Instant::now();
        }
        let next = begin + Duration::from_secs_f64(sent as f64 / per_node);
        std::thread::sleep(next.saturating_duration_since(Instant::now()));
    }
    loop {
        flush_log();
        std::thread::sleep(Duration::from_millis(200));
    }
}
