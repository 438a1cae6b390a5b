//! A child in a process group of its own, and its supervisor. The child starts as the group's
//! leader (so that it and everything it spawns in the group can be stopped with one signal, and
//! a Ctrl-C at the terminal reaches glomers first), and on Linux gets SIGKILL if glomers itself
//! dies without a chance to clean up ([`isolate`]). What leaves the group is the guard's
//! business: [`super::guard`].
//!
//! A [`Group`] stops the group — SIGTERM, a grace period, then SIGKILL ([`Group::stop`]), or
//! SIGKILL at once ([`Group::kill`]) — and only then reaps the leader: while the leader is an
//! unreaped zombie its pid, and so the group's id, cannot be given to another process, so a
//! signal to the group can never reach a stranger. Whether the leader has exited is peeked at
//! without reaping it ([`peek_exit`]). Used for the Maelstrom harness (the driver's supervisor)
//! and for each node's guard ([`super::guarded`]).

use super::proc_stat;
use nix::sys::signal::{killpg, Signal};
use nix::unistd::Pid;
use std::os::unix::process::CommandExt;
use std::process::{Child, Command, ExitStatus};
use std::time::{Duration, Instant};

/// How often the leader is peeked at while it is given time to exit.
const PEEK_EVERY: Duration = Duration::from_millis(2);

/// How long, after the SIGKILL, the group gets to be really gone.
const GONE_WITHIN: Duration = Duration::from_secs(5);

/// Makes `cmd` start in its own process group and die with glomers.
pub fn isolate(cmd: &mut Command) {
    cmd.process_group(0);
    #[cfg(target_os = "linux")]
    // SAFETY: between fork and exec the closure makes one async-signal-safe system call
    // (prctl) and allocates nothing.
    unsafe {
        cmd.pre_exec(|| {
            nix::sys::prctl::set_pdeathsig(nix::sys::signal::Signal::SIGKILL)
                .map_err(std::io::Error::from)
        });
    }
}

/// How child `pid` exited ("exit status 3", "signal 9 (SIGKILL)"), or `None` while it runs.
/// The child is left unreaped; reap it (`Child::wait`) after signalling its group.
pub fn peek_exit(pid: Pid) -> Option<String> {
    use nix::sys::wait::{waitid, Id, WaitPidFlag, WaitStatus};
    let flags = WaitPidFlag::WEXITED | WaitPidFlag::WNOHANG | WaitPidFlag::WNOWAIT;
    match waitid(Id::Pid(pid), flags) {
        Ok(WaitStatus::Exited(_, code)) => Some(format!("exit status {code}")),
        Ok(WaitStatus::Signaled(_, signal, _)) => {
            Some(format!("signal {} ({signal})", signal as i32))
        }
        _ => None,
    }
}

/// A process group and its leader, a child of glomers. Dropped before it was stopped, it kills
/// the group, so that an early return or a panic cannot leave it running.
pub struct Group {
    leader: Child,
    /// Set once the leader is reaped: from then on the group is never signalled again.
    reaped: bool,
    status: Option<ExitStatus>,
}

impl Group {
    /// The group that `leader` leads: it must have been started in a process group of its own
    /// (`process_group(0)`, as [`isolate`] does).
    pub fn led_by(leader: Child) -> Group {
        debug_assert_eq!(
            nix::unistd::getpgid(Some(Pid::from_raw(leader.id() as i32))).ok(),
            Some(Pid::from_raw(leader.id() as i32)),
            "the child does not lead a process group of its own"
        );
        Group {
            leader,
            reaped: false,
            status: None,
        }
    }

    /// The leader's pid, which is the group's id.
    pub fn pid(&self) -> Pid {
        Pid::from_raw(self.leader.id() as i32)
    }

    /// Sends `signal` to every process of the group; nothing once the leader is reaped.
    pub fn signal(&self, signal: Signal) {
        if !self.reaped {
            // ESRCH (the group is already empty) is the normal case and is fine.
            let _ = killpg(self.pid(), signal);
        }
    }

    /// How the leader exited ([`peek_exit`]), or `None` while it runs or once it is reaped.
    pub fn peek_exit(&self) -> Option<String> {
        (!self.reaped).then(|| peek_exit(self.pid())).flatten()
    }

    /// Gives the leader up to `patience` to exit; whether it did (it is not reaped).
    pub fn await_exit(&self, patience: Duration) -> bool {
        let until = Instant::now() + patience;
        loop {
            if self.reaped || self.peek_exit().is_some() {
                return true;
            }
            if Instant::now() >= until {
                return false;
            }
            std::thread::sleep(PEEK_EVERY);
        }
    }

    /// SIGTERM to the group, up to `grace` for the leader to exit, then [`Group::kill`].
    pub fn stop(&mut self, grace: Duration) -> std::io::Result<ExitStatus> {
        self.signal(Signal::SIGTERM);
        self.await_exit(grace);
        self.kill()
    }

    /// SIGKILL to the group, then reaps the leader and waits (bounded) until no process of the
    /// group is still running; how the leader ended. Once reaped, only says so again.
    pub fn kill(&mut self) -> std::io::Result<ExitStatus> {
        if !self.reaped {
            self.signal(Signal::SIGKILL);
            // Reaped even if the wait fails: a leader that cannot be waited for is no child of
            // glomers any more, and its id must not be signalled again.
            let waited = self.leader.wait();
            self.reaped = true;
            self.status = waited.as_ref().ok().copied();
            wait_until_gone(self.pid(), GONE_WITHIN);
            return waited;
        }
        self.status
            .ok_or_else(|| std::io::Error::other("the group's leader could not be waited for"))
    }
}

impl Drop for Group {
    fn drop(&mut self) {
        let _ = self.kill();
    }
}

/// SIGKILL is delivered asynchronously: wait (bounded) until no process of the group is still
/// running, so that when glomers exits, the group is really gone. Zombies count as gone (they
/// only wait to be reaped by whoever inherited them). Linux only; elsewhere a no-op.
fn wait_until_gone(pgid: Pid, limit: Duration) {
    let until = Instant::now() + limit;
    while running_in_group(pgid) && Instant::now() < until {
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// Whether some process of group `pgid` is running (not a zombie), per /proc.
fn running_in_group(pgid: Pid) -> bool {
    proc_stat::scan()
        .iter()
        .any(|e| e.pgrp == pgid.as_raw() && !e.is_gone())
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::os::unix::process::ExitStatusExt;

    /// `script` run by `sh` as the leader of a group of its own.
    fn group(script: &str) -> Group {
        let mut cmd = Command::new("sh");
        cmd.args(["-c", script]);
        isolate(&mut cmd);
        Group::led_by(cmd.spawn().expect("sh starts"))
    }

    /// Waits until `path` holds a pid, written by the script once it is ready.
    fn pid_in(path: &std::path::Path) -> i32 {
        let until = Instant::now() + Duration::from_secs(10);
        loop {
            let text = std::fs::read_to_string(path).unwrap_or_default();
            if let Ok(pid) = text.trim().parse() {
                return pid;
            }
            assert!(Instant::now() < until, "the script never got ready");
            std::thread::sleep(Duration::from_millis(10));
        }
    }

    fn running(pid: i32) -> bool {
        proc_stat::entry(pid).is_some_and(|e| !e.is_gone())
    }

    #[test]
    fn stop_asks_first_and_a_leader_that_listens_ends_by_sigterm_within_the_grace() {
        let mut group = group("sleep 600");
        let started = Instant::now();
        let status = group.stop(Duration::from_secs(20)).expect("reaped");
        assert_eq!(status.signal(), Some(Signal::SIGTERM as i32));
        assert!(started.elapsed() < Duration::from_secs(10));
        assert!(!running_in_group(group.pid()));
    }

    #[test]
    fn stop_kills_what_ignores_sigterm_once_the_grace_is_over() {
        let dir = tempfile::tempdir().unwrap();
        let ready = dir.path().join("ready");
        let mut group = group(&format!(
            "trap '' TERM; sleep 600 & echo $! > {}; wait",
            ready.display()
        ));
        let member = pid_in(&ready);
        let started = Instant::now();
        let status = group.stop(Duration::from_millis(300)).expect("reaped");
        assert_eq!(status.signal(), Some(Signal::SIGKILL as i32));
        assert!(started.elapsed() >= Duration::from_millis(300));
        assert!(!running(member), "{member} outlived the group");
    }

    #[test]
    fn kill_sends_sigkill_at_once_and_a_reaped_group_is_not_signalled_again() {
        let mut group = group("trap '' TERM; sleep 600");
        let started = Instant::now();
        let status = group.kill().expect("reaped");
        assert_eq!(status.signal(), Some(Signal::SIGKILL as i32));
        assert!(started.elapsed() < Duration::from_secs(5));
        assert_eq!(group.peek_exit(), None);
        assert!(group.await_exit(Duration::ZERO));
        assert_eq!(group.kill().expect("known").signal(), status.signal());
    }

    #[test]
    fn an_exit_is_peeked_at_without_reaping() {
        let mut group = group("exit 3");
        assert!(group.await_exit(Duration::from_secs(10)));
        assert_eq!(group.peek_exit().as_deref(), Some("exit status 3"));
        // Still unreaped, so still there to be peeked at.
        assert_eq!(group.peek_exit().as_deref(), Some("exit status 3"));
        assert_eq!(group.kill().expect("reaped").code(), Some(3));
    }

    #[test]
    fn dropping_a_group_that_was_not_stopped_kills_it() {
        let dir = tempfile::tempdir().unwrap();
        let ready = dir.path().join("ready");
        let group = group(&format!("sleep 600 & echo $! > {}; wait", ready.display()));
        let (leader, member) = (group.pid().as_raw(), pid_in(&ready));
        drop(group);
        assert!(!running(leader) && !running(member));
    }
}
