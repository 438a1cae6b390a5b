//! A scoped catch of Ctrl-C / SIGTERM / SIGHUP that only raises a flag, for work that must
//! clean up before exiting (the Maelstrom download and unpack, whose temporaries are removed
//! when they are dropped on the error path).
//!
//! Why not the `ctrlc` handler in [`super::supervise`]: `ctrlc` allows one handler per process,
//! and that one ends glomers at once outside a supervised run — without running destructors,
//! so a half download would stay on disk. This guard swaps in a flag-raising handler for its
//! lifetime and puts back whatever was there before (the default action or `ctrlc`'s handler).

use nix::sys::signal::{sigaction, SaFlags, SigAction, SigHandler, SigSet, Signal};
use std::sync::atomic::{AtomicBool, Ordering};

static RAISED: AtomicBool = AtomicBool::new(false);

const CAUGHT: [Signal; 3] = [Signal::SIGINT, Signal::SIGTERM, Signal::SIGHUP];

extern "C" fn raise_flag(_: nix::libc::c_int) {
    // An atomic store is async-signal-safe; nothing else happens here.
    RAISED.store(true, Ordering::SeqCst);
}

/// While alive, SIGINT, SIGTERM and SIGHUP set a flag instead of ending the process.
pub(crate) struct InterruptFlag {
    previous: Vec<(Signal, SigAction)>,
}

impl InterruptFlag {
    /// Starts catching; a signal that arrived before this is not counted.
    pub(crate) fn catch() -> InterruptFlag {
        RAISED.store(false, Ordering::SeqCst);
        // SA_RESTART keeps blocking reads going; the work polls `raised()` between reads.
        let action = SigAction::new(
            SigHandler::Handler(raise_flag),
            SaFlags::SA_RESTART,
            SigSet::empty(),
        );
        let previous = CAUGHT
            .iter()
            .filter_map(|&signal| {
                // SAFETY: the handler only stores to an atomic, which is async-signal-safe.
                unsafe { sigaction(signal, &action) }
                    .ok()
                    .map(|old| (signal, old))
            })
            .collect();
        InterruptFlag { previous }
    }

    /// Whether one of the signals arrived since [`InterruptFlag::catch`].
    pub(crate) fn raised(&self) -> bool {
        RAISED.load(Ordering::SeqCst)
    }
}

impl Drop for InterruptFlag {
    fn drop(&mut self) {
        for (signal, old) in &self.previous {
            // SAFETY: puts back the action that was installed before, unchanged.
            let _ = unsafe { sigaction(*signal, old) };
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_signal_raises_the_flag_instead_of_ending_the_process() {
        let flag = InterruptFlag::catch();
        assert!(!flag.raised());
        nix::sys::signal::raise(Signal::SIGHUP).unwrap();
        assert!(flag.raised());
        drop(flag);
        // The next guard starts clear.
        let again = InterruptFlag::catch();
        assert!(!again.raised());
    }
}
