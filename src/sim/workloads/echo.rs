//! The echo workload: clients send `echo` with "Please echo `<n>`" and expect the same payload
//! back; the checker lists every reply whose payload differs from the request's.

use super::expect_reply;
use crate::history::{pairs, Op, OpType};
use crate::protocol::Body;
use crate::sim::model::{ClientInfo, Draw, Invocation, Step, WorkloadCheck, WorkloadModel};
use crate::sim::SimConfig;
use crate::verdict::Validity;
use rand::Rng;
use serde_json::{json, Value};

pub(crate) struct EchoModel;

impl WorkloadModel for EchoModel {
    fn generate(&mut self, draw: Draw<'_>) -> Option<Invocation> {
        let rng = draw.rng;
        let n: u32 = rng.gen_range(0..128);
        Some(Invocation::new("echo", json!(format!("Please echo {n}"))))
    }

    fn begin(&mut self, _client: &ClientInfo, op: &Invocation) -> Step {
        Step::request(Body::new("echo").with("echo", &op.value))
    }

    fn on_reply(&mut self, _client: &ClientInfo, op: &Invocation, reply: &Body) -> Step {
        match expect_reply(reply, "echo_ok", &["echo"], &[], &op.value, false) {
            Ok(fields) => Step::ok(fields["echo"].clone()),
            Err(step) => step,
        }
    }

    fn check(&self, history: &[Op], _cfg: &SimConfig) -> WorkloadCheck {
        let errors: Vec<Value> = pairs(history)
            .into_iter()
            .filter_map(|p| {
                let done = p.complete.filter(|c| c.kind == OpType::Ok)?;
                (done.value != p.invoke.value)
                    .then(|| json!({"expected": p.invoke.value, "received": done.value}))
            })
            .collect();
        let valid = errors.is_empty();
        let mut check = WorkloadCheck::new(
            Validity::from_bool(valid),
            json!({"valid?": valid, "errors": errors}),
        );
        if !valid {
            check.anomalies.push("echo-mismatch".into());
            check
                .counts
                .insert("error-count".into(), errors.len() as f64);
        }
        check
    }
}
