//! The nemesis's faults with real processes (`--bin`, the wall clock): a kill is SIGKILL to the
//! node's group and a fresh process that gets `init` again, a pause is SIGSTOP (the process is
//! seen stopped), and nothing any start of a node spawned outlives the run, whether it ends by
//! itself, by Ctrl-C, by `--timeout` or by a crash of glomers during a pause. Glomers' own
//! unique-ids node stays unique across real restarts where the counting node repeats its ids,
//! and glomers' broadcast node stays valid under the network faults. The schedule of faults is
//! the seed's, the same as in virtual time, so each test picks its seed from an in-process run.
//! Skipped, saying so, when `python3` is not on PATH.

use crate::support::binary::ran;
use crate::support::hostile_scene::Scene;
use crate::support::processes::proc_state;
use crate::support::python::{node_script, python_present};
use crate::support::sim::profile;
use glomers::challenge::{Profile, TestOpts};
use glomers::history::{Op, OpType, Process};
use glomers::sim::external::Program;
use glomers::sim::SimRun;
use glomers::verdict::Verdict;
use nix::sys::signal::{kill, Signal};
use nix::unistd::Pid;
use serde_json::Value;
use std::os::unix::process::ExitStatusExt;
use std::time::{Duration, Instant};

/// The nemesis's completions of an in-process run: (time ns, f, value).
fn nemesis(history: &[Op]) -> Vec<(u64, String, Value)> {
    history
        .iter()
        .filter(|op| op.process == Process::Nemesis && op.kind == OpType::Info)
        .map(|op| (op.time, op.f.clone(), op.value.clone()))
        .collect()
}

fn hits(value: &Value, node: &str, what: &str) -> bool {
    value.get(node).and_then(Value::as_str) == Some(what)
}

#[test]
fn a_killed_process_is_replaced_by_a_fresh_one_and_nothing_any_start_spawned_survives() {
    let _machine = crate::support::machine::shared();
    if !python_present() {
        return;
    }
    let scene = Scene::new();
    let args = [
        "--nemesis",
        "kill",
        "--nemesis-interval",
        "1",
        "--time-limit",
        "6",
        "--seed",
        "2",
    ];
    let out = ran(&mut scene.run(&args, &["escape", "20"]));
    assert!(matches!(out.code, Some(0 | 1)), "{}", out.stderr);
    let folder = scene.dir().join("store/latest");
    let history = std::fs::read_to_string(folder.join("history.edn")).unwrap();
    assert!(
        history.contains(":f :start, :value {\"n0\" :started}"),
        "n0 was never started again: {history:.2000}"
    );
    let log = std::fs::read_to_string(folder.join("node-logs/n0.log")).unwrap();
    let starts = log.matches("initialised among 1 nodes").count();
    assert!(starts >= 2, "{log}");
    assert!(log.contains("started again after a kill"), "{log}");
    // Every start escaped with 22 processes of its own, and none of them outlived the run.
    assert!(scene.recorded().len() >= 2 * 23, "{:?}", scene.recorded());
    scene.assert_nothing_left("kills and the run's end");
}

/// A seed whose run (1 node, `--nemesis pause --nemesis-interval 2`, 30 s) pauses nobody
/// first, then pauses n0 at 1 to 8 s for at least 2.5 s.
fn seed_pausing_n0_later() -> u64 {
    let opts = TestOpts::parse_args(&[
        "--nemesis",
        "pause",
        "--nemesis-interval",
        "2",
        "--time-limit",
        "30",
    ])
    .expect("valid");
    for seed in 1..200 {
        let (run, _) =
            crate::support::sim::simulate_own(&profile("1"), &opts, seed).expect("in-process run");
        let ops = nemesis(&run.outcome.history);
        let first_free = ops
            .first()
            .is_some_and(|(_, f, v)| f == "pause" && !hits(v, "n0", "paused"));
        let later = ops.iter().enumerate().find(|(_, (at, f, v))| {
            f == "pause" && hits(v, "n0", "paused") && (1_000_000_000..8_000_000_000).contains(at)
        });
        if let (true, Some((k, (at, _, _)))) = (first_free, later) {
            let resumed = ops[k + 1..].iter().find(|(_, f, _)| f == "resume");
            if resumed.is_some_and(|(r, _, _)| r - at >= 2_500_000_000) {
                return seed;
            }
        }
    }
    panic!("no seed pauses n0 late and long");
}

/// Waits until the node's latest start is stopped (SIGSTOP), or fails.
fn wait_stopped(scene: &Scene) -> i32 {
    let until = Instant::now() + Duration::from_secs(20);
    loop {
        if let Some(pid) = scene.node() {
            if proc_state(pid).is_some_and(|(state, _)| state == 'T') {
                return pid;
            }
        }
        assert!(Instant::now() < until, "the node was never seen stopped");
        std::thread::sleep(Duration::from_millis(20));
    }
}

#[test]
fn a_paused_process_is_stopped_and_ctrl_c_a_crash_or_a_timeout_then_leave_nothing_running() {
    let _machine = crate::support::machine::shared();
    if !python_present() {
        return;
    }
    let seed = seed_pausing_n0_later().to_string();
    let base = [
        "--nemesis",
        "pause",
        "--nemesis-interval",
        "2",
        "--time-limit",
        "30",
        "--seed",
        seed.as_str(),
    ];
    for (how, signal) in [
        ("Ctrl-C", Some(Signal::SIGINT)),
        ("a crash", Some(Signal::SIGABRT)),
    ] {
        let scene = Scene::new();
        let mut child = scene.start(&base, &["escape", "20"]);
        wait_stopped(&scene);
        kill(Pid::from_raw(child.id() as i32), signal.expect("a signal")).unwrap();
        let status = child.wait().unwrap();
        match how {
            "Ctrl-C" => assert_eq!(status.code(), Some(130)),
            _ => assert_eq!(status.signal(), Some(Signal::SIGABRT as i32)),
        }
        scene.assert_nothing_left(&format!("{how} during a pause"));
    }
    let scene = Scene::new();
    let mut args = base.to_vec();
    args.extend(["--timeout", "4"]);
    let mut child = scene.start(&args, &["escape", "20"]);
    wait_stopped(&scene);
    let status = child.wait().unwrap();
    assert_eq!(status.code(), Some(3), "a timeout exits 3");
    scene.assert_nothing_left("a timeout during a pause");
}

/// `program` as every node of `profile` on `seed`, in real time (at most 180 s).
fn foreign(
    profile: &Profile,
    opts: &TestOpts,
    program: Program,
    seed: u64,
) -> anyhow::Result<(SimRun, Verdict)> {
    // The nodes run under guards, which are the glomers binary run again.
    glomers::child::set_guard_program(env!("CARGO_BIN_EXE_glomers"));
    let timeout = Duration::from_secs(180);
    crate::support::sim::simulate_foreign(profile, opts, program, timeout, seed, None)
}

fn own_binary(workload: &str, args: &[String]) -> Program {
    let mut words = vec!["node".to_string(), workload.to_string()];
    words.extend(args.iter().cloned());
    Program {
        bin: env!("CARGO_BIN_EXE_glomers").into(),
        args: words,
    }
}

/// Challenge 2's official command under kill, seed 1 (on which the counting node repeats ids
/// in virtual time too: `fault_table`), with glomers' own binary and the counting node as real
/// processes side by side.
#[test]
fn real_restarts_keep_glomers_ids_unique_and_make_the_counting_node_repeat() {
    let _machine = crate::support::machine::shared();
    if !python_present() {
        return;
    }
    let p = profile("2");
    let kill = TestOpts::parse_args(&["--nemesis", "kill"]).expect("valid");
    let ours = own_binary("unique-ids", &p.node_args);
    let naive = Program {
        bin: node_script("counting_ids.py"),
        args: Vec::new(),
    };
    let (ours, naive) = std::thread::scope(|scope| {
        let a = scope.spawn(|| foreign(&p, &kill, ours, 1));
        let b = scope.spawn(|| foreign(&p, &kill, naive, 1));
        (a.join().expect("ours"), b.join().expect("naive"))
    });
    let (ours, ours_verdict) = ours.expect("glomers' node runs");
    let (naive, naive_verdict) = naive.expect("the counting node runs");
    assert!(ours_verdict.pass, "{:?}", ours_verdict.figures);
    assert!(!naive_verdict.pass, "{:?}", naive_verdict.figures);
    let restarted = nemesis(&ours.outcome.history)
        .iter()
        .any(|(_, f, v)| f == "start" && v.as_object().is_some_and(|m| !m.is_empty()));
    assert!(restarted, "a node was started again");
    assert_eq!(ours.figures.counts.get("duplicated-count"), Some(&0.0));
    assert!(
        ours.figures.anomalies.is_empty(),
        "{:?}",
        ours.figures.anomalies
    );
    assert_eq!(naive.figures.anomalies, ["duplicated"]);
}

#[test]
fn glomers_broadcast_node_stays_valid_under_the_network_faults_as_real_processes() {
    let _machine = crate::support::machine::shared();
    let p = profile("3b");
    let over = TestOpts::parse_args(&[
        "--nemesis",
        "partition-oneway,loss,duplicate,delay",
        "--nemesis-interval",
        "1",
        "--time-limit",
        "6",
    ])
    .expect("valid");
    let (run, verdict) =
        foreign(&p, &over, own_binary("broadcast", &p.node_args), 3).expect("runs");
    assert!(verdict.pass, "{:?}", verdict.figures);
    let fs: Vec<String> = nemesis(&run.outcome.history)
        .into_iter()
        .map(|(_, f, _)| f)
        .collect();
    for f in [
        "start-partition-oneway",
        "start-loss",
        "start-duplicate",
        "start-delay",
    ] {
        assert!(fs.iter().any(|g| g == f), "no {f} in {fs:?}");
    }
}
