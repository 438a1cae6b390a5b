//! Challenges 5a–5c: a Kafka-style log. Clients `send` messages to keys and get back offsets,
//! `poll` from offsets, `commit_offsets` they have processed and `list_committed_offsets`.
//!
//! Two designs, chosen by `--mode`:
//! - [`local`] (default; 5a and 5c): each node hands out offsets from its own residue class and
//!   replicates in batches with per-key marks, so polls serve a settled prefix and nothing on
//!   the client path waits for the network. One node degenerates to a plain in-memory log.
//! - [`linkv`] (5b): offsets are claimed from per-key counters in Maelstrom's `lin-kv` by
//!   compare-and-set; messages replicate directly; commits live in `lin-kv`.

pub mod linkv;
pub mod local;
pub mod log;
pub mod requests;
pub mod sync;

use crate::node::{Ctx, Node};
use crate::protocol::{Message, RpcError};
use std::time::Duration;

#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum Mode {
    /// Offsets assigned locally per node, replicated in batches (5a, 5c).
    Local,
    /// Offsets claimed from lin-kv counters (5b).
    LinKv,
}

#[derive(clap::Parser, Debug)]
pub struct Flags {
    /// How offsets are assigned.
    #[arg(long, value_enum, default_value_t = Mode::Local)]
    pub mode: Mode,
    /// Milliseconds between replication batches to each peer.
    #[arg(long, default_value_t = 100)]
    pub sync_ms: u64,
    /// Milliseconds before unacknowledged batches are sent again.
    #[arg(long, default_value_t = 1000)]
    pub resend_ms: u64,
}

impl Default for Flags {
    fn default() -> Self {
        Flags {
            mode: Mode::Local,
            sync_ms: 100,
            resend_ms: 1000,
        }
    }
}

/// The node's clocks, from its flags.
#[derive(Clone, Copy, Debug)]
pub struct Timing {
    pub sync: Duration,
    pub resend: Duration,
    /// How long a `list_committed_offsets` waits for peers before answering with what it has.
    pub query_timeout: Duration,
    /// How long a `lin-kv` request may stay unanswered before its state is dropped.
    pub kv_timeout: Duration,
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
            query_timeout: Duration::from_secs(1),
            kv_timeout: Duration::from_secs(4),
        }
    }
}

/// The kafka node: one of the two designs.
pub struct Kafka {
    inner: Box<dyn Node>,
}

impl Kafka {
    pub fn new(flags: Flags) -> Self {
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
