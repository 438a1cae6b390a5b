//! The txn-rw-register workload (6a–6c) in the simulator. (Being built.)

use crate::protocol::Body;
use crate::sim::history::Op;
use crate::sim::model::{ClientInfo, Invocation, Step, WorkloadCheck, WorkloadModel};
use crate::sim::SimConfig;
use rand_chacha::ChaCha8Rng;

pub struct TxnModel;

impl TxnModel {
    pub fn new(cfg: &SimConfig) -> anyhow::Result<Self> {
        anyhow::bail!(
            "the simulator does not run the {} workload yet",
            cfg.workload.maelstrom_name()
        )
    }
}

impl WorkloadModel for TxnModel {
    fn generate(&mut self, _rng: &mut ChaCha8Rng, _client: &ClientInfo) -> Option<Invocation> {
        None
    }

    fn begin(&mut self, _client: &ClientInfo, op: &Invocation) -> Step {
        Step::malformed(op.value.clone(), "unsupported".into())
    }

    fn on_reply(&mut self, _client: &ClientInfo, op: &Invocation, _reply: &Body) -> Step {
        Step::malformed(op.value.clone(), "unsupported".into())
    }

    fn check(&self, _history: &[Op], _cfg: &SimConfig) -> WorkloadCheck {
        unreachable!("never constructed")
    }
}
