//! A history's client operations reduced to what the plots draw: one [`Point`] per completed
//! operation (when it was invoked, how long it took, its `:f` and outcome) and the nemesis's
//! fault windows. Read from `history.edn` one line at a time, so a long history costs a few
//! dozen bytes per operation, never its values.

use crate::history::{Op, OpType, Process};
use crate::report::history as edn_history;
use anyhow::Context;
use std::collections::HashMap;
use std::path::Path;

/// How an operation completed, as Jepsen records it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum OpEnd {
    Ok,
    Fail,
    Info,
}

impl OpEnd {
    pub const ALL: [OpEnd; 3] = [OpEnd::Ok, OpEnd::Fail, OpEnd::Info];

    pub fn word(self) -> &'static str {
        match self {
            OpEnd::Ok => "ok",
            OpEnd::Fail => "fail",
            OpEnd::Info => "info",
        }
    }

    fn of(kind: OpType) -> Option<OpEnd> {
        match kind {
            OpType::Ok => Some(OpEnd::Ok),
            OpType::Fail => Some(OpEnd::Fail),
            OpType::Info => Some(OpEnd::Info),
            OpType::Invoke => None,
        }
    }
}

/// One completed client operation.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Point {
    /// Invocation time, ns from the start of the test.
    pub invoked: u64,
    /// OpEnd time minus invocation time, ns.
    pub latency: u64,
    /// Index into [`Ops::fs`].
    pub f: usize,
    pub outcome: OpEnd,
}

impl Point {
    pub fn completed(&self) -> u64 {
        self.invoked.saturating_add(self.latency)
    }
}

/// A fault the nemesis held, from its `start-…` to its `stop-…` (or the end of the history).
#[derive(Clone, Debug, PartialEq)]
pub struct Fault {
    /// What was started, without `start-` (`partition`).
    pub what: String,
    pub from: u64,
    pub to: Option<u64>,
}

/// The plotted view of a history.
#[derive(Clone, Debug, Default)]
pub struct Ops {
    /// Every `:f` seen on a client operation, in order of first appearance.
    pub fs: Vec<String>,
    pub points: Vec<Point>,
    pub faults: Vec<Fault>,
    /// The last time in the history, ns.
    pub end: u64,
}

/// Builds [`Ops`] from operations in history order.
#[derive(Default)]
struct Builder {
    ops: Ops,
    /// Each client's open invocation: its `:f` index and time.
    open: HashMap<u64, (usize, u64)>,
}

impl Builder {
    fn add(&mut self, process: Process, kind: OpType, f: &str, time: u64) {
        self.ops.end = self.ops.end.max(time);
        match process {
            Process::Nemesis => self.nemesis(kind, f, time),
            Process::Client(p) => {
                if kind == OpType::Invoke {
                    let f = self.f_index(f);
                    self.open.insert(p, (f, time));
                } else if let (Some((f, start)), Some(outcome)) =
                    (self.open.remove(&p), OpEnd::of(kind))
                {
                    self.ops.points.push(Point {
                        invoked: start,
                        latency: time.saturating_sub(start),
                        f,
                        outcome,
                    });
                }
            }
        }
    }

    fn f_index(&mut self, f: &str) -> usize {
        match self.ops.fs.iter().position(|x| x == f) {
            Some(i) => i,
            None => {
                self.ops.fs.push(f.to_string());
                self.ops.fs.len() - 1
            }
        }
    }

    /// Jepsen logs a nemesis operation as an invoke and an info; the info is when it took hold.
    fn nemesis(&mut self, kind: OpType, f: &str, time: u64) {
        if kind != OpType::Info {
            return;
        }
        if let Some(what) = f.strip_prefix("start-") {
            // Maelstrom logs a partition's start twice (its target, then its grudge).
            let open = self
                .ops
                .faults
                .iter()
                .any(|x| x.what == what && x.to.is_none());
            if open {
                return;
            }
            self.ops.faults.push(Fault {
                what: what.to_string(),
                from: time,
                to: None,
            });
        } else if let Some(what) = f.strip_prefix("stop-") {
            if let Some(open) = self
                .ops
                .faults
                .iter_mut()
                .rev()
                .find(|x| x.what == what && x.to.is_none())
            {
                open.to = Some(time);
            }
        }
    }

    fn finish(mut self) -> Ops {
        self.ops.points.sort_by_key(|p| p.invoked);
        self.ops
    }
}

impl Ops {
    /// The operations of a history in memory.
    pub fn of(history: &[Op]) -> Ops {
        let mut b = Builder::default();
        for op in history {
            b.add(op.process, op.kind, &op.f, op.time);
        }
        b.finish()
    }

    /// The operations of a `history.edn`, streamed.
    pub fn of_file(path: &Path) -> anyhow::Result<Ops> {
        let mut b = Builder::default();
        for head in edn_history::open(path)?.heads() {
            let head = head.with_context(|| format!("in {}", path.display()))?;
            b.add(head.process, head.kind, &head.f, head.time);
        }
        Ok(b.finish())
    }

    /// Seconds from the start to the last event, at least a tenth of a second (an axis needs
    /// a width).
    pub fn span_secs(&self) -> f64 {
        (self.end as f64 / 1e9).max(0.1)
    }
}

/// A bucket width for time series over `span` seconds: a round number giving 20 to 60
/// buckets for long runs, never under 100 ms.
pub fn bucket_secs(span: f64) -> f64 {
    const STEPS: [f64; 12] = [
        0.1, 0.2, 0.5, 1.0, 2.0, 5.0, 10.0, 15.0, 30.0, 60.0, 120.0, 300.0,
    ];
    STEPS
        .iter()
        .copied()
        .find(|s| span / s <= 60.0)
        .unwrap_or(600.0)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn op(index: usize, time: u64, kind: OpType, process: Process, f: &str) -> Op {
        Op {
            index,
            time,
            kind,
            process,
            f: f.into(),
            value: serde_json::Value::Null,
            error: None,
            is_final: false,
        }
    }

    #[test]
    fn pairs_completions_and_holds_fault_windows() {
        let c = Process::Client;
        let history = vec![
            op(0, 10, OpType::Invoke, c(0), "read"),
            op(1, 11, OpType::Invoke, Process::Nemesis, "start-partition"),
            op(2, 12, OpType::Info, Process::Nemesis, "start-partition"),
            op(2, 12, OpType::Info, Process::Nemesis, "start-partition"),
            op(3, 30, OpType::Ok, c(0), "read"),
            op(4, 40, OpType::Invoke, c(1), "broadcast"),
            op(5, 90, OpType::Info, c(1), "broadcast"),
            op(6, 95, OpType::Info, Process::Nemesis, "stop-partition"),
            op(7, 99, OpType::Invoke, c(2), "read"),
        ];
        let ops = Ops::of(&history);
        assert_eq!(ops.fs, ["read", "broadcast"]);
        assert_eq!(ops.points.len(), 2, "an open invocation draws nothing");
        assert_eq!(ops.points[0].latency, 20);
        assert_eq!(ops.points[1].outcome, OpEnd::Info);
        assert_eq!(ops.points[1].completed(), 90);
        assert_eq!(
            ops.faults,
            [Fault {
                what: "partition".into(),
                from: 12,
                to: Some(95)
            }]
        );
        assert_eq!(ops.end, 99);
    }

    #[test]
    fn buckets_are_round_and_bounded() {
        assert_eq!(bucket_secs(3.0), 0.1);
        assert_eq!(bucket_secs(20.0), 0.5);
        assert_eq!(bucket_secs(60.0), 1.0);
        assert_eq!(bucket_secs(100_000.0), 600.0);
    }
}
