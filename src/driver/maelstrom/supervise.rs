//! Running the harness so that nothing outlives glomers: the child starts in its own process
//! group (the JVM and every node it spawns share it), its stdout and stderr are read line by
//! line (capped, [`crate::child::lines`]) on two threads, and Ctrl-C (or SIGTERM/SIGHUP, caught
//! as a flag while it runs: [`crate::child::interrupt`]), a timeout, or the child's own exit
//! ends with the whole group signalled — SIGTERM, a grace period, then SIGKILL. On Linux the
//! child also gets SIGKILL if glomers itself dies without a chance to clean up.

use crate::child::group::{self, Group};
use crate::child::interrupt::InterruptFlag;
use crate::child::lines::{oversized_note, CappedLines, Line};
use nix::sys::signal::Signal;
use std::io::Read;
use std::process::{Command, ExitStatus, Stdio};
use std::sync::mpsc::{self, Receiver, RecvTimeoutError};
use std::time::{Duration, Instant};

/// The longest console line kept (Maelstrom's are far shorter): a longer one is logged as a
/// note of its length, so a runaway line cannot grow glomers' memory.
const MAX_LINE_BYTES: usize = 64 << 20;

/// How long the group gets between SIGTERM and SIGKILL.
const GRACE: Duration = Duration::from_secs(3);

/// How a supervised run ended.
#[derive(Debug)]
pub(crate) enum Ending {
    Exited(ExitStatus),
    Interrupted,
    TimedOut,
}

/// Receives a supervised child's output lines, and a tick a few times a second.
pub(crate) trait Watcher {
    fn line(&mut self, line: &str);
    fn tick(&mut self) {}
}

/// A [`Watcher`] from a closure over lines.
pub(crate) struct OnLine<F: FnMut(&str)>(pub F);

impl<F: FnMut(&str)> Watcher for OnLine<F> {
    fn line(&mut self, line: &str) {
        (self.0)(line)
    }
}

/// A child running in its own process group.
pub(crate) struct Supervised {
    /// Stopped (SIGTERM, the grace period, SIGKILL) when this is dropped before the leader was
    /// reaped, so an early return or a panic in glomers cannot leave Maelstrom running.
    group: Group,
    lines: Receiver<String>,
    /// Ctrl-C, SIGTERM and SIGHUP stop the harness instead of ending glomers at once, while
    /// it runs (dropped last, once the group is stopped).
    interrupt: InterruptFlag,
}

impl Drop for Supervised {
    fn drop(&mut self) {
        // Nothing left to do if the leader was reaped already.
        let _ = self.group.stop(GRACE);
    }
}

/// Starts `cmd` as the leader of a new process group with its output piped to us.
pub(crate) fn spawn(mut cmd: Command) -> std::io::Result<Supervised> {
    // Caught from before the start: a Ctrl-C at any moment of the run stops the harness.
    let interrupt = InterruptFlag::catch();
    group::isolate(&mut cmd);
    cmd.stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let mut child = cmd.spawn()?;
    let (tx, rx) = mpsc::channel();
    for stream in [
        child
            .stdout
            .take()
            .map(|s| Box::new(s) as Box<dyn Read + Send>),
        child
            .stderr
            .take()
            .map(|s| Box::new(s) as Box<dyn Read + Send>),
    ]
    .into_iter()
    .flatten()
    {
        let tx = tx.clone();
        std::thread::spawn(move || {
            let mut lines = CappedLines::new(stream, MAX_LINE_BYTES);
            loop {
                let line = match lines.next_line() {
                    Ok(Line::End) | Err(_) => break,
                    Ok(Line::Oversized(bytes)) => oversized_note(bytes),
                    // Every `\r` that ends a line goes, however many there are.
                    Ok(Line::Whole(line)) => String::from_utf8_lossy(line)
                        .trim_end_matches('\r')
                        .to_string(),
                };
                if tx.send(line).is_err() {
                    break;
                }
            }
        });
    }
    Ok(Supervised {
        group: Group::led_by(child),
        lines: rx,
        interrupt,
    })
}

impl Supervised {
    #[cfg(test)]
    fn pid(&self) -> i32 {
        self.group.pid().as_raw()
    }

    /// Waits for the child, passing its output to `watcher`. Returns once the child has exited
    /// and the group is gone.
    pub(crate) fn wait(
        mut self,
        deadline: Option<Instant>,
        watcher: &mut dyn Watcher,
    ) -> std::io::Result<Ending> {
        let ending = loop {
            match self.lines.recv_timeout(Duration::from_millis(100)) {
                Ok(line) => {
                    watcher.line(&line);
                    continue_draining(&self.lines, watcher);
                }
                Err(RecvTimeoutError::Timeout) => {}
                Err(RecvTimeoutError::Disconnected) => {
                    std::thread::sleep(Duration::from_millis(100))
                }
            }
            watcher.tick();
            if self.interrupt.raised() {
                let _ = self.group.stop(GRACE);
                break Ending::Interrupted;
            }
            if deadline.is_some_and(|d| Instant::now() >= d) {
                let _ = self.group.stop(GRACE);
                break Ending::TimedOut;
            }
            // Peek, do not reap: while the leader is an unreaped zombie its group id cannot be
            // reused, so the SIGKILL below can only reach what is left of Maelstrom's group.
            if self.group.peek_exit().is_some() {
                // Maelstrom stops its nodes itself; anything left in the group goes now.
                break Ending::Exited(self.group.kill()?);
            }
        };
        // The pipes close once every process in the group is gone; take what is left, but do
        // not hang on a stray process that escaped the group and still holds a pipe.
        let until = Instant::now() + Duration::from_secs(2);
        while let Some(left) = until.checked_duration_since(Instant::now()) {
            match self.lines.recv_timeout(left) {
                Ok(line) => watcher.line(&line),
                Err(_) => break,
            }
        }
        Ok(ending)
    }
}

fn continue_draining(lines: &Receiver<String>, watcher: &mut dyn Watcher) {
    // Bound the burst so ticks (and Ctrl-C) are still handled under a flood of output.
    for _ in 0..1000 {
        match lines.try_recv() {
            Ok(line) => watcher.line(&line),
            Err(_) => break,
        }
    }
}

/// Describes an exit status for messages (`exit code 255`, `killed by SIGKILL`).
pub(crate) fn describe_status(status: &ExitStatus) -> String {
    use std::os::unix::process::ExitStatusExt;
    match (status.code(), status.signal()) {
        (Some(code), _) => format!("exit code {code}"),
        (None, Some(sig)) => match Signal::try_from(sig) {
            Ok(s) => format!("killed by {s}"),
            Err(_) => format!("killed by signal {sig}"),
        },
        _ => "unknown status".into(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_arrive_and_the_exit_code_is_kept() {
        let _catching = crate::child::interrupt::testing::catching();
        let mut cmd = Command::new("sh");
        cmd.args(["-c", "echo one; echo two >&2; printf 'three'; exit 7"]);
        let child = spawn(cmd).unwrap();
        let mut lines = Vec::new();
        let ending = child
            .wait(None, &mut OnLine(|l: &str| lines.push(l.to_string())))
            .unwrap();
        lines.sort();
        assert_eq!(lines, ["one", "three", "two"]);
        match ending {
            Ending::Exited(status) => assert_eq!(describe_status(&status), "exit code 7"),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn dropping_an_unwaited_child_stops_its_group() {
        let _catching = crate::child::interrupt::testing::catching();
        let mut cmd = Command::new("sleep");
        cmd.arg("600");
        let child = spawn(cmd).unwrap();
        let pid = child.pid();
        drop(child);
        let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap_or_default();
        assert!(stat.is_empty(), "sleep {pid} survived: {stat}");
    }

    #[test]
    fn a_timeout_kills_the_whole_group() {
        let _catching = crate::child::interrupt::testing::catching();
        let dir = tempfile::tempdir().unwrap();
        let pids = dir.path().join("pids");
        let mut cmd = Command::new("sh");
        // The grandchild ignores SIGTERM, so only the SIGKILL after the grace period ends it.
        cmd.arg("-c").arg(format!(
            "sh -c 'trap \"\" TERM; sleep 600' & echo $! > {}; wait",
            pids.display()
        ));
        let child = spawn(cmd).unwrap();
        let started = Instant::now();
        let ending = child
            .wait(
                Some(Instant::now() + Duration::from_millis(500)),
                &mut OnLine(|_: &str| {}),
            )
            .unwrap();
        assert!(matches!(ending, Ending::TimedOut), "{ending:?}");
        assert!(started.elapsed() < Duration::from_secs(10));
        let pid: i32 = std::fs::read_to_string(&pids)
            .unwrap()
            .trim()
            .parse()
            .unwrap();
        // Dead, or a zombie waiting for init to reap it: either way not running.
        let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap_or_default();
        let state = stat.rsplit(')').next().unwrap_or("").trim().chars().next();
        assert!(
            stat.is_empty() || state == Some('Z'),
            "grandchild {pid} still running: {stat}"
        );
    }
}
