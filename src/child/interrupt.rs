//! Ctrl-C, SIGTERM and SIGHUP caught as a flag, for work that must stop its children (or remove
//! its temporaries) before glomers ends: a Maelstrom run stops the harness's process group, a
//! run of external nodes stops every node, an install removes its half download.
//!
//! While an [`InterruptFlag`] lives, the three signals only raise the flag, which the work
//! polls; when the last one is dropped, whatever was there before comes back (usually the
//! default action, which ends glomers). Flags that live at once — two runs on two threads of a
//! program that embeds the library — share the catch: it starts with the first, ends with the
//! last, and a signal raises every one of them.

use nix::sys::signal::{sigaction, SaFlags, SigAction, SigHandler, SigSet, Signal};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Mutex, MutexGuard};

/// Raised by the handler; the only thing the handler touches.
static RAISED: AtomicBool = AtomicBool::new(false);

/// The flags alive now, and the actions that were installed before the first of them.
static CATCH: Mutex<Catch> = Mutex::new(Catch {
    flags: 0,
    previous: Vec::new(),
});

struct Catch {
    flags: usize,
    previous: Vec<(Signal, SigAction)>,
}

const CAUGHT: [Signal; 3] = [Signal::SIGINT, Signal::SIGTERM, Signal::SIGHUP];

extern "C" fn raise_flag(_: nix::libc::c_int) {
    // An atomic store is async-signal-safe; nothing else happens here.
    RAISED.store(true, Ordering::SeqCst);
}

fn catch_state() -> MutexGuard<'static, Catch> {
    // The lock guards plain data that no panic can leave half-written.
    CATCH
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

/// While alive, SIGINT, SIGTERM and SIGHUP set a flag instead of ending the process.
pub struct InterruptFlag(());

impl InterruptFlag {
    /// Starts catching; a signal that arrived before this (and before any flag still alive)
    /// is not counted.
    pub fn catch() -> InterruptFlag {
        let mut catch = catch_state();
        if catch.flags == 0 {
            RAISED.store(false, Ordering::SeqCst);
            // SA_RESTART keeps blocking reads going; the work polls `raised()` between reads.
            let action = SigAction::new(
                SigHandler::Handler(raise_flag),
                SaFlags::SA_RESTART,
                SigSet::empty(),
            );
            catch.previous = CAUGHT
                .iter()
                .filter_map(|&signal| {
                    // SAFETY: the handler only stores to an atomic, which is async-signal-safe.
                    unsafe { sigaction(signal, &action) }
                        .ok()
                        .map(|old| (signal, old))
                })
                .collect();
        }
        catch.flags += 1;
        InterruptFlag(())
    }

    /// Whether one of the signals arrived since the catch began.
    pub fn raised(&self) -> bool {
        RAISED.load(Ordering::SeqCst)
    }
}

impl Drop for InterruptFlag {
    fn drop(&mut self) {
        let mut catch = catch_state();
        catch.flags -= 1;
        if catch.flags == 0 {
            for (signal, old) in std::mem::take(&mut catch.previous) {
                // SAFETY: puts back the action that was installed before, unchanged.
                let _ = unsafe { sigaction(signal, &old) };
            }
        }
    }
}

/// Unit tests that catch these signals hold `catching()`; one that raises a real signal holds
/// `raising()`, alone, so that its signal never reaches another test's catch.
#[cfg(test)]
pub(crate) mod testing {
    use std::sync::{RwLock, RwLockReadGuard, RwLockWriteGuard};

    static TESTS: RwLock<()> = RwLock::new(());

    pub(crate) fn catching() -> RwLockReadGuard<'static, ()> {
        TESTS
            .read()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    pub(crate) fn raising() -> RwLockWriteGuard<'static, ()> {
        TESTS
            .write()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The handler installed for `signal` now, as an address (0 the default action, 1 ignored),
    /// read by swapping the action out and straight back in.
    fn installed(signal: Signal) -> usize {
        // Ignored, not the default, for the instant it is out: a stray signal then ends nothing.
        let probe = SigAction::new(SigHandler::SigIgn, SaFlags::empty(), SigSet::empty());
        // SAFETY: the action taken out is put back unchanged.
        let now = unsafe {
            let now = sigaction(signal, &probe).expect("a catchable signal");
            sigaction(signal, &now).expect("put back");
            now
        };
        match now.handler() {
            SigHandler::SigDfl => 0,
            SigHandler::SigIgn => 1,
            SigHandler::Handler(f) => f as usize,
            SigHandler::SigAction(f) => f as usize,
        }
    }

    #[test]
    fn a_signal_raises_the_flag_instead_of_ending_the_process() {
        let _alone = testing::raising();
        let flag = InterruptFlag::catch();
        assert!(!flag.raised());
        nix::sys::signal::raise(Signal::SIGHUP).unwrap();
        assert!(flag.raised());
        drop(flag);
        // The next catch starts clear.
        let again = InterruptFlag::catch();
        assert!(!again.raised());
    }

    #[test]
    fn the_catch_lasts_as_long_as_the_last_flag_and_then_puts_back_what_was_there() {
        let _alone = testing::raising();
        let before = installed(Signal::SIGTERM);
        let first = InterruptFlag::catch();
        let second = InterruptFlag::catch();
        drop(first);
        assert_eq!(
            installed(Signal::SIGTERM),
            raise_flag as *const () as usize,
            "a flag still alive lost its catch"
        );
        nix::sys::signal::raise(Signal::SIGTERM).unwrap();
        assert!(second.raised());
        drop(second);
        assert_eq!(installed(Signal::SIGTERM), before);
    }
}
