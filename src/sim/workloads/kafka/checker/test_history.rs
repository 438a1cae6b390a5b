//! Sequential kafka histories for the checker's tests: each operation is invoked and
//! completed before the next. The tests of every part of the checker import all of this.

use super::{check, Findings};
pub(super) use crate::history::OpType;
use crate::history::{Op, Process};
pub(super) use crate::verdict::Validity;
pub(super) use serde_json::json;
use serde_json::Value;

#[derive(Default)]
pub(super) struct H {
    ops: Vec<Op>,
}

impl H {
    pub(super) fn push(&mut self, p: u64, kind: OpType, f: &str, value: Value) {
        let index = self.ops.len();
        self.ops.push(Op {
            index,
            time: index as u64 * 1_000_000,
            kind,
            process: Process::Client(p),
            f: f.into(),
            value,
            error: None,
            is_final: false,
        });
    }

    /// An operation `f` invoked with `invoked` that completes as `done` with `completed`.
    pub(super) fn op(
        &mut self,
        p: u64,
        f: &str,
        invoked: Value,
        done: OpType,
        completed: Value,
    ) -> &mut Self {
        self.push(p, OpType::Invoke, f, invoked);
        self.push(p, done, f, completed);
        self
    }

    pub(super) fn send(
        &mut self,
        p: u64,
        key: &str,
        msg: i64,
        done: OpType,
        offset: Option<i64>,
    ) -> &mut Self {
        let value = match offset {
            Some(o) => json!([["send", key, [o, msg]]]),
            None => json!([["send", key, msg]]),
        };
        self.op(p, "send", json!([["send", key, msg]]), done, value)
    }

    pub(super) fn poll(&mut self, p: u64, msgs: Value) -> &mut Self {
        self.op(
            p,
            "poll",
            json!([["poll"]]),
            OpType::Ok,
            json!([["poll", msgs]]),
        )
    }

    pub(super) fn assign(&mut self, p: u64, keys: Value) -> &mut Self {
        self.op(p, "assign", keys.clone(), OpType::Ok, keys)
    }

    /// Sends 1, 2, 3 … to key x at offsets 0, 1, 2 …, acknowledged.
    pub(super) fn sent(n: i64) -> H {
        let mut h = H::default();
        for i in 0..n {
            h.send(0, "x", i + 1, OpType::Ok, Some(i));
        }
        h
    }

    pub(super) fn check(&self) -> Findings {
        check(&self.ops)
    }
}

/// Checks `n` acknowledged sends to x (as [`H::sent`]) followed by these successful polls of
/// x alone, each `(process, [(offset, msg), …])`.
pub(super) fn check_polls_of_x(n: i64, polls: &[(u64, &[(i64, i64)])]) -> Findings {
    let mut h = H::sent(n);
    for (p, msgs) in polls {
        let pairs: Vec<[i64; 2]> = msgs.iter().map(|&(offset, msg)| [offset, msg]).collect();
        h.poll(*p, json!({ "x": pairs }));
    }
    h.check()
}

/// The error types found, in order.
pub(super) fn types(f: &Findings) -> Vec<&str> {
    f.errors.keys().map(String::as_str).collect()
}
