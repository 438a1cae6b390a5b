//! Virtual time: whole nanoseconds since the start of a run. Integers, not floats, so that
//! event order never depends on rounding and a run replays exactly from its seed.

use std::time::Duration;

/// Virtual nanoseconds since the run started.
pub(crate) type Nanos = u64;

pub(crate) const MILLI: Nanos = 1_000_000;

pub(crate) const SECOND: Nanos = 1_000_000_000;

/// A duration in virtual nanoseconds, saturating: a duration beyond ~584 years means "never".
pub(crate) fn nanos(d: Duration) -> Nanos {
    u64::try_from(d.as_nanos()).unwrap_or(u64::MAX)
}

/// The virtual instant `t` as the `Duration` nodes and workloads are handed.
pub(crate) fn as_duration(t: Nanos) -> Duration {
    Duration::from_nanos(t)
}
