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
//!
//! Restarts: a node killed and started again has lost its values and its links' state. Each
//! start draws a random incarnation; every gossip carries the sender's (`inc`) and the one it
//! believes the receiver has (`to`). A node that sees a peer's incarnation change resets both
//! halves of that link and sends the peer everything it holds; a node that gets gossip meant
//! for an earlier incarnation of itself keeps the values, answers at once with an empty gossip
//! (so the sender learns of the restart), and ignores the stale sequence numbers. A node that
//! has neither heard from its links nor held a value since it started says hello (an empty
//! gossip) after `--hello-ms`, then at doubling intervals, so a restarted node that nobody
//! writes to is found too (a node that holds a value has sent it, or answered gossip about
//! it, over its links, reliably). Values survive as long as one node that holds them lives.

mod link;
mod schedule;
mod slots;

use crate::node::{Ctx, Node};
use crate::protocol::{Body, ErrorCode, Message, RpcError};
use clap::Parser;
use link::{Incoming, Outgoing, Segment};
use rand::Rng;
use schedule::{Plan, Schedule};
use serde::Deserialize;
use serde_json::Value;
use slots::LeafSlots;
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
    /// A node that holds no value and has not heard from a peer it links to (a leaf: the hub;
    /// the hub: each leaf) this long after it started says hello, then at doubling intervals
    /// (up to a minute), so that a restarted node gets its values back even if nobody writes
    /// to it (0: never). Keep it below Maelstrom's 10 s quiet period before the final reads.
    #[arg(long, default_value_t = 5000)]
    pub hello_ms: u64,
    /// Leaves send their values once per hub period, timed to reach the hub just before its
    /// next relay (which tells each leaf how early its last batch came), instead of at once.
    /// Needs a hub on --period-ms.
    #[arg(long, default_value_t = false, action = clap::ArgAction::Set)]
    pub slots: bool,
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
    /// The sender's incarnation (0: unknown).
    #[serde(default)]
    inc: u64,
    /// The receiver's incarnation as the sender knows it (0: none yet).
    #[serde(default)]
    to: u64,
    /// Hub to leaf, with `--slots`: how long before this relay the leaf's last batch arrived.
    #[serde(default)]
    slack: Option<u64>,
    /// With `--slots`: leaf to hub, when the leaf sent this batch (ms on its own clock); hub to
    /// leaf, that time of the batch `slack` is about.
    #[serde(default)]
    at: Option<u64>,
}

/// A value waiting for the next batch and the peer it came from (which need not get it back).
struct Pending {
    value: Value,
    origin: Option<String>,
}

/// The longest wait between two hellos.
const HELLO_MAX: Duration = Duration::from_secs(60);

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
    /// This start's random incarnation, drawn at init.
    incarnation: u64,
    /// Each peer's incarnation, as last heard.
    known: BTreeMap<String, u64>,
    /// Peers this node links to that it has not heard from since it started.
    unheard: Vec<String>,
    /// When to say hello to them next, and the interval it came after.
    hello: Option<(Duration, Duration)>,
    /// A leaf's uplink slots (`--slots`).
    slots: Option<LeafSlots>,
    /// The hub, with `--slots`: when each leaf's last batch arrived since the last relay, and
    /// when the leaf says it sent it.
    arrived: BTreeMap<String, (Duration, u64)>,
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
            incarnation: 0,
            known: BTreeMap::new(),
            unheard: Vec::new(),
            hello: None,
            slots: None,
            arrived: BTreeMap::new(),
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
        self.unheard.retain(|peer| *peer != src);
        let previous = match gossip.inc {
            0 => None,
            inc => self.known.insert(src.clone(), inc),
        };
        if previous.is_some_and(|old| old != gossip.inc) {
            // A peer we knew by another incarnation restarted: start the link afresh and give
            // it everything we hold. (A first contact changes nothing.)
            self.resync(ctx, &src);
        }
        if gossip.to != 0 && gossip.to != self.incarnation {
            // Meant for an earlier start of this node: its sequence numbers and acknowledgement
            // belong to a link that no longer exists, but its values are values. Say at once
            // who we are now, so the sender starts the link afresh.
            self.keep(&src, gossip.values, gossip.wait, ctx);
            self.send_empty(ctx, &src);
            return Ok(());
        }

        let rto = self.rto();
        self.out
            .entry(src.clone())
            .or_default()
            .acknowledge(gossip.ack, ctx.now, rto);
        self.inc
            .entry(src.clone())
            .or_default()
            .receive(gossip.from, gossip.values.len(), ctx.now);
        if self.flags.slots && !gossip.values.is_empty() {
            if self.is_hub {
                if let Some(at) = gossip.at {
                    self.arrived.insert(src.clone(), (ctx.now, at));
                }
            } else if let Some(slots) = &mut self.slots {
                slots.relay(ctx.now, gossip.slack.zip(gossip.at));
            }
        }
        self.keep(&src, gossip.values, gossip.wait, ctx);
        Ok(())
    }

    /// Stores what `src` sent; the hub relays what is new to it.
    fn keep(&mut self, src: &str, values: Vec<Value>, wait: u64, ctx: &Ctx) {
        for value in values {
            // A flat node's peers each heard the value from its origin: it goes no further.
            if self.store.insert(&value) && self.is_hub && !self.flags.flat {
                self.enqueue(value, Some(src.to_string()), ms(wait), ctx.now);
            }
        }
    }

    /// `peer` restarted: both halves of the link start afresh, and it gets every value here.
    fn resync(&mut self, ctx: &mut Ctx, peer: &str) {
        self.inc.insert(peer.to_string(), Incoming::default());
        let mut out = Outgoing::default();
        let segment = out.push(self.store.values.clone(), ctx.now, self.rto());
        self.out.insert(peer.to_string(), out);
        ctx.log(format!(
            "{peer} restarted: sending it all {} values",
            segment.values.len()
        ));
        self.send(ctx, peer, segment, None);
    }

    /// Sends `segment` (possibly empty: an acknowledgement alone) to `peer`, with the
    /// acknowledgement of what `peer` sent us.
    fn send(&mut self, ctx: &mut Ctx, peer: &str, segment: Segment, wait: Option<u64>) {
        let mut body = self.gossip(peer, segment);
        if let Some(wait) = wait {
            body.set("wait", wait);
        }
        if let Some((arrived, at)) = self.arrived.remove(peer) {
            let slack = ctx.now.saturating_sub(arrived).as_millis() as u64;
            body.set("slack", slack);
            body.set("at", at);
        }
        if self.slots.is_some() && !self.is_hub {
            body.set("at", ctx.now.as_millis() as u64);
        }
        ctx.send(peer, body);
    }

    /// The gossip carrying `segment` to `peer`, with what `peer` is owed and who we are.
    fn gossip(&mut self, peer: &str, segment: Segment) -> Body {
        let ack = self.inc.entry(peer.to_string()).or_default().take_ack();
        let to = self.known.get(peer).copied().unwrap_or(0);
        Body::new("gossip")
            .with("from", segment.from)
            .with("values", segment.values)
            .with("ack", ack)
            .with("inc", self.incarnation)
            .with("to", to)
    }

    /// Sends the pending batch if it is due.
    fn maybe_flush(&mut self, ctx: &mut Ctx) {
        self.schedule.observe(ctx.now);
        if !self.schedule.ready(ctx.now) {
            return;
        }
        if self.slots.as_ref().is_some_and(|s| !s.ready(ctx.now)) {
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
            if let Some(slots) = &mut self.slots {
                slots.sent(ctx.now);
            }
        }
    }

    /// Hello to the linked peers not heard from since this node started, when it is due.
    fn say_hello(&mut self, ctx: &mut Ctx) {
        let Some((at, every)) = self.hello else {
            return;
        };
        // Once this node holds a value it has sent it (or answered gossip about one) over
        // its links, reliably, so every peer that knew an earlier start learns of this one.
        if self.unheard.is_empty() || !self.store.values.is_empty() {
            self.hello = None;
            return;
        }
        if ctx.now < at {
            return;
        }
        let next = every.saturating_mul(2).min(HELLO_MAX.max(every));
        self.hello = Some((ctx.now + next, next));
        for peer in self.unheard.clone() {
            self.send_empty(ctx, &peer);
        }
    }

    /// An empty gossip to `peer`, carrying what is owed it and who we are.
    fn send_empty(&mut self, ctx: &mut Ctx, peer: &str) {
        let from = self.out.entry(peer.to_string()).or_default().next_seq();
        let segment = Segment {
            from,
            values: Vec::new(),
        };
        self.send(ctx, peer, segment, None);
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
        self.incarnation = ctx.rng.gen_range(1..=u64::MAX);
        self.unheard = if self.is_hub {
            ctx.peers().cloned().collect()
        } else {
            vec![self.hub.clone()]
        };
        if self.has_peers && self.flags.hello_ms > 0 {
            let every = ms(self.flags.hello_ms);
            self.hello = Some((ctx.now + every, every));
        }
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
        if f.slots && !self.is_hub {
            self.slots = Some(LeafSlots::new(ms(f.period_ms.max(1))));
        }
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
        self.say_hello(ctx);
    }

    /// Every `--tick-ms`, or sooner when the batch is due sooner, so relays leave on time.
    fn tick_interval(&self) -> Option<Duration> {
        if !self.has_peers {
            return None;
        }
        let every = ms(self.flags.tick_ms.max(1));
        // A leaf waiting for its slot wakes at the slot, not at its batch's own due time.
        let due = match self.slots.as_ref().and_then(|s| s.due(self.now)) {
            Some(slot) => self.schedule.due(self.now).map(|t| t.max(slot)),
            None => self.schedule.due(self.now),
        };
        let until_due = due.map(|t| t.saturating_sub(self.now).max(Duration::from_micros(100)));
        Some(until_due.map_or(every, |d| d.min(every)))
    }
}

#[cfg(test)]
mod tests;
