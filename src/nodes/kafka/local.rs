//! The `local` mode (5a, 5c): every node assigns offsets itself, with no coordination on the
//! write path, and replicates in batches.
//!
//! **Offsets.** Node i of N only hands out offsets ≡ i (mod N), so two nodes can never give
//! the same offset of a key to different messages. Per key it keeps `next`: its own future
//! offsets are ≥ `next`, and `next` moves past every offset (and every mark, below) it hears of,
//! so a key's offsets stay dense-ish even when both nodes write it.
//!
//! **Settled prefix.** Replication (see [`super::sync`]) carries each node's new entries and,
//! per key, its *mark*: its current `next`. A mark m from peer p promises that p has sent every
//! entry it made below m and will never make another there. Below the smallest mark of all
//! peers, a node therefore knows every message the key will ever hold at those offsets, and a
//! poll is only served from that settled prefix: a later poll can never reveal an offset that
//! an earlier one skipped. Messages become visible one replication round trip after they are
//! sent (there is no recency requirement); sends and polls never wait on the network.
//!
//! **Commits.** A node keeps the highest committed offset per key it was told. A
//! `list_committed_offsets` asks every peer for theirs and answers the maximum, so it sees every
//! commit acknowledged before it was asked (or, if a peer does not answer in time, what it has).
//!
//! With one node there are no peers: every offset is settled at once and this is the plain
//! single-node log of 5a.

use super::log::KeyLog;
use super::requests;
use super::sync::{self, Batch, Link, SYNC};
use super::Timing;
use crate::node::rpc::PendingRpcs;
use crate::node::{Ctx, Node};
use crate::protocol::{Body, ErrorCode, Message, MsgId, RpcError};
use std::collections::BTreeMap;
use std::time::Duration;

const COMMITTED: &str = "kafka_committed";
const COMMITTED_OK: &str = "kafka_committed_ok";

#[derive(Debug, Default)]
struct KeyState {
    log: KeyLog,
    /// This node's next offset is the first ≥ `next` in its residue class.
    next: i64,
    /// The latest mark from each peer.
    marks: BTreeMap<String, i64>,
}

/// A `list_committed_offsets` waiting for the peers' committed offsets.
struct ListWait {
    request: Message,
    waiting: usize,
    offsets: BTreeMap<String, i64>,
}

pub(crate) struct Local {
    timing: Timing,
    keys: BTreeMap<String, KeyState>,
    committed: BTreeMap<String, i64>,
    links: BTreeMap<String, Link>,
    lists: BTreeMap<u64, ListWait>,
    /// Peer queries in flight → the list they belong to.
    queries: PendingRpcs<u64>,
    next_list: u64,
    me: i64,
    n: i64,
}

impl Local {
    pub(crate) fn new(timing: Timing) -> Self {
        Local {
            queries: PendingRpcs::new(timing.query_timeout),
            timing,
            keys: BTreeMap::new(),
            committed: BTreeMap::new(),
            links: BTreeMap::new(),
            lists: BTreeMap::new(),
            next_list: 0,
            me: 0,
            n: 1,
        }
    }

    /// The end of key `k`'s settled prefix: the lowest mark of all peers.
    fn settled(&self, state: &KeyState) -> i64 {
        self.links
            .keys()
            .map(|p| state.marks.get(p).copied().unwrap_or(0))
            .min()
            .unwrap_or(i64::MAX)
    }

    /// Raises `next` of `key` to at least `to`, telling every peer the new mark.
    fn raise_next(&mut self, key: &str, to: i64) {
        let state = self.keys.entry(key.to_string()).or_default();
        if to > state.next {
            state.next = to;
            for link in self.links.values_mut() {
                link.set_mark(key, to);
            }
        }
    }

    fn on_send(&mut self, msg: &Message, ctx: &mut Ctx) -> Result<(), RpcError> {
        let req = requests::send(&msg.body)?;
        let (me, n) = (self.me, self.n);
        let state = self.keys.entry(req.key.clone()).or_default();
        // The first offset ≥ next in this node's residue class.
        let offset = state
            .next
            .checked_add((me - state.next).rem_euclid(n))
            .filter(|o| *o < i64::MAX)
            .ok_or_else(|| RpcError::new(ErrorCode::TemporarilyUnavailable, "offsets exhausted"))?;
        state.log.insert(offset, req.msg.clone());
        for link in self.links.values_mut() {
            link.push_entry(&req.key, offset, req.msg.clone());
        }
        self.raise_next(&req.key, offset + 1);
        ctx.reply(msg, requests::send_ok(offset));
        Ok(())
    }

    fn on_poll(&mut self, msg: &Message, ctx: &mut Ctx) -> Result<(), RpcError> {
        let req = requests::offsets(&msg.body)?;
        let mut out = BTreeMap::new();
        for (key, from) in req.offsets {
            let Some(state) = self.keys.get(&key) else {
                continue;
            };
            let msgs = state.log.read(from, self.settled(state));
            // Keys with nothing to return are left out, as Maelstrom allows (and as its checker
            // needs: a key only ever polled empty makes Jepsen's lost-write analysis throw).
            if !msgs.is_empty() {
                out.insert(key, msgs);
            }
        }
        ctx.reply(msg, requests::poll_ok(out));
        Ok(())
    }

    fn on_commit(&mut self, msg: &Message, ctx: &mut Ctx) -> Result<(), RpcError> {
        let req = requests::offsets(&msg.body)?;
        for (key, offset) in req.offsets {
            let e = self.committed.entry(key).or_insert(offset);
            *e = (*e).max(offset);
        }
        ctx.reply(msg, requests::commit_offsets_ok());
        Ok(())
    }

    fn committed_of(&self, keys: &[String]) -> BTreeMap<String, i64> {
        keys.iter()
            .filter_map(|k| Some((k.clone(), *self.committed.get(k)?)))
            .collect()
    }

    fn on_list(&mut self, msg: Message, ctx: &mut Ctx) -> Result<(), RpcError> {
        let req = requests::keys(&msg.body)?;
        let offsets = self.committed_of(&req.keys);
        if self.links.is_empty() {
            ctx.reply(&msg, requests::list_committed_offsets_ok(offsets));
            return Ok(());
        }
        let id = self.next_list;
        self.next_list += 1;
        let peers: Vec<String> = self.links.keys().cloned().collect();
        for peer in &peers {
            let q: MsgId = ctx.rpc(peer, Body::new(COMMITTED).with("keys", &req.keys));
            self.queries.insert(q, peer, ctx.now, id);
        }
        self.lists.insert(
            id,
            ListWait {
                request: msg,
                waiting: peers.len(),
                offsets,
            },
        );
        Ok(())
    }

    /// A peer's answer to a committed-offsets query; only the queried peer may give it.
    fn on_committed_reply(&mut self, msg: &Message, ctx: &mut Ctx) {
        let Some(in_reply_to) = msg.body.in_reply_to else {
            return;
        };
        let id = match self.queries.complete(&msg.src, in_reply_to) {
            Ok(id) => id,
            Err(stray) => {
                ctx.log(format!(
                    "ignoring {} from {}: it {stray}",
                    msg.body.kind, msg.src
                ));
                return;
            }
        };
        let theirs: BTreeMap<String, i64> = msg.body.get("offsets").unwrap_or_default();
        let Some(wait) = self.lists.get_mut(&id) else {
            return;
        };
        for (k, o) in theirs {
            let e = wait.offsets.entry(k).or_insert(o);
            *e = (*e).max(o);
        }
        wait.waiting = wait.waiting.saturating_sub(1);
        if wait.waiting == 0 {
            self.finish_list(id, ctx);
        }
    }

    fn finish_list(&mut self, id: u64, ctx: &mut Ctx) {
        if let Some(wait) = self.lists.remove(&id) {
            ctx.reply(
                &wait.request,
                requests::list_committed_offsets_ok(wait.offsets),
            );
        }
    }

    fn on_sync(&mut self, msg: &Message, now: Duration) -> Result<(), RpcError> {
        for batch in sync::receive(&mut self.links, msg, now)? {
            self.apply(&msg.src, batch);
        }
        Ok(())
    }

    fn apply(&mut self, peer: &str, batch: Batch) {
        for (key, offset, m) in batch.entries {
            let state = self.keys.entry(key.clone()).or_default();
            state.log.insert(offset, m);
            self.raise_next(&key, offset.saturating_add(1));
        }
        for (key, mark) in batch.marks {
            let state = self.keys.entry(key.clone()).or_default();
            let e = state.marks.entry(peer.to_string()).or_insert(mark);
            *e = (*e).max(mark);
            // Never hand out an offset below a mark we have seen: with three or more nodes a
            // peer's settled prefix may already include it.
            self.raise_next(&key, mark);
        }
    }
}

impl Node for Local {
    fn on_init(&mut self, ctx: &mut Ctx) {
        self.me = ctx.index() as i64;
        self.n = ctx.node_ids.len().max(1) as i64;
        self.links = sync::links_to_peers(ctx, &self.timing);
    }

    fn on_message(&mut self, msg: Message, ctx: &mut Ctx) -> Result<(), RpcError> {
        match msg.body.kind.as_str() {
            "send" => self.on_send(&msg, ctx),
            "poll" => self.on_poll(&msg, ctx),
            "commit_offsets" => self.on_commit(&msg, ctx),
            "list_committed_offsets" => self.on_list(msg, ctx),
            SYNC => self.on_sync(&msg, ctx.now),
            COMMITTED => {
                let req = requests::keys(&msg.body)?;
                let offsets = self.committed_of(&req.keys);
                ctx.reply(&msg, Body::new(COMMITTED_OK).with("offsets", offsets));
                Ok(())
            }
            COMMITTED_OK | "error" if msg.body.in_reply_to.is_some() => {
                self.on_committed_reply(&msg, ctx);
                Ok(())
            }
            other => Err(RpcError::not_supported(other)),
        }
    }

    fn on_tick(&mut self, ctx: &mut Ctx) {
        for id in sync::tick(&mut self.links, &mut self.queries, ctx) {
            self.finish_list(id, ctx);
        }
    }

    fn tick_interval(&self) -> Option<Duration> {
        (!self.links.is_empty()).then_some(self.timing.sync)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::node::testing::Harness;
    use serde_json::{json, Value};

    fn timing() -> Timing {
        Timing::default()
    }

    fn node() -> Box<dyn Node> {
        Box::new(Local::new(timing()))
    }

    fn send(h: &mut Harness, key: &str, m: i64) -> i64 {
        let out = h.request("c1", Body::new("send").with("key", key).with("msg", m));
        assert_eq!(out[0].body.kind, "send_ok", "{:?}", out[0].body);
        out[0].body.get("offset").unwrap()
    }

    fn poll(h: &mut Harness, key: &str, from: i64) -> Value {
        let out = h.request("c1", Body::new("poll").with("offsets", json!({key: from})));
        out[0].body.fields["msgs"].clone()
    }

    #[test]
    fn a_single_node_is_a_plain_log() {
        let mut h = Harness::new(node(), "n0", 1);
        assert_eq!(send(&mut h, "a", 10), 0);
        assert_eq!(send(&mut h, "a", 11), 1);
        assert_eq!(send(&mut h, "b", 12), 0);
        assert_eq!(poll(&mut h, "a", 1), json!({"a": [[1, 11]]}));
        assert_eq!(poll(&mut h, "a", 2), json!({}), "empty keys are left out");
        let out = h.request(
            "c1",
            Body::new("commit_offsets").with("offsets", json!({"a": 1})),
        );
        assert_eq!(out[0].body.kind, "commit_offsets_ok");
        let out = h.request(
            "c1",
            Body::new("list_committed_offsets").with("keys", json!(["a", "b"])),
        );
        assert_eq!(out[0].body.fields["offsets"], json!({"a": 1}));
        let out = h.request("c1", Body::new("poll").with("offsets", json!({"a": "x"})));
        assert_eq!(out[0].body.as_error().map(|e| e.code), Some(12));
        let out = h.request("c1", Body::new("frobnicate"));
        assert_eq!(out[0].body.as_error().map(|e| e.code), Some(10));
    }

    /// Delivers everything `from` sent to `to` (sync messages and queries), returning replies
    /// addressed to clients.
    fn pump(from: &mut Vec<Message>, to: &mut Harness) -> Vec<Message> {
        let mut out = Vec::new();
        for m in std::mem::take(from) {
            out.extend(to.deliver(m));
        }
        out
    }

    #[test]
    fn two_nodes_use_disjoint_offsets_and_serve_only_settled_prefixes() {
        let mut a = Harness::new(node(), "n0", 2);
        let mut b = Harness::new(node(), "n1", 2);
        assert_eq!(send(&mut a, "k", 1), 0);
        assert_eq!(send(&mut b, "k", 2), 1);
        assert_eq!(send(&mut a, "k", 3), 2);
        // Nothing is settled before the peers exchange marks.
        assert_eq!(poll(&mut a, "k", 0), json!({}));
        let tick = timing().sync;
        let mut to_b = a.tick_after(tick);
        let mut to_a = b.tick_after(tick);
        to_a.extend(pump(&mut to_b, &mut b));
        let mut to_b = pump(&mut to_a, &mut a);
        to_b.extend(a.tick_after(tick));
        let mut to_a = pump(&mut to_b, &mut b);
        to_a.extend(b.tick_after(tick));
        pump(&mut to_a, &mut a);
        let all = json!({"k": [[0, 1], [1, 2], [2, 3]]});
        assert_eq!(poll(&mut a, "k", 0), all);
        assert_eq!(poll(&mut b, "k", 0), all);
        // b now allocates past everything it has heard of.
        assert_eq!(send(&mut b, "k", 4), 3);
    }

    /// Only the peer a committed-offsets query went to may answer it; a client guessing the
    /// query's id cannot inject offsets.
    #[test]
    fn committed_replies_are_only_accepted_from_the_queried_peer() {
        let mut a = Harness::new(node(), "n0", 2);
        let out = a.request(
            "c1",
            Body::new("list_committed_offsets").with("keys", json!(["k"])),
        );
        assert_eq!(out.len(), 1);
        assert_eq!(
            (out[0].dest.as_str(), out[0].body.kind.as_str()),
            ("n1", COMMITTED)
        );
        let answer = |src: &str, offset: i64| {
            let mut body = Body::new(COMMITTED_OK).with("offsets", json!({"k": offset}));
            body.in_reply_to = out[0].body.msg_id;
            Message::new(src, "n0", body)
        };
        assert!(
            a.deliver(answer("c666", 999)).is_empty(),
            "a forged reply completed the list"
        );
        let done = a.deliver(answer("n1", 3));
        assert_eq!(done.len(), 1);
        assert_eq!(done[0].body.fields["offsets"], json!({"k": 3}));
    }

    /// Sends `count` messages of `size` bytes to n0 of two nodes, `per_tick` between ticks,
    /// then lets 60 s pass, with n1 silent throughout. Returns (payload bytes sent by clients,
    /// bytes n0 sent to n1, largest single message to n1).
    fn flood_a_silent_peer(count: usize, size: usize, per_tick: usize) -> (usize, usize, usize) {
        let mut h = Harness::new(node(), "n0", 2);
        let payload = "x".repeat(size);
        let (mut data, mut sent, mut largest) = (0, 0, 0);
        let mut count_sent = |out: Vec<Message>| {
            for m in out.iter().filter(|m| m.dest == "n1") {
                let len = serde_json::to_vec(m).map_or(0, |v| v.len());
                sent += len;
                largest = largest.max(len);
            }
        };
        for i in 0..count {
            let body = Body::new("send").with("key", "k").with("msg", &payload);
            data += payload.len();
            let out = h.request("c1", body);
            assert_eq!(out[0].body.kind, "send_ok");
            if (i + 1) % per_tick == 0 {
                count_sent(h.tick_after(timing().sync));
            }
        }
        for _ in 0..600 {
            count_sent(h.tick_after(timing().sync));
        }
        (data, sent, largest)
    }

    /// A silent peer costs one in-flight window plus one batch per (backed-off) timeout: never
    /// the whole backlog on every tick, which grew quadratically with the log.
    #[test]
    fn replication_to_a_silent_peer_stays_bounded() {
        use super::super::sync::{IN_FLIGHT_BYTES, MAX_SYNC_BYTES};
        // 100 messages of 100 kB, one per tick: 10 MB of data.
        let (data, sent, largest) = flood_a_silent_peer(100, 100_000, 1);
        eprintln!("large: {data} bytes sent by clients, {sent} bytes to the silent peer");
        assert!(sent < data / 3, "{sent} bytes to a silent peer for {data}");
        assert!(largest < 2 * 100_000, "a message of {largest} bytes");
        // 20 000 small messages, 200 per tick.
        let (data, sent, largest) = flood_a_silent_peer(20_000, 20, 200);
        eprintln!("small: {data} bytes sent by clients, {sent} bytes to the silent peer");
        assert!(
            sent < 2 * IN_FLIGHT_BYTES,
            "{sent} bytes to a silent peer for {data}"
        );
        assert!(
            largest <= 2 * MAX_SYNC_BYTES,
            "a message of {largest} bytes"
        );
    }
}
