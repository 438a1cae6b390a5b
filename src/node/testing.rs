//! A tiny driver for unit-testing a node through the sans-IO contract: it performs `init`, then
//! delivers messages and ticks at chosen times and returns what the node sent.

use super::{Host, Node};
use crate::protocol::{Body, Message, MsgId};
use std::time::Duration;

pub struct Harness {
    pub host: Host,
    pub now: Duration,
    next_client_msg_id: MsgId,
}

impl Harness {
    /// A node named `id` in a cluster `n0..n{count-1}`, already initialised.
    pub fn new(node: Box<dyn Node>, id: &str, count: usize) -> Self {
        let mut harness = Harness {
            host: Host::new(node, 7),
            now: Duration::ZERO,
            next_client_msg_id: 1,
        };
        let ids: Vec<String> = (0..count).map(|i| format!("n{i}")).collect();
        let init = Body::new("init").with("node_id", id).with("node_ids", ids);
        let out = harness.request("c0", init);
        assert_eq!(out.len(), 1, "init must be answered with exactly init_ok");
        assert_eq!(out[0].body.kind, "init_ok");
        harness
    }

    /// Sends a request (a fresh `msg_id`) from `src`; returns everything the node sent.
    pub fn request(&mut self, src: &str, mut body: Body) -> Vec<Message> {
        body.msg_id = Some(self.next_client_msg_id);
        self.next_client_msg_id += 1;
        self.deliver(Message::new(src, self.host.id().unwrap_or("n0"), body))
    }

    /// Delivers any message; returns everything the node sent.
    pub fn deliver(&mut self, msg: Message) -> Vec<Message> {
        self.host.handle(msg, self.now)
    }

    /// Advances the clock by `by` and runs one tick.
    pub fn tick_after(&mut self, by: Duration) -> Vec<Message> {
        self.now += by;
        self.host.tick(self.now)
    }
}
