//! Every process below this one, stopped for good. A process that makes itself a child
//! subreaper (Linux's `PR_SET_CHILD_SUBREAPER`) inherits each orphan below it instead of `init`,
//! so nothing it started — a child in a group of its own, a `setsid` daemon, the far end of a
//! fork chain — can leave its tree; [`kill_all`] then finds the whole tree in /proc, freezes
//! it, kills it and reaps it. Used by each node's guard ([`super::guard`]) and by `glomers run`
//! itself for whatever is left when it ends ([`Leftovers`]).
//!
//! Never a stranger: a process found in the scan is pinned (a pidfd) before it is signalled,
//! and signalled only if its parent is still one of the tree's, so a pid freed and handed to an
//! unrelated process since the scan is left alone.

use super::proc_stat::{entry, scan, Entry};
use nix::errno::Errno;
use nix::libc;
use nix::sys::signal::Signal;
use nix::sys::wait::{waitpid, WaitPidFlag, WaitStatus};
use nix::unistd::Pid;
use std::collections::{HashMap, HashSet};
use std::os::fd::{AsRawFd, FromRawFd, OwnedFd};
use std::time::{Duration, Instant};

/// Rounds of SIGSTOP before the kill. Each round stops what the last scan found running; a
/// process stuck in the kernel (state D) stays "running" however often it is asked, so the
/// rounds are bounded and the kill goes ahead regardless.
const FREEZE_ROUNDS: usize = 20;

/// Makes this process the reaper of every orphan below it (Linux only; elsewhere a no-op).
pub fn become_subreaper() -> std::io::Result<()> {
    #[cfg(target_os = "linux")]
    nix::sys::prctl::set_child_subreaper(true)?;
    Ok(())
}

/// The processes below `root` in `all`, by their parent links.
fn below(root: i32, all: &[Entry]) -> Vec<Entry> {
    let mut children: HashMap<i32, Vec<Entry>> = HashMap::new();
    for e in all {
        children.entry(e.ppid).or_default().push(*e);
    }
    let mut found = Vec::new();
    let mut next = vec![root];
    while let Some(parent) = next.pop() {
        for child in children.remove(&parent).unwrap_or_default() {
            next.push(child.pid);
            found.push(child);
        }
    }
    found
}

/// Sends `signal` to `pid` if it is still a child of `family` (the tree found by the scan).
fn signal_member(pid: i32, signal: Signal, family: &HashSet<i32>) {
    let pinned = pidfd_open(pid);
    // Checked after pinning: from here on `pid` cannot change hands, so what the check saw is
    // what the signal reaches.
    if !entry(pid).is_some_and(|e| family.contains(&e.ppid)) {
        return;
    }
    match pinned {
        Some(fd) => pidfd_send_signal(&fd, signal),
        // Kernels before 5.3 have no pidfd: the check above is all there is.
        None => {
            let _ = nix::sys::signal::kill(Pid::from_raw(pid), signal);
        }
    }
}

#[cfg(target_os = "linux")]
fn pidfd_open(pid: i32) -> Option<OwnedFd> {
    // SAFETY: pidfd_open takes a pid and flags and returns a new descriptor or -1.
    let fd = unsafe { libc::syscall(libc::SYS_pidfd_open, pid, 0) };
    let fd = i32::try_from(fd).ok().filter(|&fd| fd >= 0)?;
    // SAFETY: the descriptor was just created and nothing else owns it.
    Some(unsafe { OwnedFd::from_raw_fd(fd) })
}

#[cfg(target_os = "linux")]
fn pidfd_send_signal(fd: &OwnedFd, signal: Signal) {
    // SAFETY: a valid pidfd, a signal number, no siginfo, no flags.
    unsafe {
        libc::syscall(
            libc::SYS_pidfd_send_signal,
            fd.as_raw_fd(),
            signal as libc::c_int,
            std::ptr::null::<libc::siginfo_t>(),
            0,
        );
    }
}

#[cfg(not(target_os = "linux"))]
fn pidfd_open(_pid: i32) -> Option<OwnedFd> {
    None
}

#[cfg(not(target_os = "linux"))]
fn pidfd_send_signal(_fd: &OwnedFd, _signal: Signal) {}

/// Sends `signal` to every process below this one that `pick` accepts; returns how
/// many it was sent to.
fn signal_tree(signal: Signal, pick: fn(&Entry) -> bool) -> usize {
    let me = nix::unistd::getpid().as_raw();
    let tree = below(me, &scan());
    let family: HashSet<i32> = tree.iter().map(|e| e.pid).chain([me]).collect();
    let chosen: Vec<i32> = tree.iter().filter(|e| pick(e)).map(|e| e.pid).collect();
    for &pid in &chosen {
        signal_member(pid, signal, &family);
    }
    chosen.len()
}

/// Stops, kills and reaps every process below this one, for at most `patience`; returns how
/// each reaped child of this process ended. Call it from a subreaper, or the grandchildren of
/// a child that dies first escape to `init` before they are found.
pub fn kill_all(patience: Duration) -> Vec<WaitStatus> {
    // Frozen first: a stopped process cannot fork, so not even a fork bomb grows while the
    // tree is killed, and a chain cannot pass its work on to a new child.
    for _ in 0..FREEZE_ROUNDS {
        if signal_tree(Signal::SIGSTOP, |e| !e.is_gone() && !e.is_stopped()) == 0 {
            break;
        }
    }
    let until = Instant::now() + patience;
    let mut reaped = Vec::new();
    loop {
        signal_tree(Signal::SIGKILL, |e| !e.is_gone());
        loop {
            match waitpid(None, Some(WaitPidFlag::WNOHANG)) {
                Ok(WaitStatus::StillAlive) => break,
                Ok(status) => reaped.push(status),
                Err(Errno::EINTR) => {}
                // ECHILD: no child left, so (being a subreaper) nothing below at all.
                Err(_) => return reaped,
            }
        }
        if Instant::now() >= until {
            return reaped;
        }
        std::thread::sleep(Duration::from_millis(1));
    }
}

/// While alive, this process adopts every orphan below it; when dropped, kills whatever is
/// left below it. For the top of a command that starts processes and must leave none behind.
pub struct Leftovers(());

impl Leftovers {
    pub fn adopt() -> Leftovers {
        // Without it (not Linux, or refused) the guards still do the work; this is a second line.
        let _ = become_subreaper();
        Leftovers(())
    }
}

impl Drop for Leftovers {
    fn drop(&mut self) {
        kill_all(Duration::from_secs(5));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn e(pid: i32, ppid: i32) -> Entry {
        Entry {
            pid,
            ppid,
            pgrp: pid,
            state: 'S',
        }
    }

    #[test]
    fn the_tree_below_a_process_follows_parent_links_at_any_depth() {
        let all = [
            e(10, 1),
            e(11, 10),
            e(12, 11),
            e(13, 12),
            e(20, 1),
            e(21, 20),
        ];
        let mut found: Vec<i32> = below(10, &all).iter().map(|e| e.pid).collect();
        found.sort();
        assert_eq!(found, [11, 12, 13]);
        assert!(below(13, &all).is_empty());
    }
}
