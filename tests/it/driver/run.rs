//! `glomers run` against a fake Maelstrom launcher that writes run folders from real fixtures:
//! the command it receives (`--bin` this executable, node flags after a bare `--`), the verdict
//! table, `glomers.json`, exit codes 0/1/2/3, `run all`, and Ctrl-C or a timeout stopping the
//! whole process group.

use crate::support::binary::{glomers, ran, write_executable};
use crate::support::fixtures::{BROADCAST_FLOOD, BROADCAST_LOST, ECHO, TXN};
use crate::support::launcher::{echo_test_argv, fake_maelstrom, recorded_argv};
use crate::support::processes::{is_running, proc_state, running_in_group};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

struct Fake {
    dir: tempfile::TempDir,
    launcher: PathBuf,
    fixtures: PathBuf,
}

fn fake(fixtures: &[(&str, &str)]) -> Fake {
    let dir = tempfile::tempdir().unwrap();
    let (launcher, fixtures) = fake_maelstrom(dir.path(), fixtures);
    Fake {
        dir,
        launcher,
        fixtures,
    }
}

impl Fake {
    fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    fn cmd(&self, args: &[&str]) -> Command {
        let mut cmd = glomers();
        cmd.args(args)
            .arg("--maelstrom")
            .arg(&self.launcher)
            .arg("--store")
            .arg(self.dir.path())
            .env("FAKE_FIXTURES", &self.fixtures)
            .env("FAKE_ARGV", self.path("argv"))
            .env("XDG_CACHE_HOME", self.path("cache"));
        cmd
    }

    /// `glomers ARGS` against the fake, with `env` set: (exit code, stdout, stderr).
    fn run(&self, args: &[&str], env: &[(&str, &str)]) -> (Option<i32>, String, String) {
        let mut cmd = self.cmd(args);
        cmd.envs(env.iter().copied());
        let out = ran(&mut cmd);
        (out.code, out.stdout, out.stderr)
    }

    /// `glomers run ARGS --engine maelstrom` against the fake, as [`Fake::run`].
    fn run_maelstrom(&self, args: &[&str], env: &[(&str, &str)]) -> (Option<i32>, String, String) {
        let mut words = vec!["run"];
        words.extend_from_slice(args);
        words.extend(["--engine", "maelstrom"]);
        self.run(&words, env)
    }

    /// The run folders the fake wrote for `workload`.
    fn run_dirs(&self, workload: &str) -> Vec<PathBuf> {
        let mut dirs: Vec<PathBuf> = std::fs::read_dir(self.path("store").join(workload))
            .map(|rd| rd.filter_map(Result::ok).map(|e| e.path()).collect())
            .unwrap_or_default();
        dirs.sort();
        dirs
    }
}

fn json(path: &Path) -> serde_json::Value {
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

#[test]
fn a_valid_echo_run_passes_and_leaves_glomers_json() {
    let f = fake(&[("echo", ECHO)]);
    let node_out = f.path("node-out");
    let (code, stdout, stderr) =
        f.run_maelstrom(&["1"], &[("FAKE_NODE_OUT", node_out.to_str().unwrap())]);
    assert_eq!(code, Some(0), "{stdout}{stderr}");
    assert!(
        stdout.contains("challenge 1  Echo  (engine: maelstrom)"),
        "{stdout}"
    );
    assert!(stdout.contains("valid?               valid"), "{stdout}");
    assert!(stdout.contains("latency echo ms"), "{stdout}");
    assert!(stdout.contains("verdict              PASS"), "{stdout}");
    // Phases as plain lines, since stderr is not a terminal here.
    assert!(
        stderr.contains("maelstrom: running clients for 10 s"),
        "{stderr}"
    );
    assert!(stderr.contains("maelstrom: analysing"), "{stderr}");

    // Maelstrom got this executable as --bin and the node's words after a bare `--`.
    let argv = recorded_argv(&f.path("argv"));
    let exe = Path::new(env!("CARGO_BIN_EXE_glomers"))
        .canonicalize()
        .unwrap();
    assert_eq!(argv, echo_test_argv(&exe, &["node", "echo"]));
    // ... and the node it started that way answered init.
    let reply = std::fs::read_to_string(&node_out).unwrap();
    assert!(reply.contains("\"init_ok\""), "{reply}");

    let dirs = f.run_dirs("echo");
    assert_eq!(dirs.len(), 1);
    let record = json(&dirs[0].join("glomers.json"));
    assert_eq!(record["challenge"], "1");
    assert_eq!(record["engine"], "maelstrom");
    assert_eq!(record["pass"], true);
    assert_eq!(record["figures"]["ops"], 48);
    let command: Vec<&str> = record["command"]
        .as_array()
        .unwrap()
        .iter()
        .map(|w| w.as_str().unwrap())
        .collect();
    assert_eq!(command[0], f.launcher.to_str().unwrap());
    assert_eq!(&command[1..], &argv[..]);
    // The whole console output is kept beside the results.
    let log = std::fs::read_to_string(dirs[0].join("glomers-console.log")).unwrap();
    assert!(log.contains("Everything looks good!"), "{log}");

    // `report` on the same folder agrees, from glomers.json.
    let out = glomers().arg("report").arg(&dirs[0]).output().unwrap();
    assert_eq!(out.status.code(), Some(0));
    assert!(String::from_utf8_lossy(&out.stdout).contains("challenge 1  Echo"));
}

#[test]
fn an_invalid_run_exits_1_with_the_failing_checker() {
    let f = fake(&[("broadcast", BROADCAST_LOST)]);
    let (code, stdout, stderr) = f.run_maelstrom(&["3a"], &[("FAKE_EXIT", "1")]);
    assert_eq!(code, Some(1), "{stdout}{stderr}");
    assert!(stdout.contains("valid?               INVALID"), "{stdout}");
    assert!(stdout.contains("failing checkers     workload"), "{stdout}");
    assert!(stdout.contains("lost-count           45"), "{stdout}");
    assert!(stdout.contains("verdict              FAIL"), "{stdout}");
    let record = json(&f.run_dirs("broadcast")[0].join("glomers.json"));
    assert_eq!(record["pass"], false);
    assert_eq!(record["harness-exit"], 1);
}

#[test]
fn criteria_are_marked_met_or_missed() {
    let f = fake(&[("broadcast", BROADCAST_FLOOD)]);
    let (code, stdout, _) = f.run_maelstrom(&["3d", "--time-limit", "5"], &[]);
    assert_eq!(code, Some(0), "{stdout}");
    assert!(
        stdout.contains("criterion            met    servers-msgs-per-op < 30  (actual 2.1053)"),
        "{stdout}"
    );
    assert!(
        stdout.contains("criterion            met    stable-latency-max < 600"),
        "{stdout}"
    );
    let argv = std::fs::read_to_string(f.path("argv")).unwrap();
    assert!(argv.contains("--time-limit\n5\n"), "{argv}");

    let f = fake(&[("broadcast", BROADCAST_LOST)]);
    let (code, stdout, _) = f.run_maelstrom(&["3d", "--json"], &[("FAKE_EXIT", "1")]);
    assert_eq!(code, Some(1));
    let out: serde_json::Value = serde_json::from_str(&stdout).unwrap();
    let missed: Vec<&str> = out["verdict"]["criteria"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|c| c["met"] == false)
        .map(|c| c["criterion"].as_str().unwrap())
        .collect();
    assert_eq!(
        missed,
        ["stable-latency-p50 < 400", "stable-latency-max < 600"]
    );
}

#[test]
fn txn_anomalies_are_named() {
    let f = fake(&[("txn-rw-register", TXN)]);
    let (code, stdout, _) = f.run_maelstrom(&["6a"], &[("FAKE_EXIT", "1")]);
    assert_eq!(code, Some(1));
    assert!(
        stdout.contains("anomalies            G-single-item-realtime"),
        "{stdout}"
    );
}

#[test]
fn a_crash_without_results_exits_3() {
    let f = fake(&[]);
    let (code, stdout, stderr) = f.run_maelstrom(&["1"], &[]);
    assert_eq!(code, Some(3), "{stdout}{stderr}");
    assert!(stderr.contains("without writing results"), "{stderr}");
    assert!(stderr.contains("the node crashed"), "{stderr}");
    assert!(stdout.is_empty(), "{stdout}");
}

#[test]
fn maelstrom_rejecting_its_arguments_exits_2() {
    let f = fake(&[("echo", ECHO)]);
    let (code, _, stderr) = f.run_maelstrom(&["1"], &[("FAKE_MODE", "usage")]);
    assert_eq!(code, Some(2), "{stderr}");
    assert!(
        stderr.contains("rejected its arguments") && stderr.contains("Unknown option"),
        "{stderr}"
    );
}

#[test]
fn faults_beyond_the_partition_are_refused_by_maelstrom_in_one_line() {
    let f = fake(&[("echo", ECHO)]);
    let (code, _, stderr) = f.run_maelstrom(&["2", "--nemesis", "partition,kill,loss"], &[]);
    assert_eq!(code, Some(2), "{stderr}");
    assert_eq!(stderr.trim().lines().count(), 1, "{stderr}");
    assert!(
        stderr.contains("--nemesis kill,loss needs --engine sim")
            && stderr.contains("only the partition fault"),
        "{stderr}"
    );
    assert!(!f.path("argv").exists(), "Maelstrom was never started");
    // The partition alone still goes through, as Maelstrom's own option.
    let (code, _, stderr) = f.run_maelstrom(&["1", "--nemesis", "partition"], &[]);
    assert_eq!(code, Some(0), "{stderr}");
    assert!(recorded_argv(&f.path("argv")).contains(&"partition".to_string()));
    // `auto` runs them in the simulator, and says why.
    let (code, stdout, stderr) = f.run(
        &[
            "run",
            "1",
            "--nemesis",
            "pause",
            "--time-limit",
            "2",
            "--seed",
            "3",
        ],
        &[],
    );
    assert!(matches!(code, Some(0 | 1)), "{stdout}{stderr}");
    assert!(
        stderr.contains("engine sim: --nemesis pause needs --engine sim"),
        "{stderr}"
    );
}

#[test]
fn auto_uses_a_launcher_it_is_given_and_says_so() {
    let f = fake(&[("echo", ECHO)]);
    let (code, _, stderr) = f.run(&["run", "echo"], &[]);
    assert_eq!(code, Some(0), "{stderr}");
    assert!(stderr.contains("engine maelstrom"), "{stderr}");
}

/// Starts `glomers run` on a fake that sleeps; returns the child and the fake's pids
/// (its own, then its two sleeps).
fn start_sleeping(f: &Fake, extra: &[&str]) -> (std::process::Child, Vec<i32>) {
    let pids_file = f.path("pids");
    let mut args = vec!["run", "1", "--engine", "maelstrom"];
    args.extend_from_slice(extra);
    let child = f
        .cmd(&args)
        .env("FAKE_MODE", "sleep")
        .env("FAKE_PIDS", &pids_file)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let until = Instant::now() + Duration::from_secs(30);
    let pids = loop {
        if let Ok(text) = std::fs::read_to_string(&pids_file) {
            let pids: Vec<i32> = text
                .split_whitespace()
                .filter_map(|p| p.parse().ok())
                .collect();
            if pids.len() == 3 {
                break pids;
            }
        }
        assert!(Instant::now() < until, "the fake never started");
        std::thread::sleep(Duration::from_millis(50));
    };
    // All three share the fake's process group, which glomers created for it.
    for pid in &pids {
        assert_eq!(proc_state(*pid).map(|(_, g)| g), Some(pids[0]), "pid {pid}");
    }
    (child, pids)
}

fn assert_group_gone(pids: &[i32]) {
    let left = running_in_group(pids[0]);
    assert!(left.is_empty(), "still running in the group: {left:?}");
    for pid in pids {
        assert!(!is_running(*pid), "{pid} outlived glomers");
    }
}

#[test]
fn ctrl_c_stops_every_process_in_the_group() {
    let f = fake(&[]);
    let (child, pids) = start_sleeping(&f, &[]);
    let started = Instant::now();
    nix::sys::signal::kill(
        nix::unistd::Pid::from_raw(child.id() as i32),
        nix::sys::signal::Signal::SIGINT,
    )
    .unwrap();
    let out = child.wait_with_output().unwrap();
    assert_eq!(
        out.status.code(),
        Some(130),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(String::from_utf8_lossy(&out.stderr).contains("interrupted"));
    // SIGTERM, the grace period for the sleep that ignores it, then SIGKILL.
    assert!(started.elapsed() < Duration::from_secs(15));
    assert_group_gone(&pids);
}

#[test]
fn a_timeout_stops_every_process_and_exits_3() {
    let f = fake(&[]);
    let (child, pids) = start_sleeping(&f, &["--timeout", "2"]);
    let out = child.wait_with_output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(3), "{stderr}");
    assert!(stderr.contains("did not finish within 2 s"), "{stderr}");
    assert_group_gone(&pids);
}

#[test]
fn run_all_keeps_going_and_tabulates() {
    let f = fake(&[
        ("echo", ECHO),
        ("broadcast", BROADCAST_FLOOD),
        ("txn-rw-register", TXN),
    ]);
    let (code, stdout, stderr) = f.run_maelstrom(&["all"], &[]);
    // unique-ids, g-counter and kafka have no fixture, so the fake "crashes" on them.
    assert_eq!(code, Some(3), "{stdout}{stderr}");
    let status = |id: &str| {
        stdout
            .lines()
            .find(|l| l.split_whitespace().next() == Some(id))
            .and_then(|l| {
                l.split("  ")
                    .map(str::trim)
                    .find(|c| ["PASS", "FAIL", "ERROR"].contains(c))
            })
            .unwrap_or_else(|| panic!("no row for {id} in\n{stdout}"))
            .to_string()
    };
    assert_eq!(status("1"), "PASS");
    assert_eq!(status("2"), "ERROR");
    for id in ["3a", "3b", "3c", "3d", "3d-fast", "3e"] {
        assert_eq!(status(id), "PASS", "{id}");
    }
    assert_eq!(status("4"), "ERROR");
    assert_eq!(status("6c"), "FAIL");
    assert!(stdout.contains("7 passed, 3 failed, 5 errors"), "{stdout}");
    assert!(stdout.contains("G-single-item-realtime"), "{stdout}");
    assert!(stderr.contains("[15/15]"), "{stderr}");

    let (code, stdout, _) = f.run_maelstrom(&["all", "--fail-fast", "--json"], &[]);
    assert_eq!(code, Some(3));
    let table: serde_json::Value = serde_json::from_str(&stdout).unwrap();
    let statuses: Vec<&str> = table["rows"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["status"].as_str().unwrap())
        .collect();
    assert_eq!(statuses, ["PASS", "ERROR"]);
}

#[test]
fn run_all_in_markdown() {
    let f = fake(&[("echo", ECHO), ("broadcast", BROADCAST_FLOOD)]);
    let (_, stdout, _) = f.run_maelstrom(&["all", "--markdown"], &[]);
    assert!(stdout.starts_with("| challenge | title |"), "{stdout}");
    assert_eq!(
        stdout.lines().filter(|l| l.starts_with("| ")).count(),
        16,
        "{stdout}"
    );
}

#[test]
fn auto_falls_back_to_the_simulator_without_java() {
    let empty = tempfile::tempdir().unwrap();
    let out = glomers()
        .args(["run", "1", "--time-limit", "2", "--seed", "7"])
        .env("PATH", empty.path())
        .env("XDG_CACHE_HOME", empty.path())
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(0), "{stdout}{stderr}");
    assert!(
        stderr.contains("engine sim: Maelstrom is not installed and java is not on PATH"),
        "{stderr}"
    );
    assert!(
        stdout.contains("challenge 1  Echo  (engine: sim)"),
        "{stdout}"
    );
    assert!(
        stdout.contains("replay               glomers run 1 --engine sim --seed 7 --time-limit 2"),
        "{stdout}"
    );
}

#[test]
fn run_all_with_the_simulator_keeps_going_past_errors() {
    let out = glomers()
        .args([
            "run",
            "all",
            "--engine",
            "sim",
            "--time-limit",
            "2",
            "--seed",
            "5",
            "--json",
        ])
        .output()
        .unwrap();
    let table: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let rows = table["rows"].as_array().unwrap();
    assert_eq!(rows.len(), 15);
    assert_eq!(rows[0]["status"], "PASS", "{:#}", rows[0]);
    for row in rows {
        match row["status"].as_str().unwrap() {
            "PASS" | "FAIL" => assert_eq!(row["report"]["engine"], "sim"),
            // Workloads the simulator does not model yet are error rows, not a stop.
            "ERROR" => assert!(
                row["error"].as_str().unwrap().contains("does not run"),
                "{row:#}"
            ),
            other => panic!("status {other}"),
        }
    }
    assert_eq!(
        Some(table["exit-code"].as_i64().unwrap() as i32),
        out.status.code()
    );
}

#[test]
fn serve_passes_its_arguments_through() {
    let f = fake(&[]);
    let launcher = f.path("serve-launcher");
    write_executable(&launcher, "#!/bin/sh\necho \"args: $*\"\nexit 0\n");
    let out = glomers()
        .args(["maelstrom", "serve", "--maelstrom"])
        .arg(&launcher)
        .args(["-p", "9000", "--host", "127.0.0.1"])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(
        String::from_utf8_lossy(&out.stdout).trim(),
        "args: serve -p 9000 --host 127.0.0.1"
    );
}
