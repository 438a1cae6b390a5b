//! Benchmark: nodes that write as fast as they can, under `--engine sim --bin`. Prints glomers'
//! own peak memory (VmHWM of the glomers process alone; the nodes are other processes) while
//! every node floods its peers without reading, with 5 and 25 nodes, and how long glomers takes
//! to honour Ctrl-C and `--timeout` while a node floods it (`yes`, and the flooding peers).
//! Run with `cargo bench --bench flood` (needs python3 for the flooding peers).

mod support;

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

fn glomers(args: &[&str], bin: &Path, store: &Path) -> Child {
    Command::new(env!("CARGO_BIN_EXE_glomers"))
        .args(["run", "1", "--engine", "sim"])
        .args(args)
        .arg("--store")
        .arg(store)
        .arg("--bin")
        .arg(bin)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("glomers starts")
}

/// Waits for `child` to end, reading its peak memory until it does; (wall time, peak MiB).
fn watch(mut child: Child, started: Instant) -> (Duration, f64) {
    let mut peak: f64 = 0.0;
    loop {
        if let Some(p) = support::peak_mib(&child.id().to_string()) {
            peak = peak.max(p);
        }
        if child.try_wait().expect("wait").is_some() {
            return (started.elapsed(), peak);
        }
        std::thread::sleep(Duration::from_millis(5));
    }
}

fn flood_node() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/nodes/flood_peers.py")
}

fn main() {
    let store = tempfile::tempdir().expect("temp dir");
    let python = Command::new("python3")
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success());
    if python {
        for nodes in ["5", "25"] {
            let started = Instant::now();
            let child = glomers(
                &["--time-limit", "5", "--node-count", nodes],
                &flood_node(),
                store.path(),
            );
            let (wall, peak) = watch(child, started);
            println!(
                "flooding peers, {nodes:>2} nodes, 5 s test: {:5.2} s wall, glomers peak {peak:5.1} MiB",
                wall.as_secs_f64()
            );
        }
    } else {
        println!("skipped the flooding peers: no python3");
    }
    let mut floods = vec![("yes", PathBuf::from("/usr/bin/yes"))];
    if python {
        floods.push(("flooding peers", flood_node()));
    }
    for (name, bin) in &floods {
        let child = glomers(&["--time-limit", "60"], bin, store.path());
        std::thread::sleep(Duration::from_secs(3));
        let pid = nix::unistd::Pid::from_raw(child.id() as i32);
        let asked = Instant::now();
        let _ = nix::sys::signal::kill(pid, nix::sys::signal::Signal::SIGINT);
        let (took, peak) = watch(child, asked);
        println!(
            "{name:<15} Ctrl-C honoured in {:6.1} ms (glomers peak {peak:5.1} MiB)",
            took.as_secs_f64() * 1e3
        );
        let started = Instant::now();
        let child = glomers(&["--time-limit", "60", "--timeout", "3"], bin, store.path());
        let (took, _) = watch(child, started);
        println!(
            "{name:<15} --timeout 3 honoured after {:6.3} s",
            took.as_secs_f64()
        );
    }
}
