//! Replication between two nodes: an ordered, reliable stream of batches over Maelstrom's
//! lossy (partitioned) network, at most one message per peer per tick, each of bounded size.
//!
//! Each node builds a batch per peer between ticks; a batch is sealed with the next sequence
//! number on a tick, or earlier once it reaches [`MAX_SYNC_ENTRIES`] items or
//! [`MAX_SYNC_BYTES`]. A `kafka_sync` message carries the next batches not yet sent (never more
//! than those two limits, except a single batch holding one larger message) plus the cumulative
//! acknowledgement of what this node has applied from that peer. At most
//! [`IN_FLIGHT_BYTES`] / [`IN_FLIGHT_ENTRIES`] may be sent and unacknowledged at once.
//!
//! The receiver applies batches strictly in sequence (so a batch never overtakes an earlier
//! one, which the log's settled-prefix rule relies on) and owes an acknowledgement. When
//! nothing is acknowledged for a retransmission timeout, the sender goes back to its oldest
//! unacknowledged batch and resends only that one, doubling the timeout each time up to a cap
//! (see [`Backoff`]); the first acknowledgement resets the timeout and resumes the stream from
//! there. A silent peer therefore costs one in-flight window plus one batch per timeout, not
//! the whole backlog on every tick. Nothing is sent while there is nothing new, no
//! acknowledgement is owed and no retransmission is due, so an idle cluster is silent.

use super::Timing;
use crate::node::backoff::Backoff;
use crate::node::rpc::PendingRpcs;
use crate::node::Ctx;
use crate::protocol::{Body, ErrorCode, Message, RpcError};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use std::collections::{BTreeMap, VecDeque};
use std::time::Duration;

/// Most entries plus marks in one batch, and in one message.
const MAX_SYNC_ENTRIES: usize = 1024;
/// Most bytes of entries and marks in one message (a single larger message still travels, alone).
pub(crate) const MAX_SYNC_BYTES: usize = 256 * 1024;
/// Most entries plus marks sent and not yet acknowledged, per peer.
const IN_FLIGHT_ENTRIES: usize = 4 * MAX_SYNC_ENTRIES;
/// Most bytes sent and not yet acknowledged, per peer (a single larger batch still travels).
pub(crate) const IN_FLIGHT_BYTES: usize = 4 * MAX_SYNC_BYTES;
/// The highest offset a peer may name in an entry or a mark. Honest offsets grow by about one
/// per message sent, so they never get near this; a larger one would push this node's next
/// offset for the key to the end of its range and stop it serving the key.
pub(crate) const MAX_PEER_OFFSET: i64 = 1 << 62;

/// Per-item overhead beyond a message's own JSON: brackets, separators, the offset.
const ITEM_OVERHEAD: usize = 32;

/// What one batch carries.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub(crate) struct Batch {
    /// Messages this node appended: `[key, offset, msg]`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub(crate) entries: Vec<(String, i64, Value)>,
    /// Per key, a bound under which the sender will never again produce an entry, and below
    /// which it has already sent all of its own.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub(crate) marks: BTreeMap<String, i64>,
}

impl Batch {
    fn is_empty(&self) -> bool {
        self.entries.is_empty() && self.marks.is_empty()
    }

    /// Entries plus marks.
    fn items(&self) -> usize {
        self.entries.len() + self.marks.len()
    }
}

/// The wire form of a sync message.
#[derive(Debug, Deserialize)]
struct SyncMsg {
    /// Sequence number of `batches[0]`.
    first: u64,
    #[serde(default)]
    batches: Vec<Batch>,
    /// Every batch up to this sequence number was applied by the sender.
    ack: u64,
}

impl SyncMsg {
    /// Rejects a message naming an offset outside `0..=MAX_PEER_OFFSET` (malformed, code 12).
    /// Nothing of a rejected message is applied.
    pub(crate) fn validate(&self) -> Result<(), RpcError> {
        let offsets = self.batches.iter().flat_map(|b| {
            let entries = b.entries.iter().map(|(k, o, _)| ("entry", k, *o));
            entries.chain(b.marks.iter().map(|(k, o)| ("mark", k, *o)))
        });
        for (what, key, offset) in offsets {
            if !(0..=MAX_PEER_OFFSET).contains(&offset) {
                return Err(RpcError::new(
                    ErrorCode::MalformedRequest,
                    format!(
                        "{SYNC}: {what} for key {key:?} has offset {offset}, outside the accepted range 0..={MAX_PEER_OFFSET} (2^62)"
                    ),
                ));
            }
        }
        Ok(())
    }
}

/// The message type on the wire.
pub(crate) const SYNC: &str = "kafka_sync";

/// The size of `value` as JSON, without building the text.
fn json_len(value: &impl Serialize) -> usize {
    struct Count(usize);
    impl std::io::Write for Count {
        fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
            self.0 += buf.len();
            Ok(buf.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }
    let mut count = Count(0);
    // Writing to a counter cannot fail; a value that cannot serialize counts as empty.
    let _ = serde_json::to_writer(&mut count, value);
    count.0
}

/// A sealed batch with its sequence number and approximate wire size.
#[derive(Debug)]
struct Sealed {
    seq: u64,
    batch: Batch,
    bytes: usize,
}

/// One direction-pair of replication with one peer.
#[derive(Debug)]
pub(crate) struct Link {
    building: Batch,
    building_bytes: usize,
    /// Sealed batches not yet acknowledged, oldest first.
    unacked: VecDeque<Sealed>,
    next_seq: u64,
    /// The next sequence number to transmit; those below it (and unacknowledged) are in flight.
    next_send: u64,
    /// After a timeout: only the oldest batch goes out until the peer acknowledges something.
    probing: bool,
    retransmit: Backoff,
    applied: u64,
    ack_owed: bool,
}

impl Link {
    /// A link retransmitting after `resend`, backing off up to `resend_max`.
    pub(crate) fn new(resend: Duration, resend_max: Duration) -> Self {
        Link {
            building: Batch::default(),
            building_bytes: 0,
            unacked: VecDeque::new(),
            next_seq: 1,
            next_send: 1,
            probing: false,
            retransmit: Backoff::new(resend, resend_max),
            applied: 0,
            ack_owed: false,
        }
    }

    pub(crate) fn push_entry(&mut self, key: &str, offset: i64, msg: Value) {
        self.building_bytes = self
            .building_bytes
            .saturating_add(key.len() + json_len(&msg) + ITEM_OVERHEAD);
        self.building.entries.push((key.to_string(), offset, msg));
        self.seal_if_full();
    }

    pub(crate) fn set_mark(&mut self, key: &str, mark: i64) {
        if self.building.marks.insert(key.to_string(), mark).is_none() {
            self.building_bytes = self
                .building_bytes
                .saturating_add(key.len() + ITEM_OVERHEAD);
        }
        self.seal_if_full();
    }

    fn seal_if_full(&mut self) {
        if self.building.items() >= MAX_SYNC_ENTRIES || self.building_bytes >= MAX_SYNC_BYTES {
            self.seal();
        }
    }

    fn seal(&mut self) {
        if self.building.is_empty() {
            return;
        }
        let batch = std::mem::take(&mut self.building);
        let bytes = std::mem::take(&mut self.building_bytes);
        self.unacked.push_back(Sealed {
            seq: self.next_seq,
            batch,
            bytes,
        });
        self.next_seq += 1;
    }

    /// The first unacknowledged sequence number.
    fn base(&self) -> u64 {
        self.unacked.front().map_or(self.next_seq, |b| b.seq)
    }

    /// Seals the batch being built and returns the sync message to send now, if any.
    fn on_tick(&mut self, now: Duration) -> Option<Body> {
        self.seal();
        let base = self.base();
        if self.next_send > base && self.retransmit.is_due(now) {
            // Go back to the oldest unacknowledged batch; probe with it alone.
            self.next_send = base;
            self.probing = true;
            self.retransmit.back_off(now);
        }
        let (mut flight_items, mut flight_bytes) = (0usize, 0usize);
        let mut to_send = Vec::new();
        let (mut items, mut bytes) = (0usize, 0usize);
        for sealed in &self.unacked {
            if sealed.seq < self.next_send {
                flight_items += sealed.batch.items();
                flight_bytes = flight_bytes.saturating_add(sealed.bytes);
                continue;
            }
            let first = to_send.is_empty();
            let nothing_in_flight = first && flight_items == 0;
            let fits_message = items + sealed.batch.items() <= MAX_SYNC_ENTRIES
                && bytes.saturating_add(sealed.bytes) <= MAX_SYNC_BYTES;
            let fits_window = flight_items + items + sealed.batch.items() <= IN_FLIGHT_ENTRIES
                && flight_bytes.saturating_add(bytes + sealed.bytes) <= IN_FLIGHT_BYTES;
            let allowed = if self.probing {
                nothing_in_flight
            } else {
                nothing_in_flight || (fits_window && (first || fits_message))
            };
            if !allowed || (!first && !fits_message) {
                break;
            }
            items += sealed.batch.items();
            bytes = bytes.saturating_add(sealed.bytes);
            to_send.push(sealed);
        }
        if to_send.is_empty() && !self.ack_owed {
            return None;
        }
        self.ack_owed = false;
        let first = to_send.first().map_or(self.next_send, |b| b.seq);
        if let Some(last) = to_send.last() {
            self.next_send = last.seq + 1;
            self.retransmit.arm(now);
        }
        let batches: Vec<&Batch> = to_send.iter().map(|b| &b.batch).collect();
        Some(
            Body::new(SYNC)
                .with("first", first)
                .with("batches", batches)
                .with("ack", self.applied),
        )
    }

    /// Takes a sync message from the peer (validated): drops what it acknowledged and returns,
    /// in order, the batches to apply now.
    fn on_sync(&mut self, msg: SyncMsg, now: Duration) -> Vec<Batch> {
        // The peer cannot acknowledge what was never sent.
        let ack = msg.ack.min(self.next_seq.saturating_sub(1));
        let mut progress = false;
        while self.unacked.front().is_some_and(|b| b.seq <= ack) {
            self.unacked.pop_front();
            progress = true;
        }
        if progress {
            self.probing = false;
            let base = self.base();
            self.next_send = self.next_send.max(base);
            self.retransmit.reset(now, self.next_send > base);
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

    #[cfg(test)]
    /// Batches sealed but not yet acknowledged.
    fn backlog(&self) -> usize {
        self.unacked.len()
    }
}

/// One link per peer of this node (every other node of the cluster), with `timing`'s
/// retransmission timeouts.
pub(crate) fn links_to_peers(ctx: &Ctx, timing: &Timing) -> BTreeMap<String, Link> {
    ctx.peers()
        .map(|p| (p.clone(), Link::new(timing.resend, timing.resend_max)))
        .collect()
}

/// Takes a `kafka_sync` message: the batches now due to be applied, in order. A malformed
/// message is an error; one from a node that is not a peer of ours is ignored (no batches).
pub(crate) fn receive(
    links: &mut BTreeMap<String, Link>,
    msg: &Message,
    now: Duration,
) -> Result<Vec<Batch>, RpcError> {
    let sync: SyncMsg = msg.body.parse()?;
    sync.validate()?;
    Ok(match links.get_mut(&msg.src) {
        Some(link) => link.on_sync(sync, now),
        None => Vec::new(),
    })
}

/// A node's tick: every link sends what it has for its peer (new entries, marks, resends),
/// then what waited in `waiting` past its deadline is handed back for the node to give up on
/// (a peer or service that does not answer, as in a partition, must not hold it forever).
pub(crate) fn tick<T>(
    links: &mut BTreeMap<String, Link>,
    waiting: &mut PendingRpcs<T>,
    ctx: &mut Ctx,
) -> Vec<T> {
    let now = ctx.now;
    for (peer, link) in links.iter_mut() {
        if let Some(body) = link.on_tick(now) {
            ctx.send(peer, body);
        }
    }
    waiting
        .expire(now)
        .into_iter()
        .map(|(_, what)| what)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    const RESEND: Duration = Duration::from_secs(1);
    const RESEND_MAX: Duration = Duration::from_secs(8);

    fn link() -> Link {
        Link::new(RESEND, RESEND_MAX)
    }

    fn t(ms: u64) -> Duration {
        Duration::from_millis(ms)
    }

    fn decode(body: &Body) -> SyncMsg {
        body.parse().expect("a sync message")
    }

    /// `receive` applies a peer's batch, ignores a stranger's and refuses a malformed message.
    #[test]
    fn receive_takes_peers_ignores_strangers_and_refuses_malformed() {
        let mut sender = link();
        sender.push_entry("k", 0, json!(1));
        let body = sender.on_tick(t(100)).unwrap();
        let mut links = BTreeMap::from([("n1".to_string(), link())]);
        let from = |src: &str, body: Body| Message::new(src, "n0", body);
        let stranger = receive(&mut links, &from("n9", body.clone()), t(100)).unwrap();
        assert!(stranger.is_empty());
        let batches = receive(&mut links, &from("n1", body), t(100)).unwrap();
        assert_eq!(batches.len(), 1);
        assert_eq!(batches[0].entries.len(), 1);
        let malformed = Body::new(SYNC).with("batches", "no");
        let err = receive(&mut links, &from("n1", malformed), t(100)).unwrap_err();
        assert_eq!(err.code, ErrorCode::MalformedRequest as u32);
    }

    #[test]
    fn batches_arrive_once_in_order_and_resend_after_loss() {
        let (mut a, mut b) = (link(), link());
        a.push_entry("k", 0, json!(1));
        let lost = a.on_tick(t(100)).unwrap();
        assert_eq!(decode(&lost).batches.len(), 1);
        a.push_entry("k", 2, json!(2));
        let m2 = a.on_tick(t(200)).unwrap();
        assert_eq!(decode(&m2).first, 2, "only the new batch goes out");
        assert!(
            b.on_sync(decode(&m2), t(200)).is_empty(),
            "after a gap: wait"
        );
        // The first batch times out and is resent alone; then the stream resumes.
        assert!(a.on_tick(t(1099)).is_none());
        let again = a.on_tick(t(1100)).unwrap();
        assert_eq!((decode(&again).first, decode(&again).batches.len()), (1, 1));
        assert_eq!(b.on_sync(decode(&again), t(1100)).len(), 1);
        // A duplicate delivery applies nothing twice.
        assert!(b.on_sync(decode(&again), t(1100)).is_empty());
        let ack = b.on_tick(t(1150)).unwrap();
        assert!(a.on_sync(decode(&ack), t(1150)).is_empty());
        let rest = a.on_tick(t(1200)).unwrap();
        assert_eq!(
            decode(&rest).first,
            2,
            "the acknowledgement resumes the stream"
        );
        assert_eq!(b.on_sync(decode(&rest), t(1200)).len(), 1);
        let ack = b.on_tick(t(1250)).unwrap();
        a.on_sync(decode(&ack), t(1250));
        assert_eq!(a.backlog(), 0);
        assert!(a.on_tick(t(1300)).is_none(), "idle links are silent");
        assert!(b.on_tick(t(1300)).is_none());
        assert!(a.on_tick(t(60_000)).is_none(), "nothing left to resend");
    }

    #[test]
    fn retransmissions_to_a_silent_peer_back_off_to_the_cap() {
        let mut a = link();
        a.set_mark("k", 3);
        let mut sent_at = Vec::new();
        for ms in (100..=40_000).step_by(100) {
            if a.on_tick(t(ms)).is_some() {
                sent_at.push(ms);
            }
        }
        // Sent at once, then after 1, 2, 4, 8, 8, 8 … seconds.
        assert_eq!(
            sent_at,
            [100, 1100, 3100, 7100, 15_100, 23_100, 31_100, 39_100]
        );
    }

    #[test]
    fn messages_and_the_in_flight_window_are_bounded() {
        let mut a = link();
        for i in 0..(3 * MAX_SYNC_ENTRIES) as i64 {
            a.push_entry("k", i, json!(i));
        }
        let m = decode(&a.on_tick(t(100)).unwrap());
        let items: usize = m.batches.iter().map(Batch::items).sum();
        assert!(items <= MAX_SYNC_ENTRIES, "{items} items in one message");
        // One large message travels alone, whatever its size.
        let big = "x".repeat(2 * MAX_SYNC_BYTES);
        let mut b = link();
        b.push_entry("k", 0, json!(big));
        b.push_entry("k", 1, json!(big));
        let m = decode(&b.on_tick(t(100)).unwrap());
        assert_eq!(m.batches.len(), 1);
        assert_eq!(m.batches[0].entries.len(), 1);
        // A second one would overfill the in-flight window: nothing more until an ack.
        assert!(b.on_tick(t(200)).is_none());
    }

    #[test]
    fn a_healed_link_catches_up_on_a_long_backlog() {
        let (mut a, mut b) = (link(), link());
        // 30 s of partition: every message from a is lost.
        let mut ms = 0;
        for i in 0..3000i64 {
            a.push_entry("k", i, json!(i));
            if i % 10 == 9 {
                ms += 100;
                a.on_tick(t(ms));
            }
        }
        // Healed: deliver everything both ways until b holds the whole backlog.
        let mut applied = 0;
        for _ in 0..600 {
            ms += 100;
            if let Some(m) = a.on_tick(t(ms)) {
                for batch in b.on_sync(decode(&m), t(ms)) {
                    applied += batch.entries.len();
                }
            }
            if let Some(m) = b.on_tick(t(ms)) {
                a.on_sync(decode(&m), t(ms));
            }
            if applied == 3000 {
                break;
            }
        }
        assert_eq!(applied, 3000);
        assert_eq!(a.backlog(), 0, "everything acknowledged");
        assert!(ms <= 30_000 + 20_000, "caught up only at {ms} ms");
    }

    #[test]
    fn offsets_out_of_range_are_malformed() {
        let sync = |entries: Value, marks: Value| -> SyncMsg {
            Body::new(SYNC)
                .with("first", 1)
                .with("ack", 0)
                .with("batches", json!([{"entries": entries, "marks": marks}]))
                .parse()
                .expect("well-formed")
        };
        assert!(sync(json!([["k", 5, 1]]), json!({"k": 9}))
            .validate()
            .is_ok());
        for (entries, marks) in [
            (json!([["k", i64::MAX, 1]]), json!({})),
            (json!([]), json!({"k": i64::MAX})),
            (json!([]), json!({"k": MAX_PEER_OFFSET + 1})),
            (json!([["k", -5, 1]]), json!({})),
        ] {
            let err = sync(entries, marks).validate().expect_err("rejected");
            assert_eq!(err.code, 12);
            assert!(err.text.contains("accepted range"), "{}", err.text);
        }
    }
}
