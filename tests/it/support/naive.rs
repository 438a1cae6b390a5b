//! Naive nodes, as a learner might first write them: each passes Maelstrom's own test (no node
//! ever restarts there) and fails under a fault the simulator adds. They are the other column
//! of the README's faults table.

use glomers::node::{Ctx, Node};
use glomers::protocol::{Body, Message, RpcError};

/// Challenge 2 counting from 0: node i of N answers `counter · N + i` (the Rust twin of
/// `tests/nodes/counting_ids.py`). Its counter lives in memory, so after a restart it repeats.
#[derive(Default)]
pub struct CountingIds {
    counter: u64,
}

impl Node for CountingIds {
    fn on_message(&mut self, msg: Message, ctx: &mut Ctx) -> Result<(), RpcError> {
        let peers = ctx.peers().count() as u64 + 1;
        let index = ctx.peers().filter(|p| **p < ctx.id).count() as u64;
        let id = self.counter * peers + index;
        self.counter += 1;
        ctx.reply(&msg, Body::new("generate_ok").with("id", id));
        Ok(())
    }
}
