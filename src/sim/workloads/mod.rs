//! Maelstrom's workloads as the simulator runs them: one file each with the client model
//! (generator, RPC encoding, reply decoding) and the checker.

pub mod broadcast;
pub(crate) mod echo;
pub(crate) mod findings;
pub mod g_counter;
pub(crate) mod kafka;
pub(crate) mod scc;
pub mod txn;
pub(crate) mod unique_ids;

use super::model::{Step, WorkloadModel};
use super::SimConfig;
use crate::challenge::Workload;
use crate::protocol::Body;
use serde_json::Value;

/// The client model and checker for `cfg.workload`.
pub(crate) fn model(cfg: &SimConfig) -> anyhow::Result<Box<dyn WorkloadModel>> {
    Ok(match cfg.workload {
        Workload::Echo => Box::new(echo::EchoModel),
        Workload::UniqueIds => Box::new(unique_ids::UniqueIdsModel),
        Workload::Broadcast => Box::new(broadcast::BroadcastModel::new(cfg)?),
        Workload::GCounter => Box::new(g_counter::GCounterModel::new(cfg)?),
        Workload::Kafka => Box::new(kafka::KafkaModel::new(cfg)?),
        Workload::TxnRwRegister => Box::new(txn::TxnModel::new(cfg)?),
    })
}

/// Checks a reply against Maelstrom's strict schema: the expected `type`, exactly the
/// `required` fields, and nothing else besides `optional`. An error reply goes through
/// [`Step::from_error`]. On success returns the reply's fields.
fn expect_reply<'b>(
    reply: &'b Body,
    kind: &str,
    required: &[&str],
    optional: &[&str],
    op_value: &Value,
    idempotent: bool,
) -> Result<&'b serde_json::Map<String, Value>, Step> {
    if reply.kind == "error" {
        return Err(Step::from_error(reply, op_value.clone(), idempotent));
    }
    if reply.kind != kind {
        return Err(Step::malformed(
            op_value.clone(),
            format!("expected a {kind} reply, got {:?}", reply.kind),
        ));
    }
    for key in required {
        if !reply.fields.contains_key(*key) {
            return Err(Step::malformed(
                op_value.clone(),
                format!("{kind} is missing required key {key:?}"),
            ));
        }
    }
    if let Some(extra) = reply
        .fields
        .keys()
        .find(|k| !required.contains(&k.as_str()) && !optional.contains(&k.as_str()))
    {
        return Err(Step::malformed(
            op_value.clone(),
            format!("{kind} has disallowed key {extra:?}"),
        ));
    }
    Ok(&reply.fields)
}
