//! A Jepsen-style history: invocations and completions of client operations (and nemesis
//! operations), with virtual times in nanoseconds, as Maelstrom writes to `history.edn`.

use serde::{Deserialize, Serialize};
use serde_json::Value;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum OpType {
    Invoke,
    Ok,
    Fail,
    Info,
}

/// Who performed an operation.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Process {
    Client(u64),
    Nemesis,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Op {
    pub index: usize,
    /// Nanoseconds since the start of the test.
    pub time: u64,
    #[serde(rename = "type")]
    pub kind: OpType,
    pub process: Process,
    pub f: String,
    pub value: Value,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<Value>,
    /// Set on the operations of a workload's final phase (Jepsen's `:final? true`).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub is_final: bool,
}

impl Op {
    pub fn is_client(&self) -> bool {
        matches!(self.process, Process::Client(_))
    }
}

/// An invocation paired with its completion (if any), for checkers.
#[derive(Clone, Debug)]
pub struct Pair<'a> {
    pub invoke: &'a Op,
    pub complete: Option<&'a Op>,
}

/// Pairs every client invocation with the next completion of the same process.
pub fn pairs(history: &[Op]) -> Vec<Pair<'_>> {
    let mut open: std::collections::HashMap<u64, usize> = std::collections::HashMap::new();
    let mut out: Vec<Pair<'_>> = Vec::new();
    for op in history {
        let Process::Client(p) = op.process else {
            continue;
        };
        if op.kind == OpType::Invoke {
            open.insert(p, out.len());
            out.push(Pair {
                invoke: op,
                complete: None,
            });
        } else if let Some(i) = open.remove(&p) {
            out[i].complete = Some(op);
        }
    }
    out
}
