//! Jepsen's kafka checker (`jepsen.tests.kafka/checker`, Jepsen 0.3.7) as Maelstrom 0.2.4 runs
//! it: version orders inferred from offsets, then every error type the analysis finds, and
//! `:valid?` true only when no error type outside the allowed set remains. Maelstrom allows
//! `int-send-skip`, `G0` (and its `-process`/`-realtime` variants) and the PL-1
//! cycle-exists types; everything else is bad:
//!
//! - `inconsistent-offsets`: one offset of a key holds two messages;
//! - `duplicate`: one message sits at two offsets of a key;
//! - `lost-write`: below the highest offset any successful poll reached, a message that must
//!   have been written was never polled;
//! - `unseen`: an acknowledged send that no successful poll ever returned;
//! - `poll-skip` / `nonmonotonic-poll`: a process's next poll of a key starts past (or at or
//!   before) where its previous successful poll ended; `int-poll-skip` /
//!   `int-nonmonotonic-poll`: the same inside one poll;
//! - `nonmonotonic-send` / `int-nonmonotonic-send`: a process's sends to a key go backwards;
//! - `G1a`: a poll returned a message whose send failed; `precommitted-read`: an operation
//!   read its own send;
//! - cycles over write-read and real-time edges (see [`super::cycles`]).
//!
//! Like Jepsen, the analysis gives up (`:valid? :unknown`) where Jepsen's would throw: a
//! polled message nobody sent, or a key that successful polls only ever returned empty.

use super::cycles;
use super::history::{completions, Completion, Key, Msg};
use crate::history::{Op, OpType};
use crate::verdict::Validity;
use serde_json::{json, Map, Value};
use std::collections::{BTreeMap, BTreeSet, HashMap};

/// Error types Maelstrom's configuration tolerates (`allowed-error-types` with
/// `:sub-via #{:assign}` and no `:ww-deps`).
pub const ALLOWED: [&str; 6] = [
    "int-send-skip",
    "G0",
    "G0-process",
    "G0-realtime",
    "PL-1-cycle-exists",
    "strong-PL-1-cycle-exists",
];

/// The checker's findings.
pub struct Findings {
    pub valid: Validity,
    /// The `:workload` map, shaped like Maelstrom's.
    pub result: Value,
    /// Every error type found, with its count.
    pub errors: BTreeMap<String, usize>,
    pub bad: Vec<String>,
    pub notes: Vec<String>,
}

/// Checks a kafka history.
pub fn check(history: &[Op]) -> Findings {
    match analyse(history) {
        Ok(a) => a,
        Err(why) => Findings {
            valid: Validity::Unknown,
            result: json!({"valid?": "unknown", "error": why}),
            errors: BTreeMap::new(),
            bad: Vec::new(),
            notes: vec![format!(
                "the kafka checker could not finish ({why}); Jepsen's throws here too, which \
                 Maelstrom reports as :valid? :unknown"
            )],
        },
    }
}

/// The version order of one key: non-empty offsets in order (dense indices), each with the
/// messages seen there.
struct Order {
    log: Vec<(i64, BTreeSet<Msg>)>,
    by_index: Vec<Msg>,
    by_value: HashMap<Msg, usize>,
}

impl Order {
    fn new(log: &BTreeMap<i64, BTreeSet<Msg>>) -> Order {
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

struct Analysis<'a> {
    ops: Vec<Completion<'a>>,
    orders: BTreeMap<Key, Order>,
    ok_reads: BTreeMap<Key, BTreeSet<Msg>>,
    writer_of: BTreeMap<Key, BTreeMap<Msg, usize>>,
    readers_of: BTreeMap<Key, BTreeMap<Msg, Vec<usize>>>,
}

impl Analysis<'_> {
    fn index(&self, k: &str, m: Option<&Msg>) -> Option<usize> {
        self.orders.get(k)?.by_value.get(m?).copied()
    }

    fn skipped(&self, k: &str, from: usize, to: usize) -> Value {
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
    fn must_have_committed(&self, c: &Completion<'_>) -> bool {
        c.is(OpType::Ok)
            || (c.is(OpType::Info)
                && c.writes
                    .iter()
                    .any(|(k, _, m)| self.ok_reads.get(k).is_some_and(|vs| vs.contains(m))))
    }
}

fn analyse(history: &[Op]) -> Result<Findings, String> {
    let ops = completions(history);

    let mut ok_reads: BTreeMap<Key, BTreeSet<Msg>> = BTreeMap::new();
    let mut failed_writes: BTreeMap<Key, BTreeSet<Msg>> = BTreeMap::new();
    let mut writer_of: BTreeMap<Key, BTreeMap<Msg, usize>> = BTreeMap::new();
    let mut readers_of: BTreeMap<Key, BTreeMap<Msg, Vec<usize>>> = BTreeMap::new();
    for (i, c) in ops.iter().enumerate() {
        if c.is(OpType::Ok) {
            for (k, pairs) in &c.reads {
                let set = ok_reads.entry(k.clone()).or_default();
                set.extend(pairs.iter().map(|(_, m)| m.clone()));
            }
        }
        for (k, _, m) in &c.writes {
            writer_of.entry(k.clone()).or_default().insert(m.clone(), i);
            if c.is(OpType::Fail) {
                failed_writes
                    .entry(k.clone())
                    .or_default()
                    .insert(m.clone());
            }
        }
        for (k, pairs) in &c.reads {
            for (_, m) in pairs {
                readers_of
                    .entry(k.clone())
                    .or_default()
                    .entry(m.clone())
                    .or_default()
                    .push(i);
            }
        }
    }
    let mut a = Analysis {
        ops,
        orders: BTreeMap::new(),
        ok_reads,
        writer_of,
        readers_of,
    };

    // Version orders: sends count when they must have committed, polls always.
    let mut logs: BTreeMap<Key, BTreeMap<i64, BTreeSet<Msg>>> = BTreeMap::new();
    for c in &a.ops {
        if !matches!(c.op.f.as_str(), "send" | "poll" | "txn") {
            continue;
        }
        if a.must_have_committed(c) {
            for (k, o, m) in &c.writes {
                if let Some(o) = o {
                    let log = logs.entry(k.clone()).or_default();
                    log.entry(*o).or_default().insert(m.clone());
                }
            }
        }
        for (k, pairs) in &c.reads {
            for (o, m) in pairs {
                if let Some(o) = o {
                    let log = logs.entry(k.clone()).or_default();
                    log.entry(*o).or_default().insert(m.clone());
                }
            }
        }
    }
    a.orders = logs
        .iter()
        .map(|(k, log)| (k.clone(), Order::new(log)))
        .collect();

    let mut errors: BTreeMap<String, Vec<Value>> = BTreeMap::new();
    let mut add = |name: &str, errs: Vec<Value>| {
        if !errs.is_empty() {
            errors.entry(name.to_string()).or_default().extend(errs);
        }
    };
    add("inconsistent-offsets", inconsistent_offsets(&a));
    add("duplicate", duplicates(&a));
    add("G1a", g1a(&a, &failed_writes));
    add("lost-write", lost_writes(&a)?);
    add("precommitted-read", precommitted_reads(&a));
    let (int_skip, int_nm) = internal_polls(&a);
    add("int-poll-skip", int_skip);
    add("int-nonmonotonic-poll", int_nm);
    let (send_skip, send_nm) = internal_sends(&a);
    add("int-send-skip", send_skip);
    add("int-nonmonotonic-send", send_nm);
    let (skip, nm) = process_polls(&a);
    add("poll-skip", skip);
    add("nonmonotonic-poll", nm);
    add("nonmonotonic-send", process_sends(&a));

    let mut notes = Vec::new();
    let cycles = cycles::find(history, &a.ops, &a.writer_of)?;
    if cycles.empty_graph {
        add("empty-transaction-graph", vec![json!(true)]);
    }
    if !cycles.components.is_empty() {
        notes.push(
            "cycles are reported once per strongly connected component, as G1c-realtime; Elle \
             would enumerate specific cycles"
                .to_string(),
        );
        add(
            "G1c-realtime",
            cycles
                .components
                .iter()
                .map(|scc| {
                    json!({"scc-size": scc.len(),
                           "ops": scc.iter().take(8).map(|&i| a.ops[i].summary()).collect::<Vec<_>>()})
                })
                .collect(),
        );
    }

    let unseen = unseen(&a);
    let lag = worst_realtime_lag(&a);
    let info_causes: Vec<Value> = {
        let mut seen = Vec::new();
        for c in &a.ops {
            if c.is(OpType::Info) && matches!(c.op.f.as_str(), "send" | "poll" | "txn") {
                let e = c.op.error.clone().unwrap_or(Value::Null);
                if !seen.contains(&e) {
                    seen.push(e);
                }
            }
        }
        seen
    };

    let mut error_types: Vec<String> = errors.keys().cloned().collect();
    if unseen.is_some() {
        error_types.push("unseen".into());
    }
    error_types.sort();
    let bad: Vec<String> = error_types
        .iter()
        .filter(|t| !ALLOWED.contains(&t.as_str()))
        .cloned()
        .collect();
    let valid = bad.is_empty();

    let mut result = Map::new();
    result.insert("valid?".into(), json!(valid));
    result.insert("worst-realtime-lag".into(), lag);
    result.insert("bad-error-types".into(), json!(bad));
    result.insert("error-types".into(), json!(error_types));
    result.insert("info-txn-causes".into(), Value::Array(info_causes));
    let mut counts = BTreeMap::new();
    for (name, errs) in &errors {
        counts.insert(name.clone(), errs.len());
        result.insert(name.clone(), condense(name, errs));
    }
    if let Some((count, value)) = unseen {
        counts.insert("unseen".into(), count);
        result.insert("unseen".into(), value);
    }
    Ok(Findings {
        valid: Validity::from_bool(valid),
        result: Value::Object(result),
        errors: counts,
        bad,
        notes,
    })
}

/// `{:count n :errs [...]}` with a bounded sample, like `condense-error`.
fn condense(name: &str, errs: &[Value]) -> Value {
    let keep = match name {
        "duplicate" | "inconsistent-offsets" => 32,
        "int-poll-skip"
        | "int-send-skip"
        | "poll-skip"
        | "int-nonmonotonic-poll"
        | "int-nonmonotonic-send"
        | "nonmonotonic-poll"
        | "nonmonotonic-send"
        | "G1c-realtime" => 8,
        _ => 32,
    };
    json!({"count": errs.len(), "errs": errs.iter().take(keep).cloned().collect::<Vec<_>>()})
}

fn inconsistent_offsets(a: &Analysis<'_>) -> Vec<Value> {
    let mut out = Vec::new();
    for (k, order) in &a.orders {
        for (index, (offset, vs)) in order.log.iter().enumerate() {
            if vs.len() > 1 {
                out.push(json!({"key": k, "offset": offset, "index": index,
                                "values": vs.iter().map(Msg::json).collect::<Vec<_>>()}));
            }
        }
    }
    out
}

fn duplicates(a: &Analysis<'_>) -> Vec<Value> {
    let mut out = Vec::new();
    for (k, order) in &a.orders {
        let mut at: BTreeMap<&Msg, Vec<i64>> = BTreeMap::new();
        for (offset, vs) in &order.log {
            for m in vs {
                at.entry(m).or_default().push(*offset);
            }
        }
        for (m, offsets) in at {
            if offsets.len() > 1 {
                out.push(json!({"key": k, "value": m.json(), "count": offsets.len(), "offsets": offsets}));
            }
        }
    }
    out
}

fn g1a(a: &Analysis<'_>, failed: &BTreeMap<Key, BTreeSet<Msg>>) -> Vec<Value> {
    let mut out = Vec::new();
    for c in a.ops.iter().filter(|c| c.is(OpType::Ok)) {
        for (k, pairs) in &c.reads {
            for (_, m) in pairs {
                if failed.get(k).is_some_and(|f| f.contains(m)) {
                    let writer = a
                        .writer_of
                        .get(k)
                        .and_then(|w| w.get(m))
                        .map(|&i| a.ops[i].summary());
                    out.push(json!({"key": k, "value": m.json(), "writer": writer, "reader": c.summary()}));
                }
            }
        }
    }
    out
}

fn lost_writes(a: &Analysis<'_>) -> Result<Vec<Value>, String> {
    let mut out = Vec::new();
    for (k, vs) in &a.ok_reads {
        let empty = Order::new(&BTreeMap::new());
        let order = a.orders.get(k).unwrap_or(&empty);
        let mut first_index: HashMap<&Msg, usize> = HashMap::new();
        let mut last_index: HashMap<&Msg, usize> = HashMap::new();
        for (i, (_, values)) in order.log.iter().enumerate() {
            for m in values {
                first_index.entry(m).or_insert(i);
                last_index.insert(m, i);
            }
        }
        let bound = vs.iter().filter_map(|m| first_index.get(m).copied()).max();
        let Some(bound) = bound else {
            // Jepsen indexes its vector at −1 here and throws.
            return Err(format!(
                "successful polls of key {k:?} returned no message with a known offset"
            ));
        };
        let mut by_last: BTreeMap<usize, BTreeSet<&Msg>> = BTreeMap::new();
        for (m, i) in &last_index {
            by_last.entry(*i).or_default().insert(*m);
        }
        let max_read = by_last
            .get(&bound)
            .and_then(|ms| ms.iter().next())
            .and_then(|m| a.readers_of.get(k)?.get(*m)?.first())
            .map(|&i| a.ops[i].summary());
        let mut seen = BTreeSet::new();
        for (_, ms) in by_last.range(..=bound) {
            for m in ms {
                if vs.contains(*m) || !seen.insert(*m) {
                    continue;
                }
                let writer = a
                    .writer_of
                    .get(k)
                    .and_then(|w| w.get(*m))
                    .ok_or_else(|| format!("no writer of value {} for key {k:?}", m.0))?;
                let w = &a.ops[*writer];
                if a.must_have_committed(w) {
                    out.push(
                        json!({"key": k, "value": m.json(), "index": first_index.get(*m),
                                    "max-read-index": bound, "writer": w.summary(),
                                    "max-read": max_read}),
                    );
                }
            }
        }
    }
    Ok(out)
}

fn precommitted_reads(a: &Analysis<'_>) -> Vec<Value> {
    let mut out = Vec::new();
    for c in &a.ops {
        for (k, writes) in c.writes_by_key() {
            let Some(reads) = c.reads.get(k) else {
                continue;
            };
            if let Some((_, m)) = reads.iter().find(|(_, m)| writes.contains(&m)) {
                out.push(json!({"op": c.summary(), "key": k, "value": m.json()}));
            }
        }
    }
    out
}

/// Skip or non-monotonic step between two values of a key, by their version-order indices.
enum Step {
    Fine,
    Skip(usize, usize, i64),
    Back(i64),
}

fn step(i1: Option<usize>, i2: Option<usize>) -> Step {
    match (i1, i2) {
        (Some(a), Some(b)) => {
            let delta = b as i64 - a as i64;
            if delta > 1 {
                Step::Skip(a, b, delta)
            } else if delta < 1 {
                Step::Back(delta)
            } else {
                Step::Fine
            }
        }
        _ => Step::Fine,
    }
}

fn internal_polls(a: &Analysis<'_>) -> (Vec<Value>, Vec<Value>) {
    let (mut skips, mut backs) = (Vec::new(), Vec::new());
    for c in &a.ops {
        for (k, pairs) in &c.reads {
            let mut prev: Option<(Option<usize>, &Msg)> = None;
            for (_, m) in pairs {
                let i2 = a.index(k, Some(m));
                if let Some((i1, v1)) = prev {
                    match step(i1, i2) {
                        Step::Skip(from, to, delta) => skips.push(json!({"key": k, "values": [v1.json(), m.json()],
                            "delta": delta, "skipped": a.skipped(k, from + 1, to), "op": c.summary()})),
                        Step::Back(delta) => backs.push(json!({"key": k, "values": [v1.json(), m.json()],
                            "delta": delta, "op": c.summary()})),
                        Step::Fine => {}
                    }
                }
                prev = Some((i2, m));
            }
        }
    }
    (skips, backs)
}

fn internal_sends(a: &Analysis<'_>) -> (Vec<Value>, Vec<Value>) {
    let (mut skips, mut backs) = (Vec::new(), Vec::new());
    for c in &a.ops {
        for (k, ms) in c.writes_by_key() {
            for pair in ms.windows(2) {
                let (v1, v2) = (pair[0], pair[1]);
                // An unknown index counts as a step of one, as in Jepsen.
                match step(a.index(k, Some(v1)), a.index(k, Some(v2))) {
                    Step::Skip(from, to, delta) => skips
                        .push(json!({"key": k, "values": [v1.json(), v2.json()],
                        "delta": delta, "skipped": a.skipped(k, from + 1, to), "op": c.summary()})),
                    Step::Back(delta) => backs
                        .push(json!({"key": k, "values": [v1.json(), v2.json()],
                        "delta": delta, "op": c.summary()})),
                    Step::Fine => {}
                }
            }
        }
    }
    (skips, backs)
}

/// Per-process completions, in history order.
fn by_process<'a, 'b>(a: &'b Analysis<'a>) -> BTreeMap<u64, Vec<&'b Completion<'a>>> {
    let mut out: BTreeMap<u64, Vec<&Completion<'_>>> = BTreeMap::new();
    for c in &a.ops {
        out.entry(c.process).or_default().push(c);
    }
    out
}

fn process_polls(a: &Analysis<'_>) -> (Vec<Value>, Vec<Value>) {
    let (mut skips, mut backs) = (Vec::new(), Vec::new());
    for ops in by_process(a).values() {
        let mut last: BTreeMap<&str, &Completion<'_>> = BTreeMap::new();
        for c in ops {
            match c.op.f.as_str() {
                "assign" | "subscribe" if c.kind() != OpType::Fail => {
                    let keep: BTreeSet<Key> = c.assigned_keys().into_iter().collect();
                    last.retain(|k, _| keep.contains(*k));
                }
                "poll" | "txn" => {
                    for (k, pairs) in &c.reads {
                        let Some(prev) = last.get(k.as_str()) else {
                            continue;
                        };
                        let v = prev.reads.get(k).and_then(|ps| ps.last()).map(|(_, m)| m);
                        let v2 = pairs.first().map(|(_, m)| m);
                        match step(a.index(k, v), a.index(k, v2)) {
                            Step::Skip(from, to, delta) => skips.push(json!({"key": k, "delta": delta,
                                "skipped": a.skipped(k, from + 1, to), "ops": [prev.summary(), c.summary()]})),
                            Step::Back(delta) => backs.push(json!({"key": k,
                                "values": [v.map(Msg::json), v2.map(Msg::json)], "delta": delta,
                                "ops": [prev.summary(), c.summary()]})),
                            Step::Fine => {}
                        }
                    }
                    if c.is(OpType::Ok) {
                        for k in c.reads.keys() {
                            last.insert(k.as_str(), c);
                        }
                    }
                }
                _ => {}
            }
        }
    }
    (skips, backs)
}

fn process_sends(a: &Analysis<'_>) -> Vec<Value> {
    let mut out = Vec::new();
    for ops in by_process(a).values() {
        let mut last: BTreeMap<&str, &Completion<'_>> = BTreeMap::new();
        for c in ops
            .iter()
            .filter(|c| matches!(c.kind(), OpType::Ok | OpType::Info))
        {
            match c.op.f.as_str() {
                "assign" | "subscribe" => {
                    let keep: BTreeSet<Key> = c.assigned_keys().into_iter().collect();
                    last.retain(|k, _| keep.contains(*k));
                }
                "send" | "txn" => {
                    let sends = c.writes_by_key();
                    for (k, ms) in &sends {
                        let Some(prev) = last.get(k) else {
                            continue;
                        };
                        let v = prev
                            .writes_by_key()
                            .get(k)
                            .and_then(|ms| ms.last().copied());
                        let v2 = ms.first().copied();
                        if let Step::Back(delta) = step(a.index(k, v), a.index(k, v2)) {
                            out.push(
                                json!({"key": k, "values": [v.map(Msg::json), v2.map(Msg::json)],
                                            "delta": delta, "ops": [prev.summary(), c.summary()]}),
                            );
                        }
                    }
                    for k in sends.keys() {
                        last.insert(k, c);
                    }
                }
                _ => {}
            }
        }
    }
    out
}

/// Acknowledged sends no successful poll returned: `(count, {:unseen {k n} :messages {k [..]}})`.
fn unseen(a: &Analysis<'_>) -> Option<(usize, Value)> {
    let mut sent: BTreeMap<&str, BTreeSet<&Msg>> = BTreeMap::new();
    for c in a.ops.iter().filter(|c| c.is(OpType::Ok)) {
        for (k, _, m) in &c.writes {
            sent.entry(k.as_str()).or_default().insert(m);
        }
    }
    let mut counts = Map::new();
    let mut messages = Map::new();
    let mut total = 0;
    for (k, ms) in sent {
        let polled = a.ok_reads.get(k);
        let missing: Vec<Value> = ms
            .into_iter()
            .filter(|m| !polled.is_some_and(|p| p.contains(*m)))
            .map(Msg::json)
            .collect();
        if !missing.is_empty() {
            total += missing.len();
            counts.insert(k.to_string(), json!(missing.len()));
            messages.insert(
                k.to_string(),
                Value::Array(missing.into_iter().take(32).collect()),
            );
        }
    }
    (total > 0).then(|| (total, json!({"unseen": counts, "messages": messages})))
}

/// Jepsen's `worst-realtime-lag`: for each successful poll, how long (at least) before its
/// invocation each of the process's keys had moved past the offset the process had reached.
fn worst_realtime_lag(a: &Analysis<'_>) -> Value {
    // expired[k][i]: when offset i−1 was first known not to be the last of k.
    let mut expired: BTreeMap<Key, Vec<Option<u64>>> = BTreeMap::new();
    for c in &a.ops {
        for (k, top) in c.max_offsets() {
            // Only a report figure: absurd offsets are left out rather than allocated for.
            let Some(top) = usize::try_from(top).ok().filter(|t| *t < 1 << 24) else {
                continue;
            };
            let v = expired.entry(k).or_default();
            if v.len() <= top {
                v.resize(top + 1, None);
            }
            for i in (0..=top).rev() {
                if v[i].is_some() {
                    break;
                }
                v[i] = Some(c.op.time);
            }
        }
    }
    let mut per_process: BTreeMap<u64, BTreeMap<Key, i64>> = BTreeMap::new();
    let mut worst: Option<(u64, u64, u64, Key)> = None; // (lag, time, process, key)
    for c in a.ops.iter().filter(|c| c.is(OpType::Ok)) {
        match c.op.f.as_str() {
            "assign" => {
                let old = per_process.remove(&c.process).unwrap_or_default();
                let new = c
                    .assigned_keys()
                    .into_iter()
                    .map(|k| {
                        let o = old.get(&k).copied().unwrap_or(-1);
                        (k, o)
                    })
                    .collect();
                per_process.insert(c.process, new);
            }
            "subscribe" => {
                per_process.insert(c.process, BTreeMap::new());
            }
            "poll" | "txn" => {
                let offsets = per_process.entry(c.process).or_default();
                for (k, o) in c.max_offsets() {
                    let e = offsets.entry(k).or_insert(o);
                    *e = (*e).max(o);
                }
                for (k, o) in offsets.iter() {
                    let at = usize::try_from(o + 1)
                        .ok()
                        .and_then(|i| expired.get(k)?.get(i).copied().flatten());
                    let lag = at.map_or(0, |t| c.invoke_time.saturating_sub(t));
                    if worst.as_ref().is_none_or(|w| lag > w.0) {
                        worst = Some((lag, c.invoke_time, c.process, k.clone()));
                    }
                }
            }
            _ => {}
        }
    }
    match worst {
        None => json!({"time": 0, "lag": 0}),
        Some((lag, time, process, key)) => json!({
            "time": time as f64 / 1e9, "lag": lag as f64 / 1e9, "process": process, "key": key,
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::history::Process;

    /// Builds sequential histories: each operation is invoked and completed before the next.
    #[derive(Default)]
    struct H {
        ops: Vec<Op>,
    }

    impl H {
        fn push(&mut self, p: u64, kind: OpType, f: &str, value: Value) {
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

        fn send(
            &mut self,
            p: u64,
            key: &str,
            msg: i64,
            done: OpType,
            offset: Option<i64>,
        ) -> &mut Self {
            self.push(p, OpType::Invoke, "send", json!([["send", key, msg]]));
            let value = match offset {
                Some(o) => json!([["send", key, [o, msg]]]),
                None => json!([["send", key, msg]]),
            };
            self.push(p, done, "send", value);
            self
        }

        fn poll(&mut self, p: u64, msgs: Value) -> &mut Self {
            self.push(p, OpType::Invoke, "poll", json!([["poll"]]));
            self.push(p, OpType::Ok, "poll", json!([["poll", msgs]]));
            self
        }

        fn assign(&mut self, p: u64, keys: Value) -> &mut Self {
            self.push(p, OpType::Invoke, "assign", keys.clone());
            self.push(p, OpType::Ok, "assign", keys);
            self
        }

        /// Sends "a", "b", "c", "d" … as 1, 2, 3, 4 to key x at offsets 0, 1, 2, 3 ….
        fn sent(n: i64) -> H {
            let mut h = H::default();
            for i in 0..n {
                h.send(0, "x", i + 1, OpType::Ok, Some(i));
            }
            h
        }

        fn check(&self) -> Findings {
            check(&self.ops)
        }
    }

    fn types(f: &Findings) -> Vec<&str> {
        f.errors.keys().map(String::as_str).collect()
    }

    #[test]
    fn a_clean_history_is_valid() {
        let mut h = H::sent(3);
        h.poll(1, json!({"x": [[0, 1], [1, 2]]}));
        h.poll(1, json!({"x": [[2, 3]]}));
        let f = h.check();
        assert_eq!(f.valid, Validity::Valid, "{}", f.result);
        assert!(f.errors.is_empty());
        assert_eq!(f.result["bad-error-types"], json!([]));
    }

    #[test]
    fn lost_writes_below_the_highest_read_are_found() {
        // 1 and 2 are acknowledged at offsets 0 and 1; a poll sees 3 at offset 2 and nobody
        // ever sees 1 or 2.
        let mut h = H::sent(2);
        h.send(2, "x", 3, OpType::Info, None);
        h.poll(1, json!({"x": [[2, 3]]}));
        let f = h.check();
        assert_eq!(f.valid, Validity::Invalid);
        assert_eq!(f.errors.get("lost-write"), Some(&2));
        let lost = &f.result["lost-write"]["errs"];
        assert_eq!(lost[0]["value"], json!(1));
        assert_eq!(lost[1]["value"], json!(2));
        assert_eq!(lost[0]["max-read-index"], json!(2));
        assert!(f.bad.contains(&"unseen".to_string()));
    }

    #[test]
    fn an_unpolled_acknowledged_send_is_unseen() {
        let mut h = H::sent(2);
        h.poll(1, json!({"x": [[0, 1]]}));
        let f = h.check();
        assert_eq!(types(&f), ["unseen"]);
        assert_eq!(f.result["unseen"]["unseen"], json!({"x": 1}));
        assert_eq!(f.valid, Validity::Invalid);
    }

    #[test]
    fn two_messages_at_one_offset_are_inconsistent() {
        let mut h = H::default();
        h.send(0, "x", 1, OpType::Ok, Some(0));
        h.send(1, "x", 2, OpType::Ok, Some(0));
        h.poll(2, json!({"x": [[0, 1]]}));
        h.poll(3, json!({"x": [[0, 2]]}));
        let f = h.check();
        assert_eq!(f.errors.get("inconsistent-offsets"), Some(&1));
        assert_eq!(
            f.result["inconsistent-offsets"]["errs"][0],
            json!({"key": "x", "offset": 0, "index": 0, "values": [1, 2]})
        );
        assert_eq!(f.valid, Validity::Invalid);
    }

    #[test]
    fn one_message_at_two_offsets_is_a_duplicate() {
        let mut h = H::sent(1);
        h.poll(1, json!({"x": [[0, 1], [1, 1]]}));
        let f = h.check();
        assert_eq!(f.errors.get("duplicate"), Some(&1));
        assert_eq!(f.result["duplicate"]["errs"][0]["offsets"], json!([0, 1]));
        assert_eq!(f.valid, Validity::Invalid);
    }

    #[test]
    fn a_process_skipping_between_polls_is_a_poll_skip() {
        let mut h = H::sent(4);
        h.poll(1, json!({"x": [[0, 1], [1, 2]]}));
        h.poll(2, json!({"x": [[2, 3]]}));
        h.poll(1, json!({"x": [[3, 4]]}));
        let f = h.check();
        assert_eq!(types(&f), ["poll-skip"]);
        let e = &f.result["poll-skip"]["errs"][0];
        assert_eq!(e["delta"], json!(2));
        assert_eq!(e["skipped"], json!([3]));
    }

    #[test]
    fn an_assign_without_the_key_forgets_its_position() {
        let mut h = H::sent(4);
        h.poll(1, json!({"x": [[0, 1], [1, 2]]}));
        h.poll(2, json!({"x": [[2, 3]]}));
        h.assign(1, json!(["y"]));
        h.poll(1, json!({"x": [[3, 4]]}));
        assert!(h.check().errors.is_empty());
        // An assign that keeps x keeps the position, and the skip is found.
        let mut h = H::sent(4);
        h.poll(1, json!({"x": [[0, 1], [1, 2]]}));
        h.poll(2, json!({"x": [[2, 3]]}));
        h.assign(1, json!(["x", "y"]));
        h.poll(1, json!({"x": [[3, 4]]}));
        assert_eq!(types(&h.check()), ["poll-skip"]);
    }

    #[test]
    fn going_back_between_polls_is_nonmonotonic() {
        let mut h = H::sent(2);
        h.poll(1, json!({"x": [[0, 1], [1, 2]]}));
        h.poll(1, json!({"x": [[1, 2]]}));
        let f = h.check();
        assert_eq!(types(&f), ["nonmonotonic-poll"]);
        assert_eq!(f.result["nonmonotonic-poll"]["errs"][0]["delta"], json!(0));
    }

    #[test]
    fn skips_and_inversions_inside_one_poll() {
        let mut h = H::sent(3);
        h.poll(1, json!({"x": [[0, 1], [2, 3]]}));
        h.poll(2, json!({"x": [[1, 2], [0, 1]]}));
        let f = h.check();
        assert_eq!(f.errors.get("int-poll-skip"), Some(&1));
        assert_eq!(f.errors.get("int-nonmonotonic-poll"), Some(&1));
        assert_eq!(f.result["int-poll-skip"]["errs"][0]["skipped"], json!([2]));
    }

    #[test]
    fn a_process_whose_sends_go_backwards_is_nonmonotonic() {
        let mut h = H::default();
        h.send(0, "x", 1, OpType::Ok, Some(1));
        h.send(0, "x", 2, OpType::Ok, Some(0));
        h.poll(1, json!({"x": [[0, 2], [1, 1]]}));
        let f = h.check();
        assert_eq!(types(&f), ["nonmonotonic-send"]);
    }

    #[test]
    fn reading_a_failed_send_is_g1a() {
        let mut h = H::default();
        h.send(0, "x", 1, OpType::Fail, None);
        h.poll(1, json!({"x": [[0, 1]]}));
        let f = h.check();
        assert_eq!(types(&f), ["G1a"]);
    }

    #[test]
    fn internal_send_skips_are_tolerated() {
        let mut h = H::sent(3);
        h.push(
            5,
            OpType::Invoke,
            "send",
            json!([["send", "x", 7], ["send", "x", 8]]),
        );
        h.push(
            5,
            OpType::Ok,
            "send",
            json!([["send", "x", [3, 7]], ["send", "x", [5, 8]]]),
        );
        h.send(0, "x", 9, OpType::Ok, Some(4));
        h.poll(
            1,
            json!({"x": [[0, 1], [1, 2], [2, 3], [3, 7], [4, 9], [5, 8]]}),
        );
        let f = h.check();
        assert_eq!(types(&f), ["int-send-skip"]);
        assert_eq!(f.valid, Validity::Valid);
    }

    #[test]
    fn reading_a_message_before_it_was_sent_is_a_realtime_cycle() {
        let mut h = H::default();
        h.poll(1, json!({"x": [[0, 1]]}));
        h.send(0, "x", 1, OpType::Ok, Some(0));
        let f = h.check();
        assert_eq!(types(&f), ["G1c-realtime"]);
        assert_eq!(f.valid, Validity::Invalid);
    }

    #[test]
    fn histories_jepsen_cannot_analyse_are_unknown() {
        // A polled message nobody sent.
        let mut h = H::sent(1);
        h.poll(1, json!({"x": [[0, 1], [1, 99]]}));
        let f = h.check();
        assert_eq!(f.valid, Validity::Unknown);
        assert!(f.result["error"].as_str().unwrap().contains("no writer"));
        // A key that successful polls only ever returned empty.
        let mut h = H::sent(1);
        h.poll(1, json!({"x": [[0, 1]], "y": []}));
        assert_eq!(h.check().valid, Validity::Unknown);
    }

    #[test]
    fn no_dependencies_at_all_is_an_empty_graph() {
        let mut h = H::default();
        h.push(0, OpType::Invoke, "poll", json!([["poll"]]));
        h.push(0, OpType::Ok, "poll", json!([["poll", {}]]));
        let f = h.check();
        assert_eq!(types(&f), ["empty-transaction-graph"]);
        assert_eq!(f.valid, Validity::Invalid);
    }

    #[test]
    fn realtime_lag_measures_how_stale_a_poll_is() {
        let mut h = H::sent(2); // offset 1 exists from t = 3 ms
        h.poll(1, json!({"x": [[0, 1]]})); // invoked at 4 ms, sees offset 0 only
        let f = h.check();
        assert_eq!(f.result["worst-realtime-lag"]["lag"], json!(0.001));
    }
}
