//! The txn-rw-register workload (challenges 6a–6c) in the simulator: Maelstrom's client
//! (`txn {txn}` → `txn_ok {txn}` with its strict reply schema; error 30 is a definite abort, so
//! the operation fails), Elle's transaction generator, and an Elle-style checker.
//!
//! - [`generator`]: Elle's `wr-txns` with Maelstrom's options (key rotation included).
//! - [`txns`]: the history as transactions, with external reads and writes.
//! - [`anomalies`]: internal, G1a, G1b, lost update.
//! - [`deps`]: the inferred version orders and the dependency graph.
//! - [`graph`]: the graph type and strongly connected components.
//! - [`cycles`]: named cycle searches (G0, G1c, G-single-item, …) and cycle existence.
//! - [`consistency_models`]: consistency models by name and what each prohibits.
//! - [`check`]: all of it judged under `--consistency-models`, in Maelstrom's result shape.

pub(crate) mod anomalies;
pub mod check;
pub(crate) mod consistency_models;
pub(crate) mod cycles;
pub(crate) mod deps;
pub(crate) mod generator;
pub(crate) mod graph;
pub(crate) mod txns;

use super::expect_reply;
use crate::history::Op;
use crate::protocol::Body;
use crate::sim::model::{ClientInfo, Draw, Invocation, Step, WorkloadCheck, WorkloadModel};
use crate::sim::SimConfig;
use serde_json::Value;

pub(crate) struct TxnModel {
    gen: generator::Generator,
    models: Vec<String>,
}

impl TxnModel {
    pub(crate) fn new(cfg: &SimConfig) -> anyhow::Result<Self> {
        let opts = cfg.opts.resolve()?;
        let models = consistency_models::parse(opts.consistency_models.as_deref())
            .map_err(|e| anyhow::anyhow!("--consistency-models: {e}"))?;
        let gen = generator::Generator::new(generator::Options {
            key_count: opts.key_count as usize,
            min_txn_length: 1,
            max_txn_length: opts.max_txn_length as usize,
            max_writes_per_key: u64::from(opts.max_writes_per_key),
        })?;
        Ok(TxnModel { gen, models })
    }
}

/// Maelstrom's reply schema for a transaction: an array of `["r", k, v]` or `["w", k, v]`.
fn valid_txn(txn: &Value) -> Result<(), String> {
    let items = txn.as_array().ok_or("txn is not an array")?;
    for (i, mop) in items.iter().enumerate() {
        match mop.as_array().map(Vec::as_slice) {
            Some([f, _, _]) if f == "r" || f == "w" => {}
            _ => return Err(format!("txn[{i}] is not [\"r\"|\"w\", key, value]: {mop}")),
        }
    }
    Ok(())
}

impl WorkloadModel for TxnModel {
    fn generate(&mut self, draw: Draw<'_>) -> Option<Invocation> {
        let rng = draw.rng;
        Some(Invocation::new("txn", self.gen.next_txn(rng)))
    }

    fn begin(&mut self, _client: &ClientInfo, op: &Invocation) -> Step {
        Step::request(Body::new("txn").with("txn", &op.value))
    }

    fn on_reply(&mut self, _client: &ClientInfo, op: &Invocation, reply: &Body) -> Step {
        match expect_reply(reply, "txn_ok", &["txn"], &[], &op.value, false) {
            Ok(fields) => {
                let txn = &fields["txn"];
                match valid_txn(txn) {
                    Ok(()) => Step::ok(txn.clone()),
                    Err(why) => Step::malformed(op.value.clone(), why),
                }
            }
            Err(step) => step,
        }
    }

    fn check(&self, history: &[Op], _cfg: &SimConfig) -> WorkloadCheck {
        check::check(history, &self.models)
    }
}
