//! Replication between two nodes: an ordered, reliable stream of batches over Maelstrom's
//! lossy (partitioned) network, at most one message per peer per tick.
//!
//! Each node builds a batch per peer between ticks. On a tick the batch is sealed with the next
//! sequence number and joins the unacknowledged ones; a `kafka_sync` message then carries every
//! unacknowledged batch plus the cumulative acknowledgement of what this node has applied from
//! that peer. The receiver applies batches strictly in sequence (so a batch never overtakes an
//! earlier one, which the log's settled-prefix rule relies on) and owes an acknowledgement.
//! Nothing is sent while there is nothing new, no acknowledgement is owed and no resend is
//! due, so an idle cluster is silent.

use crate::protocol::Body;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use std::collections::{BTreeMap, VecDeque};
use std::time::Duration;

/// What one batch carries.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Batch {
    /// Messages this node appended: `[key, offset, msg]`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub entries: Vec<(String, i64, Value)>,
    /// Per key, a bound under which the sender will never again produce an entry, and below
    /// which it has already sent all of its own.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub marks: BTreeMap<String, i64>,
}

impl Batch {
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty() && self.marks.is_empty()
    }
}

/// The wire form of a sync message.
#[derive(Debug, Deserialize)]
pub struct SyncMsg {
    /// Sequence number of `batches[0]`.
    pub first: u64,
    #[serde(default)]
    pub batches: Vec<Batch>,
    /// Every batch up to this sequence number was applied by the sender.
    pub ack: u64,
}

/// The message type on the wire.
pub const SYNC: &str = "kafka_sync";

/// One direction-pair of replication with one peer.
#[derive(Debug, Default)]
pub struct Link {
    building: Batch,
    unacked: VecDeque<(u64, Batch)>,
    next_seq: u64,
    /// Unacknowledged batches include one never sent.
    fresh: bool,
    last_sent: Option<Duration>,
    applied: u64,
    ack_owed: bool,
}

impl Link {
    pub fn new() -> Self {
        Link {
            next_seq: 1,
            ..Link::default()
        }
    }

    pub fn push_entry(&mut self, key: &str, offset: i64, msg: Value) {
        self.building.entries.push((key.to_string(), offset, msg));
    }

    pub fn set_mark(&mut self, key: &str, mark: i64) {
        self.building.marks.insert(key.to_string(), mark);
    }

    /// Seals the batch being built and returns the sync message to send now, if any.
    pub fn on_tick(&mut self, now: Duration, resend_after: Duration) -> Option<Body> {
        if !self.building.is_empty() {
            let batch = std::mem::take(&mut self.building);
            self.unacked.push_back((self.next_seq, batch));
            self.next_seq += 1;
            self.fresh = true;
        }
        let resend_due = !self.unacked.is_empty()
            && self
                .last_sent
                .is_none_or(|t| now.saturating_sub(t) >= resend_after);
        if !(self.fresh || self.ack_owed || resend_due) {
            return None;
        }
        if !self.unacked.is_empty() {
            self.last_sent = Some(now);
        }
        self.fresh = false;
        self.ack_owed = false;
        let first = self.unacked.front().map_or(self.next_seq, |(s, _)| *s);
        let batches: Vec<&Batch> = self.unacked.iter().map(|(_, b)| b).collect();
        Some(
            Body::new(SYNC)
                .with("first", first)
                .with("batches", batches)
                .with("ack", self.applied),
        )
    }

    /// Takes a sync message from the peer: drops what it acknowledged and returns, in order,
    /// the batches to apply now.
    pub fn on_sync(&mut self, msg: SyncMsg) -> Vec<Batch> {
        while self.unacked.front().is_some_and(|(s, _)| *s <= msg.ack) {
            self.unacked.pop_front();
        }
        if !msg.batches.is_empty() {
            self.ack_owed = true;
        }
        let mut out = Vec::new();
        for (i, batch) in msg.batches.into_iter().enumerate() {
            let seq = msg.first.saturating_add(i as u64);
            if seq == self.applied + 1 {
                self.applied = seq;
                out.push(batch);
            } else if seq > self.applied + 1 {
                break; // a gap: the peer resends from our acknowledgement
            }
        }
        out
    }

    /// Batches sent but not yet acknowledged (bounded by what the peer has not confirmed).
    pub fn backlog(&self) -> usize {
        self.unacked.len()
    }
}

/// Gives every link its tick and sends what it has for its peer (new entries, marks, resends).
pub fn flush_links(
    links: &mut BTreeMap<String, Link>,
    now: Duration,
    resend_after: Duration,
    ctx: &mut crate::node::Ctx,
) {
    for (peer, link) in links.iter_mut() {
        if let Some(body) = link.on_tick(now, resend_after) {
            ctx.send(peer, body);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn decode(body: &Body) -> SyncMsg {
        body.parse().expect("a sync message")
    }

    #[test]
    fn batches_arrive_once_in_order_and_resend_after_loss() {
        let (mut a, mut b) = (Link::new(), Link::new());
        let resend = Duration::from_secs(1);
        let t = |ms| Duration::from_millis(ms);
        a.push_entry("k", 0, json!(1));
        let lost = a.on_tick(t(100), resend).unwrap();
        assert_eq!(decode(&lost).batches.len(), 1);
        a.push_entry("k", 2, json!(2));
        let m2 = a.on_tick(t(200), resend).unwrap();
        let got = b.on_sync(decode(&m2));
        assert_eq!(
            got.len(),
            2,
            "the second message repeats the unacknowledged first batch"
        );
        // A duplicate delivery applies nothing twice.
        assert!(b.on_sync(decode(&m2)).is_empty());
        let ack = b.on_tick(t(250), resend).unwrap();
        assert!(a.on_sync(decode(&ack)).is_empty());
        assert_eq!(a.backlog(), 0);
        assert!(a.on_tick(t(300), resend).is_none(), "idle links are silent");
        assert!(b.on_tick(t(300), resend).is_none());
    }

    #[test]
    fn unacknowledged_batches_are_resent_when_due() {
        let mut a = Link::new();
        let resend = Duration::from_secs(1);
        a.set_mark("k", 3);
        assert!(a.on_tick(Duration::from_millis(100), resend).is_some());
        assert!(a.on_tick(Duration::from_millis(200), resend).is_none());
        assert!(a.on_tick(Duration::from_millis(1100), resend).is_some());
    }
}
