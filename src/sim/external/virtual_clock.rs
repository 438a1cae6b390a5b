//! A [`LiveClock`] in virtual time, for unit tests of the live engine: a test's scripted nodes
//! print through a [`Printer`] at the instants they choose, and a wait moves time straight to
//! the next line or event, so a test of a 10 s deadline takes milliseconds. The rules are the wall clock's: what was printed before an event
//! fell due comes first, the event first otherwise, and the watch is asked at every wait.

use super::live_clock::{LiveClock, Paced, Watch};
use super::process::Said;
use crate::challenge::Phase;
use crate::sim::clock::{Nanos, MILLI, SECOND};
use std::cell::{Cell, RefCell};
use std::collections::BTreeMap;
use std::rc::Rc;

/// How far a wait with nothing to wait for moves time before asking the watch again.
const STOP_POLL: Nanos = 50 * MILLI;

/// A wait with nothing to wait for ends in an error after this long: a run that never ends is a
/// test's mistake, not something to spin on.
const IDLE_LIMIT: Nanos = 3600 * SECOND;

/// What the clock and its printers share.
#[derive(Default)]
struct Shared {
    now: Cell<Nanos>,
    /// Lines not yet heard, by (instant, order printed).
    lines: RefCell<BTreeMap<(Nanos, u64), (usize, Said)>>,
    printed: Cell<u64>,
}

impl Shared {
    fn advance_to(&self, at: Nanos) {
        self.now.set(self.now.get().max(at));
    }
}

/// The clock: time moves only when the engine waits.
pub struct VirtualClock {
    shared: Rc<Shared>,
    watch: Watch,
}

/// How scripted nodes print, and how a test reads the clock; its clones print to one clock.
#[derive(Clone, Default)]
pub struct Printer(Rc<Shared>);

impl VirtualClock {
    /// A clock hearing what `printer` prints, asking `watch` whether to stop.
    pub fn new(printer: &Printer, watch: Watch) -> VirtualClock {
        VirtualClock {
            shared: printer.0.clone(),
            watch,
        }
    }
}

impl Printer {
    /// The clock's time.
    pub fn now(&self) -> Nanos {
        self.0.now.get()
    }

    /// Node `node` (as [`super::tag`] names it) prints `said` at `at` (now, if `at` is past).
    pub fn print(&self, at: Nanos, node: usize, said: Said) {
        let order = self.0.printed.get();
        self.0.printed.set(order + 1);
        let at = at.max(self.now());
        self.0.lines.borrow_mut().insert((at, order), (node, said));
    }

    /// Time moves on by `by` while the engine is busy, as when a machine is loaded.
    pub fn stall(&self, by: Nanos) {
        self.0.advance_to(self.now().saturating_add(by));
    }
}

impl LiveClock for VirtualClock {
    fn now(&self) -> Nanos {
        self.shared.now.get()
    }

    fn wait(&mut self, due: Option<Nanos>, phase: Phase) -> anyhow::Result<Paced> {
        let idle_since = self.now();
        loop {
            if let Some(err) = (self.watch)(phase) {
                return Err(err);
            }
            let next = self.shared.lines.borrow().keys().next().copied();
            match (next, due) {
                (Some((at, _)), Some(due)) if due <= at => {
                    self.shared.advance_to(due);
                    return Ok(Paced::Due);
                }
                (Some(key), _) => {
                    let line = self.shared.lines.borrow_mut().remove(&key);
                    let Some((node, said)) = line else {
                        continue;
                    };
                    self.shared.advance_to(key.0);
                    return Ok(Paced::Heard {
                        at: key.0,
                        node,
                        said: Box::new(said),
                    });
                }
                (None, Some(due)) => {
                    self.shared.advance_to(due);
                    return Ok(Paced::Due);
                }
                (None, None) => {
                    anyhow::ensure!(
                        self.now() - idle_since < IDLE_LIMIT,
                        "the virtual clock waited {} s with nothing to wait for",
                        IDLE_LIMIT / SECOND
                    );
                    self.shared.advance_to(self.now() + STOP_POLL);
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn heard(paced: anyhow::Result<Paced>) -> (Nanos, usize) {
        match paced {
            Ok(Paced::Heard { at, node, .. }) => (at, node),
            other => panic!("expected a line, got {other:?}"),
        }
    }

    #[test]
    fn lines_and_events_come_in_time_order_and_an_event_wins_a_tie() {
        let printer = Printer::default();
        let mut clock = VirtualClock::new(&printer, Box::new(|_| None));
        printer.print(30 * MILLI, 1, Said::Closed);
        printer.print(10 * MILLI, 0, Said::Closed);
        printer.print(30 * MILLI, 2, Said::Closed);
        assert_eq!(
            heard(clock.wait(Some(20 * MILLI), Phase::Clients)),
            (10 * MILLI, 0)
        );
        assert!(matches!(
            clock.wait(Some(20 * MILLI), Phase::Clients),
            Ok(Paced::Due)
        ));
        assert_eq!(clock.now(), 20 * MILLI);
        assert!(matches!(
            clock.wait(Some(30 * MILLI), Phase::Clients),
            Ok(Paced::Due)
        ));
        // Lines printed at one instant are heard in the order they were printed.
        assert_eq!(heard(clock.wait(None, Phase::Clients)), (30 * MILLI, 1));
        assert_eq!(heard(clock.wait(None, Phase::Clients)), (30 * MILLI, 2));
        printer.stall(5 * MILLI);
        assert_eq!(clock.now(), 35 * MILLI);
    }

    #[test]
    fn a_wait_for_nothing_ends_at_the_watch_or_in_an_error() {
        let printer = Printer::default();
        let mut clock = VirtualClock::new(&printer, Box::new(|_| None));
        let err = clock.wait(None, Phase::Clients).unwrap_err();
        assert!(err.to_string().contains("nothing to wait for"), "{err}");
        assert!(printer.now() >= IDLE_LIMIT);
        let printer = Printer::default();
        let watched = printer.clone();
        let mut clock = VirtualClock::new(
            &printer,
            Box::new(move |phase| {
                // Asked with the clock's time: stops in the final phase, once a second is past.
                (phase == Phase::Recovery && watched.now() >= SECOND)
                    .then(|| anyhow::anyhow!("stop"))
            }),
        );
        assert!(matches!(
            clock.wait(Some(SECOND), Phase::Clients),
            Ok(Paced::Due)
        ));
        assert_eq!(printer.now(), SECOND);
        let err = clock.wait(None, Phase::Recovery).unwrap_err();
        assert_eq!(err.to_string(), "stop", "{err}");
    }
}
