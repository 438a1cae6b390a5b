//! Nodes that write faster than a run can carry, under `--engine sim --bin`: glomers' memory
//! stays bounded (each node's bytes in flight are capped, so a flooding node blocks on its own
//! pipe), the test ends on time, and a stop request is honoured at once, however busy the
//! nodes are.

use crate::support::binary::glomers;
use crate::support::python::{node_script, python_present};
use std::process::Stdio;
use std::time::{Duration, Instant};

/// The largest resident set of glomers and the processes it waited for, in MiB.
fn children_max_rss_mib() -> f64 {
    use nix::sys::resource::{getrusage, UsageWho};
    let usage = getrusage(UsageWho::RUSAGE_CHILDREN).expect("getrusage");
    usage.max_rss() as f64 / 1024.0
}

#[test]
fn peers_flooded_without_reading_keep_memory_bounded_and_the_test_on_time() {
    if !python_present() {
        return;
    }
    let store = tempfile::tempdir().unwrap();
    let started = Instant::now();
    let out = glomers()
        .args([
            "run",
            "1",
            "--engine",
            "sim",
            "--time-limit",
            "3",
            "--node-count",
            "3",
        ])
        .arg("--store")
        .arg(store.path())
        .arg("--bin")
        .arg(node_script("flood_peers.py"))
        .output()
        .unwrap();
    let took = started.elapsed();
    let stderr = String::from_utf8_lossy(&out.stderr);
    // Nobody answers an echo: every operation times out after 5 s, and the run is invalid.
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(
        took < Duration::from_secs(15),
        "a 3 s test with 5 s client timeouts took {took:?}"
    );
    let rss = children_max_rss_mib();
    eprintln!("flooded peers: {took:?}, peak resident set {rss:.0} MiB");
    assert!(rss < 150.0, "peak resident set {rss:.0} MiB");
}

#[test]
fn ctrl_c_is_honoured_while_a_node_writes_as_fast_as_it_can() {
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
