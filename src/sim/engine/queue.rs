//! The engine's event queue: events by (time, scheduling order), so that simultaneous events
//! run in the order they were scheduled and a run stays a pure function of its seed.

use super::Event;
use crate::sim::clock::Nanos;
use std::cmp::Reverse;
use std::collections::{BinaryHeap, HashMap};

/// Events by (time, scheduling order): simultaneous events run in the order they were
/// scheduled, which keeps a run a pure function of its seed.
#[derive(Default)]
pub(super) struct EventQueue {
    next_seq: u64,
    order: BinaryHeap<Reverse<(Nanos, u64)>>,
    events: HashMap<u64, Event>,
}

impl EventQueue {
    pub(super) fn push(&mut self, at: Nanos, event: Event) {
        let seq = self.next_seq;
        self.next_seq += 1;
        self.events.insert(seq, event);
        self.order.push(Reverse((at, seq)));
    }

    /// When the next event is due.
    pub(super) fn next_due(&self) -> Option<Nanos> {
        self.order.peek().map(|Reverse((at, _))| *at)
    }

    pub(super) fn pop(&mut self) -> Option<(Nanos, Event)> {
        while let Some(Reverse((at, seq))) = self.order.pop() {
            if let Some(event) = self.events.remove(&seq) {
                return Some((at, event));
            }
        }
        None
    }
}
