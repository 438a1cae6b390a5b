//! The echo workload: clients send `echo` with "Please echo `<n>`" and expect the same payload
//! back. The checker is Maelstrom 0.2.4's (`maelstrom.workload.echo/checker`): it walks
//! knossos' pair index, which pairs an invocation only with an `ok` or `fail` completion, and
//! counts an error wherever the completion's `:echo` differs from the request. So a reply with
//! another payload and every failed operation (a definite error reply: its value carries no
//! `:echo`) are errors, while a timed-out or indeterminate operation (`info`) is skipped.

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
        let mut mismatched = 0usize;
        let mut failed = 0usize;
        let errors: Vec<Value> = pairs(history)
            .into_iter()
            .filter_map(|p| {
                let done = p.complete?;
                match done.kind {
                    OpType::Ok if done.value != p.invoke.value => {
                        mismatched += 1;
                        Some(json!({"expected": p.invoke.value, "received": done.value}))
                    }
                    // Maelstrom looks up `:echo` in a failed op's value (the request's text):
                    // there is none, so the echo it compares is nil.
                    OpType::Fail => {
                        failed += 1;
                        Some(json!({"expected": p.invoke.value, "received": null, "error": done.error}))
                    }
                    _ => None,
                }
            })
            .collect();
        let valid = errors.is_empty();
        let mut check = WorkloadCheck::new(
            Validity::from_bool(valid),
            json!({"valid?": valid, "errors": errors}),
        );
        if mismatched > 0 {
            check.anomalies.push("echo-mismatch".into());
        }
        if failed > 0 {
            check.anomalies.push("echo-failed".into());
        }
        if !valid {
            check
                .counts
                .insert("error-count".into(), errors.len() as f64);
        }
        check
    }
}
