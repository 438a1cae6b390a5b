//! The machine's cores as a calendar of CPU time, for the timing model: work is booked from
//! the moment it starts into the earliest capacity left, so that work that arrives faster
//! than the cores can do it waits, and the wait is shared by every thread. Bookings may come
//! out of time order (a receive thread's handoff is known when the message is sent, 100 ms
//! ahead of a stdout thread's that is known later), which a single running backlog could not
//! take.

use crate::sim::clock::{Nanos, SECOND};
use std::collections::VecDeque;

/// The calendar's resolution: waits shorter than this are not told apart.
const SLOT: Nanos = 100_000;

/// How far behind a booking the calendar keeps its slots. A booking from before the oldest
/// slot kept (possible only after one more than this ahead of it, under a latency of seconds)
/// finds the cores free.
const KEEP: Nanos = 2 * SECOND;

#[derive(Default)]
pub(super) struct Cores {
    /// The start of `used[0]`.
    base: Nanos,
    /// CPU time booked in each slot, in ns of one core.
    used: VecDeque<f64>,
}

impl Cores {
    /// Books `work` ns of one thread's CPU from `at` on `cores` cores; returns when it is
    /// done. One thread runs on one core at a time, so never before `at + work`.
    pub(super) fn book(&mut self, at: Nanos, work: f64, cores: f64) -> Nanos {
        let own = at.saturating_add(work.max(0.0).round() as Nanos);
        let Some(mut i) = self.slot(at) else {
            return own;
        };
        let capacity = cores * SLOT as f64;
        let mut left = work.max(0.0);
        let mut done = at;
        while left > 0.0 {
            let start = self.start_of(i).max(at);
            let end = self.start_of(i + 1);
            // The part of this slot after `start`, as much of it as is not booked.
            let room = (capacity - self.used[i]).min(cores * (end - start) as f64);
            let take = room.max(0.0).min(left);
            self.used[i] += take;
            left -= take;
            if left <= 0.0 {
                // Finished within this slot once the cores have done what is booked in it so
                // far (first come, first served, as a fluid).
                done = self.start_of(i) + (self.used[i] / cores) as Nanos;
                break;
            }
            i += 1;
            self.grow(i);
        }
        done.max(own)
    }

    /// Takes every core from `at` for `pause` ns (a stop-the-world pause): work booked after
    /// it waits until it is over.
    pub(super) fn stop(&mut self, at: Nanos, pause: Nanos, cores: f64) {
        let capacity = cores * SLOT as f64;
        let Some(mut i) = self.slot(at) else {
            return;
        };
        while self.start_of(i) < at.saturating_add(pause) {
            self.used[i] = capacity;
            i += 1;
            self.grow(i);
        }
    }

    /// Takes `cores_taken` of the cores from `from` to `to` (compiler threads at work): work
    /// booked there later finds that much less room.
    pub(super) fn reserve(&mut self, from: Nanos, to: Nanos, cores_taken: f64, cores: f64) {
        let capacity = cores * SLOT as f64;
        let Some(mut i) = self.slot(from) else {
            return;
        };
        while self.start_of(i) < to {
            let start = self.start_of(i).max(from);
            let end = self.start_of(i + 1).min(to);
            let taken = cores_taken * end.saturating_sub(start) as f64;
            self.used[i] = (self.used[i] + taken).min(capacity);
            i += 1;
            self.grow(i);
        }
    }

    /// The slot holding `at`, made to exist (old slots are let go as time moves on); `None`
    /// when `at` is older than every slot kept.
    fn slot(&mut self, at: Nanos) -> Option<usize> {
        if self.used.is_empty() {
            self.base = at / SLOT * SLOT;
        }
        if at < self.base {
            return None;
        }
        let keep_from = at.saturating_sub(KEEP) / SLOT * SLOT;
        if keep_from > self.base {
            let drop = ((keep_from - self.base) / SLOT) as usize;
            self.used.drain(..drop.min(self.used.len()));
            self.base = keep_from;
        }
        let i = ((at - self.base) / SLOT) as usize;
        self.grow(i);
        Some(i)
    }

    fn grow(&mut self, i: usize) {
        while self.used.len() <= i {
            self.used.push_back(0.0);
        }
    }

    fn start_of(&self, i: usize) -> Nanos {
        self.base + i as Nanos * SLOT
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn work_within_the_cores_capacity_does_not_wait() {
        let mut cores = Cores::default();
        // One core's worth in every slot of two: each booking done after its own work.
        for i in 0..1000u64 {
            let at = SECOND + i * SLOT;
            for _ in 0..2 {
                assert_eq!(cores.book(at, 50_000.0, 2.0), at + 50_000);
            }
        }
    }

    #[test]
    fn work_beyond_it_queues_and_a_stop_holds_everyone() {
        let mut cores = Cores::default();
        // Three cores' worth a slot on two cores: the wait grows by half a slot a slot.
        let mut last = 0;
        for i in 0..100u64 {
            let at = SECOND + i * SLOT;
            for _ in 0..3 {
                last = cores.book(at, 100_000.0, 2.0) - at;
            }
        }
        assert!(last > 40 * SLOT, "after 100 slots: waits {last} ns");
        let mut cores = Cores::default();
        cores.stop(SECOND, 5 * SLOT, 2.0);
        let done = cores.book(SECOND + SLOT, 1000.0, 2.0);
        assert!(done >= SECOND + 5 * SLOT, "{done}");
    }

    #[test]
    fn bookings_may_come_out_of_order() {
        let mut cores = Cores::default();
        // A booking 100 ms ahead, then the present: the present finds the cores free.
        cores.book(SECOND + 100 * SLOT * 10, 1000.0, 2.0);
        assert_eq!(cores.book(SECOND, 1000.0, 2.0), SECOND + 1000);
        // Older than anything kept: free as well.
        cores.book(10 * SECOND, 1000.0, 2.0);
        assert_eq!(cores.book(SECOND, 1000.0, 2.0), SECOND + 1000);
    }
}
