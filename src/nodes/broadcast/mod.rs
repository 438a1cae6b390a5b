//! Challenges 3a–3e: broadcast. `broadcast {message}` → `broadcast_ok` at once, `read` →
//! `read_ok {messages}` from local state (each value once), `topology` → `topology_ok` (the
//! suggested topology is accepted and not used).
//!
//! Design: hub and spokes. One node (the hub, `n0` unless `--hub` names another) relays; every
//! other node (a leaf) sends its clients' values to the hub only (at once, or batched over
//! `--uplink-ms`). The hub relays on a schedule (see [`schedule`]): each relay sends every leaf
//! one message with everything new to it, and a slot with nothing new sends nothing. Every node
//! must receive at least one message per relay to stay current, so the cost is about one uplink
//! per value plus (N−1) per relay: the schedule trades messages against latency, and the
//! challenge profiles pick it. With `--flat` there is no hub: each node sends its own clients'
//! values straight to every peer (one hop: about one latency to stable, and (N−1)/2 messages
//! per operation when half the operations are broadcasts), and stores what it hears without
//! passing it on. Delivery is reliable per link (see [`link`]): sequence numbers,
//! cumulative acknowledgements carried by the traffic itself, and retransmission only of what
//! stays unacknowledged, so values acknowledged during a partition reach every node once it
//! heals.

mod link;
mod schedule;

use crate::node::{Ctx, Node};
use crate::protocol::{Body, ErrorCode, Message, RpcError};
use clap::Parser;
use link::{Incoming, Outgoing, Segment};
use schedule::{Plan, Schedule};
use serde::Deserialize;
use serde_json::Value;
use std::collections::{BTreeMap, HashSet};
use std::time::Duration;

#[derive(Parser, Debug, Clone)]
// Flags may repeat and the last one wins, so `glomers run --node-arg` can override a profile.
#[command(
    about = "Broadcast node: hub and spokes, scheduled relays, reliable links",
    args_override_self = true
)]
pub struct Flags {
    /// The hub every other node sends its values to (default: the first node).
    #[arg(long)]
    pub hub: Option<String>,
    /// No hub: every node sends its clients' values to every peer itself, batched over
    /// --uplink-ms (the relay schedule flags do not apply).
    #[arg(long, default_value_t = false, action = clap::ArgAction::Set)]
    pub flat: bool,
    /// Hub: time between relay bursts, in ms (0: no schedule, relay on --hold-ms alone).
    #[arg(long, default_value_t = 350)]
    pub period_ms: u64,
    /// Hub: a second relay this long after each burst's first, in ms (0: one relay per burst).
    /// Set it a little above the network latency.
    #[arg(long, default_value_t = 105)]
    pub burst_ms: u64,
    /// Hub: the first relay of each burst reaches every leaf, an empty message where nothing is
    /// new, so that every leaf's clients wait out the same window and no leaf's values miss the
    /// burst's second relay (see the relay schedule in the write-up).
    #[arg(long, default_value_t = false, action = clap::ArgAction::Set)]
    pub burst_all: bool,
    /// Hub: no value waits longer than this for a relay, counted from its arrival at the hub
    /// plus however long its leaf held it, in ms (0: no limit).
    #[arg(long, default_value_t = 0)]
    pub hold_ms: u64,
    /// Leaf: hold a client's value up to this long before sending it to the hub, so values
    /// travel together, in ms (0: at once).
    #[arg(long, default_value_t = 0)]
    pub uplink_ms: u64,
    /// How long an acknowledgement may wait for a message to ride on before it is sent alone,
    /// in ms.
    #[arg(long, default_value_t = 3000)]
    pub ack_ms: u64,
    /// Retransmission timeout for unacknowledged values, in ms; doubles while nothing is
    /// acknowledged. Keep it above --ack-ms plus a round trip and a relay period, or healthy
    /// links retransmit.
    #[arg(long, default_value_t = 4000)]
    pub rto_ms: u64,
    /// Cap of the retransmission timeout, in ms.
    #[arg(long, default_value_t = 6000)]
    pub rto_max_ms: u64,
    /// Timer resolution, in ms (relay times are hit exactly; acks and retransmissions to
    /// within this).
    #[arg(long, default_value_t = 5)]
    pub tick_ms: u64,
}

impl Default for Flags {
    fn default() -> Self {
        // No arguments always parse: every flag has a default.
        Flags::parse_from(["broadcast"])
    }
}

/// The values this node holds, in arrival order, each once.
#[derive(Default)]
struct Store {
    values: Vec<Value>,
    /// Canonical JSON text of every value, for deduplication.
    seen: HashSet<String>,
}

impl Store {
    /// Adds `value`; false if it was already here.
    fn insert(&mut self, value: &Value) -> bool {
        if self.seen.insert(value.to_string()) {
            self.values.push(value.clone());
            true
        } else {
            false
        }
    }
}

/// The body of `gossip`, the one message nodes exchange.
#[derive(Deserialize)]
struct Gossip {
    /// Link sequence of `values[0]`.
    from: u64,
    values: Vec<Value>,
    /// The next sequence the sender expects from us (cumulative acknowledgement).
    ack: u64,
    /// How long the sender held its oldest value before sending, in ms.
    #[serde(default)]
    wait: u64,
}

/// A value waiting for the next batch and the peer it came from (which need not get it back).
struct Pending {
    value: Value,
    origin: Option<String>,
}

fn ms(n: u64) -> Duration {
    Duration::from_millis(n)
}

/// `n` ms, or None for 0.
fn opt_ms(n: u64) -> Option<Duration> {
    (n > 0).then(|| ms(n))
}

pub struct Broadcast {
    flags: Flags,
    store: Store,
    hub: String,
    is_hub: bool,
    has_peers: bool,
    pending: Vec<Pending>,
    schedule: Schedule,
    /// When the oldest pending value was acknowledged to its client (leaves).
    pending_since: Option<Duration>,
    out: BTreeMap<String, Outgoing>,
    inc: BTreeMap<String, Incoming>,
    /// The time of the latest event, for `tick_interval`.
    now: Duration,
}

impl Broadcast {
    pub fn new(flags: Flags) -> Self {
        Broadcast {
            flags,
            store: Store::default(),
            hub: String::new(),
            is_hub: true,
            has_peers: false,
            pending: Vec::new(),
            schedule: Schedule::default(),
            pending_since: None,
            out: BTreeMap::new(),
            inc: BTreeMap::new(),
            now: Duration::ZERO,
        }
    }

    fn rto(&self) -> Duration {
        ms(self.flags.rto_ms.max(1))
    }

    /// Queues a value for the next batch; it already waited `waited` elsewhere.
    fn enqueue(&mut self, value: Value, origin: Option<String>, waited: Duration, now: Duration) {
        self.pending.push(Pending { value, origin });
        self.pending_since.get_or_insert(now);
        self.schedule.add(now, waited);
    }

    fn on_broadcast(&mut self, msg: &Message, ctx: &mut Ctx) -> Result<(), RpcError> {
        let value: Value = msg.body.get("message")?;
        ctx.reply(msg, Body::new("broadcast_ok"));
        if self.store.insert(&value) && self.has_peers {
            self.enqueue(value, None, Duration::ZERO, ctx.now);
        }
        Ok(())
    }

    fn on_gossip(&mut self, msg: &Message, ctx: &mut Ctx) -> Result<(), RpcError> {
        let src = msg.src.clone();
        if src == ctx.id || !ctx.node_ids.contains(&src) {
            return Err(RpcError::new(
                ErrorCode::MalformedRequest,
                format!("gossip from {src:?}, which is not a peer"),
            ));
        }
        let gossip: Gossip = msg.body.parse()?;
        let rto = self.rto();
        self.out
            .entry(src.clone())
            .or_default()
            .acknowledge(gossip.ack, ctx.now, rto);
        self.inc
            .entry(src.clone())
            .or_default()
            .receive(gossip.from, gossip.values.len(), ctx.now);
        for value in gossip.values {
            // A flat node's peers each heard the value from its origin: it goes no further.
            if self.store.insert(&value) && self.is_hub && !self.flags.flat {
                self.enqueue(value, Some(src.clone()), ms(gossip.wait), ctx.now);
            }
        }
        Ok(())
    }

    /// Sends `segment` (possibly empty: an acknowledgement alone) to `peer`, with the
    /// acknowledgement of what `peer` sent us.
    fn send(&mut self, ctx: &mut Ctx, peer: &str, segment: Segment, wait: Option<u64>) {
        let ack = self.inc.entry(peer.to_string()).or_default().take_ack();
        let mut body = Body::new("gossip")
            .with("from", segment.from)
            .with("values", segment.values)
            .with("ack", ack);
        if let Some(wait) = wait {
            body.set("wait", wait);
        }
        ctx.send(peer, body);
    }

    /// Sends the pending batch if it is due.
    fn maybe_flush(&mut self, ctx: &mut Ctx) {
        self.schedule.observe(ctx.now);
        if !self.schedule.ready(ctx.now) {
            return;
        }
        let opens_burst = self.schedule.sent(ctx.now);
        let since = self.pending_since.take();
        let pending = std::mem::take(&mut self.pending);
        let rto = self.rto();
        if self.is_hub {
            // A leaf sent nothing by a burst's first relay (the origin of everything in it:
            // typically the run's first value) keeps answering its clients while the others
            // sleep, and the values it acknowledges then reach the hub after the burst's second
            // relay, waiting a whole period more. An empty message puts it to sleep too.
            let reach_all = opens_burst && self.flags.burst_all && self.flags.burst_ms > 0;
            let peers: Vec<String> = ctx.peers().cloned().collect();
            for peer in peers {
                let values: Vec<Value> = pending
                    .iter()
                    .filter(|p| p.origin.as_deref() != Some(peer.as_str()))
                    .map(|p| p.value.clone())
                    .collect();
                if values.is_empty() && !reach_all {
                    continue; // nothing new for this leaf: no message
                }
                let segment = self
                    .out
                    .entry(peer.clone())
                    .or_default()
                    .push(values, ctx.now, rto);
                self.send(ctx, &peer, segment, None);
            }
        } else {
            let values: Vec<Value> = pending.into_iter().map(|p| p.value).collect();
            if values.is_empty() {
                return;
            }
            let hub = self.hub.clone();
            let wait = since.map_or(0, |s| ctx.now.saturating_sub(s).as_millis() as u64);
            let segment = self
                .out
                .entry(hub.clone())
                .or_default()
                .push(values, ctx.now, rto);
            self.send(ctx, &hub, segment, Some(wait));
        }
    }

    /// Retransmissions that are due, then acknowledgements overdue with nothing to carry them.
    fn repair(&mut self, ctx: &mut Ctx) {
        let max = ms(self.flags.rto_max_ms);
        let due: Vec<(String, Segment)> = self
            .out
            .iter_mut()
            .filter_map(|(peer, out)| out.due(ctx.now, max).map(|s| (peer.clone(), s)))
            .collect();
        for (peer, segment) in due {
            self.send(ctx, &peer, segment, None);
        }
        let delay = ms(self.flags.ack_ms);
        let owed: Vec<String> = self
            .inc
            .iter()
            .filter(|(_, inc)| inc.ack_overdue(ctx.now, delay))
            .map(|(peer, _)| peer.clone())
            .collect();
        for peer in owed {
            let from = self.out.entry(peer.clone()).or_default().next_seq();
            let segment = Segment {
                from,
                values: Vec::new(),
            };
            self.send(ctx, &peer, segment, None);
        }
    }
}

impl Node for Broadcast {
    fn on_init(&mut self, ctx: &mut Ctx) {
        let first = ctx
            .node_ids
            .first()
            .cloned()
            .unwrap_or_else(|| ctx.id.clone());
        self.hub = match &self.flags.hub {
            Some(hub) if ctx.node_ids.contains(hub) => hub.clone(),
            Some(hub) => {
                ctx.log(format!("--hub {hub} is not a node; using {first}"));
                first
            }
            None => first,
        };
        // Flat: every node relays its own clients' values, as a leaf batches them.
        self.is_hub = self.hub == ctx.id || self.flags.flat;
        self.has_peers = ctx.peers().next().is_some();
        let f = &self.flags;
        self.schedule = Schedule::new(if self.is_hub && !f.flat {
            Plan {
                hold: opt_ms(f.hold_ms),
                period: opt_ms(f.period_ms),
                burst: opt_ms(f.burst_ms),
            }
        } else {
            Plan {
                hold: Some(ms(f.uplink_ms)),
                period: None,
                burst: None,
            }
        });
        self.now = ctx.now;
    }

    fn on_message(&mut self, msg: Message, ctx: &mut Ctx) -> Result<(), RpcError> {
        self.now = ctx.now;
        match msg.body.kind.as_str() {
            "broadcast" => self.on_broadcast(&msg, ctx)?,
            "read" => ctx.reply(
                &msg,
                Body::new("read_ok").with("messages", &self.store.values),
            ),
            "topology" => {
                // Validated, then unused: the hub layout beats any suggested topology.
                let _: BTreeMap<String, Vec<String>> = msg.body.get("topology")?;
                ctx.reply(&msg, Body::new("topology_ok"));
            }
            "gossip" => self.on_gossip(&msg, ctx)?,
            other => return Err(RpcError::not_supported(other)),
        }
        self.maybe_flush(ctx);
        Ok(())
    }

    fn on_tick(&mut self, ctx: &mut Ctx) {
        self.now = ctx.now;
        self.maybe_flush(ctx);
        self.repair(ctx);
    }

    /// Every `--tick-ms`, or sooner when the batch is due sooner, so relays leave on time.
    fn tick_interval(&self) -> Option<Duration> {
        if !self.has_peers {
            return None;
        }
        let every = ms(self.flags.tick_ms.max(1));
        let until_due = self
            .schedule
            .due(self.now)
            .map(|t| t.saturating_sub(self.now).max(Duration::from_micros(100)));
        Some(until_due.map_or(every, |d| d.min(every)))
    }
}

#[cfg(test)]
mod tests;
