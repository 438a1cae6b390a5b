//! The wall clock that paces the engine when nodes are external processes: it waits until the
//! next scheduled event is due, unless a node prints something first, and turns instants into
//! the engine's nanoseconds since the run began. It also asks, every few milliseconds, whether
//! the run must stop (Ctrl-C, `--timeout`), so a wait never outlasts a request to stop.
//!
//! Lines and events are handed over in time order: a line read after an event fell due waits
//! for that event, so a node that floods the engine cannot starve its timers (client timeouts,
//! the end of the test, deadlines), and a stop request is heard however busy the nodes are.

use super::live_clock::{LiveClock, Paced, Watch};
use super::process::Heard;
use crate::challenge::Phase;
use crate::sim::clock::Nanos;
use std::sync::mpsc::{Receiver, RecvTimeoutError};
use std::time::{Duration, Instant};

/// The longest the clock waits before asking again whether to stop, and the least time between
/// two questions while lines keep coming.
const STOP_POLL: Duration = Duration::from_millis(50);
const WATCH_EVERY: Duration = Duration::from_millis(10);

/// The wall clock, hearing every node on one channel.
pub struct WallClock {
    origin: Instant,
    heard: Receiver<Heard>,
    /// A line taken from the channel but not handed over yet: an event was due before it.
    next: Option<Heard>,
    watch: Watch,
    watched: Option<Instant>,
}

impl WallClock {
    /// A clock starting now, hearing `heard`, asking `watch` whether to stop.
    pub fn new(heard: Receiver<Heard>, watch: Watch) -> Self {
        WallClock {
            origin: Instant::now(),
            heard,
            next: None,
            watch,
            watched: None,
        }
    }

    fn since_origin(&self, at: Instant) -> Nanos {
        u64::try_from(at.saturating_duration_since(self.origin).as_nanos()).unwrap_or(u64::MAX)
    }

    /// Asks `watch` whether to stop, at most every [`WATCH_EVERY`].
    fn ask_watch(&mut self, phase: Phase) -> anyhow::Result<()> {
        let now = Instant::now();
        if self
            .watched
            .is_some_and(|at| now.duration_since(at) < WATCH_EVERY)
        {
            return Ok(());
        }
        self.watched = Some(now);
        match (self.watch)(phase) {
            Some(err) => Err(err),
            None => Ok(()),
        }
    }
}

impl LiveClock for WallClock {
    fn now(&self) -> Nanos {
        self.since_origin(Instant::now())
    }

    fn wait(&mut self, due: Option<Nanos>, phase: Phase) -> anyhow::Result<Paced> {
        loop {
            self.ask_watch(phase)?;
            if self.next.is_none() {
                self.next = self.heard.try_recv().ok();
            }
            if let Some(heard) = self.next.take() {
                let at = self.since_origin(heard.at);
                if due.is_some_and(|due| due <= at) {
                    self.next = Some(heard);
                    return Ok(Paced::Due);
                }
                return Ok(Paced::Heard {
                    at,
                    node: heard.node,
                    said: Box::new(heard.said),
                });
            }
            let now = self.now();
            let left = match due {
                Some(due) if due <= now => return Ok(Paced::Due),
                Some(due) => Duration::from_nanos(due - now).min(STOP_POLL),
                None => STOP_POLL,
            };
            match self.heard.recv_timeout(left) {
                Ok(heard) => self.next = Some(heard),
                Err(RecvTimeoutError::Timeout) => {}
                // Every node's reader has ended; only the clock is left.
                Err(RecvTimeoutError::Disconnected) => std::thread::sleep(left),
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sim::external::process::Said;
    use std::sync::mpsc;

    #[test]
    fn waits_until_due_and_hears_what_comes_first() {
        let (tx, rx) = mpsc::channel();
        let mut clock = WallClock::new(rx, Box::new(|_| None));
        let due = clock.now() + 30_000_000;
        assert!(matches!(
            clock.wait(Some(due), Phase::Clients),
            Ok(Paced::Due)
        ));
        assert!(clock.now() >= due);
        tx.send(Heard {
            node: 2,
            at: Instant::now(),
            said: Said::Closed,
        })
        .expect("open");
        let far = clock.now() + 60_000_000_000;
        match clock.wait(Some(far), Phase::Clients) {
            Ok(Paced::Heard { at, node, .. }) => {
                assert_eq!(node, 2);
                assert!(at <= clock.now());
            }
            other => panic!("expected what node 2 said, got {other:?}"),
        }
    }

    #[test]
    fn an_event_due_before_a_line_was_heard_comes_first() {
        let (tx, rx) = mpsc::channel();
        let mut clock = WallClock::new(rx, Box::new(|_| None));
        let due = clock.now();
        std::thread::sleep(Duration::from_millis(5));
        for node in 0..1000 {
            tx.send(Heard {
                node,
                at: Instant::now(),
                said: Said::Closed,
            })
            .expect("open");
        }
        // However many lines wait, the event that fell due before them is handed over first,
        // and the lines after it, in order.
        assert!(matches!(
            clock.wait(Some(due), Phase::Clients),
            Ok(Paced::Due)
        ));
        match clock.wait(None, Phase::Clients) {
            Ok(Paced::Heard { node, .. }) => assert_eq!(node, 0),
            other => panic!("expected node 0's line, got {other:?}"),
        }
    }

    #[test]
    fn a_stop_request_is_heard_under_a_flood() {
        let (tx, rx) = mpsc::channel();
        let started = Instant::now();
        let mut clock = WallClock::new(
            rx,
            Box::new(move |_| {
                (started.elapsed() > Duration::from_millis(30)).then(|| anyhow::anyhow!("stop"))
            }),
        );
        let flood = std::thread::spawn(move || {
            while tx
                .send(Heard {
                    node: 0,
                    at: Instant::now(),
                    said: Said::Closed,
                })
                .is_ok()
            {}
        });
        let err = loop {
            if let Err(err) = clock.wait(None, Phase::Clients) {
                break err;
            }
        };
        assert_eq!(err.to_string(), "stop");
        assert!(started.elapsed() < Duration::from_millis(500));
        drop(clock);
        flood.join().expect("the flood ends with the clock");
    }

    #[test]
    fn a_stop_request_ends_even_an_endless_wait() {
        let (_tx, rx) = mpsc::channel();
        let mut asked = 0;
        let mut clock = WallClock::new(
            rx,
            Box::new(move |_| {
                asked += 1;
                (asked > 3).then(|| anyhow::anyhow!("stopped"))
            }),
        );
        let err = clock.wait(None, Phase::Setup).unwrap_err();
        assert_eq!(err.to_string(), "stopped");
    }
}
