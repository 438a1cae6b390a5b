//! Challenge 2: `generate` → `generate_ok {id}`. Ids are `counter · N + index`, where N is the
//! cluster size and index this node's position: disjoint residue classes per node, so no two
//! nodes can ever collide, with zero messages between servers and total availability under any
//! partition. Integers keep ids mutually comparable, as Maelstrom's checker prefers.

use super::one_request;
use crate::node::{Ctx, Node};
use crate::protocol::{Body, ErrorCode, Message, RpcError};

/// The unique-ids node (challenge 2). It takes no flags.
#[derive(clap::Parser, Debug, Default)]
pub(crate) struct Flags {}

#[derive(Default)]
pub(crate) struct UniqueIds {
    counter: u64,
}

impl UniqueIds {
    pub(crate) fn new(_flags: Flags) -> Self {
        UniqueIds::default()
    }

    /// This node's next id: `counter · cluster size + index`.
    fn next_id(&mut self, ctx: &Ctx) -> Result<u64, RpcError> {
        let cluster = ctx.node_ids.len().max(1) as u64;
        // Past 2^64 ids the residue classes would wrap into each other: refuse instead.
        let id = self
            .counter
            .checked_mul(cluster)
            .and_then(|base| base.checked_add(ctx.index() as u64))
            .ok_or_else(|| {
                RpcError::new(ErrorCode::TemporarilyUnavailable, "id space exhausted")
            })?;
        self.counter += 1;
        Ok(id)
    }
}

impl Node for UniqueIds {
    fn on_message(&mut self, msg: Message, ctx: &mut Ctx) -> Result<(), RpcError> {
        one_request::serve(&msg, ctx, "generate", |_, ctx| {
            Ok(Body::new("generate_ok").with("id", self.next_id(ctx)?))
        })
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

    fn init(node_id: &str) -> Message {
        let mut body = Body::new("init")
            .with("node_id", node_id)
            .with("node_ids", ["n0", "n1", "n2"]);
        body.msg_id = Some(1);
        Message::new("c0", node_id, body)
    }

    fn generate(host: &mut crate::node::Host) -> Body {
        let mut body = Body::new("generate");
        body.msg_id = Some(2);
        let out = host.handle(Message::new("c1", "n0", body), std::time::Duration::ZERO);
        assert_eq!(out.len(), 1);
        out[0].body.clone()
    }

    /// A node missing from `node_ids` has no residue class of its own; it must not borrow
    /// n0's (its first id would be n0's first id).
    #[test]
    fn a_node_missing_from_node_ids_refuses_init_and_serves_nothing() {
        let mut host = crate::node::Host::new(Box::new(UniqueIds::default()), 1);
        let out = host.handle(init("n5"), std::time::Duration::ZERO);
        let err = out[0].body.as_error().expect("init is refused");
        assert_eq!(err.code, 12);
        assert!(err.text.contains("n5"), "{}", err.text);
        assert_eq!(generate(&mut host).as_error().map(|e| e.code), Some(11));
        // A correct init afterwards is accepted and gives the node its own class.
        let out = host.handle(init("n1"), std::time::Duration::ZERO);
        assert_eq!(out[0].body.kind, "init_ok");
        assert_eq!(generate(&mut host).get::<u64>("id").ok(), Some(1));
    }
}
