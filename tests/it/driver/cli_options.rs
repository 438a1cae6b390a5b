//! Hostile command lines against the real binary: every Maelstrom option is validated where it
//! is parsed (the error names the option and the accepted range, exit 2), runs that would do
//! nothing or never end are refused, seeds never wrap, and a full stdout is an error, not a
//! panic. Each case is bounded by a deadline, so an unending run fails instead of hanging.

use crate::support::binary::glomers;
use crate::support::fixtures::{store_run, ECHO};
use std::io::Read;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// Runs `cmd` with a deadline; returns (exit code, stdout, stderr). A run past the deadline is
/// killed and fails the test.
fn run_bounded(mut cmd: Command, deadline: Duration) -> (i32, String, String) {
    let mut child = cmd
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn glomers");
    let mut stdout = child.stdout.take().expect("stdout");
    let mut stderr = child.stderr.take().expect("stderr");
    let out_reader = std::thread::spawn(move || {
        let mut s = String::new();
        let _ = stdout.read_to_string(&mut s);
        s
    });
    let err_reader = std::thread::spawn(move || {
        let mut s = String::new();
        let _ = stderr.read_to_string(&mut s);
        s
    });
    let started = Instant::now();
    let status = loop {
        if let Some(status) = child.try_wait().expect("wait") {
            break status;
        }
        if started.elapsed() > deadline {
            let _ = child.kill();
            let _ = child.wait();
            panic!("still running after {deadline:?}: {cmd:?}");
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    let out = out_reader.join().unwrap_or_default();
    let err = err_reader.join().unwrap_or_default();
    (status.code().unwrap_or(-1), out, err)
}

fn run(args: &[&str]) -> (i32, String, String) {
    let mut cmd = glomers();
    cmd.args(args);
    run_bounded(cmd, Duration::from_secs(30))
}

#[test]
fn out_of_range_options_exit_2_naming_the_option_and_range() {
    let cases: &[(&[&str], &str)] = &[
        (&["--nemesis-interval", "0"], "--nemesis-interval"),
        (&["--nemesis-interval=-1"], "--nemesis-interval"),
        (&["--nemesis-interval", "nan"], "--nemesis-interval"),
        (&["--nemesis-interval", "inf"], "--nemesis-interval"),
        (&["--nemesis-interval", "1e300"], "--nemesis-interval"),
        (&["--rate", "inf"], "--rate"),
        (&["--rate", "1e309"], "--rate"),
        (&["--rate", "nan"], "--rate"),
        (&["--rate=-5"], "--rate"),
        (&["--rate", "0"], "--rate"),
        (&["--rate", "1e9"], "--rate"),
        (&["--node-count", "0", "--concurrency", "3"], "--node-count"),
        (&["--time-limit", "100000"], "--time-limit"),
        (&["--concurrency", "100000000"], "--concurrency"),
        (&["--timeout", "18446744073709551615"], "--timeout"),
    ];
    for (extra, flag) in cases {
        let (code, out, err) = sim_run("2", extra);
        assert_eq!(code, 2, "{extra:?}: stdout {out}\nstderr {err}");
        assert!(err.contains(flag), "{extra:?}: {err}");
        assert!(
            err.contains("accepted") || err.contains(".."),
            "{extra:?} gives no range: {err}"
        );
        assert!(!out.contains("PASS"), "{extra:?}: {out}");
    }
}

/// `glomers run <challenge> --engine sim --seed 1 <extra>`.
fn sim_run(challenge: &str, extra: &[&str]) -> (i32, String, String) {
    let mut args = vec!["run", challenge, "--engine", "sim", "--seed", "1"];
    args.extend_from_slice(extra);
    run(&args)
}

#[test]
fn concurrency_that_would_wrap_is_refused() {
    // 171798692 × 25 wraps a u32 to 4 clients.
    let (code, out, err) = sim_run("3b", &["--concurrency", "171798692n", "--node-count", "25"]);
    assert_eq!(code, 2, "{out}\n{err}");
    assert!(err.contains("--concurrency"), "{err}");
    // Within the per-flag range but past the client cap once multiplied by the nodes.
    let (code, _, err) = sim_run("3b", &["--concurrency", "9000n", "--node-count", "25"]);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("--concurrency 9000n"), "{err}");
}

#[test]
fn a_simulated_run_too_large_for_the_machine_is_refused() {
    let (code, _, err) = sim_run("2", &["--rate", "100000", "--time-limit", "3600"]);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("--rate 100000 × --time-limit 3600"), "{err}");
}

#[test]
fn seeds_never_wrap_and_zero_seeds_is_an_error() {
    let (code, out, err) = run(&[
        "run",
        "1",
        "--engine",
        "sim",
        "--seed",
        "18446744073709551615",
        "--seeds",
        "2",
    ]);
    assert_eq!(code, 2, "{out}\n{err}");
    assert!(err.contains("--seeds 2"), "{err}");
    let (code, out, err) = run(&["run", "1", "--engine", "sim", "--seeds", "0"]);
    assert_eq!(code, 2, "{out}\n{err}");
    assert!(err.contains("--seeds 0"), "{err}");
}

#[test]
fn a_full_stdout_is_an_error_not_a_panic() {
    let Ok(full) = std::fs::OpenOptions::new().write(true).open("/dev/full") else {
        eprintln!("SKIPPED: /dev/full is not available on this system");
        return;
    };
    let report_dir = store_run(ECHO);
    let cases: Vec<Vec<String>> = vec![
        vec!["list".into()],
        vec!["report".into(), report_dir.display().to_string()],
        vec![
            "run".into(),
            "1".into(),
            "--engine".into(),
            "sim".into(),
            "--seed".into(),
            "1".into(),
        ],
        vec!["completions".into(), "bash".into()],
    ];
    for args in cases {
        let mut cmd = glomers();
        cmd.args(&args);
        let mut child = cmd
            .stdin(Stdio::null())
            .stdout(full.try_clone().expect("dup /dev/full"))
            .stderr(Stdio::piped())
            .spawn()
            .expect("spawn");
        let mut err = String::new();
        if let Some(mut stderr) = child.stderr.take() {
            let _ = stderr.read_to_string(&mut err);
        }
        let status = child.wait().expect("wait");
        assert_eq!(status.code(), Some(2), "{args:?}: {err}");
        assert!(
            err.contains("writing to standard output"),
            "{args:?}: {err}"
        );
        assert!(!err.contains("panicked"), "{args:?}: {err}");
    }
}
