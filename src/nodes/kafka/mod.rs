//! Challenges 5a–5c: a Kafka-style log. Clients `send` messages to keys and get back offsets,
//! `poll` from offsets, `commit_offsets` they have processed and `list_committed_offsets`.
//!
//! Two designs, chosen by `--mode`:
//! - [`local`] (default; 5a and 5c): each node hands out offsets from its own residue class and
//!   replicates in batches with per-key marks, so polls serve a settled prefix and nothing on
//!   the client path waits for the network. One node degenerates to a plain in-memory log.
//! - [`linkv`] (5b): offsets are claimed from per-key counters in Maelstrom's `lin-kv` by
//!   compare-and-set; messages replicate directly; commits live in `lin-kv`.

pub(crate) mod linkv;
pub(crate) mod local;
pub(crate) mod log;
pub(crate) mod requests;
pub(crate) mod sync;

use crate::node::{Ctx, Node};
use crate::protocol::{Message, RpcError};
use std::time::Duration;

#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
enum Mode {
    /// Offsets assigned locally per node, replicated in batches (5a, 5c).
    Local,
    /// Offsets claimed from lin-kv counters (5b).
    LinKv,
}

/// Later flags override earlier ones, so `glomers run --node-arg` can retune a profile.
#[derive(clap::Parser, Debug)]
#[command(args_override_self = true)]
pub(crate) struct Flags {
    /// How offsets are assigned.
    #[arg(long, value_enum, default_value_t = Mode::Local)]
    mode: Mode,
    /// Milliseconds between replication batches to each peer.
    #[arg(long, default_value_t = 100)]
    sync_ms: u64,
    /// Milliseconds before unacknowledged batches are sent again; doubles while the peer
    /// acknowledges nothing.
    #[arg(long, default_value_t = 1000)]
    resend_ms: u64,
    /// Cap of the retransmission timeout, in ms.
    #[arg(long, default_value_t = 8000)]
    resend_max_ms: u64,
}

impl Default for Flags {
    fn default() -> Self {
        // The defaults are clap's (`default_value_t`), written once: no arguments always parse.
        <Flags as clap::Parser>::parse_from(["kafka"])
    }
}

/// The node's clocks, from its flags.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Timing {
    sync: Duration,
    resend: Duration,
    /// The cap the retransmission timeout backs off to.
    resend_max: Duration,
    /// How long a `list_committed_offsets` waits for peers before answering with what it has.
    query_timeout: Duration,
    /// How long a `lin-kv` request may stay unanswered before its state is dropped.
    kv_timeout: Duration,
}

impl Default for Timing {
    fn default() -> Self {
        Timing::from(&Flags::default())
    }
}

impl From<&Flags> for Timing {
    fn from(f: &Flags) -> Self {
        Timing {
            sync: Duration::from_millis(f.sync_ms.max(1)),
            resend: Duration::from_millis(f.resend_ms.max(1)),
            resend_max: Duration::from_millis(f.resend_max_ms.max(1)),
            query_timeout: Duration::from_secs(1),
            kv_timeout: Duration::from_secs(4),
        }
    }
}

/// The kafka node: one of the two designs.
pub(crate) struct Kafka {
    inner: Box<dyn Node>,
}

impl Kafka {
    pub(crate) fn new(flags: Flags) -> Self {
        let timing = Timing::from(&flags);
        let inner: Box<dyn Node> = match flags.mode {
            Mode::Local => Box::new(local::Local::new(timing)),
            Mode::LinKv => Box::new(linkv::LinKv::new(timing)),
        };
        Kafka { inner }
    }
}

impl Node for Kafka {
    fn on_init(&mut self, ctx: &mut Ctx) {
        self.inner.on_init(ctx)
    }

    fn on_message(&mut self, msg: Message, ctx: &mut Ctx) -> Result<(), RpcError> {
        self.inner.on_message(msg, ctx)
    }

    fn on_tick(&mut self, ctx: &mut Ctx) {
        self.inner.on_tick(ctx)
    }

    fn tick_interval(&self) -> Option<Duration> {
        self.inner.tick_interval()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::node::testing::Harness;
    use crate::protocol::Body;
    use serde_json::json;

    const MODES: [Mode; 2] = [Mode::Local, Mode::LinKv];

    /// Node n0 of a two-node cluster in `mode`, with the default timing.
    fn node_n0_of_2(mode: Mode) -> Harness {
        let flags = Flags {
            mode,
            ..Flags::default()
        };
        Harness::new(Box::new(Kafka::new(flags)), "n0", 2)
    }

    /// Odd, hostile or out-of-place input gets an error reply or is dropped; never a panic.
    #[test]
    fn odd_input_never_panics() {
        for mode in MODES {
            let mut h = node_n0_of_2(mode);
            // (request, the error code it must get; None for a normal reply)
            let requests = [
                (Body::new("send"), Some(12)),
                (Body::new("send").with("key", 3).with("msg", 1), Some(12)),
                (
                    Body::new("poll").with("offsets", json!({"k": i64::MIN})),
                    None,
                ),
                (
                    Body::new("poll").with("offsets", json!({"k": i64::MAX})),
                    None,
                ),
                (Body::new("poll").with("offsets", json!([1, 2])), Some(12)),
                (
                    Body::new("commit_offsets").with("offsets", json!({"k": "x"})),
                    Some(12),
                ),
                (
                    Body::new("list_committed_offsets").with("keys", json!("k")),
                    Some(12),
                ),
                (Body::new("nonsense"), Some(10)),
            ];
            for (body, code) in requests {
                let out = h.request("c1", body.clone());
                let replies: Vec<_> = out.iter().filter(|m| m.dest == "c1").collect();
                assert_eq!(replies.len(), 1, "{mode:?} {body:?}");
                assert_eq!(
                    replies[0].body.as_error().map(|e| e.code),
                    code,
                    "{mode:?} {body:?}"
                );
            }
            let hostile = [
                Body::new("kafka_sync").with("first", 1).with("ack", u64::MAX).with(
                    "batches",
                    json!([{"entries": [["k", i64::MAX, 1], ["k", -5, 2]], "marks": {"k": i64::MAX}}]),
                ),
                Body::new("kafka_sync").with("first", u64::MAX).with("ack", 0).with("batches", json!([{}, {}])),
                Body::new("kafka_sync").with("batches", "no"),
                Body::new("kafka_committed_ok").with("offsets", json!({"k": 1})),
            ];
            for mut body in hostile {
                body.in_reply_to = Some(99);
                h.deliver(crate::protocol::Message::new("n1", "n0", body));
            }
            let mut reply = Body::new("cas_ok");
            reply.in_reply_to = Some(12345);
            h.deliver(crate::protocol::Message::new("lin-kv", "n0", reply));
            // Still serving after all that.
            h.request("c1", Body::new("send").with("key", "k").with("msg", 1));
            h.tick_after(Duration::from_secs(1));
            let out = h.request("c1", Body::new("poll").with("offsets", json!({"k": 0})));
            assert_eq!(out[0].body.kind, "poll_ok");
        }
    }

    /// A peer claiming the top of the offset range (entry or mark) is refused as malformed,
    /// so the key keeps serving sends at ordinary offsets in both modes.
    #[test]
    fn a_hostile_mark_at_the_end_of_the_offset_range_does_not_disable_a_key() {
        for mode in MODES {
            let mut h = node_n0_of_2(mode);
            for batch in [
                json!({"marks": {"k": i64::MAX}}),
                json!({"entries": [["k", i64::MAX - 1, "evil"]]}),
                json!({"marks": {"k": sync::MAX_PEER_OFFSET + 1}}),
            ] {
                let body = Body::new(sync::SYNC)
                    .with("first", 1)
                    .with("ack", 0)
                    .with("batches", json!([batch]));
                h.deliver(crate::protocol::Message::new("n1", "n0", body));
            }
            let out = h.request("c1", Body::new("send").with("key", "k").with("msg", 1));
            let reply = match mode {
                Mode::Local => out[0].clone(),
                Mode::LinKv => {
                    // The claim goes to lin-kv; it succeeds.
                    assert_eq!(out[0].dest, "lin-kv", "{mode:?}: {out:?}");
                    assert_eq!(out[0].body.fields["from"], json!(0), "{mode:?}");
                    let mut ok = Body::new("cas_ok");
                    ok.in_reply_to = out[0].body.msg_id;
                    h.deliver(crate::protocol::Message::new("lin-kv", "n0", ok))[0].clone()
                }
            };
            assert_eq!(reply.body.kind, "send_ok", "{mode:?}: {:?}", reply.body);
            assert_eq!(reply.body.fields["offset"], json!(0), "{mode:?}");
        }
    }
}
