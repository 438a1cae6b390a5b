//! Challenge 2: `generate` → `generate_ok {id}`. An id is `<node>-<incarnation>-<counter>`:
//! the node's own id, a random 64-bit incarnation drawn when the node starts, and a counter
//! from 0. Node ids keep nodes apart, the incarnation keeps one node's starts apart (a node
//! killed and started again has forgotten its counter, and a node that counts from 0 after a
//! restart repeats its ids), and the counter keeps one start's ids apart. No message ever
//! leaves a node, so every request is answered at once under any partition.
//!
//! The incarnation comes from the node's seeded RNG, which the stdio runtime seeds from the
//! clock and the process id (`glomers node --seed` fixes it, for tests only), and the
//! simulator from the run's seed, the node and which start it is.

use super::one_request;
use crate::node::{Ctx, Node};
use crate::protocol::{Body, ErrorCode, Message, RpcError};
use rand::Rng;

/// The unique-ids node (challenge 2). It takes no flags.
#[derive(clap::Parser, Debug, Default)]
pub(crate) struct Flags {}

#[derive(Default)]
pub(crate) struct UniqueIds {
    /// This start's random incarnation, drawn at `init`.
    incarnation: u64,
    counter: u64,
}

impl UniqueIds {
    pub(crate) fn new(_flags: Flags) -> Self {
        UniqueIds::default()
    }

    /// This node's next id.
    fn next_id(&mut self, ctx: &Ctx) -> Result<String, RpcError> {
        let counter = self.counter;
        // Past 2^64 ids the counter would wrap onto ids already given: refuse instead.
        self.counter = counter.checked_add(1).ok_or_else(|| {
            RpcError::new(ErrorCode::TemporarilyUnavailable, "id space exhausted")
        })?;
        Ok(format!("{}-{:016x}-{counter}", ctx.id, self.incarnation))
    }
}

impl Node for UniqueIds {
    fn on_init(&mut self, ctx: &mut Ctx) {
        self.incarnation = ctx.rng.gen();
    }

    fn on_message(&mut self, msg: Message, ctx: &mut Ctx) -> Result<(), RpcError> {
        one_request::serve(&msg, ctx, "generate", |_, ctx| {
            Ok(Body::new("generate_ok").with("id", self.next_id(ctx)?))
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::node::Host;
    use std::collections::BTreeSet;
    use std::time::Duration;

    fn init(node_id: &str) -> Message {
        let mut body = Body::new("init")
            .with("node_id", node_id)
            .with("node_ids", ["n0", "n1", "n2"]);
        body.msg_id = Some(1);
        Message::new("c0", node_id, body)
    }

    fn generate(host: &mut Host, node: &str) -> Body {
        let mut body = Body::new("generate");
        body.msg_id = Some(2);
        let out = host.handle(Message::new("c1", node, body), Duration::ZERO);
        assert_eq!(out.len(), 1, "the reply is the only message");
        out[0].body.clone()
    }

    /// `count` ids from a fresh start of `node` whose RNG is seeded with `seed`.
    fn ids(node: &str, seed: u64, count: usize) -> Vec<String> {
        let mut host = Host::new(Box::new(UniqueIds::default()), seed);
        assert_eq!(
            host.handle(init(node), Duration::ZERO)[0].body.kind,
            "init_ok"
        );
        (0..count)
            .map(|_| generate(&mut host, node).get("id").expect("an id"))
            .collect()
    }

    #[test]
    fn ids_never_collide_across_nodes_or_restarts() {
        let mut seen = BTreeSet::new();
        // Three nodes, each started three times (a restart is a fresh node with a fresh seed,
        // as a new process or the simulator's next start gets).
        for node in ["n0", "n1", "n2"] {
            for start in 0..3 {
                for id in ids(node, start * 31 + 1, 1000) {
                    assert!(id.starts_with(&format!("{node}-")), "{id}");
                    assert!(seen.insert(id.clone()), "duplicate id {id}");
                }
            }
        }
        assert_eq!(seen.len(), 9000);
    }

    /// A node missing from `node_ids` has no id of its own to put in its ids.
    #[test]
    fn a_node_missing_from_node_ids_refuses_init_and_serves_nothing() {
        let mut host = Host::new(Box::new(UniqueIds::default()), 1);
        let out = host.handle(init("n5"), Duration::ZERO);
        let err = out[0].body.as_error().expect("init is refused");
        assert_eq!(err.code, 12);
        assert!(err.text.contains("n5"), "{}", err.text);
        assert_eq!(
            generate(&mut host, "n5").as_error().map(|e| e.code),
            Some(11)
        );
        // A correct init afterwards is accepted.
        let out = host.handle(init("n1"), Duration::ZERO);
        assert_eq!(out[0].body.kind, "init_ok");
        let id: String = generate(&mut host, "n1").get("id").expect("an id");
        assert!(id.starts_with("n1-") && id.ends_with("-0"), "{id}");
    }
}
