//! Challenge 4: a grow-only counter on Maelstrom's `seq-kv` (`add {delta}` → `add_ok`,
//! `read` → `read_ok {value}`).
//!
//! Each node owns one key in seq-kv, its own id, holding the sum of the deltas it accepted.
//! Only the owner writes it, so writes need no cas; at most one is in flight, so they cannot be
//! reordered on the way. A read answers `own count + the highest count seen for each peer`.
//!
//! A node that starts reads its own key before it publishes anything: after a kill, the count
//! its earlier start published is the base it counts on from (seq-kv shows a caller states no
//! older than those it saw, and the key's owner is the same node id), so a restart never writes
//! a smaller count over a larger one. An `add` is acknowledged at once and published on the
//! next tick, which Maelstrom's own test (no node ever restarts) rewards with low latency; an
//! add acknowledged in the last `--flush-ms` before a kill is lost with the node's memory.
//! `--durable-adds true` acknowledges an add only once seq-kv holds it, so no acknowledged add
//! is ever lost, at the price of a seq-kv round trip per add.
//!
//! seq-kv serves a read from any state between the newest and the last one this node observed,
//! so reading the peers' keys alone can return arbitrarily old counts. A *refresh* defeats
//! that: first a write that certainly changes the store (this node's new count, or else a fresh
//! token under `<id>/sync`), which seq-kv must apply to its newest state and which moves this
//! node's view there; only after its `write_ok` the peers' keys are read, and those reads
//! cannot be older than the write. A refresh started at time t therefore sees every count
//! published before t. Counts only grow, so each peer's count is merged with `max`, keeping
//! reads monotonic even when seq-kv's ring hands out an older state than a previous read.
//!
//! Reads are tied to freshness: a read is answered from the cached total when the last
//! refresh started at most `--staleness-ms` before the read arrived; otherwise it waits for a
//! refresh (started on demand, so an idle cluster sends nothing). The final reads, 10 s after
//! the last add, always wait for a refresh and are exact.

use crate::node::rpc::{PendingRpcs, Stray};
use crate::node::{Ctx, Node};
use crate::protocol::{Body, ErrorCode, Message, MsgId, RpcError};
use std::collections::{BTreeMap, BTreeSet};
use std::time::Duration;

/// The service the counter lives in.
const SEQ_KV: &str = "seq-kv";

/// Later flags win, so `--node-arg` on `glomers run` can override the profile's node-args.
#[derive(clap::Parser, Debug, Clone)]
#[command(args_override_self = true)]
pub(crate) struct Flags {
    /// Publish this node's count to seq-kv at most this often (ms), when it changed.
    #[arg(long, default_value_t = 100)]
    flush_ms: u64,
    /// Answer a read from the cached total if the last refresh started at most this long
    /// (ms) before the read; otherwise the read waits for a fresh one.
    #[arg(long, default_value_t = 500)]
    staleness_ms: u64,
    /// Abandon a refresh (and forget its requests) unanswered after this long (ms), and
    /// start another if reads are waiting.
    #[arg(long, default_value_t = 1000)]
    rpc_timeout_ms: u64,
    /// A read that waited this long (ms) for a fresh total gets error 11 instead of a stale
    /// answer; below Maelstrom's 5 s client timeout.
    #[arg(long, default_value_t = 3000)]
    read_timeout_ms: u64,
    /// Acknowledge an add only once seq-kv holds it (published at once when no write is in
    /// flight), so that a kill loses no acknowledged add.
    #[arg(long, default_value_t = false, action = clap::ArgAction::Set)]
    durable_adds: bool,
}

/// How many `rpc_timeout`s an own-count write is waited for before it is presumed lost.
/// seq-kv never drops a request (services are never partitioned), so an unanswered write is
/// a slow one, and writing again early could let the older write land last and lower the
/// stored count; only a write this overdue is given up on.
const WRITE_PATIENCE: u32 = 10;

impl Default for Flags {
    fn default() -> Self {
        // The defaults are clap's (`default_value_t`), written once: no arguments always parse.
        <Flags as clap::Parser>::parse_from(["g-counter"])
    }
}

/// What an outstanding seq-kv request was for.
#[derive(Debug)]
enum Pending {
    /// A write of this node's count; `cycle` if it also opens that refresh.
    Publish { count: u64, cycle: Option<u64> },
    /// A token write opening a refresh.
    Sync { cycle: u64 },
    /// A refresh reading a peer's count.
    Read { cycle: u64, peer: String },
    /// The read of this node's own key that tells a fresh start what it counted before.
    Base,
}

/// A refresh in progress.
#[derive(Debug)]
struct Refresh {
    id: u64,
    started: Duration,
    /// Peers whose counts are still being read; empty while the opening write is in flight.
    reading: BTreeSet<String>,
}

pub(crate) struct GCounter {
    flags: Flags,
    /// Sum of every delta this node acknowledged (in any start, once the base is known).
    mine: u64,
    /// The own count an earlier start of this node published, once read: until then nothing
    /// is published and no read is answered.
    base: Option<u64>,
    /// Whether the base read is in flight.
    base_asked: bool,
    /// With `--durable-adds`: adds waiting for seq-kv to hold the count that includes them.
    unacked: Vec<(Message, u64)>,
    /// The highest own count seq-kv acknowledged.
    published: u64,
    /// The own-count write in flight, if any.
    writing: Option<MsgId>,
    last_flush: Duration,
    /// The highest count read for each peer.
    peers: BTreeMap<String, u64>,
    /// Last token written under `<id>/sync`.
    token: u64,
    next_refresh: u64,
    refresh: Option<Refresh>,
    /// When the last completed refresh started.
    fresh_as_of: Option<Duration>,
    /// Reads waiting for a refresh, with their arrival time.
    waiting: Vec<(Message, Duration)>,
    /// Own-count writes (at most one) and refresh requests, kept apart because they are
    /// given up on after different times.
    writes: PendingRpcs<Pending>,
    rpcs: PendingRpcs<Pending>,
}

impl GCounter {
    pub(crate) fn new(flags: Flags) -> Self {
        let timeout = Duration::from_millis(flags.rpc_timeout_ms);
        GCounter {
            flags,
            mine: 0,
            base: None,
            base_asked: false,
            unacked: Vec::new(),
            published: 0,
            writing: None,
            last_flush: Duration::ZERO,
            peers: BTreeMap::new(),
            token: 0,
            next_refresh: 0,
            refresh: None,
            fresh_as_of: None,
            waiting: Vec::new(),
            writes: PendingRpcs::new(timeout.saturating_mul(WRITE_PATIENCE)),
            rpcs: PendingRpcs::new(timeout),
        }
    }

    fn staleness(&self) -> Duration {
        Duration::from_millis(self.flags.staleness_ms)
    }

    /// The counter's value as this node knows it.
    fn total(&self) -> u64 {
        self.peers
            .values()
            .fold(self.mine, |sum, n| sum.saturating_add(*n))
    }

    /// Whether a read that arrived at `arrival` may be answered as of a refresh started at
    /// `as_of`; never before this start knows its base.
    fn fresh_enough(&self, as_of: Option<Duration>, arrival: Duration) -> bool {
        self.base.is_some() && as_of.is_some_and(|t| t.saturating_add(self.staleness()) >= arrival)
    }

    /// Asks seq-kv for this node's own published count, once per attempt, until it is known.
    fn ask_base(&mut self, ctx: &mut Ctx) {
        if self.base.is_some() || self.base_asked {
            return;
        }
        let msg_id = ctx.rpc(SEQ_KV, Body::new("read").with("key", &ctx.id));
        self.rpcs.insert(msg_id, SEQ_KV, ctx.now, Pending::Base);
        self.base_asked = true;
    }

    /// The base arrived: everything counted so far in this start comes on top of it.
    fn got_base(&mut self, base: u64, ctx: &mut Ctx) {
        self.base_asked = false;
        if self.base.is_some() {
            return;
        }
        self.base = Some(base);
        self.mine = self.mine.saturating_add(base);
        self.published = base;
        for (_, count) in &mut self.unacked {
            *count = count.saturating_add(base);
        }
        if self.flags.durable_adds {
            self.publish(None, ctx);
        }
        if self.refresh.is_none() && !self.waiting.is_empty() {
            self.start_refresh(ctx);
        }
    }

    /// With `--durable-adds`: acknowledges every add seq-kv now holds.
    fn release_adds(&mut self, ctx: &mut Ctx) {
        let published = self.published;
        let (done, waiting): (Vec<_>, Vec<_>) = std::mem::take(&mut self.unacked)
            .into_iter()
            .partition(|(_, count)| *count <= published);
        self.unacked = waiting;
        for (req, _) in done {
            ctx.reply(&req, Body::new("add_ok"));
        }
    }

    fn answer_read(&self, req: &Message, ctx: &mut Ctx) {
        ctx.reply(req, Body::new("read_ok").with("value", self.total()));
    }

    /// Writes the own count if it changed and no write is in flight; returns whether it did.
    fn publish(&mut self, cycle: Option<u64>, ctx: &mut Ctx) -> bool {
        if self.base.is_none() || self.writing.is_some() || self.mine == self.published {
            return false;
        }
        let body = Body::new("write")
            .with("key", &ctx.id)
            .with("value", self.mine);
        let id = ctx.rpc(SEQ_KV, body);
        self.writes.insert(
            id,
            SEQ_KV,
            ctx.now,
            Pending::Publish {
                count: self.mine,
                cycle,
            },
        );
        self.writing = Some(id);
        self.last_flush = ctx.now;
        true
    }

    /// Opens a refresh with a write seq-kv must apply to its newest state.
    fn start_refresh(&mut self, ctx: &mut Ctx) {
        let id = self.next_refresh;
        self.next_refresh += 1;
        self.refresh = Some(Refresh {
            id,
            started: ctx.now,
            reading: BTreeSet::new(),
        });
        // The own count is new to the store, so writing it changes the store; otherwise a
        // token this node never wrote before does.
        if !self.publish(Some(id), ctx) {
            self.token += 1;
            let body = Body::new("write")
                .with("key", format!("{}/sync", ctx.id))
                .with("value", self.token);
            let msg_id = ctx.rpc(SEQ_KV, body);
            self.rpcs
                .insert(msg_id, SEQ_KV, ctx.now, Pending::Sync { cycle: id });
        }
    }

    /// The opening write of refresh `cycle` is acknowledged: read every peer's count.
    fn opened(&mut self, cycle: u64, ctx: &mut Ctx) {
        let Some(refresh) = self.refresh.as_mut().filter(|r| r.id == cycle) else {
            return;
        };
        let peers: Vec<String> = ctx.peers().cloned().collect();
        for peer in peers {
            let msg_id = ctx.rpc(SEQ_KV, Body::new("read").with("key", &peer));
            self.rpcs.insert(
                msg_id,
                SEQ_KV,
                ctx.now,
                Pending::Read {
                    cycle,
                    peer: peer.clone(),
                },
            );
            refresh.reading.insert(peer);
        }
        if refresh.reading.is_empty() {
            self.finish(ctx);
        }
    }

    /// A peer's count arrived for refresh `cycle`.
    fn peer_read(&mut self, cycle: u64, peer: String, count: u64, ctx: &mut Ctx) {
        let Some(refresh) = self.refresh.as_mut().filter(|r| r.id == cycle) else {
            return;
        };
        refresh.reading.remove(&peer);
        let seen = self.peers.entry(peer).or_insert(0);
        *seen = (*seen).max(count);
        if refresh.reading.is_empty() {
            self.finish(ctx);
        }
    }

    /// The refresh is complete: answer the reads it is fresh enough for, and start another
    /// one for any read that arrived too late for it.
    fn finish(&mut self, ctx: &mut Ctx) {
        let Some(refresh) = self.refresh.take() else {
            return;
        };
        self.fresh_as_of = Some(refresh.started);
        let waiting = std::mem::take(&mut self.waiting);
        for (req, arrival) in waiting {
            if self.fresh_enough(self.fresh_as_of, arrival) {
                self.answer_read(&req, ctx);
            } else {
                self.waiting.push((req, arrival));
            }
        }
        if !self.waiting.is_empty() && self.base.is_some() {
            self.start_refresh(ctx);
        }
    }

    fn abort_refresh(&mut self, cycle: u64, why: &str, ctx: &mut Ctx) {
        if self.refresh.as_ref().is_some_and(|r| r.id == cycle) {
            ctx.log(format!("refresh {cycle} abandoned: {why}"));
            self.refresh = None;
        }
    }

    /// A reply to one of this node's requests, accepted only from seq-kv (the one service
    /// it asks), so a client cannot forge counts or acknowledgements.
    fn on_reply(&mut self, src: &str, in_reply_to: MsgId, body: &Body, ctx: &mut Ctx) {
        let pending = self
            .writes
            .complete(src, in_reply_to)
            .or_else(|_| self.rpcs.complete(src, in_reply_to));
        let pending = match pending {
            Ok(pending) => pending,
            Err(Stray::Unknown) => return, // expired: seq-kv was too slow
            Err(stray) => {
                ctx.log(format!("ignoring {} from {src}: it {stray}", body.kind));
                return;
            }
        };
        let error = body.as_error();
        match pending {
            Pending::Publish { count, cycle } => {
                self.writing = None;
                match (&error, body.kind.as_str()) {
                    (None, "write_ok") => {
                        self.published = self.published.max(count);
                        if self.flags.durable_adds {
                            self.release_adds(ctx);
                            self.publish(None, ctx);
                        }
                        if let Some(cycle) = cycle {
                            self.opened(cycle, ctx);
                        }
                    }
                    _ => {
                        ctx.log(format!("publishing {count} failed: {body:?}"));
                        if let Some(cycle) = cycle {
                            self.abort_refresh(cycle, "own write failed", ctx);
                        }
                    }
                }
            }
            Pending::Sync { cycle } => match (&error, body.kind.as_str()) {
                (None, "write_ok") => self.opened(cycle, ctx),
                _ => self.abort_refresh(cycle, "sync write failed", ctx),
            },
            Pending::Read { cycle, peer } => {
                let count = match (&error, body.kind.as_str()) {
                    // A peer that never published has counted nothing yet.
                    (Some(e), _) if e.code == ErrorCode::KeyDoesNotExist.code() => Some(0),
                    (None, "read_ok") => body.get::<u64>("value").ok(),
                    _ => None,
                };
                match count {
                    Some(count) => self.peer_read(cycle, peer, count, ctx),
                    None => self.abort_refresh(cycle, "peer read failed", ctx),
                }
            }
            Pending::Base => {
                let base = match (&error, body.kind.as_str()) {
                    // Nothing published yet: this is the node's first start.
                    (Some(e), _) if e.code == ErrorCode::KeyDoesNotExist.code() => Some(0),
                    (None, "read_ok") => body.get::<u64>("value").ok(),
                    _ => None,
                };
                match base {
                    Some(base) => self.got_base(base, ctx),
                    // Asked again on the next tick.
                    None => self.base_asked = false,
                }
            }
        }
    }
}

impl Node for GCounter {
    fn on_message(&mut self, msg: Message, ctx: &mut Ctx) -> Result<(), RpcError> {
        if let Some(in_reply_to) = msg.body.in_reply_to {
            self.on_reply(&msg.src, in_reply_to, &msg.body, ctx);
            return Ok(());
        }
        self.ask_base(ctx);
        match msg.body.kind.as_str() {
            "add" => {
                let delta: u64 = msg.body.get("delta")?;
                self.mine = self.mine.checked_add(delta).ok_or_else(|| {
                    RpcError::new(ErrorCode::MalformedRequest, "counter would overflow")
                })?;
                // An add of 0 has nothing to lose.
                if self.flags.durable_adds && delta > 0 {
                    self.unacked.push((msg, self.mine));
                    self.publish(None, ctx);
                } else {
                    ctx.reply(&msg, Body::new("add_ok"));
                }
                Ok(())
            }
            "read" => {
                if self.fresh_enough(self.fresh_as_of, ctx.now) {
                    self.answer_read(&msg, ctx);
                } else {
                    self.waiting.push((msg, ctx.now));
                    if self.refresh.is_none() && self.base.is_some() {
                        self.start_refresh(ctx);
                    }
                }
                Ok(())
            }
            other => Err(RpcError::not_supported(other)),
        }
    }

    fn on_tick(&mut self, ctx: &mut Ctx) {
        let timeout = Duration::from_millis(self.flags.rpc_timeout_ms);
        if !self.writes.expire(ctx.now).is_empty() {
            ctx.log("own-count write presumed lost; publishing again");
            self.writing = None;
        }
        if self
            .rpcs
            .expire(ctx.now)
            .iter()
            .any(|(_, p)| matches!(p, Pending::Base))
        {
            self.base_asked = false;
        }
        self.ask_base(ctx);
        if let Some(refresh) = &self.refresh {
            if refresh.started.saturating_add(timeout) <= ctx.now {
                let id = refresh.id;
                self.abort_refresh(id, "seq-kv too slow", ctx);
            }
        }
        // Reads that waited too long get a definite error rather than a stale answer.
        let limit = Duration::from_millis(self.flags.read_timeout_ms);
        let (expired, kept): (Vec<_>, Vec<_>) = std::mem::take(&mut self.waiting)
            .into_iter()
            .partition(|(_, arrival)| ctx.now.saturating_sub(*arrival) > limit);
        self.waiting = kept;
        for (req, _) in expired {
            let err = RpcError::new(
                ErrorCode::TemporarilyUnavailable,
                "could not refresh the counter from seq-kv in time",
            );
            ctx.error(&req, &err);
        }
        if self.refresh.is_none() && !self.waiting.is_empty() && self.base.is_some() {
            self.start_refresh(ctx);
        }
        if ctx.now.saturating_sub(self.last_flush) >= Duration::from_millis(self.flags.flush_ms) {
            self.publish(None, ctx);
        }
    }

    fn tick_interval(&self) -> Option<Duration> {
        Some(Duration::from_millis(self.flags.flush_ms.clamp(1, 100)))
    }
}

#[cfg(test)]
mod tests;
