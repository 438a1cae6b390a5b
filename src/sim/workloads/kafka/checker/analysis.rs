//! What every part of the kafka checker reads: the completions, who sent and who polled each
//! message, the messages successful polls returned, and each key's version order inferred
//! from the offsets sends and polls reported (Jepsen's `version-orders`).

use super::super::history::{completions, Completion, Key, Msg};
use crate::history::{Op, OpType};
use serde_json::Value;
use std::collections::{BTreeMap, BTreeSet, HashMap};

/// The version order of one key: non-empty offsets in order (dense indices), each with the
/// messages seen there.
pub(super) struct Order {
    pub(super) log: Vec<(i64, BTreeSet<Msg>)>,
    by_index: Vec<Msg>,
    by_value: HashMap<Msg, usize>,
}

impl Order {
    pub(super) fn new(log: &BTreeMap<i64, BTreeSet<Msg>>) -> Order {
        // Jepsen's log vector only covers offsets 0..max: negative offsets fall out.
        let log: Vec<(i64, BTreeSet<Msg>)> = log
            .iter()
            .filter(|(o, vs)| **o >= 0 && !vs.is_empty())
            .map(|(o, vs)| (*o, vs.clone()))
            .collect();
        // With conflicting messages Jepsen takes "the first" of a set; we take the least.
        let by_index: Vec<Msg> = log
            .iter()
            .filter_map(|(_, vs)| vs.iter().next().cloned())
            .collect();
        let by_value = by_index
            .iter()
            .enumerate()
            .map(|(i, m)| (m.clone(), i))
            .collect();
        Order {
            log,
            by_index,
            by_value,
        }
    }
}

/// A kafka history indexed for the checks.
pub(super) struct Analysis<'a> {
    pub(super) ops: Vec<Completion<'a>>,
    pub(super) orders: BTreeMap<Key, Order>,
    /// Every message a successful poll returned, per key.
    pub(super) ok_reads: BTreeMap<Key, BTreeSet<Msg>>,
    /// Every message whose send failed, per key.
    pub(super) failed_writes: BTreeMap<Key, BTreeSet<Msg>>,
    /// The completion (index into `ops`) that sent each message.
    pub(super) writer_of: BTreeMap<Key, BTreeMap<Msg, usize>>,
    /// The completions that polled each message, in history order.
    pub(super) readers_of: BTreeMap<Key, BTreeMap<Msg, Vec<usize>>>,
}

impl<'a> Analysis<'a> {
    pub(super) fn new(history: &'a [Op]) -> Analysis<'a> {
        let mut a = Analysis {
            ops: completions(history),
            orders: BTreeMap::new(),
            ok_reads: BTreeMap::new(),
            failed_writes: BTreeMap::new(),
            writer_of: BTreeMap::new(),
            readers_of: BTreeMap::new(),
        };
        a.index_messages();
        a.orders = a
            .logs()
            .iter()
            .map(|(k, log)| (k.clone(), Order::new(log)))
            .collect();
        a
    }

    /// Fills `ok_reads`, `failed_writes`, `writer_of` and `readers_of`.
    fn index_messages(&mut self) {
        for (i, c) in self.ops.iter().enumerate() {
            if c.is(OpType::Ok) {
                for (k, pairs) in &c.reads {
                    let set = self.ok_reads.entry(k.clone()).or_default();
                    set.extend(pairs.iter().map(|(_, m)| m.clone()));
                }
            }
            for (k, _, m) in &c.writes {
                self.writer_of
                    .entry(k.clone())
                    .or_default()
                    .insert(m.clone(), i);
                if c.is(OpType::Fail) {
                    self.failed_writes
                        .entry(k.clone())
                        .or_default()
                        .insert(m.clone());
                }
            }
            for (k, pairs) in &c.reads {
                for (_, m) in pairs {
                    self.readers_of
                        .entry(k.clone())
                        .or_default()
                        .entry(m.clone())
                        .or_default()
                        .push(i);
                }
            }
        }
    }

    /// Each key's messages by offset: sends count when they must have committed, polls always.
    fn logs(&self) -> BTreeMap<Key, BTreeMap<i64, BTreeSet<Msg>>> {
        let mut logs: BTreeMap<Key, BTreeMap<i64, BTreeSet<Msg>>> = BTreeMap::new();
        let mut record = |k: &Key, o: &Option<i64>, m: &Msg| {
            if let Some(o) = o {
                let log = logs.entry(k.clone()).or_default();
                log.entry(*o).or_default().insert(m.clone());
            }
        };
        for c in &self.ops {
            if !matches!(c.op.f.as_str(), "send" | "poll" | "txn") {
                continue;
            }
            if self.must_have_committed(c) {
                for (k, o, m) in &c.writes {
                    record(k, o, m);
                }
            }
            for (k, pairs) in &c.reads {
                for (o, m) in pairs {
                    record(k, o, m);
                }
            }
        }
        logs
    }

    /// The version-order index of message `m` of key `k`, if it has one.
    pub(super) fn index(&self, k: &str, m: Option<&Msg>) -> Option<usize> {
        self.orders.get(k)?.by_value.get(m?).copied()
    }

    /// The messages of key `k` at version-order indices `from..to`.
    pub(super) fn skipped(&self, k: &str, from: usize, to: usize) -> Value {
        let by_index = self.orders.get(k).map(|o| &o.by_index[..]).unwrap_or(&[]);
        Value::Array(
            by_index
                .get(from..to)
                .unwrap_or(&[])
                .iter()
                .map(Msg::json)
                .collect(),
        )
    }

    /// `must-have-committed?`: ok, or info with some send observed by a successful poll.
    pub(super) fn must_have_committed(&self, c: &Completion<'_>) -> bool {
        c.is(OpType::Ok)
            || (c.is(OpType::Info)
                && c.writes
                    .iter()
                    .any(|(k, _, m)| self.ok_reads.get(k).is_some_and(|vs| vs.contains(m))))
    }

    /// The summary of the completion that sent message `m` of key `k`, if known.
    pub(super) fn writer_summary(&self, k: &str, m: &Msg) -> Option<Value> {
        self.writer_of
            .get(k)
            .and_then(|w| w.get(m))
            .map(|&i| self.ops[i].summary())
    }

    /// Per-process completions, in history order.
    pub(super) fn by_process(&self) -> BTreeMap<u64, Vec<&Completion<'a>>> {
        let mut out: BTreeMap<u64, Vec<&Completion<'a>>> = BTreeMap::new();
        for c in &self.ops {
            out.entry(c.process).or_default().push(c);
        }
        out
    }
}
