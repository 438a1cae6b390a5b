//! Challenge 4: grow-only counter on seq-kv. (Being built.)

use crate::node::{Ctx, Node};
use crate::protocol::{Message, RpcError};

#[derive(clap::Parser, Debug, Default)]
pub struct Flags {}

pub struct GCounter;

impl GCounter {
    pub fn new(_flags: Flags) -> Self {
        GCounter
    }
}

impl Node for GCounter {
    fn on_message(&mut self, msg: Message, _ctx: &mut Ctx) -> Result<(), RpcError> {
        Err(RpcError::not_supported(&msg.body.kind))
    }
}
