//! The broadcast workload (3a–3e) in the simulator, as Maelstrom 0.2.4 runs it: a `topology`
//! message to every node at setup, a 50/50 mix of `broadcast` (unique integers 0, 1, 2, … in
//! invocation order) and `read`, one final read per client after the heal and the quiet
//! period, and Jepsen 0.3.7's `set-full` checker over the history.

mod set_full;
pub(crate) mod topology;

use super::expect_reply;
use crate::history::Op;
use crate::protocol::Body;
use crate::sim::model::{ClientInfo, Draw, Invocation, Step, WorkloadCheck, WorkloadModel};
use crate::sim::SimConfig;
use rand::Rng;
use serde_json::{json, Value};

pub use set_full::check as set_full_check;
pub use set_full::{fates as set_full_fates, Fate};

pub(crate) struct BroadcastModel {
    /// The `topology` map sent, whole, to every node (as Maelstrom does).
    topology: serde_json::Map<String, Value>,
    /// The next value to broadcast.
    next_value: u64,
}

impl BroadcastModel {
    pub(crate) fn new(cfg: &SimConfig) -> anyhow::Result<Self> {
        let opts = cfg.opts.resolve()?;
        let nodes: Vec<String> = (0..opts.node_count).map(|i| format!("n{i}")).collect();
        let map = topology::build(opts.topology.word(), &nodes)?;
        Ok(BroadcastModel {
            topology: map.into_iter().map(|(k, v)| (k, json!(v))).collect(),
            next_value: 0,
        })
    }
}

impl WorkloadModel for BroadcastModel {
    fn setup(&mut self, _node: &str, _nodes: &[String]) -> Option<Body> {
        Some(Body::new("topology").with("topology", &self.topology))
    }

    fn check_setup_reply(&self, reply: &Body) -> Result<(), String> {
        match expect_reply(reply, "topology_ok", &[], &[], &Value::Null, false) {
            Ok(_) => Ok(()),
            Err(Step::Complete {
                error: Some(error), ..
            }) => Err(error.to_string()),
            Err(other) => Err(format!("{other:?}")),
        }
    }

    fn generate(&mut self, draw: Draw<'_>) -> Option<Invocation> {
        let rng = draw.rng;
        // Jepsen's gen/mix picks one of the two generators uniformly for every operation; the
        // broadcast generator hands out the next integer only when it is picked.
        if rng.gen_bool(0.5) {
            let value = self.next_value;
            self.next_value += 1;
            Some(Invocation::new("broadcast", json!(value)))
        } else {
            Some(Invocation::new("read", Value::Null))
        }
    }

    fn begin(&mut self, _client: &ClientInfo, op: &Invocation) -> Step {
        match op.f.as_str() {
            "broadcast" => Step::request(Body::new("broadcast").with("message", &op.value)),
            _ => Step::request(Body::new("read")),
        }
    }

    fn on_reply(&mut self, _client: &ClientInfo, op: &Invocation, reply: &Body) -> Step {
        match op.f.as_str() {
            "broadcast" => match expect_reply(reply, "broadcast_ok", &[], &[], &op.value, false) {
                Ok(_) => Step::ok(op.value.clone()),
                Err(step) => step,
            },
            _ => match expect_reply(reply, "read_ok", &["messages"], &[], &op.value, true) {
                Ok(fields) => match &fields["messages"] {
                    // The schema is `[s/Any]`: any list.
                    messages @ Value::Array(_) => Step::ok(messages.clone()),
                    other => Step::malformed(
                        op.value.clone(),
                        format!("read_ok messages must be a list, got {other}"),
                    ),
                },
                Err(step) => step,
            },
        }
    }

    fn idempotent(&self, f: &str) -> bool {
        f == "read"
    }

    fn final_ops(&mut self, _client: &ClientInfo) -> Vec<Invocation> {
        vec![Invocation::new("read", Value::Null)]
    }

    fn check(&self, history: &[Op], _cfg: &SimConfig) -> WorkloadCheck {
        set_full::check(history)
    }
}
