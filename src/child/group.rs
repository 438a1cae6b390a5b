//! A child in a process group of its own: it starts as the group's leader (so that it and
//! everything it spawns in the group can be stopped with one signal, and a Ctrl-C at the
//! terminal reaches glomers first), and on Linux gets SIGKILL if glomers itself dies without a
//! chance to clean up. (What leaves the group is the guard's business: [`super::guard`].) Whether a child has exited is peeked at without reaping it: while it is
//! an unreaped zombie its pid, and so its group id, cannot be given to another process, so
//! signalling the group afterwards can never reach a stranger.

use std::os::unix::process::CommandExt;
use std::process::Command;

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
pub fn peek_exit(pid: nix::unistd::Pid) -> Option<String> {
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
