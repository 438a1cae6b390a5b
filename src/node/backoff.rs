//! A retransmission timer with exponential backoff: it waits `initial`, then doubles after
//! every expiry up to `max`, and drops back to `initial` when the peer shows progress. A peer
//! that stays silent (partitioned, crashed, hostile) thus costs one retransmission per `max`,
//! not one per tick.

use std::time::Duration;

#[derive(Clone, Debug)]
pub(crate) struct Backoff {
    initial: Duration,
    max: Duration,
    current: Duration,
    due: Option<Duration>,
}

impl Backoff {
    /// A disarmed timer; `max` below `initial` is raised to it.
    pub(crate) fn new(initial: Duration, max: Duration) -> Self {
        Backoff {
            initial,
            max: max.max(initial),
            current: initial,
            due: None,
        }
    }

    /// Starts the timer at `now` unless it is already running.
    pub(crate) fn arm(&mut self, now: Duration) {
        if self.due.is_none() {
            self.due = Some(now.saturating_add(self.current));
        }
    }

    /// Whether the timer ran out.
    pub(crate) fn is_due(&self, now: Duration) -> bool {
        self.due.is_some_and(|due| now >= due)
    }

    /// The timer ran out and a retransmission went out at `now`: wait twice as long (up to
    /// `max`) for the next one.
    pub(crate) fn back_off(&mut self, now: Duration) {
        self.current = self.current.saturating_mul(2).min(self.max);
        self.due = Some(now.saturating_add(self.current));
    }

    /// The peer made progress: back to the initial timeout, running from `now` if something
    /// is still outstanding.
    pub(crate) fn reset(&mut self, now: Duration, outstanding: bool) {
        self.current = self.initial;
        self.due = outstanding.then(|| now.saturating_add(self.initial));
    }

    #[cfg(test)]
    /// The timeout the timer currently waits.
    fn current(&self) -> Duration {
        self.current
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn s(n: u64) -> Duration {
        Duration::from_secs(n)
    }

    #[test]
    fn doubles_up_to_the_cap_and_resets_on_progress() {
        let mut b = Backoff::new(s(1), s(4));
        assert!(!b.is_due(s(100)), "a disarmed timer never fires");
        b.arm(s(0));
        b.arm(s(0) + Duration::from_millis(500)); // already running: unchanged
        assert!(!b.is_due(Duration::from_millis(999)));
        assert!(b.is_due(s(1)));
        b.back_off(s(1));
        assert_eq!(b.current(), s(2));
        assert!(!b.is_due(Duration::from_millis(2999)));
        b.back_off(s(3));
        b.back_off(s(7));
        assert_eq!(b.current(), s(4), "capped");
        b.reset(s(8), true);
        assert_eq!(b.current(), s(1));
        assert!(b.is_due(s(9)));
        b.reset(s(9), false);
        assert!(!b.is_due(s(1000)));
        let mut huge = Backoff::new(Duration::MAX, Duration::MAX);
        huge.arm(s(5));
        huge.back_off(s(5));
        assert!(!huge.is_due(s(1_000_000)));
    }
}
