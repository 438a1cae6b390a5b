//! The harness's threads as the timing model tells them apart, and the sliding counts it
//! keeps of their handoffs. A thread is named by a small number, not by a string built per
//! message: the model looks threads up several times per message.

use crate::sim::clock::Nanos;
use std::collections::{HashMap, VecDeque};

/// A node, service or client of a run, numbered by [`Endpoints`] in the order it was first
/// seen.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Endpoint(pub u32);

/// One of Maelstrom's threads that hand messages over (see the module docs of `timing`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Thread {
    /// A node's stdout thread, reading the lines the node writes.
    Stdout(Endpoint),
    /// A node's or service's receive thread, handing it what comes due.
    Receive(Endpoint),
    /// A client's own thread, taking its replies.
    Client(Endpoint),
}

/// The run's ids, each given an [`Endpoint`] once.
#[derive(Default)]
pub struct Endpoints {
    ids: HashMap<String, Endpoint>,
}

impl Endpoints {
    /// `id`'s endpoint, numbered now if it is new.
    pub fn of(&mut self, id: &str) -> Endpoint {
        if let Some(&e) = self.ids.get(id) {
            return e;
        }
        let e = Endpoint(u32::try_from(self.ids.len()).unwrap_or(u32::MAX));
        self.ids.insert(id.to_string(), e);
        e
    }
}

/// Handoff times within a sliding span, for a density. Handoffs come nearly in time order (a
/// few are stamped ahead), close enough for a count.
#[derive(Default)]
pub(super) struct Window {
    times: VecDeque<Nanos>,
}

impl Window {
    /// Records a handoff at `now`; returns how many fall within `span` up to it, itself
    /// included.
    pub(super) fn record(&mut self, now: Nanos, span: Nanos) -> usize {
        let since = now.saturating_sub(span);
        while self.times.front().is_some_and(|&t| t < since) {
            self.times.pop_front();
        }
        self.times.push_back(now);
        self.times.len()
    }

    /// How many handoffs fall within `span` up to `now`, recording nothing.
    pub(super) fn count(&self, now: Nanos, span: Nanos) -> usize {
        let since = now.saturating_sub(span);
        self.times.iter().rev().take_while(|&&t| t >= since).count()
    }
}

/// The threads that woke within a sliding span. Contention is many threads runnable at once on
/// two cores: a relay burst wakes 24 receive threads (and 24 nodes) within a millisecond,
/// while a steady stream of thousands of messages a second through five nodes wakes the same
/// ten threads over and over, each with little to do, and the cores keep up.
#[derive(Default)]
pub(super) struct Wakers {
    times: VecDeque<(Nanos, Thread)>,
    /// Wakes within the span, per thread.
    counts: HashMap<Thread, usize>,
}

impl Wakers {
    /// Records `thread` waking at `now`; returns how many distinct threads woke within `span`
    /// up to it, itself included.
    pub(super) fn record(&mut self, thread: Thread, now: Nanos, span: Nanos) -> usize {
        let since = now.saturating_sub(span);
        while self.times.front().is_some_and(|(t, _)| *t < since) {
            if let Some((_, gone)) = self.times.pop_front() {
                if let Some(n) = self.counts.get_mut(&gone) {
                    *n -= 1;
                    if *n == 0 {
                        self.counts.remove(&gone);
                    }
                }
            }
        }
        self.times.push_back((now, thread));
        *self.counts.entry(thread).or_insert(0) += 1;
        self.counts.len()
    }
}
