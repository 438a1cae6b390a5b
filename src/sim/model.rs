//! What a workload contributes to the simulator: Maelstrom's client for it (which operations
//! to generate, how each becomes one or more RPCs, how replies complete it), its setup and
//! final-phase operations, and its checker.

use super::SimConfig;
use crate::history::{Op, OpType};
use crate::protocol::{is_definite, Body};
use crate::verdict::Validity;
use rand_chacha::ChaCha8Rng;
use serde_json::Value;
use std::collections::BTreeMap;
use std::time::Duration;

/// An operation as the generator emits it (Jepsen's `{:f … :value …}`).
#[derive(Clone, Debug, PartialEq)]
pub struct Invocation {
    pub f: String,
    pub value: Value,
}

impl Invocation {
    pub fn new(f: &str, value: Value) -> Self {
        Invocation {
            f: f.to_string(),
            value,
        }
    }
}

/// Who is performing an operation.
#[derive(Clone, Debug)]
pub struct ClientInfo {
    /// Worker thread, 0..concurrency; stable across process replacements.
    pub thread: usize,
    /// Jepsen process id; a new one replaces it after an indeterminate (`info`) result.
    pub process: u64,
    /// The node this client talks to (`n{thread mod N}`).
    pub node: String,
}

/// What a generator draws an operation with: the run's RNG, the client asking, and the time.
pub struct Draw<'a> {
    pub rng: &'a mut ChaCha8Rng,
    pub client: &'a ClientInfo,
    pub now: Duration,
}

/// The client's next move on an operation.
#[derive(Clone, Debug)]
pub enum Step {
    /// Send this RPC to the client's node (or `dest`), and wait for its reply.
    Request { dest: Option<String>, body: Body },
    /// The operation is over.
    Complete {
        kind: OpType,
        value: Value,
        error: Option<Value>,
    },
}

impl Step {
    pub fn request(body: Body) -> Step {
        Step::Request { dest: None, body }
    }

    pub fn ok(value: Value) -> Step {
        Step::Complete {
            kind: OpType::Ok,
            value,
            error: None,
        }
    }

    /// How Maelstrom completes an operation whose RPC got an error reply: definite errors fail,
    /// indefinite ones are `info`, except for idempotent operations, which fail.
    pub fn from_error(reply: &Body, value: Value, idempotent: bool) -> Step {
        let (code, text) = reply
            .as_error()
            .map(|e| (e.code, e.text))
            .unwrap_or((13, String::new()));
        let kind = if is_definite(code) || idempotent {
            OpType::Fail
        } else {
            OpType::Info
        };
        Step::Complete {
            kind,
            value,
            error: Some(serde_json::json!([error_name(code), text])),
        }
    }

    /// A reply that does not fit the schema: Maelstrom treats it as a malformed RPC response,
    /// an indeterminate outcome.
    pub fn malformed(value: Value, why: String) -> Step {
        Step::Complete {
            kind: OpType::Info,
            value,
            error: Some(serde_json::json!(["malformed-response", why])),
        }
    }
}

/// Maelstrom's keyword for an error code.
pub fn error_name(code: u32) -> &'static str {
    match code {
        0 => "timeout",
        1 => "node-not-found",
        10 => "not-supported",
        11 => "temporarily-unavailable",
        12 => "malformed-request",
        13 => "crash",
        14 => "abort",
        20 => "key-does-not-exist",
        21 => "key-already-exists",
        22 => "precondition-failed",
        30 => "txn-conflict",
        _ => "user-error",
    }
}

/// A workload checker's findings.
#[derive(Clone, Debug)]
pub struct WorkloadCheck {
    pub valid: Validity,
    /// The `:workload` map, shaped like Maelstrom's.
    pub result: Value,
    /// Anomaly names and counts Maelstrom's map holds under no key the figures reader knows
    /// (the reader takes everything else from `result`).
    pub anomalies: Vec<String>,
    pub counts: BTreeMap<String, f64>,
    /// Caveats of the simulated checker.
    pub notes: Vec<String>,
}

impl WorkloadCheck {
    pub fn new(valid: Validity, result: Value) -> Self {
        WorkloadCheck {
            valid,
            result,
            anomalies: Vec::new(),
            counts: BTreeMap::new(),
            notes: Vec::new(),
        }
    }
}

/// One workload's client, generator and checker.
pub trait WorkloadModel {
    /// Messages the setup client sends each node after `init` (broadcast's `topology`).
    fn setup(&mut self, _node: &str, _nodes: &[String]) -> Option<Body> {
        None
    }

    /// Checks a node's reply to the `setup` message against Maelstrom's reply schema.
    fn check_setup_reply(&self, _reply: &Body) -> Result<(), String> {
        Ok(())
    }

    /// The next main-phase operation for this client at virtual time `now`; `None` skips
    /// this slot. Generators that schedule by the clock (kafka's client crashes) read `now`.
    fn generate(&mut self, draw: Draw<'_>) -> Option<Invocation>;

    /// Starts an operation. By default: one request whose type is the operation's `f` and
    /// which carries nothing else, as Maelstrom's clients send `read` and `generate`.
    fn begin(&mut self, _client: &ClientInfo, op: &Invocation) -> Step {
        Step::request(Body::new(op.f.as_str()))
    }

    /// A reply (possibly an error) to the operation's outstanding request.
    fn on_reply(&mut self, client: &ClientInfo, op: &Invocation, reply: &Body) -> Step;

    /// Whether a timed-out operation `f` certainly did not happen (so it fails, not info).
    fn idempotent(&self, _f: &str) -> bool {
        false
    }

    /// A process was replaced after an indeterminate result (Jepsen reopens the client).
    fn on_new_process(&mut self, _client: &ClientInfo) {}

    /// The operations each client performs in the final phase, in order. Whether there is a
    /// final phase at all is the workload's to say (`Workload::has_final_phase`).
    fn final_ops(&mut self, _client: &ClientInfo) -> Vec<Invocation> {
        Vec::new()
    }

    /// A cap on the final phase's duration (kafka's is 10 s).
    fn final_phase_limit(&self) -> Option<Duration> {
        None
    }

    /// Once a client's `final_ops` have run out, at virtual time `now`: its next final
    /// operation and how long to wait before invoking it; `None` ends that client's final
    /// phase. Lets a workload poll until it has caught up, as kafka's final polls do (asked
    /// again after each completion).
    fn final_next(
        &mut self,
        _rng: &mut ChaCha8Rng,
        _client: &ClientInfo,
        _now: Duration,
    ) -> Option<(Duration, Invocation)> {
        None
    }

    /// Checks the whole history.
    fn check(&self, history: &[Op], cfg: &SimConfig) -> WorkloadCheck;
}
