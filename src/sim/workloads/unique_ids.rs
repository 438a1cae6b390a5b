//! The unique-ids workload: clients call `generate`; the checker counts attempts and
//! acknowledgements and finds every id acknowledged more than once (Jepsen's unique-ids).

use super::expect_reply;
use crate::history::{Op, OpType};
use crate::protocol::Body;
use crate::sim::model::{ClientInfo, Draw, Invocation, Step, WorkloadCheck, WorkloadModel};
use crate::sim::SimConfig;
use crate::verdict::Validity;
use serde_json::{json, Value};
use std::collections::BTreeMap;

pub(crate) struct UniqueIdsModel;

impl WorkloadModel for UniqueIdsModel {
    fn generate(&mut self, _draw: Draw<'_>) -> Option<Invocation> {
        Some(Invocation::new("generate", Value::Null))
    }

    fn on_reply(&mut self, _client: &ClientInfo, op: &Invocation, reply: &Body) -> Step {
        match expect_reply(reply, "generate_ok", &["id"], &[], &op.value, false) {
            Ok(fields) => Step::ok(fields["id"].clone()),
            Err(step) => step,
        }
    }

    fn check(&self, history: &[Op], _cfg: &SimConfig) -> WorkloadCheck {
        let client_ops = history.iter().filter(|o| o.is_client());
        let mut attempted = 0u64;
        let mut counts: BTreeMap<String, (Value, u64)> = BTreeMap::new();
        for op in client_ops {
            match op.kind {
                OpType::Invoke => attempted += 1,
                OpType::Ok => {
                    // Keyed by canonical JSON text so ids of any JSON type compare exactly.
                    let entry = counts
                        .entry(op.value.to_string())
                        .or_insert((op.value.clone(), 0));
                    entry.1 += 1;
                }
                _ => {}
            }
        }
        let acknowledged: u64 = counts.values().map(|(_, n)| n).sum();
        let duplicated: Vec<Value> = counts
            .values()
            .filter(|(_, n)| *n > 1)
            .map(|(id, n)| json!([id, n]))
            .collect();
        let numbers: Vec<f64> = counts.values().filter_map(|(v, _)| v.as_f64()).collect();
        let range = match (
            numbers.iter().copied().reduce(f64::min),
            numbers.iter().copied().reduce(f64::max),
        ) {
            (Some(lo), Some(hi)) => json!([lo, hi]),
            _ => Value::Null,
        };
        let valid = duplicated.is_empty();
        let mut check = WorkloadCheck::new(
            Validity::from_bool(valid),
            json!({
                "valid?": valid,
                "attempted-count": attempted,
                "acknowledged-count": acknowledged,
                "duplicated-count": duplicated.len(),
                "duplicated": duplicated,
                "range": range,
            }),
        );
        check
            .counts
            .insert("duplicated-count".into(), duplicated.len() as f64);
        if !valid {
            check.anomalies.push("duplicated".into());
        }
        check
    }
}
