//! The sans-IO node contract. A workload is a [`Node`]: a state machine fed messages and ticks,
//! writing to an outbox in its [`Ctx`]. It never touches IO, clocks or global randomness, so the
//! same code runs under the stdio runtime (Maelstrom) and the simulator, and a run is a pure
//! function of its seed and inputs.

pub(crate) mod backoff;
pub(crate) mod host;
pub mod lines;
pub mod rpc;
pub mod runtime;
pub mod testing;

use crate::protocol::{Body, Message, MsgId, RpcError};
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;
use std::time::Duration;

pub use host::Host;

/// A workload's node.
pub trait Node {
    /// Called once after `init`, when the node knows its id and peers. The runtime sends
    /// `init_ok` itself.
    fn on_init(&mut self, _ctx: &mut Ctx) {}

    /// Every message that is not `init`: client requests, peer traffic, service replies. An
    /// `Err` on a request (a message with `msg_id`) is sent back as a Maelstrom error reply.
    fn on_message(&mut self, msg: Message, ctx: &mut Ctx) -> Result<(), RpcError>;

    /// Periodic work (gossip, retries, expiring RPC state); called every `tick_interval`.
    fn on_tick(&mut self, _ctx: &mut Ctx) {}

    /// How often `on_tick` should run; `None` means never. Asked again after every tick.
    fn tick_interval(&self) -> Option<Duration> {
        None
    }
}

/// What a node may use: who it is, the time, a seeded RNG, message ids, and an outbox.
pub struct Ctx {
    pub id: String,
    pub(crate) node_ids: Vec<String>,
    /// Time since the node started (real under Maelstrom, virtual in the simulator).
    pub now: Duration,
    pub rng: ChaCha8Rng,
    next_msg_id: MsgId,
    outbox: Vec<Message>,
    logs: Vec<String>,
}

impl Ctx {
    pub(crate) fn new(id: String, node_ids: Vec<String>, seed: u64) -> Self {
        Ctx {
            id,
            node_ids,
            now: Duration::ZERO,
            rng: ChaCha8Rng::seed_from_u64(seed),
            next_msg_id: 1,
            outbox: Vec::new(),
            logs: Vec::new(),
        }
    }

    /// Every node id except this one, in the order Maelstrom gave them.
    pub fn peers(&self) -> impl Iterator<Item = &String> {
        self.node_ids.iter().filter(move |n| **n != self.id)
    }

    /// The position of this node in `node_ids`. [`Host`] refuses an `init` that does not list
    /// the node; 0 is only a fallback for a `Ctx` built by hand.
    pub(crate) fn index(&self) -> usize {
        self.node_ids
            .iter()
            .position(|n| *n == self.id)
            .unwrap_or(0)
    }

    /// Sends a message that expects no reply (no `msg_id`).
    pub fn send(&mut self, dest: &str, body: Body) {
        self.outbox.push(Message::new(self.id.clone(), dest, body));
    }

    /// Sends a request and returns the `msg_id` its reply will carry in `in_reply_to`.
    pub fn rpc(&mut self, dest: &str, mut body: Body) -> MsgId {
        let id = self.next_msg_id;
        self.next_msg_id += 1;
        body.msg_id = Some(id);
        self.send(dest, body);
        id
    }

    /// Replies to `req` (sets `in_reply_to`). Replies carry no `msg_id` of their own: nobody
    /// answers a reply, and Maelstrom's reply schemas make it optional.
    pub fn reply(&mut self, req: &Message, mut body: Body) {
        body.in_reply_to = req.body.msg_id;
        self.outbox
            .push(Message::new(self.id.clone(), req.src.clone(), body));
    }

    /// Replies to `req` with a Maelstrom error.
    pub(crate) fn error(&mut self, req: &Message, err: &RpcError) {
        self.reply(req, Body::error(err));
    }

    /// A diagnostic line: stderr under Maelstrom (saved as node-logs/<id>.log), kept or
    /// dropped by the simulator.
    pub(crate) fn log(&mut self, line: impl Into<String>) {
        self.logs.push(line.into());
    }

    fn take_outbox(&mut self) -> Vec<Message> {
        std::mem::take(&mut self.outbox)
    }

    fn take_logs(&mut self) -> Vec<String> {
        std::mem::take(&mut self.logs)
    }
}
