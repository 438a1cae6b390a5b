//! glomers' side of a guarded child: starts a program under its own guard ([`super::guard`]),
//! with stdin, stdout and stderr piped to glomers, and holds the lifeline that keeps the guard
//! waiting. Dropping a [`Guarded`] closes the lifeline, so the guard kills the program and all
//! it started, and waits (bounded) for that to be done; glomers dying closes it just the same.
//!
//! The guard is glomers' own executable run again with a hidden argument, so `main` registers
//! it ([`guard_with_this_executable`]); a program that embeds the library (a test) registers the glomers
//! binary. Nothing runs unguarded: without a guard program, starting fails and says so.
//!
//! The guard exits the way the program did, so how the program ended is peeked at on the guard,
//! which glomers leaves unreaped until it is dropped: it leads a [`Group`] of its own, which
//! is killed (the guard alone is in it) if the guard has not exited within a patience.

use super::group::Group;
use super::guard::SUBCOMMAND;
use super::lines::{CappedLines, Line};
use nix::sys::signal::Signal;
use nix::unistd::Pid;
use std::ffi::OsStr;
use std::io::{PipeReader, PipeWriter, Read, Write};
use std::os::fd::{AsRawFd, RawFd};
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{ChildStderr, ChildStdin, ChildStdout, Command, Stdio};
use std::sync::OnceLock;
use std::time::Duration;

/// The executable that serves [`SUBCOMMAND`].
static GUARD_PROGRAM: OnceLock<PathBuf> = OnceLock::new();

/// How long dropping a [`Guarded`] waits for its guard to finish, past which the guard is
/// killed (the program then gets its death signal; what it started is left to the subreaper
/// above, `glomers run` itself).
const STOP_PATIENCE: Duration = Duration::from_secs(15);

/// Registers the executable that serves as every child's guard: glomers' own
/// ([`guard_with_this_executable`]), or the glomers binary for a program that embeds the
/// library. The first registration stays.
pub fn set_guard_program(path: impl Into<PathBuf>) {
    let _ = GUARD_PROGRAM.set(path.into());
}

/// Registers this very executable as the guard program: `/proc/self/exe` on Linux, which stays
/// valid even if the file is replaced during a run; elsewhere its path.
pub fn guard_with_this_executable() {
    #[cfg(target_os = "linux")]
    set_guard_program("/proc/self/exe");
    #[cfg(not(target_os = "linux"))]
    if let Ok(exe) = std::env::current_exe() {
        set_guard_program(exe);
    }
}

fn guard_program() -> std::io::Result<&'static Path> {
    GUARD_PROGRAM.get().map(PathBuf::as_path).ok_or_else(|| {
        std::io::Error::other(
            "no guard program registered (glomers::child::set_guard_program): \
             children are never started unguarded",
        )
    })
}

/// The longest report line read from a guard: a pid, or why the program could not start.
const REPORT_LINE_BYTES: usize = 64 * 1024;

/// The program's standard streams, as glomers holds them.
pub struct Pipes {
    pub stdin: ChildStdin,
    pub stdout: ChildStdout,
    pub stderr: ChildStderr,
}

/// A program running under its guard.
pub struct Guarded {
    /// The guard, leader of a process group of its own (the program leads another).
    guard: Group,
    /// The program itself, leader of its own process group.
    node: Pid,
    /// Closing it tells the guard to stop everything; each byte written is a signal number.
    lifeline: Option<PipeWriter>,
    /// Reaches its end when the guard exits (taken by [`Guarded::on_exit`]).
    report: Option<PipeReader>,
}

/// Clears close-on-exec on `fd`, between fork and exec, so the guard inherits it.
fn inherit(fd: RawFd) -> std::io::Result<()> {
    // SAFETY: fcntl is async-signal-safe; the descriptor is open in the forked child.
    let done = unsafe { nix::libc::fcntl(fd, nix::libc::F_SETFD, 0) };
    if done == -1 {
        return Err(std::io::Error::last_os_error());
    }
    Ok(())
}

impl Guarded {
    /// Starts `program` with `args` in `dir`, under a guard, with its stdio piped to glomers.
    /// An error if the program cannot be started (as `Command::spawn` would say).
    pub fn spawn(
        program: &OsStr,
        args: &[String],
        dir: &Path,
    ) -> std::io::Result<(Guarded, Pipes)> {
        // Both pipes are close-on-exec here: only the guard (below) inherits its two ends, so
        // glomers holds the lifeline's write end alone and the guard the report's.
        let (lifeline_out, lifeline) = std::io::pipe()?;
        let (report, report_in) = std::io::pipe()?;
        let (keep_a, keep_b) = (lifeline_out.as_raw_fd(), report_in.as_raw_fd());
        let guard_program = guard_program()?;
        let mut cmd = Command::new(guard_program);
        cmd.arg(SUBCOMMAND)
            .arg(keep_a.to_string())
            .arg(keep_b.to_string())
            .arg(program)
            .args(args)
            .current_dir(dir)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            // Its own group: a Ctrl-C at the terminal reaches glomers alone, which then stops
            // every node in order.
            .process_group(0);
        // SAFETY: the closure makes two fcntl calls, which are async-signal-safe, and
        // allocates nothing on success.
        unsafe {
            cmd.pre_exec(move || inherit(keep_a).and_then(|()| inherit(keep_b)));
        }
        let mut guard = cmd.spawn()?;
        drop((lifeline_out, report_in));
        let pipes = (guard.stdin.take(), guard.stdout.take(), guard.stderr.take());
        // From here on, an early return drops the guard's group, which kills and reaps it.
        let guard = Group::led_by(guard);
        let pipes = match pipes {
            (Some(stdin), Some(stdout), Some(stderr)) => Pipes {
                stdin,
                stdout,
                stderr,
            },
            _ => return Err(std::io::Error::other("the pipes could not be opened")),
        };
        let mut guarded = Guarded {
            guard,
            node: Pid::from_raw(0),
            lifeline: Some(lifeline),
            report: None,
        };
        let mut report = CappedLines::new(report, REPORT_LINE_BYTES);
        // One line: the program's pid, or why it could not start. The guard writes nothing
        // more, so the buffer holds nothing past it.
        let line = match report.next_line()? {
            Line::Whole(line) => String::from_utf8_lossy(line).into_owned(),
            Line::Oversized(_) | Line::End => String::new(),
        };
        let line = line.trim_end();
        match line.parse::<i32>() {
            Ok(pid) if pid > 0 => guarded.node = Pid::from_raw(pid),
            // Dropping `guarded` reaps the guard, which has exited or is exiting.
            _ => {
                return Err(std::io::Error::other(match line.strip_prefix("error ") {
                    Some(why) => why.to_string(),
                    None => format!(
                        "its guard ({} {SUBCOMMAND}) ended before starting it",
                        guard_program.display()
                    ),
                }))
            }
        }
        guarded.report = Some(report.into_inner());
        Ok((guarded, pipes))
    }

    /// The program's pid (and process group id).
    pub fn pid(&self) -> Pid {
        self.node
    }

    /// Sends `signal` to the program's process group (not to what left the group). The guard
    /// sends it, and only while the program has not ended, so it never reaches a stranger.
    pub fn signal_group(&self, signal: Signal) -> std::io::Result<()> {
        let byte = u8::try_from(signal as i32).map_err(std::io::Error::other)?;
        match self.lifeline.as_ref() {
            Some(mut lifeline) => lifeline.write_all(&[byte]),
            None => Err(std::io::Error::from(std::io::ErrorKind::BrokenPipe)),
        }
    }

    /// How the program exited ("exit status 3", "signal 9 (SIGKILL)"), once it has and the
    /// guard has stopped everything it started; `None` while it runs.
    pub fn peek_exit(&self) -> Option<String> {
        self.guard.peek_exit()
    }

    /// Calls `then` on a thread of its own once the program has ended and everything it started
    /// is gone, however that came about. Only the first call watches.
    pub fn on_exit(&mut self, then: impl FnOnce() + Send + 'static) {
        if let Some(mut report) = self.report.take() {
            std::thread::spawn(move || {
                let mut sink = [0u8; 64];
                while report.read(&mut sink).is_ok_and(|n| n > 0) {}
                then();
            });
        }
    }
}

impl Drop for Guarded {
    fn drop(&mut self) {
        // The end of the lifeline is the guard's SIGTERM: it stops everything, then exits.
        drop(self.lifeline.take());
        self.guard.await_exit(STOP_PATIENCE);
        let _ = self.guard.kill();
    }
}
