//! Nothing a node starts outlives glomers, and every way a node ends is reported.
//!
//! The hostile node (`tests/nodes/hostile.py`) starts processes that leave its process group —
//! a child in a group of its own, a `setsid` daemon, a chain of 200 — and glomers is ended every
//! way it can end: the run's own end, Ctrl-C, `--timeout`, a crash (SIGABRT) and `kill -9`;
//! afterwards none of them may still run. Nodes that close their stdin or stdout, exit while a
//! child holds their stdout, or stop reading while glomers writes to them get a verdict or a
//! crash report, never a silent death by SIGPIPE (exit 141). At the library level, a node's
//! guard reports its exit as glomers' own child would, and signals its group on request.
//! The Python tests are skipped, saying so, when `python3` is not on PATH.

use crate::support::binary::{glomers, ran};
use crate::support::hostile_scene::Scene;
use crate::support::processes::proc_state;
use crate::support::python::{node_script, python_present};
use glomers::sim::external::{ExternalNode, Heard, Program};
use glomers::sim::slot::External;
use nix::sys::signal::{kill, Signal};
use nix::unistd::Pid;
use std::os::unix::process::ExitStatusExt;
use std::process::{Command, Stdio};
use std::sync::mpsc::Receiver;
use std::time::{Duration, Instant};

/// The node itself, a child in its own group, a daemon, and the chain.
const ESCAPED: usize = 1 + 1 + 1 + 200;

/// Starts a run whose node escapes, waits until all of it runs, and ends glomers with `signal`.
fn escape_then(signal: Signal) -> (Scene, std::process::ExitStatus) {
    let scene = Scene::new();
    let mut child = scene.start(&["--time-limit", "60"], &["escape"]);
    scene.wait_ready();
    assert_eq!(scene.recorded().len(), ESCAPED);
    kill(Pid::from_raw(child.id() as i32), signal).unwrap();
    let status = child.wait().unwrap();
    (scene, status)
}

#[test]
fn the_runs_own_end_leaves_nothing_running() {
    let _machine = crate::support::machine::shared();
    if !python_present() {
        return;
    }
    let scene = Scene::new();
    // A short chain, so that everything runs well before the time limit.
    let out = ran(&mut scene.run(&["--time-limit", "3"], &["escape", "20"]));
    assert_eq!(out.code, Some(0), "{}", out.stderr);
    assert!(scene.pids().join("ready").exists(), "{}", out.stderr);
    assert_eq!(scene.recorded().len(), 1 + 1 + 1 + 20);
    scene.assert_nothing_left("the run's end");
}

#[test]
fn ctrl_c_leaves_nothing_running() {
    let _machine = crate::support::machine::shared();
    if !python_present() {
        return;
    }
    let (scene, status) = escape_then(Signal::SIGINT);
    assert_eq!(status.code(), Some(130));
    scene.assert_nothing_left("Ctrl-C");
}

#[test]
fn a_crash_of_glomers_leaves_nothing_running() {
    let _machine = crate::support::machine::shared();
    if !python_present() {
        return;
    }
    let (scene, status) = escape_then(Signal::SIGABRT);
    assert_eq!(status.signal(), Some(Signal::SIGABRT as i32));
    scene.assert_nothing_left("glomers' crash");
}

#[test]
fn kill_9_of_glomers_leaves_nothing_running() {
    let _machine = crate::support::machine::shared();
    if !python_present() {
        return;
    }
    let (scene, status) = escape_then(Signal::SIGKILL);
    assert_eq!(status.signal(), Some(Signal::SIGKILL as i32));
    scene.assert_nothing_left("kill -9 of glomers");
}

#[test]
fn a_timeout_leaves_nothing_running() {
    let _machine = crate::support::machine::shared();
    if !python_present() {
        return;
    }
    let scene = Scene::new();
    let mut child = scene.start(&["--time-limit", "60", "--timeout", "5"], &["escape"]);
    let started = Instant::now();
    scene.wait_ready();
    let ready_after = started.elapsed();
    let status = child.wait().unwrap();
    assert!(
        ready_after < Duration::from_secs(5),
        "the node took {ready_after:?} to start everything, past the timeout"
    );
    assert_eq!(status.code(), Some(3));
    assert_eq!(scene.recorded().len(), ESCAPED);
    scene.assert_nothing_left("--timeout");
}

#[test]
fn what_a_killed_guard_leaves_is_stopped_by_glomers_at_the_end() {
    let _machine = crate::support::machine::shared();
    if !python_present() {
        return;
    }
    let scene = Scene::new();
    let child = scene.start(&["--time-limit", "60"], &["escape", "20"]);
    scene.wait_ready();
    // Its parent is its guard.
    let node = std::fs::read_to_string(scene.pids().join("node")).unwrap();
    let stat = std::fs::read_to_string(format!("/proc/{}/stat", node.trim())).unwrap();
    let guard: i32 = stat
        .rsplit_once(')')
        .and_then(|(_, rest)| rest.split_whitespace().nth(1)?.parse().ok())
        .unwrap();
    assert_ne!(
        guard,
        child.id() as i32,
        "the node's parent is its guard, not glomers"
    );
    // Killed from outside, the guard cannot clean up: the node gets its death signal, and what
    // it started is adopted by glomers, which stops it as the run ends (on the node's crash).
    kill(Pid::from_raw(guard), Signal::SIGKILL).unwrap();
    let out = child.wait_with_output().unwrap();
    assert_eq!(out.status.code(), Some(3));
    scene.assert_nothing_left("the guard's death");
}

/// Runs a node that ends badly and checks the crash report: exit 3, the node's status named.
fn assert_reported(behaviour: &str, time_limit: &str, status: &str) -> Scene {
    let scene = Scene::new();
    let started = Instant::now();
    let out = ran(&mut scene.run(&["--time-limit", time_limit], &[behaviour]));
    assert_eq!(out.code, Some(3), "{behaviour}: {}", out.stderr);
    let report = format!("Node n0 crashed with {status}");
    assert!(out.stderr.contains(&report), "{behaviour}: {}", out.stderr);
    assert!(
        started.elapsed() < Duration::from_secs(time_limit.parse().unwrap()),
        "{behaviour}: reported at the exit, not at the end of the run"
    );
    scene
}

#[test]
fn a_node_that_closes_its_stdin_and_exits_is_reported() {
    let _machine = crate::support::machine::shared();
    if !python_present() {
        return;
    }
    // glomers writes to the closed stdin while the node still runs.
    assert_reported("close-stdin", "8", "exit status 4");
}

#[test]
fn a_node_that_closes_its_stdout_and_later_exits_is_reported() {
    let _machine = crate::support::machine::shared();
    if !python_present() {
        return;
    }
    // It exits three seconds after its stdout ended: seen from the process, not the pipe.
    assert_reported("close-stdout", "10", "exit status 5");
}

#[test]
fn a_node_that_exits_while_its_child_holds_its_stdout_is_reported() {
    let _machine = crate::support::machine::shared();
    if !python_present() {
        return;
    }
    let scene = assert_reported("orphan-stdout", "8", "exit status 6");
    scene.assert_nothing_left("the node's exit");
}

#[test]
fn nodes_that_stop_reading_while_glomers_writes_to_them_get_a_verdict() {
    let _machine = crate::support::machine::shared();
    if !python_present() {
        return;
    }
    // Each sends every other node 4 MiB and never reads again: glomers is still writing to
    // them when the run ends and they are stopped.
    let scene = Scene::new();
    let out = ran(&mut scene.run(&["--time-limit", "2", "--node-count", "3"], &["deaf-flood"]));
    assert_eq!(out.code, Some(1), "{}", out.stderr);
    assert!(out.stdout.contains("valid?"), "{}", out.stdout);
    scene.assert_nothing_left("the run's end");
}

/// Runs `cmd` with its stdout and stderr read by no one (both pipes closed at once).
fn unread(cmd: &mut Command) -> std::process::ExitStatus {
    let mut child = cmd
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    drop((child.stdout.take(), child.stderr.take()));
    child.wait().unwrap()
}

#[test]
fn output_nobody_reads_ends_quietly_with_the_commands_own_exit_code() {
    let _machine = crate::support::machine::shared();
    let dir = tempfile::tempdir().unwrap();
    let status = unread(glomers().args(["completions", "bash"]));
    assert_eq!(status.code(), Some(0), "{status:?}");
    let status = unread(
        glomers()
            .args(["run", "1", "--engine", "sim", "--store"])
            .arg(dir.path()),
    );
    assert_eq!(status.code(), Some(0), "{status:?}");
    if python_present() {
        let status = unread(
            glomers()
                .args(["run", "1", "--engine", "sim", "--time-limit", "1", "--bin"])
                .arg(node_script("echo.py"))
                .arg("--store")
                .arg(dir.path()),
        );
        assert_eq!(status.code(), Some(0), "{status:?}");
    }
}

/// A node in sh under its guard, as the simulator starts one, and what it prints.
fn sh_node(script: &str) -> (ExternalNode, Receiver<Heard>) {
    glomers::child::set_guard_program(env!("CARGO_BIN_EXE_glomers"));
    let program = Program {
        bin: "/bin/sh".into(),
        args: vec!["-c".into(), script.into()],
    };
    let (tx, rx) = std::sync::mpsc::channel();
    let node = ExternalNode::spawn(&program, "n0", 0, None, tx, 1 << 20).expect("sh starts");
    (node, rx)
}

#[test]
fn a_nodes_exit_is_reported_as_its_own_and_it_is_reaped() {
    let _machine = crate::support::machine::shared();
    let (mut node, _heard) = sh_node("echo 'about to fail' >&2; exit 3");
    let pid = node.pid() as i32;
    let report = node.ended().expect("it exited");
    assert!(
        report.contains("Node n0 crashed with exit status 3"),
        "{report}"
    );
    assert!(report.contains("about to fail"), "{report}");
    // Its guard reaped it before reporting; the guard itself is reaped when the node is dropped.
    assert_eq!(proc_state(pid), None);
    drop(node);

    for (script, status) in [
        ("kill -9 $$", "signal 9 (SIGKILL)"),
        ("ulimit -c 0; kill -SEGV $$", "signal 11 (SIGSEGV)"),
    ] {
        let (mut node, _heard) = sh_node(script);
        let report = node.ended().expect("it was killed");
        assert!(report.contains(status), "{script}: {report}");
    }
}

#[test]
fn a_node_that_cannot_start_is_an_error_at_once() {
    let _machine = crate::support::machine::shared();
    glomers::child::set_guard_program(env!("CARGO_BIN_EXE_glomers"));
    let program = Program {
        bin: "/nonexistent/node".into(),
        args: Vec::new(),
    };
    let (tx, _rx) = std::sync::mpsc::channel();
    let err = ExternalNode::spawn(&program, "n2", 2, None, tx, 1 << 20)
        .err()
        .expect("no such program");
    let text = format!("{err:#}");
    assert!(
        text.contains("starting node n2: /nonexistent/node") && text.contains("No such file"),
        "{text}"
    );
}

fn state(pid: i32) -> Option<char> {
    proc_state(pid).map(|(state, _)| state)
}

fn wait_for(what: &str, mut done: impl FnMut() -> bool) {
    let until = Instant::now() + Duration::from_secs(5);
    while !done() {
        assert!(Instant::now() < until, "never {what}");
        std::thread::sleep(Duration::from_millis(10));
    }
}

#[test]
fn the_nodes_group_can_be_paused_resumed_and_killed() {
    let _machine = crate::support::machine::shared();
    let dir = tempfile::tempdir().unwrap();
    let child = dir.path().join("child");
    let (mut node, _heard) = sh_node(&format!("sleep 600 & echo $! > {}; wait", child.display()));
    let pid = node.pid() as i32;
    wait_for("started its child", || {
        std::fs::read_to_string(&child).is_ok_and(|s| s.ends_with('\n'))
    });
    let sleeper: i32 = std::fs::read_to_string(&child)
        .unwrap()
        .trim()
        .parse()
        .unwrap();
    node.signal_group(Signal::SIGSTOP).unwrap();
    wait_for("paused", || {
        state(pid) == Some('T') && state(sleeper) == Some('T')
    });
    node.signal_group(Signal::SIGCONT).unwrap();
    wait_for("resumed", || {
        state(pid) != Some('T') && state(sleeper) != Some('T')
    });
    node.signal_group(Signal::SIGKILL).unwrap();
    let report = node.ended().expect("killed");
    assert!(report.contains("signal 9 (SIGKILL)"), "{report}");
    assert_eq!(proc_state(sleeper), None, "its child went with it");
    // Once the node has ended, nothing is signalled any more.
    assert!(node.signal_group(Signal::SIGCONT).is_err());
}
