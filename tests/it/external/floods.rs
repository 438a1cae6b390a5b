//! Nodes that write faster than a run can carry, under `--engine sim --bin`: glomers' memory
//! stays bounded (each node's bytes in flight are capped, so a flooding node blocks on its own
//! pipe), the test ends on time, and a stop request is honoured at once, however busy the
//! nodes are.

use crate::support::binary::glomers;
use crate::support::python::{node_script, python_present};
use std::process::Stdio;
use std::time::{Duration, Instant};

/// The peak resident set of process `pid` so far (VmHWM), in MiB.
fn peak_mib(pid: u32) -> Option<f64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    Some(line.split_whitespace().nth(1)?.parse::<f64>().ok()? / 1024.0)
}

#[test]
fn peers_flooded_without_reading_keep_memory_bounded_and_the_test_on_time() {
    let _machine = crate::support::machine::shared();
    if !python_present() {
        return;
    }
    let store = tempfile::tempdir().unwrap();
    let started = Instant::now();
    let mut child = glomers()
        .args(["run", "1", "--engine", "sim", "--time-limit", "3"])
        .args(["--node-count", "3", "--store"])
        .arg(store.path())
        .arg("--bin")
        .arg(node_script("flood_peers.py"))
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    // glomers' own peak, read until it exits (the nodes are other processes).
    let mut rss: f64 = 0.0;
    let status = loop {
        if let Some(peak) = peak_mib(child.id()) {
            rss = rss.max(peak);
        }
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        std::thread::sleep(Duration::from_millis(5));
    };
    let took = started.elapsed();
    // Nobody answers an echo: every operation times out after 5 s, and the run is invalid.
    assert_eq!(status.code(), Some(1));
    assert!(
        took < Duration::from_secs(15),
        "a 3 s test with 5 s client timeouts took {took:?}"
    );
    eprintln!("flooded peers: {took:?}, peak resident set {rss:.0} MiB");
    assert!(rss < 150.0, "peak resident set {rss:.0} MiB");
}

#[test]
fn ctrl_c_is_honoured_while_a_node_writes_as_fast_as_it_can() {
    let _machine = crate::support::machine::shared();
    let yes = std::path::Path::new("/usr/bin/yes");
    if !yes.exists() {
        eprintln!("skipped: no /usr/bin/yes");
        return;
    }
    let store = tempfile::tempdir().unwrap();
    let mut child = glomers()
        .args(["run", "1", "--engine", "sim", "--time-limit", "30"])
        .arg("--store")
        .arg(store.path())
        .arg("--bin")
        .arg(yes)
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    std::thread::sleep(Duration::from_secs(2));
    let pid = nix::unistd::Pid::from_raw(child.id() as i32);
    let asked = Instant::now();
    nix::sys::signal::kill(pid, nix::sys::signal::Signal::SIGINT).unwrap();
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        assert!(
            asked.elapsed() < Duration::from_secs(5),
            "Ctrl-C not honoured"
        );
        std::thread::sleep(Duration::from_millis(5));
    };
    let took = asked.elapsed();
    eprintln!("Ctrl-C under a flood honoured in {took:?}");
    assert_eq!(status.code(), Some(130));
    // 0.5 s on a quiet machine (see the flood benchmark); slack for a loaded one.
    assert!(took < Duration::from_secs(2), "{took:?}");
}
