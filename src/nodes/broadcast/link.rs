//! Reliable delivery over one peer-to-peer link, paid for almost entirely by traffic that is
//! sent anyway. Every value a node hands to a link gets the link's next sequence number and
//! stays queued until the peer acknowledges it; the peer's cumulative acknowledgement rides on
//! whatever it sends back (`ack` = the next sequence it expects). Only two things ever cost a
//! message of their own: an acknowledgement owed for `ack_delay` with nothing to carry it, and
//! a retransmission of what stayed unacknowledged for a timeout (doubling up to a cap). With no
//! partitions neither happens except once at the end of a burst.

use serde_json::Value;
use std::collections::{BTreeSet, VecDeque};
use std::time::Duration;

/// The sending half: values awaiting acknowledgement.
#[derive(Debug, Default)]
pub struct Outgoing {
    /// The sequence number of `unacked[0]`; everything below was acknowledged.
    base: u64,
    unacked: VecDeque<Value>,
    /// When to retransmit if still unacknowledged.
    retransmit_at: Option<Duration>,
    /// The current retransmission timeout (backs off while nothing is acknowledged).
    rto: Duration,
}

/// A contiguous run of sequenced values: `values[i]` has sequence `from + i`.
#[derive(Debug, PartialEq)]
pub struct Segment {
    pub from: u64,
    pub values: Vec<Value>,
}

impl Outgoing {
    /// Queues `values`; returns the segment to send now.
    pub fn push(&mut self, values: Vec<Value>, now: Duration, rto: Duration) -> Segment {
        let from = self.base + self.unacked.len() as u64;
        self.unacked.extend(values.iter().cloned());
        if self.retransmit_at.is_none() && !self.unacked.is_empty() {
            self.rto = rto;
            self.retransmit_at = Some(now.saturating_add(rto));
        }
        Segment { from, values }
    }

    /// The sequence the next pushed value will get (an ack-only message's `from`).
    pub fn next_seq(&self) -> u64 {
        self.base + self.unacked.len() as u64
    }

    /// The peer expects `next` next: drop everything below it.
    pub fn acknowledge(&mut self, next: u64, now: Duration, rto: Duration) {
        if next <= self.base {
            return;
        }
        let done = (next - self.base).min(self.unacked.len() as u64);
        self.unacked.drain(..done as usize);
        self.base += done;
        // Progress: what remains was sent recently, so the timer restarts from the base value.
        self.rto = rto;
        self.retransmit_at = (!self.unacked.is_empty()).then(|| now.saturating_add(rto));
    }

    /// Everything unacknowledged, if its timer ran out; backs the timer off (up to `max`).
    pub fn due(&mut self, now: Duration, max: Duration) -> Option<Segment> {
        let at = self.retransmit_at?;
        if now < at || self.unacked.is_empty() {
            return None;
        }
        self.rto = self.rto.saturating_mul(2).min(max.max(self.rto));
        self.retransmit_at = Some(now.saturating_add(self.rto));
        Some(Segment {
            from: self.base,
            values: self.unacked.iter().cloned().collect(),
        })
    }

    #[cfg(test)]
    pub fn unacked(&self) -> usize {
        self.unacked.len()
    }
}

/// The receiving half: which sequences arrived, and whether an acknowledgement is owed.
#[derive(Debug, Default)]
pub struct Incoming {
    /// Every sequence below this arrived.
    next: u64,
    /// Arrivals above `next` (only after reordering or loss; drained as gaps fill).
    ahead: BTreeSet<u64>,
    /// Since when an acknowledgement is owed, if one is.
    owed_since: Option<Duration>,
}

impl Incoming {
    /// Records a segment. Values are returned whether new or repeated: the store deduplicates,
    /// and a repeat means our acknowledgement went missing, so one is owed either way.
    pub fn receive(&mut self, from: u64, count: usize, now: Duration) {
        if count == 0 {
            return;
        }
        // A peer's `from` is untrusted input: saturate rather than overflow.
        for seq in from..from.saturating_add(count as u64) {
            if seq == self.next {
                self.next += 1;
                while self.ahead.remove(&self.next) {
                    self.next += 1;
                }
            } else if seq > self.next {
                self.ahead.insert(seq);
            }
        }
        self.owed_since.get_or_insert(now);
    }

    /// The cumulative acknowledgement to send; sending it settles the debt.
    pub fn take_ack(&mut self) -> u64 {
        self.owed_since = None;
        self.next
    }

    /// Whether an acknowledgement has been owed for at least `delay`.
    pub fn ack_overdue(&self, now: Duration, delay: Duration) -> bool {
        self.owed_since
            .is_some_and(|since| now >= since.saturating_add(delay))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    const RTO: Duration = Duration::from_millis(100);

    fn ms(n: u64) -> Duration {
        Duration::from_millis(n)
    }

    #[test]
    fn acknowledged_values_are_forgotten_and_the_rest_retransmitted() {
        let mut out = Outgoing::default();
        let seg = out.push(vec![json!(1), json!(2)], ms(0), RTO);
        assert_eq!(seg.from, 0);
        let seg = out.push(vec![json!(3)], ms(10), RTO);
        assert_eq!(seg.from, 2);
        assert!(out.due(ms(99), ms(400)).is_none());
        out.acknowledge(1, ms(50), RTO);
        assert_eq!(out.unacked(), 2);
        // The timer restarted at the ack.
        assert!(out.due(ms(149), ms(400)).is_none());
        let again = out.due(ms(150), ms(400)).expect("due");
        assert_eq!(
            again,
            Segment {
                from: 1,
                values: vec![json!(2), json!(3)]
            }
        );
        // Backed off to 200 ms.
        assert!(out.due(ms(349), ms(400)).is_none());
        assert!(out.due(ms(350), ms(400)).is_some());
        out.acknowledge(3, ms(360), RTO);
        assert_eq!(out.unacked(), 0);
        assert!(out.due(ms(10_000), ms(400)).is_none());
        // A stale ack changes nothing.
        out.acknowledge(2, ms(400), RTO);
        assert_eq!(out.next_seq(), 3);
    }

    #[test]
    fn the_receiver_acks_cumulatively_across_gaps() {
        let mut inc = Incoming::default();
        inc.receive(0, 2, ms(0));
        inc.receive(3, 1, ms(1));
        assert!(!inc.ack_overdue(ms(5), ms(10)));
        assert!(inc.ack_overdue(ms(10), ms(10)));
        assert_eq!(inc.take_ack(), 2);
        assert!(!inc.ack_overdue(ms(100), ms(10)));
        inc.receive(2, 1, ms(20));
        assert_eq!(inc.take_ack(), 4);
        // A repeat is owed an ack too.
        inc.receive(0, 1, ms(30));
        assert!(inc.ack_overdue(ms(40), ms(10)));
        assert_eq!(inc.take_ack(), 4);
    }
}
