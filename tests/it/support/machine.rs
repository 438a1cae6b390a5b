//! The machine as a shared resource among the tests of one binary, which run in parallel.
//! Tests that hold real processes to the figures of a real Maelstrom run (latencies in ms on
//! the wall clock) run alone; tests that merely start many processes (floods, fork chains,
//! crash reports) share the machine with each other but never with a timing test. The timing
//! tests live in `tests/wall_clock`, a binary cargo runs after this one, so that the CPU-heavy
//! tests here (which take no guard) never run beside them either.

use std::sync::{RwLock, RwLockReadGuard, RwLockWriteGuard};

static MACHINE: RwLock<()> = RwLock::new(());

/// For a test whose wall-clock figures a busy machine would distort: no process-heavy test
/// runs while the guard is held. (Only `tests/wall_clock` holds such tests.)
#[allow(dead_code)]
pub fn alone() -> RwLockWriteGuard<'static, ()> {
    MACHINE
        .write()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

/// For a test that starts many processes or floods: it runs beside others of its kind, never
/// beside a timing test.
pub fn shared() -> RwLockReadGuard<'static, ()> {
    MACHINE
        .read()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}
