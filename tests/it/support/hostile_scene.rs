//! A folder for one run of `tests/nodes/hostile.py` (challenge 1 under `--engine sim --bin`):
//! the run's store, and `pids/` where every process the node starts notes its pid, so that a
//! test can tell whether anything it started outlived the run.

use super::binary::glomers;
use super::processes::is_running;
use super::python::node_script;
use nix::sys::signal::{kill, Signal};
use nix::unistd::Pid;
use std::os::unix::process::CommandExt;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// The run's folder, removed when the scene is dropped.
pub struct Scene {
    dir: tempfile::TempDir,
}

impl Scene {
    pub fn new() -> Scene {
        let scene = Scene {
            dir: tempfile::tempdir().unwrap(),
        };
        std::fs::create_dir(scene.pids()).unwrap();
        scene
    }

    /// The run's folder (its `--store`).
    pub fn dir(&self) -> &std::path::Path {
        self.dir.path()
    }

    pub fn pids(&self) -> PathBuf {
        self.dir.path().join("pids")
    }

    /// `glomers run 1 --engine sim <args> --bin hostile.py --node-arg <behaviour…>`.
    pub fn run(&self, args: &[&str], behaviour: &[&str]) -> Command {
        let mut cmd = glomers();
        cmd.args(["run", "1", "--engine", "sim"])
            .args(args)
            .arg("--bin")
            .arg(node_script("hostile.py"))
            .arg("--store")
            .arg(self.dir.path())
            .current_dir(self.dir.path())
            .env("HOSTILE_PIDS", self.pids());
        for word in behaviour {
            cmd.args(["--node-arg", word]);
        }
        cmd
    }

    /// Starts the run in the background, with no core file should it crash.
    pub fn start(&self, args: &[&str], behaviour: &[&str]) -> Child {
        let mut cmd = self.run(args, behaviour);
        // SAFETY: setrlimit is async-signal-safe and allocates nothing.
        unsafe {
            cmd.pre_exec(|| {
                nix::sys::resource::setrlimit(nix::sys::resource::Resource::RLIMIT_CORE, 0, 0)
                    .map_err(std::io::Error::from)
            });
        }
        cmd.stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap()
    }

    /// Waits until the node has started everything (`ready`), or fails.
    pub fn wait_ready(&self) {
        let until = Instant::now() + Duration::from_secs(60);
        while !self.pids().join("ready").exists() {
            assert!(Instant::now() < until, "the hostile node never got ready");
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    /// The pid of the node's latest start.
    pub fn node(&self) -> Option<i32> {
        std::fs::read_to_string(self.pids().join("node"))
            .ok()?
            .trim()
            .parse()
            .ok()
    }

    /// Every pid noted so far.
    pub fn recorded(&self) -> Vec<i32> {
        std::fs::read_dir(self.pids())
            .unwrap()
            .filter_map(|e| e.ok()?.file_name().to_str()?.parse().ok())
            .collect()
    }

    /// The noted processes still running after a grace of a few seconds.
    pub fn survivors(&self) -> Vec<i32> {
        let pids = self.recorded();
        let until = Instant::now() + Duration::from_secs(3);
        loop {
            let alive: Vec<i32> = pids.iter().copied().filter(|&p| is_running(p)).collect();
            if alive.is_empty() || Instant::now() >= until {
                return alive;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    /// Fails if anything the node started still runs.
    pub fn assert_nothing_left(&self, how: &str) {
        let alive = self.survivors();
        assert!(
            alive.is_empty(),
            "{} of {} processes survived {how}: {alive:?}",
            alive.len(),
            self.recorded().len()
        );
    }
}

impl Drop for Scene {
    /// Whatever the outcome, nothing of this scene stays running: each survivor is woken (it
    /// may be paused) and killed, by its pid, if that pid still runs the hostile node's script
    /// (not a stranger that got it).
    fn drop(&mut self) {
        for pid in self.recorded() {
            let ours = std::fs::read(format!("/proc/{pid}/cmdline"))
                .is_ok_and(|c| c.windows(10).any(|w| w == b"hostile.py"));
            if ours && is_running(pid) {
                let _ = kill(Pid::from_raw(pid), Signal::SIGCONT);
                let _ = kill(Pid::from_raw(pid), Signal::SIGKILL);
            }
        }
    }
}
