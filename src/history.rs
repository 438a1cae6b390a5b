//! A Jepsen-style history: invocations and completions of client operations (and nemesis
//! operations), with virtual times in nanoseconds, as Maelstrom writes to `history.edn`.

use serde::{Deserialize, Serialize};
use serde_json::Value;
use std::collections::{BTreeMap, HashMap};

/// Latency quantiles in milliseconds, keyed by quantile (0, 0.5, 0.95, 0.99, 1).
pub type Quantiles = BTreeMap<String, f64>;

/// The quantiles Maelstrom reports.
pub const QUANTILES: [(&str, f64); 5] = [
    ("0", 0.0),
    ("0.5", 0.5),
    ("0.95", 0.95),
    ("0.99", 0.99),
    ("1", 1.0),
];

/// Quantiles of `values` (which need not be sorted) the way Jepsen computes them: the element
/// at index ⌊q·(n−1)⌋... of the sorted values; empty input gives no quantiles.
pub fn quantiles(values: &[f64]) -> Quantiles {
    let mut sorted: Vec<f64> = values.to_vec();
    sorted.sort_by(|a, b| a.total_cmp(b));
    let mut out = Quantiles::new();
    if sorted.is_empty() {
        return out;
    }
    for (name, q) in QUANTILES {
        let idx = ((q * sorted.len() as f64).floor() as usize).min(sorted.len() - 1);
        out.insert(name.to_string(), sorted[idx]);
    }
    out
}

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
    let mut open: HashMap<u64, usize> = HashMap::new();
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

/// What a verdict takes from a history: the invocation count and each `:f`'s latencies,
/// pairing invocations with completions exactly as [`pairs`] does.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct OpStats {
    /// Client invocations (final reads included), the msgs-per-op divisor.
    pub invocations: u64,
    /// Latency quantiles in milliseconds of each `:f`'s successful operations.
    pub latencies: BTreeMap<String, Quantiles>,
}

/// Accumulates [`OpStats`] from operations in history order.
#[derive(Debug, Default)]
pub(crate) struct Tally {
    invocations: u64,
    /// Each client's open invocation: its `:f` and start time.
    open: HashMap<u64, (String, u64)>,
    latencies_ms: BTreeMap<String, Vec<f64>>,
}

impl Tally {
    /// One operation, in history order.
    pub(crate) fn add(&mut self, process: Process, kind: OpType, f: String, time: u64) {
        let Process::Client(process) = process else {
            return;
        };
        if kind == OpType::Invoke {
            self.invocations += 1;
            // A second invocation without a completion leaves the first one unanswered.
            self.open.insert(process, (f, time));
        } else if let Some((f, start)) = self.open.remove(&process) {
            if kind == OpType::Ok {
                let ms = time.saturating_sub(start) as f64 / 1e6;
                self.latencies_ms.entry(f).or_default().push(ms);
            }
        }
    }

    pub(crate) fn finish(self) -> OpStats {
        OpStats {
            invocations: self.invocations,
            latencies: self
                .latencies_ms
                .into_iter()
                .map(|(f, ms)| (f, quantiles(&ms)))
                .collect(),
        }
    }
}

impl OpStats {
    /// The figures of a history held in memory.
    pub(crate) fn of(history: &[Op]) -> OpStats {
        let mut tally = Tally::default();
        for op in history {
            tally.add(op.process, op.kind, op.f.clone(), op.time);
        }
        tally.finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quantiles_of_known_values() {
        let q = quantiles(&(1..=100).map(f64::from).collect::<Vec<_>>());
        assert_eq!(q["0"], 1.0);
        assert_eq!(q["0.5"], 51.0);
        assert_eq!(q["1"], 100.0);
    }
}
