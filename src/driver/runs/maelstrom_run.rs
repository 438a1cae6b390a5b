//! `glomers run <challenge> --engine maelstrom`: builds Maelstrom's command from the profile
//! plus overrides, with this very executable as `--bin` and `node <workload> <node flags>` after
//! a bare `--` (everything after it reaches the node verbatim); runs it in its own process group
//! from the store folder (the JVM's working directory decides where `store/` goes); keeps its
//! whole output in a log file; follows its phases on a progress bar; then judges the run folder
//! it wrote and leaves `glomers.json` there.

use crate::child::tail::Tail;
use crate::driver::maelstrom::supervise::{self, Ending};
use crate::driver::runs::challenge_plan::{ChallengePlan, NodeProgram};
use crate::driver::runs::engine::ReadyMaelstrom;
use crate::driver::runs::progress::{self, ConsoleVerdict, Display, Event, Timeline, Tracker};
use crate::exit;
use crate::report::{run_dir, RunReport};
use anyhow::Context;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::time::Instant;

/// The log file's name inside the run folder.
pub const CONSOLE_LOG: &str = "glomers-console.log";

/// Maelstrom's arguments: `test -w <workload> --bin <program> <options>`, then `--` and the
/// node's arguments. Glomers' own node is this very executable (`exe`) with
/// `node <workload> <node flags>` after the bare `--` (everything after it reaches the node
/// verbatim); the user's program gets only its own arguments, and no `--` if it has none.
pub fn test_args(plan: &ChallengePlan, exe: &Path) -> Vec<String> {
    let workload = plan.profile.workload.maelstrom_name();
    let bin = match &plan.node {
        NodeProgram::Own { .. } => exe.to_path_buf(),
        NodeProgram::Foreign(program) => program.bin.clone(),
    };
    let mut words = vec![
        "test".to_string(),
        "-w".into(),
        workload.into(),
        "--bin".into(),
        bin.display().to_string(),
    ];
    words.extend(plan.opts.to_args());
    match &plan.node {
        NodeProgram::Own { args } => {
            words.extend(["--".to_string(), "node".into(), workload.into()]);
            words.extend(args.iter().cloned());
        }
        NodeProgram::Foreign(program) if !program.args.is_empty() => {
            words.push("--".into());
            words.extend(program.args.iter().cloned());
        }
        NodeProgram::Foreign(_) => {}
    }
    words
}

/// What the run's output said.
#[derive(Default)]
struct ConsoleNotes {
    results: Option<String>,
    said: Option<ConsoleVerdict>,
    tail: Tail<TAIL_LINES>,
}

const TAIL_LINES: usize = 20;

/// Logs every line, follows the phases, and remembers what Maelstrom said.
struct ConsoleFollower<W: Write> {
    log: W,
    tracker: Tracker,
    heard: ConsoleNotes,
}

impl<W: Write> supervise::Watcher for ConsoleFollower<W> {
    fn line(&mut self, line: &str) {
        let _ = writeln!(self.log, "{line}");
        self.heard.tail.push(line);
        match progress::event_of_line(line) {
            Some(Event::Phase(p)) => self.tracker.enter(p),
            Some(Event::ResultsWritten(p)) => self.heard.results = Some(p),
            Some(Event::Verdict(s)) => {
                self.heard.said = Some(s);
                self.tracker.enter(crate::challenge::Phase::Done);
            }
            None => {}
        }
    }

    fn tick(&mut self) {
        self.tracker.tick();
    }
}

/// Runs one challenge in Maelstrom and judges it.
pub fn run(
    maelstrom: &ReadyMaelstrom,
    plan: &ChallengePlan,
    display: Display,
) -> anyhow::Result<RunReport> {
    let profile = &plan.profile;
    let store_dir = crate::driver::runs::store_root::store_root(plan.store.as_deref())?;
    let store = store_dir.join("store");
    std::fs::create_dir_all(&store).with_context(|| format!("creating {}", store.display()))?;
    let store_dir = store_dir.canonicalize().unwrap_or(store_dir);
    let exe = match &plan.node {
        NodeProgram::Own { .. } => std::env::current_exe()
            .and_then(|p| p.canonicalize())
            .context("finding the glomers executable to pass as --bin")?,
        NodeProgram::Foreign(program) => program.bin.clone(),
    };
    let test = test_args(plan, &exe);
    let mut command_words = maelstrom.found.command_words(&maelstrom.java);
    command_words.extend(test.iter().cloned());

    let stamp = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_millis())
        .unwrap_or(0);
    let log_path = store_dir.join("store").join(format!(
        "glomers-console-{stamp}-{}.log",
        std::process::id()
    ));
    let mut log = std::io::BufWriter::new(
        std::fs::File::create(&log_path)
            .with_context(|| format!("creating {}", log_path.display()))?,
    );
    let _ = writeln!(
        log,
        "# {}",
        crate::report::render::shell_line(&command_words)
    );
    let current_before = std::fs::read_link(store.join("current")).ok();

    let mut cmd = maelstrom.found.command(&maelstrom.java);
    cmd.args(&test).current_dir(&store_dir);
    let started = Instant::now();
    let child = supervise::spawn(cmd).map_err(|e| {
        exit::setup(format!(
            "could not start Maelstrom ({}): {e}",
            command_words.first().cloned().unwrap_or_default()
        ))
    })?;
    let time_limit = plan.opts.resolve()?.time_limit_secs;
    let timeout = plan.timeout;
    let tracker = Tracker::new(
        Timeline::new(time_limit, profile.workload.has_final_phase()),
        display,
    );
    let mut watch = ConsoleFollower {
        log,
        tracker,
        heard: ConsoleNotes::default(),
    };
    let ending = child.wait(Some(started + timeout), &mut watch);
    watch.tracker.finish();
    let ConsoleFollower { mut log, heard, .. } = watch;
    let _ = log.flush();
    drop(log);
    let wall = started.elapsed();
    let ending = ending.context("waiting for Maelstrom")?;

    // The run folder: where Maelstrom said it wrote results, else the `current` symlink if
    // this run moved it (a run that crashed after starting its test).
    let run_folder: Option<PathBuf> = heard
        .results
        .as_ref()
        .and_then(|rel| store_dir.join(rel).parent().map(Path::to_path_buf))
        .or_else(|| {
            let now = std::fs::read_link(store.join("current")).ok();
            (now.is_some() && now != current_before)
                .then(|| store.join("current").canonicalize().ok())
                .flatten()
        });
    let log_path = match &run_folder {
        Some(dir) if dir.is_dir() => move_into(&log_path, &dir.join(CONSOLE_LOG)),
        _ => log_path,
    };
    let tail = || {
        heard
            .tail
            .iter()
            .map(|l| format!("\n    {l}"))
            .collect::<String>()
    };
    let status = match ending {
        Ending::Interrupted => {
            return Err(anyhow::Error::new(exit::Exit {
                code: exit::INTERRUPTED,
                message: format!(
                    "interrupted: Maelstrom and every node process were stopped; its output so far: {}",
                    log_path.display()
                ),
            }))
        }
        Ending::TimedOut => {
            return Err(exit::harness(format!(
                "Maelstrom did not finish within {} s, so it and every node were stopped; its output: {}",
                timeout.as_secs(),
                log_path.display()
            )))
        }
        Ending::Exited(status) => status,
    };
    let code = status.code();
    let results_exist = run_folder
        .as_ref()
        .is_some_and(|d| d.join("results.edn").is_file());
    if !results_exist {
        let what = supervise::describe_status(&status);
        return Err(if code == Some(254) {
            exit::setup(format!(
                "Maelstrom rejected its arguments ({what}); last lines:{}\n  full output: {}",
                tail(),
                log_path.display()
            ))
        } else {
            exit::harness(format!(
                "Maelstrom ended ({what}) without writing results; last lines:{}\n  full output: {}",
                tail(),
                log_path.display()
            ))
        });
    }
    let dir = run_folder.unwrap_or_default();
    let mut report = run_dir::read(
        &dir,
        Some(profile),
        Some(profile.workload.maelstrom_name().into()),
    )?;
    crate::verdict::require_operations(&report.verdict.figures)
        .map_err(|e| e.context(format!("Maelstrom's run in {}", dir.display())))?;
    report.command = command_words;
    report.opts = plan.opts.to_args();
    report.node_args = plan.node_args().to_vec();
    report.wall_seconds = Some(wall.as_secs_f64());
    report.harness.exit = code;
    if !matches!(code, Some(0..=2)) {
        report.notes.push(format!(
            "Maelstrom ended with {} after writing its results",
            supervise::describe_status(&status)
        ));
    }
    let said_valid = heard.said.map(|s| s == ConsoleVerdict::Valid);
    let we_valid = report.verdict.figures.valid == Some(crate::verdict::Validity::Valid);
    if said_valid.is_some_and(|s| s != we_valid) {
        report
            .notes
            .push("Maelstrom's last console line disagrees with results.edn's :valid?".into());
    }
    report.write_json(&dir)?;
    crate::driver::runs::run_folder::write_view(&mut report, &dir);
    Ok(report)
}

/// Moves a file (copying across file systems); returns where it ended up.
fn move_into(from: &Path, to: &Path) -> PathBuf {
    if std::fs::rename(from, to).is_ok() {
        return to.to_path_buf();
    }
    match std::fs::copy(from, to) {
        Ok(_) => {
            let _ = std::fs::remove_file(from);
            to.to_path_buf()
        }
        Err(_) => from.to_path_buf(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::challenge::Profiles;
    use crate::challenge::{TestOpts, Workload};
    use crate::driver::plan::RunPlan;

    #[test]
    fn node_flags_follow_a_bare_separator() {
        let args = RunPlan {
            opts: TestOpts::parse_args(&["--time-limit", "5"]).unwrap(),
            node_args: vec!["--fanout".into(), "4".into()],
            ..RunPlan::new("3d")
        };
        let profiles = Profiles::builtin();
        let profile = profiles.find("3d").unwrap();
        let plan = ChallengePlan::derive(profile, &args).unwrap();
        let words = test_args(&plan, Path::new("/bin/glomers"));
        let sep = words.iter().position(|w| w == "--").unwrap();
        assert_eq!(
            &words[..5],
            ["test", "-w", "broadcast", "--bin", "/bin/glomers"]
        );
        assert!(words[..sep].windows(2).any(|w| w == ["--time-limit", "5"]));
        assert!(words[..sep].windows(2).any(|w| w == ["--node-count", "25"]));
        assert_eq!(&words[sep + 1..sep + 3], ["node", "broadcast"]);
        assert!(words[sep..].ends_with(&["--fanout".to_string(), "4".to_string()]));
    }

    #[test]
    fn final_phases() {
        assert!(Workload::Broadcast.has_final_phase());
        assert!(!Workload::Echo.has_final_phase());
        assert!(!Workload::TxnRwRegister.has_final_phase());
    }
}
