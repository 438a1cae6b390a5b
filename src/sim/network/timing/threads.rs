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
    /// How many handoffs were ever recorded: the last one's number plus one.
    recorded: u64,
    /// The handoffs earlier than every one after them, by number, oldest first (so their
    /// times rise): the newest handoff before `since` is always one of them, which lets
    /// [`Window::count`] find it by a binary search instead of a scan of the window.
    lows: VecDeque<(u64, Nanos)>,
}

impl Window {
    /// Records a handoff at `now`; returns how many fall within `span` up to it, itself
    /// included.
    pub(super) fn record(&mut self, now: Nanos, span: Nanos) -> usize {
        let since = now.saturating_sub(span);
        while self.times.front().is_some_and(|&t| t < since) {
            self.times.pop_front();
        }
        let first = self.recorded - self.times.len() as u64;
        while self.lows.front().is_some_and(|&(n, _)| n < first) {
            self.lows.pop_front();
        }
        while self.lows.back().is_some_and(|&(_, t)| t >= now) {
            self.lows.pop_back();
        }
        self.lows.push_back((self.recorded, now));
        self.recorded += 1;
        self.times.push_back(now);
        self.times.len()
    }

    /// How many handoffs fall within `span` up to `now`, recording nothing: the newest ones,
    /// back to the first (from the newest) stamped before `now - span`.
    pub(super) fn count(&self, now: Nanos, span: Nanos) -> usize {
        let since = now.saturating_sub(span);
        let before = self.lows.partition_point(|&(_, t)| t < since);
        match before.checked_sub(1).and_then(|i| self.lows.get(i)) {
            // Usizes both: `recorded - n` is at most the window's length.
            Some(&(n, _)) => usize::try_from(self.recorded - n - 1).unwrap_or(usize::MAX),
            None => self.times.len(),
        }
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

#[cfg(test)]
mod tests {
    use super::*;

    /// The count as a scan back from the newest handoff finds it.
    fn scanned(times: &VecDeque<Nanos>, now: Nanos, span: Nanos) -> usize {
        let since = now.saturating_sub(span);
        times.iter().rev().take_while(|&&t| t >= since).count()
    }

    #[test]
    fn the_count_is_the_scan_s_for_handoffs_stamped_out_of_order() {
        // A small xorshift: the cases are the same on every run.
        let mut x: u64 = 0x9E37_79B9_7F4A_7C15;
        let mut next = move || {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            x
        };
        for round in 0..200 {
            let mut window = Window::default();
            let mut now: Nanos = 1_000;
            let span: Nanos = 1 + next() % 500;
            let jitter = [0, 3, 50, 1_000][round % 4];
            for _ in 0..400 {
                now += next() % 20;
                // Some handoffs are stamped ahead or behind, some at the same instant.
                let at = match next() % 4 {
                    0 => now + next() % (jitter + 1),
                    1 => now.saturating_sub(next() % (jitter + 1)),
                    _ => now,
                };
                let recorded = window.record(at, span);
                assert_eq!(recorded, window.times.len());
                for probe in [at, now, now + 7, at.saturating_sub(span / 2), now + span] {
                    for s in [span, span / 3, 2 * span, 0] {
                        assert_eq!(
                            window.count(probe, s),
                            scanned(&window.times, probe, s),
                            "round {round}, at {probe}, span {s}"
                        );
                    }
                }
            }
        }
    }
}
