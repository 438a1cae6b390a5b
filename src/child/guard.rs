//! The guard: a small process between glomers and one node, so that nothing the node starts
//! outlives glomers however glomers ends — `kill -9` included, which no handler in glomers can
//! see. glomers starts it as `glomers __guard <lifeline> <report> <program> [args…]` (hidden: it
//! is no subcommand of the command line, see [`serve_if_asked`]).
//!
//! The guard makes itself a child subreaper, starts the program in a process group of its own
//! with the guard's stdin, stdout and stderr (the pipes glomers reads), writes the program's pid
//! on the report pipe, and points its own stdio at /dev/null so that only the node holds the
//! pipes. Then it waits for the first of: the node exits, or the lifeline (a pipe whose write
//! end only glomers holds) reaches its end because glomers closed it or died. Either way it
//! kills and reaps every process below it ([`super::descendants::kill_all`]) and exits the way
//! the node did — the same exit code, or the same signal raised on itself — so that glomers
//! reports the node's exit exactly as if it had been its own child.
//!
//! While it waits, each byte glomers writes on the lifeline is a signal number for the node's
//! process group (pause and resume with SIGSTOP/SIGCONT, or kill it). The guard alone reaps the
//! node, and only after the wait, so the group it signals is always the node's.

use super::descendants;
use nix::sys::signal::{killpg, Signal};
use nix::sys::wait::{waitid, Id, WaitPidFlag, WaitStatus};
use nix::unistd::Pid;
use std::ffi::{OsStr, OsString};
use std::fs::File;
use std::io::{Read, Write};
use std::os::fd::{AsRawFd, FromRawFd, RawFd};
use std::os::unix::process::CommandExt;
use std::process::Command;
use std::sync::mpsc;
use std::time::Duration;

/// The hidden first argument that makes glomers a guard.
pub const SUBCOMMAND: &str = "__guard";

/// The guard's exit code when it could not start the program (as a shell's "cannot execute").
const CANNOT_START: i32 = 127;

/// How long the guard goes on killing a tree that will not die (a process stuck in the kernel)
/// before it gives up and exits.
const PATIENCE: Duration = Duration::from_secs(10);

/// If this process was started as a guard, serves as one and exits; otherwise returns at once.
/// Call it first thing in `main`, before anything else reads the command line.
pub fn serve_if_asked() {
    let mut args = std::env::args_os();
    if args.nth(1).as_deref() != Some(OsStr::new(SUBCOMMAND)) {
        return;
    }
    let args: Vec<OsString> = args.collect();
    let status = match serve(&args) {
        Ok(status) => status,
        Err(why) => {
            // Still the node's stderr at this point: the message lands in the node's log.
            eprintln!("glomers {SUBCOMMAND}: {why}");
            None
        }
    };
    mirror(status)
}

/// What happened first while the node ran.
enum Event {
    /// A byte on the lifeline: a signal for the node's group.
    Signal(u8),
    /// The lifeline ended: glomers is done with the node, or gone.
    Cut,
    /// The node exited (not yet reaped).
    Exited,
}

fn fd_arg(arg: Option<&OsString>) -> Result<RawFd, String> {
    arg.and_then(|a| a.to_str())
        .and_then(|a| a.parse().ok())
        .filter(|&fd: &RawFd| fd > 2)
        .ok_or_else(|| format!("usage: glomers {SUBCOMMAND} <fd> <fd> <program> [args…]"))
}

/// Marks `fd` close-on-exec, so that the node does not inherit it; an error if it is not open.
fn close_on_exec(fd: RawFd) -> Result<(), String> {
    // SAFETY: fcntl with a plain flag; on a descriptor that is not open it only fails (EBADF).
    match unsafe { nix::libc::fcntl(fd, nix::libc::F_SETFD, nix::libc::FD_CLOEXEC) } {
        -1 => Err(format!("descriptor {fd} is not open")),
        _ => Ok(()),
    }
}

/// Runs the node to its end; returns how it ended, or `None` if that was lost.
fn serve(args: &[OsString]) -> Result<Option<WaitStatus>, String> {
    let lifeline_fd = fd_arg(args.first())?;
    let report_fd = fd_arg(args.get(1))?;
    let Some(program) = args.get(2) else {
        return Err(fd_arg(None).unwrap_err());
    };
    close_on_exec(lifeline_fd)?;
    close_on_exec(report_fd)?;
    // SAFETY: both are open (checked just above), glomers passed them to this process for it
    // alone, and nothing else in it has taken them.
    let (mut lifeline, mut report) =
        unsafe { (File::from_raw_fd(lifeline_fd), File::from_raw_fd(report_fd)) };
    descendants::become_subreaper().map_err(|e| format!("becoming a subreaper: {e}"))?;
    let me = nix::unistd::getpid();
    let mut cmd = Command::new(program);
    cmd.args(&args[3..]).process_group(0);
    // SAFETY: between fork and exec the closure makes two async-signal-safe system calls
    // (prctl, getppid) and allocates nothing on success.
    unsafe {
        cmd.pre_exec(move || {
            #[cfg(target_os = "linux")]
            nix::sys::prctl::set_pdeathsig(Signal::SIGKILL).map_err(std::io::Error::from)?;
            // The guard died before the death signal was armed: do not run unguarded.
            if nix::unistd::getppid() != me {
                return Err(std::io::Error::from_raw_os_error(nix::libc::ESRCH));
            }
            Ok(())
        });
    }
    let node = match cmd.spawn() {
        Ok(child) => Pid::from_raw(child.id() as i32),
        Err(e) => {
            let _ = writeln!(report, "error {e}");
            return Ok(Some(WaitStatus::Exited(me, CANNOT_START)));
        }
    };
    let _ = writeln!(report, "{node}");
    quiet_stdio();
    let (tx, events) = mpsc::channel();
    let on_lifeline = tx.clone();
    std::thread::spawn(move || {
        let mut bytes = [0u8; 64];
        loop {
            match lifeline.read(&mut bytes) {
                Ok(0) | Err(_) => break,
                Ok(n) => {
                    for &b in &bytes[..n] {
                        let _ = on_lifeline.send(Event::Signal(b));
                    }
                }
            }
        }
        let _ = on_lifeline.send(Event::Cut);
    });
    std::thread::spawn(move || {
        // WNOWAIT: the node stays unreaped, so its group id stays its own while signalled.
        let flags = WaitPidFlag::WEXITED | WaitPidFlag::WNOWAIT;
        while let Err(nix::errno::Errno::EINTR) = waitid(Id::Pid(node), flags) {}
        let _ = tx.send(Event::Exited);
    });
    while let Ok(Event::Signal(number)) = events.recv() {
        if let Ok(signal) = Signal::try_from(i32::from(number)) {
            let _ = killpg(node, signal);
        }
    }
    // The node's group at once (its leader is not reaped yet, so the group is still its own):
    // where there is no /proc to find the rest by, this is what stops the node.
    let _ = killpg(node, Signal::SIGKILL);
    let ended = descendants::kill_all(PATIENCE);
    // The report pipe closes as the guard exits: glomers' sign that the node has ended.
    drop(report);
    Ok(ended.into_iter().find(|s| s.pid() == Some(node)))
}

/// Points fds 0, 1 and 2 at /dev/null, so that the node alone holds the pipes to glomers: its
/// stdout ends when the node (and all it started) has gone, not when the guard has.
fn quiet_stdio() {
    if let Ok(null) = File::options().read(true).write(true).open("/dev/null") {
        for fd in 0..=2 {
            // SAFETY: dup2 onto the standard descriptors, which this process owns.
            unsafe {
                nix::libc::dup2(null.as_raw_fd(), fd);
            }
        }
    }
}

/// Ends the guard the way the node ended.
fn mirror(status: Option<WaitStatus>) -> ! {
    match status {
        Some(WaitStatus::Exited(_, code)) => std::process::exit(code),
        Some(WaitStatus::Signaled(_, signal, _)) => die_by(signal),
        _ => std::process::exit(CANNOT_START),
    }
}

/// Raises `signal` on this process with its default action, and no core file: the node wrote
/// its own if it was allowed to; the guard's would be a copy of glomers.
fn die_by(signal: Signal) -> ! {
    use nix::sys::signal::{sigprocmask, SigHandler, SigSet, SigmaskHow};
    let no_core = nix::libc::rlimit {
        rlim_cur: 0,
        rlim_max: 0,
    };
    // SAFETY: setrlimit reads the struct given; signal installs the default action, which runs
    // no code of ours.
    unsafe {
        nix::libc::setrlimit(nix::libc::RLIMIT_CORE, &no_core);
        let _ = nix::sys::signal::signal(signal, SigHandler::SigDfl);
    }
    let mut set = SigSet::empty();
    set.add(signal);
    let _ = sigprocmask(SigmaskHow::SIG_UNBLOCK, Some(&set), None);
    let _ = nix::sys::signal::raise(signal);
    // A signal whose default is not to end the process (none ends a node that way).
    std::process::exit(128 + signal as i32)
}
