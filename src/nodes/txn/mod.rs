//! Challenges 6a–6c: totally-available transactions over read/write registers.
//!
//! `txn {txn: [["r", k, null] | ["w", k, v], …]}` → `txn_ok {txn}` with reads filled in. Every
//! node answers every transaction at once from its own state, so it stays available under any
//! partition and never aborts. One design serves all three challenges:
//! - a transaction runs in one step against the local [`store::Store`]: its reads see earlier
//!   committed transactions and its own writes, and its final writes land together at commit,
//!   so nothing uncommitted or intermediate is ever visible (read committed, hence also read
//!   uncommitted);
//! - the final writes are replicated to every peer as one unit ([`replication`]), batched into
//!   one message per peer per tick and retransmitted until acknowledged, so writes reach every
//!   node once partitions heal;
//! - replicas converge by last-writer-wins on a (Lamport time, node, commit sequence) version;
//!   peers may not claim a time above [`replication::MAX_PEER_LAMPORT`], so a local write can
//!   always outrank what it read.
//!
//! With a single node (6a) there is nothing to replicate and the node is serializable.

pub(crate) mod replication;
pub(crate) mod store;

use crate::node::{Ctx, Node};
use crate::protocol::{Body, ErrorCode, Message, RpcError};
use replication::{Batch, Replicator};
use serde_json::Value;
use std::time::Duration;
use store::{Mop, Store};

/// Later flags override earlier ones, so `glomers run --node-arg` can retune a profile.
#[derive(clap::Parser, Debug)]
#[command(args_override_self = true)]
pub(crate) struct Flags {
    /// Milliseconds between replication batches to each peer.
    #[arg(long, default_value_t = 100)]
    replicate_ms: u64,
    /// Most transactions carried by one replication message.
    #[arg(long, default_value_t = 1024)]
    max_batch: usize,
}

impl Default for Flags {
    fn default() -> Self {
        // The defaults are clap's (`default_value_t`), written once: no arguments always parse.
        <Flags as clap::Parser>::parse_from(["txn"])
    }
}

pub(crate) struct Txn {
    flags: Flags,
    store: Store,
    replicator: Replicator,
    /// This node's index in the cluster, the tie-breaker of its versions.
    index: u32,
}

impl Txn {
    pub(crate) fn new(flags: Flags) -> Self {
        Txn {
            flags,
            store: Store::default(),
            replicator: Replicator::default(),
            index: 0,
        }
    }

    /// Reads the micro-ops of a `txn` request; anything else is a malformed request.
    fn parse(body: &Body) -> Result<Vec<Mop>, RpcError> {
        let items: Vec<Value> = body.get("txn")?;
        let bad = |i: usize, why: &str| {
            RpcError::new(ErrorCode::MalformedRequest, format!("txn[{i}]: {why}"))
        };
        items
            .into_iter()
            .enumerate()
            .map(|(i, item)| {
                let Value::Array(parts) = item else {
                    return Err(bad(i, "expected [f, key, value]"));
                };
                let [f, k, v]: [Value; 3] = parts
                    .try_into()
                    .map_err(|_| bad(i, "expected [f, key, value]"))?;
                match f.as_str() {
                    Some("r") => Ok(Mop::Read(k)),
                    Some("w") => Ok(Mop::Write(k, v)),
                    _ => Err(bad(i, "f must be \"r\" or \"w\"")),
                }
            })
            .collect()
    }
}

impl Node for Txn {
    fn on_init(&mut self, ctx: &mut Ctx) {
        self.index = ctx.index() as u32;
        self.replicator = Replicator::new(ctx.peers().cloned());
    }

    fn on_message(&mut self, msg: Message, ctx: &mut Ctx) -> Result<(), RpcError> {
        match msg.body.kind.as_str() {
            "txn" => {
                let txn = Self::parse(&msg.body)?;
                let seq = self.replicator.next_seq();
                let (done, version, writes) = self.store.execute(self.index, seq, &txn);
                self.replicator.commit(version.lamport, writes);
                ctx.reply(&msg, Body::new("txn_ok").with("txn", done));
                Ok(())
            }
            "replicate" => {
                let batch: Batch = msg.body.parse()?;
                batch.validate()?;
                let Some(origin) = ctx.node_ids.iter().position(|n| *n == msg.src) else {
                    ctx.log(format!("replicate from unknown node {}", msg.src));
                    return Ok(());
                };
                self.replicator
                    .receive(&msg.src, origin as u32, batch, &mut self.store);
                Ok(())
            }
            other => Err(RpcError::not_supported(other)),
        }
    }

    fn on_tick(&mut self, ctx: &mut Ctx) {
        for (peer, batch) in self.replicator.batches(self.flags.max_batch.max(1)) {
            let body = Body::new("replicate")
                .with("txns", &batch.txns)
                .with("ack", batch.ack);
            ctx.send(&peer, body);
        }
    }

    fn tick_interval(&self) -> Option<Duration> {
        Some(Duration::from_millis(self.flags.replicate_ms.max(1)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::node::testing::Harness;
    use serde_json::json;

    fn txn(h: &mut Harness, ops: Value) -> Message {
        let out = h.request("c1", Body::new("txn").with("txn", ops));
        assert_eq!(out.len(), 1);
        out.into_iter().next().unwrap()
    }

    #[test]
    fn answers_the_example_from_the_challenge() {
        let mut h = Harness::new(Box::new(Txn::new(Flags::default())), "n0", 1);
        txn(&mut h, json!([["w", 1, 3]]));
        let reply = txn(&mut h, json!([["r", 1, null], ["w", 1, 6], ["w", 2, 9]]));
        assert_eq!(reply.body.kind, "txn_ok");
        assert_eq!(
            reply.body.fields["txn"],
            json!([["r", 1, 3], ["w", 1, 6], ["w", 2, 9]])
        );
        assert_eq!(reply.body.fields.len(), 1, "strict schema: only txn");
        // A single node has nobody to replicate to.
        assert!(h.tick_after(Duration::from_millis(100)).is_empty());
    }

    #[test]
    fn bad_input_gets_error_codes_not_panics() {
        let mut h = Harness::new(Box::new(Txn::new(Flags::default())), "n0", 2);
        for bad in [
            json!(null),
            json!([["x", 1, 2]]),
            json!([["r", 1]]),
            json!([7]),
            json!("txn"),
        ] {
            let out = h.request("c1", Body::new("txn").with("txn", bad));
            assert_eq!(out[0].body.kind, "error");
            assert_eq!(out[0].body.fields["code"], json!(12));
        }
        let out = h.request("c1", Body::new("txn"));
        assert_eq!(out[0].body.fields["code"], json!(12));
        let out = h.request("c1", Body::new("frobnicate"));
        assert_eq!(out[0].body.fields["code"], json!(10));
        // A garbled peer message is dropped quietly (it has no msg_id to answer).
        let out = h.deliver(Message::new(
            "n1",
            "n0",
            Body::new("replicate").with("txns", 5),
        ));
        assert!(out.is_empty());
    }

    #[test]
    fn replicates_whole_transactions_to_peers() {
        let mut n0 = Harness::new(Box::new(Txn::new(Flags::default())), "n0", 2);
        let mut n1 = Harness::new(Box::new(Txn::new(Flags::default())), "n1", 2);
        txn(&mut n0, json!([["w", 1, 1], ["w", 1, 2], ["w", 2, 5]]));
        txn(&mut n0, json!([["r", 1, null]]));
        let out = n0.tick_after(Duration::from_millis(100));
        assert_eq!(out.len(), 1, "one batch to the one peer");
        assert_eq!(out[0].dest, "n1");
        // One entry: the writing transaction's final writes only.
        assert_eq!(
            out[0].body.fields["txns"],
            json!([[1, 1, [[1, 2], [2, 5]]]])
        );
        for m in out {
            n1.deliver(m);
        }
        let reply = txn(&mut n1, json!([["r", 1, null], ["r", 2, null]]));
        assert_eq!(reply.body.fields["txn"], json!([["r", 1, 2], ["r", 2, 5]]));
        // n1 acknowledges; n0 then stops sending.
        let acks = n1.tick_after(Duration::from_millis(100));
        assert_eq!(acks[0].body.fields["ack"], json!(1));
        for m in acks {
            n0.deliver(m);
        }
        assert!(n0.tick_after(Duration::from_millis(100)).is_empty());
    }

    /// Writes a peer's entry `[1, lamport, [[1, "peer"]]]` to `h` from n1.
    fn replicate_from_n1(h: &mut Harness, lamport: u64) {
        let body = Body::new("replicate")
            .with("txns", json!([[1, lamport, [[1, "peer"]]]]))
            .with("ack", 0);
        h.deliver(Message::new("n1", "n0", body));
    }

    #[test]
    fn an_absurd_peer_clock_never_loses_an_acknowledged_write() {
        for lamport in [u64::MAX, u64::MAX - 1, replication::MAX_PEER_LAMPORT + 1] {
            let mut h = Harness::new(Box::new(Txn::new(Flags::default())), "n0", 2);
            replicate_from_n1(&mut h, lamport);
            let w = txn(&mut h, json!([["w", 1, "mine"]]));
            assert_eq!(w.body.kind, "txn_ok");
            let r = txn(&mut h, json!([["r", 1, null]]));
            assert_eq!(r.body.fields["txn"], json!([["r", 1, "mine"]]), "{lamport}");
            let w = txn(&mut h, json!([["w", 1, "later"]]));
            assert_eq!(w.body.kind, "txn_ok");
            let r = txn(&mut h, json!([["r", 1, null]]));
            assert_eq!(
                r.body.fields["txn"],
                json!([["r", 1, "later"]]),
                "{lamport}"
            );
        }
    }

    #[test]
    fn the_highest_accepted_peer_clock_is_still_outranked_by_local_writes() {
        // n0 has the lowest index, so only the clock can make its write win the tie-break.
        let mut h = Harness::new(Box::new(Txn::new(Flags::default())), "n0", 2);
        replicate_from_n1(&mut h, replication::MAX_PEER_LAMPORT);
        let r = txn(&mut h, json!([["r", 1, null]]));
        assert_eq!(r.body.fields["txn"], json!([["r", 1, "peer"]]), "accepted");
        txn(&mut h, json!([["w", 1, "mine"]]));
        let r = txn(&mut h, json!([["r", 1, null]]));
        assert_eq!(r.body.fields["txn"], json!([["r", 1, "mine"]]));
    }

    #[test]
    fn a_repeated_flag_takes_its_last_value() {
        let args: Vec<String> = ["--replicate-ms", "10", "--replicate-ms", "50"]
            .map(String::from)
            .to_vec();
        let node = crate::nodes::build(crate::challenge::Workload::TxnRwRegister, &args)
            .expect("a repeated flag parses");
        assert_eq!(node.tick_interval(), Some(Duration::from_millis(50)));
    }
}
