//! Challenge 2: `generate` → `generate_ok {id}`. Ids are `counter · N + index`, where N is the
//! cluster size and index this node's position: disjoint residue classes per node, so no two
//! nodes can ever collide, with zero messages between servers and total availability under any
//! partition. Integers keep ids mutually comparable, as Maelstrom's checker prefers.

use crate::node::{Ctx, Node};
use crate::protocol::{Body, Message, RpcError};

/// The unique-ids node (challenge 2). It takes no flags.
#[derive(clap::Parser, Debug, Default)]
pub struct Flags {}

#[derive(Default)]
pub struct UniqueIds {
    counter: u64,
}

impl UniqueIds {
    pub fn new(_flags: Flags) -> Self {
        UniqueIds::default()
    }
}

impl Node for UniqueIds {
    fn on_message(&mut self, msg: Message, ctx: &mut Ctx) -> Result<(), RpcError> {
        match msg.body.kind.as_str() {
            "generate" => {
                let n = ctx.node_ids.len().max(1) as u64;
                let id = self.counter * n + ctx.index() as u64;
                self.counter += 1;
                ctx.reply(&msg, Body::new("generate_ok").with("id", id));
                Ok(())
            }
            other => Err(RpcError::not_supported(other)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::node::testing::Harness;
    use std::collections::BTreeSet;

    #[test]
    fn ids_from_different_nodes_never_collide() {
        let mut seen = BTreeSet::new();
        for node in ["n0", "n1", "n2"] {
            let mut h = Harness::new(Box::new(UniqueIds::default()), node, 3);
            for _ in 0..1000 {
                let out = h.request("c1", Body::new("generate"));
                // The reply is the only message: no server-to-server traffic at all.
                assert_eq!(out.len(), 1);
                let id: u64 = out[0].body.get("id").unwrap();
                assert!(seen.insert(id), "duplicate id {id}");
            }
        }
        assert_eq!(seen.len(), 3000);
    }
}
