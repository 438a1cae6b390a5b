//! Reliable, batched replication of committed transactions to every peer.
//!
//! Each node numbers the transactions it commits that write something (1, 2, 3, …) and keeps
//! them in a log until every peer has acknowledged them. On each tick it sends each peer one
//! `replicate` message carrying the unacknowledged entries (up to a batch limit) and, piggybacked,
//! a cumulative acknowledgement of that peer's entries: the highest sequence number applied
//! contiguously. A receiver applies entries only in sequence, so a message lost to a partition
//! just means the entries come again on a later tick, and the acknowledgement tells the sender
//! when to forget them. A transaction travels as one entry, its final writes together, and is
//! applied in one step, so replicas never expose part of a transaction.
//!
//! Wire format: `{"type": "replicate", "txns": [[seq, lamport, [[key, value], …]], …], "ack": n}`.

use super::store::{Store, Version};
use crate::protocol::{ErrorCode, RpcError};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use std::collections::{BTreeMap, BTreeSet, VecDeque};

/// One committed transaction's final writes.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub(crate) struct Entry(pub u64, pub u64, pub Vec<(Value, Value)>);

impl Entry {
    fn seq(&self) -> u64 {
        self.0
    }
}

/// The body of a `replicate` message.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub(crate) struct Batch {
    pub(crate) txns: Vec<Entry>,
    pub(crate) ack: u64,
}

/// The highest Lamport time a peer may claim. An honest clock grows by one per transaction, so
/// it never gets near this; a larger claim is hostile or corrupt, and accepting it would push
/// this node's clock to the top of its range. Capping peers here leaves local writes 2^62
/// steps of headroom to outrank anything a peer wrote.
pub(crate) const MAX_PEER_LAMPORT: u64 = 1 << 62;

impl Batch {
    /// Rejects a batch claiming an absurd Lamport time (malformed, code 12). Nothing of it is
    /// applied, so a replica never takes a version no local write could outrank.
    pub(crate) fn validate(&self) -> Result<(), RpcError> {
        match self.txns.iter().find(|e| e.1 > MAX_PEER_LAMPORT) {
            Some(e) => Err(RpcError::new(
                ErrorCode::MalformedRequest,
                format!(
                    "replicate: entry {} has Lamport time {}, above the accepted maximum {MAX_PEER_LAMPORT} (2^62)",
                    e.0, e.1
                ),
            )),
            None => Ok(()),
        }
    }
}

#[derive(Debug, Default)]
pub(crate) struct Replicator {
    /// Own entries not yet acknowledged by every peer, oldest first.
    log: VecDeque<Entry>,
    next_seq: u64,
    /// Per peer: the highest own sequence number it acknowledged.
    acked: BTreeMap<String, u64>,
    /// Per origin: the highest of its sequence numbers applied here, contiguously.
    applied: BTreeMap<String, u64>,
    /// Peers owed an acknowledgement (we applied something of theirs since we last wrote).
    owe_ack: BTreeSet<String>,
}

impl Replicator {
    pub(crate) fn new(peers: impl IntoIterator<Item = String>) -> Self {
        Replicator {
            acked: peers.into_iter().map(|p| (p, 0)).collect(),
            next_seq: 1,
            ..Replicator::default()
        }
    }

    /// The sequence number the next writing transaction will take (its version's `seq`).
    pub(crate) fn next_seq(&self) -> u64 {
        self.next_seq
    }

    /// Records a local commit for replication. Every writing transaction takes a sequence
    /// number, peers or not, so this node's versions never tie; it is logged only for peers.
    pub(crate) fn commit(&mut self, lamport: u64, writes: Vec<(Value, Value)>) {
        if writes.is_empty() {
            return;
        }
        if !self.acked.is_empty() {
            self.log.push_back(Entry(self.next_seq, lamport, writes));
        }
        self.next_seq = self.next_seq.saturating_add(1);
    }

    #[cfg(test)]
    /// Entries waiting for some peer's acknowledgement.
    fn backlog(&self) -> usize {
        self.log.len()
    }

    /// Handles a peer's batch: takes its acknowledgement, applies its entries in sequence to
    /// `store` (as written by node index `origin_index`). Returns how many were applied.
    pub(crate) fn receive(
        &mut self,
        from: &str,
        origin_index: u32,
        batch: Batch,
        store: &mut Store,
    ) -> usize {
        if let Some(acked) = self.acked.get_mut(from) {
            *acked = (*acked).max(batch.ack.min(self.next_seq.saturating_sub(1)));
        }
        self.trim();
        let applied = self.applied.entry(from.to_string()).or_insert(0);
        let mut count = 0;
        for Entry(seq, lamport, writes) in batch.txns {
            if seq <= *applied {
                continue; // a retransmission
            }
            if seq != *applied + 1 {
                break; // a gap: an earlier batch was lost; it will come again
            }
            let version = Version {
                lamport,
                node: origin_index,
                seq,
            };
            for (k, v) in &writes {
                store.apply(version, k, v);
            }
            *applied = seq;
            count += 1;
        }
        if count > 0 {
            self.owe_ack.insert(from.to_string());
        }
        count
    }

    /// Forgets entries every peer has acknowledged.
    fn trim(&mut self) {
        let floor = self.acked.values().copied().min().unwrap_or(u64::MAX);
        while self.log.front().is_some_and(|e| e.seq() <= floor) {
            self.log.pop_front();
        }
    }

    /// The batch for each peer that needs one this tick, in peer order: unacknowledged entries
    /// (at most `max_batch`) and the acknowledgement of that peer's entries.
    pub(crate) fn batches(&mut self, max_batch: usize) -> Vec<(String, Batch)> {
        let mut out = Vec::new();
        for (peer, &acked) in &self.acked {
            let txns: Vec<Entry> = self
                .log
                .iter()
                .filter(|e| e.seq() > acked)
                .take(max_batch)
                .cloned()
                .collect();
            let owe = self.owe_ack.contains(peer);
            if txns.is_empty() && !owe {
                continue;
            }
            let ack = self.applied.get(peer).copied().unwrap_or(0);
            out.push((peer.clone(), Batch { txns, ack }));
        }
        self.owe_ack.clear();
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn entries_repeat_until_acknowledged_then_are_forgotten() {
        let mut a = Replicator::new(["n1".to_string()]);
        let mut b = Replicator::new(["n0".to_string()]);
        let mut store_b = Store::default();
        a.commit(1, vec![(json!(1), json!(10))]);
        a.commit(2, vec![(json!(2), json!(20))]);
        // The first batch is lost; the second tick repeats both entries.
        let lost = a.batches(100);
        assert_eq!(lost[0].1.txns.len(), 2);
        let again = a.batches(100);
        assert_eq!(again[0].1.txns.len(), 2);
        let (_, batch) = again.into_iter().next().unwrap();
        assert_eq!(b.receive("n0", 0, batch, &mut store_b), 2);
        assert_eq!(store_b.get(&json!(2)), Some(&json!(20)));
        // b owes an ack and sends it even with nothing of its own.
        let reply = b.batches(100);
        assert_eq!(reply.len(), 1);
        assert_eq!(reply[0].1.ack, 2);
        let mut store_a = Store::default();
        a.receive("n1", 1, reply[0].1.clone(), &mut store_a);
        assert_eq!(a.backlog(), 0);
        assert!(a.batches(100).is_empty(), "nothing left to say");
    }

    #[test]
    fn gaps_and_duplicates_are_skipped() {
        let mut b = Replicator::new(["n0".to_string()]);
        let mut store = Store::default();
        let e = |seq: u64, v: i64| Entry(seq, seq, vec![(json!(1), json!(v))]);
        // (entries received, how many apply, why)
        let steps = [
            (vec![e(2, 2)], 0, "entry 2 before entry 1 waits"),
            (
                vec![e(1, 1), e(2, 2)],
                2,
                "the gap filled, both apply in order",
            ),
            (vec![e(1, 1), e(2, 2)], 0, "a resend applies nothing again"),
        ];
        for (txns, want, why) in steps {
            let applied = b.receive("n0", 0, Batch { txns, ack: 0 }, &mut store);
            assert_eq!(applied, want, "{why}");
        }
        assert_eq!(store.get(&json!(1)), Some(&json!(2)));
    }
}
