//! Children that never outlive glomers: each starts as the leader of its own process group (so
//! that it and everything it spawns can be stopped with one signal, and a Ctrl-C at the
//! terminal reaches glomers first), and on Linux gets SIGKILL if glomers itself dies without a
//! chance to clean up.

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
