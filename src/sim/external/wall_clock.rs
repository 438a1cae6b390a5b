//! The wall clock that paces the engine when nodes are external processes: it waits until the
//! next scheduled event is due, unless a node prints something first, and turns instants into
//! the engine's nanoseconds since the run began. It also asks, every few milliseconds, whether
//! the run must stop (Ctrl-C, `--timeout`), so a wait never outlasts a request to stop.

use super::process::Heard;
use crate::sim::clock::Nanos;
use std::sync::mpsc::{Receiver, RecvTimeoutError};
use std::time::{Duration, Instant};

/// The longest the clock waits before asking again whether to stop.
const STOP_POLL: Duration = Duration::from_millis(50);

/// Where the test stands, for whoever watches the run (a progress display).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Stage {
    /// Nodes are answering `init` and the workload's setup requests.
    Setup,
    /// Client operations (and the nemesis) for the time limit, then the drain.
    Main,
    /// The heal, the quiet period and the final operations.
    Final,
}

/// Asked every few milliseconds with the current stage: an error ends the run with it.
pub type Watch = Box<dyn FnMut(Stage) -> Option<anyhow::Error>>;

/// What [`WallClock::wait`] found.
#[derive(Debug)]
pub enum Paced {
    /// The event the engine asked about is due.
    Due,
    /// A node printed something, at `at` (nanoseconds since the run began).
    Heard(Nanos, Heard),
}

pub struct WallClock {
    origin: Instant,
    heard: Receiver<Heard>,
    watch: Watch,
}

impl WallClock {
    /// A clock starting now, hearing `heard`, asking `watch` whether to stop.
    pub fn new(heard: Receiver<Heard>, watch: Watch) -> Self {
        WallClock {
            origin: Instant::now(),
            heard,
            watch,
        }
    }

    /// Nanoseconds since the run began.
    pub fn now(&self) -> Nanos {
        self.since_origin(Instant::now())
    }

    fn since_origin(&self, at: Instant) -> Nanos {
        u64::try_from(at.saturating_duration_since(self.origin).as_nanos()).unwrap_or(u64::MAX)
    }

    /// Waits until `due` (never, if `None`) or until a node prints something.
    pub fn wait(&mut self, due: Option<Nanos>, stage: Stage) -> anyhow::Result<Paced> {
        loop {
            // What a node said first, even when an event is already due: a node's reply must
            // not wait behind a burst of timers.
            if let Ok(heard) = self.heard.try_recv() {
                return Ok(Paced::Heard(self.since_origin(heard.at), heard));
            }
            if let Some(err) = (self.watch)(stage) {
                return Err(err);
            }
            let now = self.now();
            let left = match due {
                Some(due) if due <= now => return Ok(Paced::Due),
                Some(due) => Duration::from_nanos(due - now).min(STOP_POLL),
                None => STOP_POLL,
            };
            match self.heard.recv_timeout(left) {
                Ok(heard) => return Ok(Paced::Heard(self.since_origin(heard.at), heard)),
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
        assert!(matches!(clock.wait(Some(due), Stage::Main), Ok(Paced::Due)));
        assert!(clock.now() >= due);
        tx.send(Heard {
            node: 2,
            at: Instant::now(),
            said: Said::Closed,
        })
        .expect("open");
        let far = clock.now() + 60_000_000_000;
        match clock.wait(Some(far), Stage::Main) {
            Ok(Paced::Heard(at, heard)) => {
                assert_eq!(heard.node, 2);
                assert!(at <= clock.now());
            }
            other => panic!("expected what node 2 said, got {other:?}"),
        }
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
        let err = clock.wait(None, Stage::Setup).unwrap_err();
        assert_eq!(err.to_string(), "stopped");
    }
}
