//! Challenges 5a–5c: Kafka-style log. (Being built.)

use crate::node::{Ctx, Node};
use crate::protocol::{Message, RpcError};

#[derive(clap::Parser, Debug, Default)]
pub struct Flags {}

pub struct Kafka;

impl Kafka {
    pub fn new(_flags: Flags) -> Self {
        Kafka
    }
}

impl Node for Kafka {
    fn on_message(&mut self, msg: Message, _ctx: &mut Ctx) -> Result<(), RpcError> {
        Err(RpcError::not_supported(&msg.body.kind))
    }
}
