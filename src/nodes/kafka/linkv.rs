//! The `lin-kv` mode (5b): offsets come from Maelstrom's linearizable key/value service, as the
//! challenge suggests; messages travel between nodes directly.
//!
//! **Offsets.** Each key has a counter `kafka/next/<key>` in `lin-kv`: the next offset to hand
//! out. A node claims a range for every send waiting on that key with one compare-and-set
//! `next → next + n` (creating the counter on first use); when another node moved the counter
//! first (code 22) it reads the counter and tries again. Offsets are therefore dense and
//! unique.
//!
//! **Messages.** A node that claimed an offset holds the message and replicates it to its peers
//! (see [`super::sync`]). Since every claimed offset gets its message, a missing offset only
//! means "not arrived yet", so a poll returns the contiguous run of known offsets from the one
//! requested and never skips.
//!
//! **Commits.** `kafka/committed/<key>` in `lin-kv` only moves up: read, then compare-and-set to
//! the higher offset, retrying on conflict. `list_committed_offsets` reads them.
//!
//! Limitation: `lin-kv` always answers in Maelstrom (services are never partitioned). Were a
//! compare-and-set's reply lost, whether it took effect would be unknown; the sends waiting on
//! it are then answered with an indefinite error, and if it did take effect the claimed
//! offsets would stay empty and hold back polls of that key.

use super::log::KeyLog;
use super::requests;
use super::sync::{self, Link, SYNC};
use super::Timing;
use crate::node::rpc::PendingRpcs;
use crate::node::{Ctx, Node};
use crate::protocol::{is_definite, Body, ErrorCode, Message, RpcError};
use serde_json::Value;
use std::collections::BTreeMap;
use std::time::Duration;

const LIN_KV: &str = "lin-kv";
const KEY_DOES_NOT_EXIST: u32 = 20;
const PRECONDITION_FAILED: u32 = 22;

fn counter_key(key: &str) -> String {
    format!("kafka/next/{key}")
}

fn committed_key(key: &str) -> String {
    format!("kafka/committed/{key}")
}

/// A send waiting for its offset.
struct Waiting {
    request: Message,
    msg: Value,
}

#[derive(Default)]
struct KeyState {
    log: KeyLog,
    /// The counter's value as last seen: the next offset to claim from.
    counter: i64,
    queue: Vec<Waiting>,
    /// Sends whose claim is in flight.
    claiming: Vec<Waiting>,
}

/// What an outstanding `lin-kv` request was for.
enum Pending {
    Claim { key: String, from: i64, to: i64 },
    ReadCounter { key: String },
    ReadCommitted { join: u64, key: String, want: i64 },
    RaiseCommitted { join: u64, key: String, to: i64 },
    List { join: u64, key: String },
}

/// A commit or list waiting on several keys.
struct Join {
    request: Message,
    waiting: usize,
    offsets: BTreeMap<String, i64>,
    failed: Option<RpcError>,
    list: bool,
}

pub(crate) struct LinKv {
    timing: Timing,
    keys: BTreeMap<String, KeyState>,
    links: BTreeMap<String, Link>,
    pending: PendingRpcs<Pending>,
    joins: BTreeMap<u64, Join>,
    next_join: u64,
    /// A lower bound on each key's committed offset in `lin-kv`.
    committed: BTreeMap<String, i64>,
}

impl LinKv {
    pub(crate) fn new(timing: Timing) -> Self {
        LinKv {
            pending: PendingRpcs::new(timing.kv_timeout),
            timing,
            keys: BTreeMap::new(),
            links: BTreeMap::new(),
            joins: BTreeMap::new(),
            next_join: 0,
            committed: BTreeMap::new(),
        }
    }

    fn kv(&mut self, ctx: &mut Ctx, body: Body, what: Pending) {
        let id = ctx.rpc(LIN_KV, body);
        self.pending.insert(id, LIN_KV, ctx.now, what);
    }

    fn claim(&mut self, key: &str, ctx: &mut Ctx) {
        let Some(state) = self.keys.get_mut(key) else {
            return;
        };
        if !state.claiming.is_empty() || state.queue.is_empty() {
            return;
        }
        state.claiming = std::mem::take(&mut state.queue);
        let from = state.counter;
        let Some(to) = from.checked_add(state.claiming.len() as i64) else {
            let err = RpcError::new(ErrorCode::TemporarilyUnavailable, "offsets exhausted");
            return self.abandon(key, &err, ctx);
        };
        let body = Body::new("cas")
            .with("key", counter_key(key))
            .with("from", from)
            .with("to", to)
            .with("create_if_not_exists", true);
        self.kv(
            ctx,
            body,
            Pending::Claim {
                key: key.to_string(),
                from,
                to,
            },
        );
    }

    /// Retries a claim from the counter's current value (after a conflict).
    fn reclaim(&mut self, key: &str, counter: i64, ctx: &mut Ctx) {
        let Some(state) = self.keys.get_mut(key) else {
            return;
        };
        state.counter = state.counter.max(counter);
        let mut claiming = std::mem::take(&mut state.claiming);
        claiming.append(&mut state.queue);
        state.queue = claiming;
        self.claim(key, ctx);
    }

    fn claimed(&mut self, key: &str, from: i64, to: i64, ctx: &mut Ctx) {
        let Some(state) = self.keys.get_mut(key) else {
            return;
        };
        state.counter = state.counter.max(to);
        let claiming = std::mem::take(&mut state.claiming);
        for (offset, w) in (from..to).zip(claiming) {
            state.log.insert(offset, w.msg.clone());
            for link in self.links.values_mut() {
                link.push_entry(key, offset, w.msg.clone());
            }
            ctx.reply(&w.request, requests::send_ok(offset));
        }
        self.claim(key, ctx);
    }

    /// Gives up on the claim in flight: its sends get `err`.
    fn abandon(&mut self, key: &str, err: &RpcError, ctx: &mut Ctx) {
        if let Some(state) = self.keys.get_mut(key) {
            for w in std::mem::take(&mut state.claiming) {
                ctx.error(&w.request, err);
            }
        }
        self.claim(key, ctx);
    }

    fn raise_committed(&mut self, join: u64, key: String, want: i64, ctx: &mut Ctx) {
        let known = self.committed.get(&key).copied();
        if known.is_some_and(|c| c >= want) {
            return self.join_done(join, ctx);
        }
        let body = Body::new("cas")
            .with("key", committed_key(&key))
            .with("to", want);
        let body = match known {
            Some(c) => body.with("from", c),
            // Creates the key if it is missing; a present key never holds −1, so this fails
            // (22) and we read it instead.
            None => body.with("from", -1).with("create_if_not_exists", true),
        };
        self.kv(
            ctx,
            body,
            Pending::RaiseCommitted {
                join,
                key,
                to: want,
            },
        );
    }

    fn join_done(&mut self, join: u64, ctx: &mut Ctx) {
        let Some(j) = self.joins.get_mut(&join) else {
            return;
        };
        j.waiting = j.waiting.saturating_sub(1);
        if j.waiting > 0 {
            return;
        }
        let Some(j) = self.joins.remove(&join) else {
            return;
        };
        match (j.failed, j.list) {
            (Some(err), _) => ctx.error(&j.request, &err),
            (None, true) => ctx.reply(&j.request, requests::list_committed_offsets_ok(j.offsets)),
            (None, false) => ctx.reply(&j.request, requests::commit_offsets_ok()),
        }
    }

    fn join_fail(&mut self, join: u64, err: RpcError, ctx: &mut Ctx) {
        if let Some(j) = self.joins.get_mut(&join) {
            j.failed.get_or_insert(err);
        }
        self.join_done(join, ctx);
    }

    fn new_join(&mut self, request: Message, waiting: usize, list: bool) -> u64 {
        let id = self.next_join;
        self.next_join += 1;
        self.joins.insert(
            id,
            Join {
                request,
                waiting,
                offsets: BTreeMap::new(),
                failed: None,
                list,
            },
        );
        id
    }

    fn on_kv_reply(&mut self, msg: &Message, ctx: &mut Ctx) {
        let Some(what) = msg
            .body
            .in_reply_to
            .and_then(|r| self.pending.complete(&msg.src, r).ok())
        else {
            return;
        };
        let err = msg.body.as_error();
        let code = err.as_ref().map(|e| e.code);
        let value = || msg.body.fields.get("value").and_then(Value::as_i64);
        match what {
            Pending::Claim { key, from, to } => match code {
                None => self.claimed(&key, from, to, ctx),
                Some(PRECONDITION_FAILED) => {
                    let body = Body::new("read").with("key", counter_key(&key));
                    self.kv(ctx, body, Pending::ReadCounter { key });
                }
                Some(_) => self.abandon(&key, &failure(err), ctx),
            },
            Pending::ReadCounter { key } => match (code, value()) {
                (None, Some(v)) => self.reclaim(&key, v, ctx),
                (Some(KEY_DOES_NOT_EXIST), _) => self.reclaim(&key, 0, ctx),
                _ => self.abandon(&key, &failure(err), ctx),
            },
            Pending::RaiseCommitted { join, key, to } => match code {
                None => {
                    let e = self.committed.entry(key).or_insert(to);
                    *e = (*e).max(to);
                    self.join_done(join, ctx);
                }
                Some(PRECONDITION_FAILED) => {
                    let body = Body::new("read").with("key", committed_key(&key));
                    self.kv(
                        ctx,
                        body,
                        Pending::ReadCommitted {
                            join,
                            key,
                            want: to,
                        },
                    );
                }
                Some(_) => self.join_fail(join, failure(err), ctx),
            },
            Pending::ReadCommitted { join, key, want } => match (code, value()) {
                (None, Some(v)) => {
                    self.committed.insert(key.clone(), v);
                    self.raise_committed(join, key, want, ctx);
                }
                (Some(KEY_DOES_NOT_EXIST), _) => {
                    self.committed.remove(&key);
                    self.raise_committed(join, key, want, ctx);
                }
                _ => self.join_fail(join, failure(err), ctx),
            },
            Pending::List { join, key } => match (code, value()) {
                (None, Some(v)) => {
                    let e = self.committed.entry(key.clone()).or_insert(v);
                    *e = (*e).max(v);
                    if let Some(j) = self.joins.get_mut(&join) {
                        j.offsets.insert(key, v);
                    }
                    self.join_done(join, ctx);
                }
                (Some(KEY_DOES_NOT_EXIST), _) => self.join_done(join, ctx),
                _ => self.join_fail(join, failure(err), ctx),
            },
        }
    }

    fn on_expired(&mut self, what: Pending, ctx: &mut Ctx) {
        // The outcome is unknown: indefinite errors only.
        let err = RpcError::new(ErrorCode::Crash, "lin-kv did not answer");
        match what {
            Pending::Claim { key, .. } | Pending::ReadCounter { key } => {
                self.abandon(&key, &err, ctx)
            }
            Pending::ReadCommitted { join, .. }
            | Pending::RaiseCommitted { join, .. }
            | Pending::List { join, .. } => self.join_fail(join, err, ctx),
        }
    }

    fn on_sync(&mut self, msg: &Message, now: Duration) -> Result<(), RpcError> {
        for batch in sync::receive(&mut self.links, msg, now)? {
            for (key, offset, m) in batch.entries {
                let state = self.keys.entry(key).or_default();
                state.log.insert(offset, m);
                state.counter = state.counter.max(offset.saturating_add(1));
            }
        }
        Ok(())
    }
}

/// The error to pass on to a client: definite lin-kv errors stay definite (the operation did
/// not happen), anything else is indefinite.
fn failure(err: Option<RpcError>) -> RpcError {
    match err {
        Some(e) if is_definite(e.code) => RpcError::new(ErrorCode::TemporarilyUnavailable, e.text),
        Some(e) => RpcError::new(ErrorCode::Crash, format!("lin-kv: {e}")),
        None => RpcError::new(ErrorCode::Crash, "unexpected lin-kv reply"),
    }
}

impl Node for LinKv {
    fn on_init(&mut self, ctx: &mut Ctx) {
        self.links = sync::links_to_peers(ctx, &self.timing);
    }

    fn on_message(&mut self, msg: Message, ctx: &mut Ctx) -> Result<(), RpcError> {
        if msg.src == LIN_KV {
            self.on_kv_reply(&msg, ctx);
            return Ok(());
        }
        match msg.body.kind.as_str() {
            "send" => {
                let req = requests::send(&msg.body)?;
                let state = self.keys.entry(req.key.clone()).or_default();
                state.queue.push(Waiting {
                    request: msg,
                    msg: req.msg,
                });
                self.claim(&req.key, ctx);
                Ok(())
            }
            "poll" => {
                let req = requests::offsets(&msg.body)?;
                let mut out = BTreeMap::new();
                for (key, from) in req.offsets {
                    if let Some(state) = self.keys.get(&key) {
                        let msgs = state.log.read(from, state.log.first_gap(from));
                        if !msgs.is_empty() {
                            out.insert(key, msgs);
                        }
                    }
                }
                ctx.reply(&msg, requests::poll_ok(out));
                Ok(())
            }
            "commit_offsets" => {
                let req = requests::offsets(&msg.body)?;
                if req.offsets.is_empty() {
                    ctx.reply(&msg, requests::commit_offsets_ok());
                    return Ok(());
                }
                let join = self.new_join(msg, req.offsets.len(), false);
                for (key, offset) in req.offsets {
                    self.raise_committed(join, key, offset, ctx);
                }
                Ok(())
            }
            "list_committed_offsets" => {
                let req = requests::keys(&msg.body)?;
                let mut keys = req.keys;
                keys.sort();
                keys.dedup();
                if keys.is_empty() {
                    ctx.reply(&msg, requests::list_committed_offsets_ok(BTreeMap::new()));
                    return Ok(());
                }
                let join = self.new_join(msg, keys.len(), true);
                for key in keys {
                    let body = Body::new("read").with("key", committed_key(&key));
                    self.kv(ctx, body, Pending::List { join, key });
                }
                Ok(())
            }
            SYNC => self.on_sync(&msg, ctx.now),
            other => Err(RpcError::not_supported(other)),
        }
    }

    fn on_tick(&mut self, ctx: &mut Ctx) {
        for what in sync::tick(&mut self.links, &mut self.pending, ctx) {
            self.on_expired(what, ctx);
        }
    }

    fn tick_interval(&self) -> Option<Duration> {
        Some(self.timing.sync)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::node::testing::Harness;
    use serde_json::json;

    /// A minimal linearizable store answering the node's lin-kv requests.
    fn serve(store: &mut BTreeMap<String, Value>, req: &Message) -> Message {
        let b = &req.body;
        let key: String = b.get("key").unwrap();
        let reply = match b.kind.as_str() {
            "read" => match store.get(&key) {
                Some(v) => Body::new("read_ok").with("value", v),
                None => Body::error(&RpcError::new(ErrorCode::KeyDoesNotExist, "")),
            },
            "cas" => {
                let from: Value = b.get("from").unwrap();
                let to: Value = b.get("to").unwrap();
                let create = b.fields.get("create_if_not_exists") == Some(&json!(true));
                match store.get(&key) {
                    Some(v) if *v == from => {
                        store.insert(key, to);
                        Body::new("cas_ok")
                    }
                    Some(_) => Body::error(&RpcError::new(ErrorCode::PreconditionFailed, "")),
                    None if create => {
                        store.insert(key, to);
                        Body::new("cas_ok")
                    }
                    None => Body::error(&RpcError::new(ErrorCode::KeyDoesNotExist, "")),
                }
            }
            other => panic!("unexpected {other}"),
        };
        let mut reply = reply;
        reply.in_reply_to = b.msg_id;
        Message::new(LIN_KV, req.src.clone(), reply)
    }

    /// Runs the node's lin-kv traffic to completion; returns what went to clients.
    fn settle(
        h: &mut Harness,
        store: &mut BTreeMap<String, Value>,
        mut out: Vec<Message>,
    ) -> Vec<Message> {
        let mut to_clients = Vec::new();
        while let Some(m) = out.pop() {
            if m.dest == LIN_KV {
                let reply = serve(store, &m);
                out.extend(h.deliver(reply));
            } else {
                to_clients.push(m);
            }
        }
        to_clients
    }

    #[test]
    fn claims_dense_offsets_and_raises_commits() {
        let mut store = BTreeMap::new();
        let mut a = Harness::new(Box::new(LinKv::new(Timing::default())), "n0", 2);
        let mut b = Harness::new(Box::new(LinKv::new(Timing::default())), "n1", 2);
        let out = a.request("c1", Body::new("send").with("key", "k").with("msg", 1));
        let r = settle(&mut a, &mut store, out);
        assert_eq!(r[0].body.get::<i64>("offset").unwrap(), 0);
        // b's counter is stale: its claim conflicts, it reads, and it claims 1.
        let out = b.request("c2", Body::new("send").with("key", "k").with("msg", 2));
        let r = settle(&mut b, &mut store, out);
        assert_eq!(r[0].body.get::<i64>("offset").unwrap(), 1);
        // Before replication, a serves only what it holds contiguously.
        let out = a.request("c1", Body::new("poll").with("offsets", json!({"k": 0})));
        assert_eq!(out[0].body.fields["msgs"], json!({"k": [[0, 1]]}));
        let out = a.request(
            "c1",
            Body::new("commit_offsets").with("offsets", json!({"k": 0})),
        );
        let r = settle(&mut a, &mut store, out);
        assert_eq!(r[0].body.kind, "commit_offsets_ok");
        let out = b.request(
            "c2",
            Body::new("commit_offsets").with("offsets", json!({"k": 1})),
        );
        let r = settle(&mut b, &mut store, out);
        assert_eq!(r[0].body.kind, "commit_offsets_ok");
        // A lower commit never moves it back.
        let out = a.request(
            "c1",
            Body::new("commit_offsets").with("offsets", json!({"k": 0})),
        );
        settle(&mut a, &mut store, out);
        let out = a.request(
            "c1",
            Body::new("list_committed_offsets").with("keys", json!(["k", "x"])),
        );
        let r = settle(&mut a, &mut store, out);
        assert_eq!(r[0].body.fields["offsets"], json!({"k": 1}));
    }
}
