//! The part of a node every workload shares: the `init` handshake, turning node errors into
//! Maelstrom error replies, and surviving bad input. Both the stdio runtime and the simulator
//! drive a node through a [`Host`], so they cannot disagree on these rules.

use super::{Ctx, Node};
use crate::protocol::{Body, ErrorCode, Message, RpcError};
use std::time::Duration;

#[derive(serde::Deserialize)]
struct Init {
    node_id: String,
    node_ids: Vec<String>,
}

impl Init {
    /// A node must find itself in `node_ids`: its position there is what keeps its ids, offsets
    /// and versions apart from every other node's (unique-ids, kafka and txn all rely on it),
    /// and no stand-in position could be guaranteed unused. Maelstrom always lists the node.
    fn validate(self) -> Result<Init, RpcError> {
        if self.node_ids.contains(&self.node_id) {
            return Ok(self);
        }
        Err(RpcError::new(
            ErrorCode::MalformedRequest,
            format!(
                "init: node_id {:?} is not one of node_ids {:?}; it must be listed there",
                self.node_id, self.node_ids
            ),
        ))
    }
}

/// A node plus its context once `init` has arrived.
pub struct Host {
    node: Box<dyn Node>,
    ctx: Option<Ctx>,
    seed: u64,
    /// Diagnostics raised before a context exists (bad lines before `init`).
    logs: Vec<String>,
}

impl Host {
    pub fn new(node: Box<dyn Node>, seed: u64) -> Self {
        Host {
            node,
            ctx: None,
            seed,
            logs: Vec::new(),
        }
    }

    /// This node's id, once initialised.
    pub(crate) fn id(&self) -> Option<&str> {
        self.ctx.as_ref().map(|c| c.id.as_str())
    }

    /// How long until the next tick is due, once initialised.
    pub(crate) fn tick_interval(&self) -> Option<Duration> {
        self.ctx.as_ref()?;
        self.node.tick_interval()
    }

    /// Handles one raw stdin line. A line that is not a Maelstrom message is logged and
    /// skipped: there is nobody to reply to.
    pub fn handle_line(&mut self, line: &[u8], now: Duration) -> Vec<Message> {
        let trimmed = line.trim_ascii();
        if trimmed.is_empty() {
            return Vec::new();
        }
        match serde_json::from_slice::<Message>(trimmed) {
            Ok(msg) => self.handle(msg, now),
            Err(e) => {
                let preview: String = String::from_utf8_lossy(&trimmed[..trimmed.len().min(120)])
                    .chars()
                    .collect();
                self.log(format!(
                    "skipping a line that is not a Maelstrom message ({e}): {preview}"
                ));
                Vec::new()
            }
        }
    }

    /// Handles one message; returns what to send.
    pub(crate) fn handle(&mut self, msg: Message, now: Duration) -> Vec<Message> {
        if msg.body.kind == "init" {
            return self.init(msg, now);
        }
        let Some(ctx) = self.ctx.as_mut() else {
            let err = RpcError::new(
                ErrorCode::TemporarilyUnavailable,
                "node has not received init yet",
            );
            self.logs
                .push(format!("{} before init from {}", msg.body.kind, msg.src));
            return Self::error_reply(&msg, &err).into_iter().collect();
        };
        ctx.now = now;
        let request = msg.body.msg_id.is_some() && msg.body.in_reply_to.is_none();
        let kind = msg.body.kind.clone();
        let origin = msg.clone_header();
        if let Err(err) = self.node.on_message(msg, ctx) {
            if request {
                ctx.error(&origin, &err);
            } else {
                ctx.log(format!("dropping {kind} from {}: {err}", origin.src));
            }
        }
        ctx.take_outbox()
    }

    /// Runs a tick; returns what to send.
    pub(crate) fn tick(&mut self, now: Duration) -> Vec<Message> {
        let Some(ctx) = self.ctx.as_mut() else {
            return Vec::new();
        };
        ctx.now = now;
        self.node.on_tick(ctx);
        ctx.take_outbox()
    }

    /// Diagnostics produced since the last call.
    pub fn take_logs(&mut self) -> Vec<String> {
        let mut logs = std::mem::take(&mut self.logs);
        if let Some(ctx) = self.ctx.as_mut() {
            logs.extend(ctx.take_logs());
        }
        logs
    }

    fn log(&mut self, line: String) {
        self.logs.push(line);
    }

    fn init(&mut self, msg: Message, now: Duration) -> Vec<Message> {
        let init: Init = match msg.body.parse().and_then(Init::validate) {
            Ok(init) => init,
            Err(err) => {
                self.logs.push(format!("bad init: {}", err.text));
                return Self::error_reply(&msg, &err).into_iter().collect();
            }
        };
        if self.ctx.is_some() {
            // Maelstrom sends init once; a repeat is answered but changes nothing, so state
            // built on the first one stays consistent.
            self.logs.push("repeated init ignored".into());
        } else {
            let mut ctx = Ctx::new(init.node_id, init.node_ids, self.seed);
            ctx.now = now;
            self.node.on_init(&mut ctx);
            self.ctx = Some(ctx);
        }
        let Some(ctx) = self.ctx.as_mut() else {
            return Vec::new();
        };
        ctx.now = now;
        ctx.reply(&msg, Body::new("init_ok"));
        ctx.take_outbox()
    }

    fn error_reply(msg: &Message, err: &RpcError) -> Option<Message> {
        msg.body.msg_id.filter(|_| msg.body.in_reply_to.is_none())?;
        let mut body = Body::error(err);
        body.in_reply_to = msg.body.msg_id;
        Some(Message::new(msg.dest.clone(), msg.src.clone(), body))
    }
}

impl Message {
    /// A copy of the routing fields and `msg_id`, enough to reply after the message was moved.
    fn clone_header(&self) -> Message {
        let mut body = Body::new(self.body.kind.clone());
        body.msg_id = self.body.msg_id;
        Message::new(self.src.clone(), self.dest.clone(), body)
    }
}
