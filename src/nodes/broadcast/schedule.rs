//! When pending values go out. A leaf holds its clients' values at most `hold` (0: at once). The
//! hub relays on a schedule: bursts every `period`, each burst a relay and, `burst` later, a
//! second relay if anything new arrived meanwhile; optionally no value waits longer than
//! `hold` (including what its leaf already held it). A slot with nothing pending is skipped, so an
//! idle system sends nothing.
//!
//! Why bursts: Maelstrom's receiver sleeps until a message's delivery time and holds up every
//! client request queued behind it, so each relay stalls a leaf's clients for one network
//! latency; the broadcasts they queued are acknowledged together when the relay lands and reach
//! the hub one more latency later. A second relay one latency after the first carries the
//! values that were still in flight at the first, and keeps the leaf asleep across the gap in
//! which such late values would otherwise miss both relays; the next burst, `period` later,
//! collects the stalled ones. Stable latency then stays under about `period − latency`, at two
//! relays per `period` (see the write-up for the measurements). That holds only for leaves the
//! burst's first relay put to sleep, so [`Schedule::sent`] tells the hub which relays open a
//! burst (it can then reach every leaf, `--burst-all`).

use std::time::Duration;

#[derive(Clone, Copy, Debug, Default)]
pub struct Plan {
    /// Longest a value may wait (at the hub, counting what its leaf already held it); None: no
    /// limit besides the periodic schedule.
    pub hold: Option<Duration>,
    /// Hub: time between bursts; None: relay on `hold` alone.
    pub period: Option<Duration>,
    /// Hub: a second relay this long after each burst's first; None: one relay per burst.
    pub burst: Option<Duration>,
}

#[derive(Debug, Default)]
pub struct Schedule {
    plan: Plan,
    /// The earliest `hold` deadline among pending values.
    deadline: Option<Duration>,
    /// When the current burst began.
    burst_start: Option<Duration>,
    /// Whether the current burst's second relay happened or was skipped.
    second_done: bool,
    pending: usize,
}

impl Schedule {
    pub fn new(plan: Plan) -> Self {
        Schedule {
            plan,
            ..Schedule::default()
        }
    }

    /// A value joined the batch at `now`, having already waited `waited` elsewhere.
    pub fn add(&mut self, now: Duration, waited: Duration) {
        self.pending += 1;
        if let Some(hold) = self.plan.hold {
            let d = now.saturating_add(hold.saturating_sub(waited));
            self.deadline = Some(self.deadline.map_or(d, |x| x.min(d)));
        }
    }

    /// When the pending batch is due; None when nothing is pending.
    pub fn due(&self, now: Duration) -> Option<Duration> {
        if self.pending == 0 {
            return None;
        }
        let periodic = self.plan.period.map(|period| match self.burst_start {
            None => now,
            Some(b) => match self.plan.burst {
                Some(gap) if !self.second_done && gap < period => b.saturating_add(gap),
                _ => b.saturating_add(period),
            },
        });
        Some(match (self.deadline, periodic) {
            (Some(d), Some(p)) => d.min(p),
            (Some(d), None) => d,
            (None, Some(p)) => p,
            (None, None) => now,
        })
    }

    /// Called on every event: skips a burst's second relay when its time came with nothing to
    /// send (a late value then waits for the next burst, not an off-beat relay).
    pub fn observe(&mut self, now: Duration) {
        if let (Some(b), Some(gap)) = (self.burst_start, self.plan.burst) {
            if !self.second_done && self.pending == 0 && now >= b.saturating_add(gap) {
                self.second_done = true;
            }
        }
    }

    /// Whether the batch should go now.
    pub fn ready(&self, now: Duration) -> bool {
        self.due(now).is_some_and(|t| t <= now)
    }

    /// The batch went out at `now`. Returns whether this relay opened a burst (the first relay
    /// of a periodic schedule's burst; false without a period).
    pub fn sent(&mut self, now: Duration) -> bool {
        self.pending = 0;
        self.deadline = None;
        let Some(period) = self.plan.period else {
            return false;
        };
        match self.burst_start {
            Some(b) if now < b.saturating_add(period) => {
                self.second_done = true;
                false
            }
            _ => {
                self.burst_start = Some(now);
                self.second_done = false;
                true
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ms(n: u64) -> Duration {
        Duration::from_millis(n)
    }

    #[test]
    fn a_leaf_holds_for_its_hold_time() {
        let mut s = Schedule::new(Plan {
            hold: Some(ms(40)),
            ..Plan::default()
        });
        assert_eq!(s.due(ms(0)), None);
        s.add(ms(10), ms(0));
        s.add(ms(30), ms(0));
        assert_eq!(s.due(ms(30)), Some(ms(50)));
        assert!(!s.ready(ms(49)));
        assert!(s.ready(ms(50)));
        assert!(!s.sent(ms(50)), "no period: no bursts");
        assert_eq!(s.due(ms(60)), None);
    }

    #[test]
    fn no_plan_means_at_once() {
        let mut s = Schedule::new(Plan::default());
        s.add(ms(7), ms(0));
        assert!(s.ready(ms(7)));
    }

    #[test]
    fn the_hub_relays_in_bursts_and_skips_empty_slots() {
        let mut s = Schedule::new(Plan {
            hold: None,
            period: Some(ms(350)),
            burst: Some(ms(105)),
        });
        // The first value opens a burst at once.
        s.add(ms(1000), ms(0));
        assert!(s.ready(ms(1000)));
        assert!(s.sent(ms(1000)), "the first relay opens a burst");
        // The second relay of the burst.
        s.add(ms(1050), ms(0));
        assert_eq!(s.due(ms(1050)), Some(ms(1105)));
        assert!(
            !s.sent(ms(1105)),
            "the second relay belongs to the same burst"
        );
        // Then the next burst.
        s.add(ms(1200), ms(0));
        assert_eq!(s.due(ms(1200)), Some(ms(1350)));
        assert!(s.sent(ms(1350)), "the next burst");
        // Nothing pending at 1455: the second relay is skipped; a later value waits for 1700.
        s.observe(ms(1455));
        s.add(ms(1460), ms(0));
        assert_eq!(s.due(ms(1460)), Some(ms(1700)));
    }

    #[test]
    fn the_hold_limit_counts_what_the_leaf_already_waited() {
        let mut s = Schedule::new(Plan {
            hold: Some(ms(600)),
            period: None,
            burst: None,
        });
        s.add(ms(100), ms(250));
        assert_eq!(s.due(ms(100)), Some(ms(450)));
    }
}
