//! Challenges 6a–6c: totally-available transactions. (Being built.)

use crate::node::{Ctx, Node};
use crate::protocol::{Message, RpcError};

#[derive(clap::Parser, Debug, Default)]
pub struct Flags {}

pub struct Txn;

impl Txn {
    pub fn new(_flags: Flags) -> Self {
        Txn
    }
}

impl Node for Txn {
    fn on_message(&mut self, msg: Message, _ctx: &mut Ctx) -> Result<(), RpcError> {
        Err(RpcError::not_supported(&msg.body.kind))
    }
}
