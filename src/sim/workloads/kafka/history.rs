//! The kafka history as Jepsen's kafka checker reads it: each completed operation's sends
//! (`op-writes`) and polls (`op-reads`), keys and messages normalised for comparison.
//!
//! Values look like Maelstrom's: `[["send", k, [offset, msg]]]` (or `[["send", k, msg]]` when
//! the offset is unknown), `[["poll", {k: [[offset, msg], …]}]]` (or `[["poll"]]` with no
//! result), and for `assign` the list of keys.

use crate::history::{pairs, Op, OpType, Process};
use serde_json::Value;
use std::collections::BTreeMap;

/// A log key (a string in Maelstrom; any other JSON is kept as its text).
pub(crate) type Key = String;

/// A message, compared by its canonical JSON text (Clojure `=` on JSON values).
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub(crate) struct Msg(pub String);

impl Msg {
    pub(crate) fn of(v: &Value) -> Msg {
        Msg(v.to_string())
    }

    pub(crate) fn json(&self) -> Value {
        serde_json::from_str(&self.0).unwrap_or(Value::Null)
    }
}

/// One completed (`ok`, `info` or `fail`) client operation.
#[derive(Debug)]
pub(crate) struct Completion<'a> {
    pub(crate) op: &'a Op,
    pub(crate) process: u64,
    /// Time of the matching invocation (the completion's own time if none is found).
    pub(crate) invoke_time: u64,
    /// `op-writes`: every send, in order, with its offset if known.
    pub(crate) writes: Vec<(Key, Option<i64>, Msg)>,
    /// `op-reads`: per key, every polled `[offset, msg]` in order.
    pub(crate) reads: BTreeMap<Key, Vec<(Option<i64>, Msg)>>,
}

impl Completion<'_> {
    pub(crate) fn kind(&self) -> OpType {
        self.op.kind
    }

    pub(crate) fn is(&self, kind: OpType) -> bool {
        self.op.kind == kind
    }

    /// Sent messages per key, in order.
    pub(crate) fn writes_by_key(&self) -> BTreeMap<&str, Vec<&Msg>> {
        let mut out: BTreeMap<&str, Vec<&Msg>> = BTreeMap::new();
        for (k, _, m) in &self.writes {
            out.entry(k.as_str()).or_default().push(m);
        }
        out
    }

    /// The keys of an `assign`/`subscribe` value.
    pub(crate) fn assigned_keys(&self) -> Vec<Key> {
        self.op
            .value
            .as_array()
            .map(|ks| ks.iter().map(key_of).collect())
            .unwrap_or_default()
    }

    /// op->max-offsets: the highest offset per key polled (−1 for an empty list) or sent.
    pub(crate) fn max_offsets(&self) -> BTreeMap<Key, i64> {
        let mut out: BTreeMap<Key, i64> = BTreeMap::new();
        if !matches!(self.op.kind, OpType::Ok | OpType::Info) {
            return out;
        }
        for (k, pairs) in &self.reads {
            let max = pairs.iter().filter_map(|(o, _)| *o).max().unwrap_or(-1);
            let e = out.entry(k.clone()).or_insert(max);
            *e = (*e).max(max);
        }
        for (k, o, _) in &self.writes {
            if let Some(o) = o {
                // Jepsen folds send offsets from 0.
                let e = out.entry(k.clone()).or_insert((*o).max(0));
                *e = (*e).max(*o);
            }
        }
        out
    }

    /// A compact form of the operation for error reports.
    pub(crate) fn summary(&self) -> Value {
        serde_json::json!({
            "index": self.op.index,
            "time": self.op.time,
            "type": self.op.kind,
            "process": self.process,
            "f": self.op.f,
            "value": self.op.value,
        })
    }
}

fn key_of(v: &Value) -> Key {
    match v {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

fn offset_of(v: &Value) -> Option<i64> {
    v.as_i64()
}

/// The client completions of `history`, in order, with their invocation times.
pub(crate) fn completions(history: &[Op]) -> Vec<Completion<'_>> {
    let invoke_times: BTreeMap<usize, u64> = pairs(history)
        .into_iter()
        .filter_map(|p| p.complete.map(|c| (c.index, p.invoke.time)))
        .collect();
    history
        .iter()
        .filter(|o| o.kind != OpType::Invoke)
        .filter_map(|op| {
            let Process::Client(process) = op.process else {
                return None;
            };
            let writes = if matches!(op.f.as_str(), "send" | "txn") {
                parse_writes(&op.value)
            } else {
                Vec::new()
            };
            let reads = if matches!(op.f.as_str(), "poll" | "txn") {
                parse_reads(&op.value)
            } else {
                BTreeMap::new()
            };
            Some(Completion {
                op,
                process,
                invoke_time: invoke_times.get(&op.index).copied().unwrap_or(op.time),
                writes,
                reads,
            })
        })
        .collect()
}

fn mops(value: &Value) -> impl Iterator<Item = &Vec<Value>> {
    value
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(Value::as_array)
}

fn parse_writes(value: &Value) -> Vec<(Key, Option<i64>, Msg)> {
    mops(value)
        .filter(|m| m.first().and_then(Value::as_str) == Some("send") && m.len() >= 3)
        .map(|m| {
            let key = key_of(&m[1]);
            match m[2].as_array().map(Vec::as_slice) {
                Some([offset, msg]) => (key, offset_of(offset), Msg::of(msg)),
                _ => (key, None, Msg::of(&m[2])),
            }
        })
        .collect()
}

fn parse_reads(value: &Value) -> BTreeMap<Key, Vec<(Option<i64>, Msg)>> {
    let mut out: BTreeMap<Key, Vec<(Option<i64>, Msg)>> = BTreeMap::new();
    for m in mops(value) {
        if m.first().and_then(Value::as_str) != Some("poll") || m.len() < 2 {
            continue;
        }
        let Some(map) = m[1].as_object() else {
            continue;
        };
        for (k, pairs) in map {
            let list = out.entry(k.clone()).or_default();
            for pair in pairs.as_array().into_iter().flatten() {
                if let Some([offset, msg]) = pair.as_array().map(Vec::as_slice) {
                    list.push((offset_of(offset), Msg::of(msg)));
                }
            }
        }
    }
    out
}
