//! Challenges 3a–3e: broadcast. (Being built: see the broadcast work item.)

use crate::node::{Ctx, Node};
use crate::protocol::{Message, RpcError};

#[derive(clap::Parser, Debug, Default)]
pub struct Flags {}

pub struct Broadcast;

impl Broadcast {
    pub fn new(_flags: Flags) -> Self {
        Broadcast
    }
}

impl Node for Broadcast {
    fn on_message(&mut self, msg: Message, _ctx: &mut Ctx) -> Result<(), RpcError> {
        Err(RpcError::not_supported(&msg.body.kind))
    }
}
