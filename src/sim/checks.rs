//! The checkers every workload shares, computed as Maelstrom computes them: `:stats` (invalid if
//! some `:f` never succeeded), `:availability` (ok ops over invoked ops, judged only when
//! `--availability` is given), `:net` (msgs-per-op over all invoked client ops, final ops
//! included); then the merge into one `:valid?`, as a results map in Maelstrom's shape. The
//! figures are read from that map by the same reader as a real `results.edn`
//! ([`crate::verdict::Figures::from_results`]), so the two engines cannot disagree on them.
//!
//! Availability under kill and pause. Total availability asks every request a *non-failing*
//! node receives to be answered (Gilbert and Lynch; Bailis et al.'s highly available
//! transactions); Maelstrom has no crashes, so it counts every request. A killed or paused node
//! is failing while it is down, and no node can answer then. So an operation that did not
//! succeed and whose node was down at some moment between its invocation and its completion
//! is excused ([`excused`]): `ok-fraction` stays Maelstrom's figure over every operation, and
//! `live-ok-fraction` and `excused-count` say what the criterion was judged on. Nothing else
//! is excused: a node that is up and does not answer fails the run as it always did.

use super::engine::Outcome;
use super::model::WorkloadCheck;
use super::network::Counts;
use super::SimConfig;
use crate::challenge::values::Availability;
use crate::history::{Op, OpType};
use crate::verdict::Validity;
use serde_json::{json, Value};
use std::collections::BTreeMap;

/// Builds the results map from the run and the workload checker's verdict.
pub fn assemble(cfg: &SimConfig, outcome: &Outcome, workload: &WorkloadCheck) -> Value {
    let history = &outcome.history;
    let (stats, stats_valid) = stats(history);
    let invoked = history
        .iter()
        .filter(|o| o.is_client() && o.kind == OpType::Invoke)
        .count() as u64;
    let ok = history
        .iter()
        .filter(|o| o.is_client() && o.kind == OpType::Ok)
        .count() as u64;
    let ok_fraction = if invoked == 0 {
        0.0
    } else {
        ok as f64 / invoked as f64
    };
    let excused = cfg.opts.resolve().map_or(0, |r| {
        excused(history, r.clients as u64, r.node_count as u64)
    });
    let live = invoked.saturating_sub(excused);
    let live_ok_fraction = if live == 0 {
        1.0
    } else {
        ok as f64 / live as f64
    };
    let availability_valid = match cfg.opts.availability {
        None => Validity::Valid,
        Some(Availability::Total) => Validity::from_bool(ok >= live),
        Some(Availability::Fraction(min)) => Validity::from_bool(live_ok_fraction >= min),
    };
    let mut availability =
        json!({"valid?": validity_json(availability_valid), "ok-fraction": ok_fraction});
    if excused > 0 {
        availability["live-ok-fraction"] = json!(live_ok_fraction);
        availability["excused-count"] = json!(excused);
    }
    let per_op = |c: &Counts| {
        if invoked == 0 {
            0.0
        } else {
            c.msg_count as f64 / invoked as f64
        }
    };
    let net = &outcome.net;
    let net_json = json!({
        "all": counts_json(&net.all, Some(per_op(&net.all))),
        "clients": counts_json(&net.clients, None),
        "servers": counts_json(&net.servers, Some(per_op(&net.servers))),
        "valid?": true,
    });
    let valid = stats_valid.and(availability_valid).and(workload.valid);
    json!({
        "stats": stats,
        "availability": availability,
        "net": net_json,
        "workload": workload.result,
        "valid?": validity_json(valid),
    })
}

/// Client operations that did not succeed while their node was down: killed (from `:kill` to
/// `:start`) or paused (from `:pause` to `:resume`) at some moment between the operation's
/// invocation and its completion (or the end of the history). Client process `p` talks to node
/// `n{(p mod clients) mod nodes}`, as Jepsen opens its clients. Read from the history alone, so
/// that any history with these nemesis operations is judged the same way.
pub fn excused(history: &[Op], clients: u64, nodes: u64) -> u64 {
    if clients == 0 || nodes == 0 {
        return 0;
    }
    // Each node's down intervals, in ns; an open one ends with the history.
    let mut down: BTreeMap<String, Vec<(u64, u64)>> = BTreeMap::new();
    let mut since: BTreeMap<String, u64> = BTreeMap::new();
    for op in history
        .iter()
        .filter(|o| !o.is_client() && o.kind == OpType::Info)
    {
        let Some(hit) = op.value.as_object() else {
            continue;
        };
        for (node, what) in hit {
            match (op.f.as_str(), what.as_str()) {
                ("kill", Some("killed")) | ("pause", Some("paused")) => {
                    since.entry(node.clone()).or_insert(op.time);
                }
                ("start", _) | ("resume", _) => {
                    if let Some(from) = since.remove(node) {
                        down.entry(node.clone()).or_default().push((from, op.time));
                    }
                }
                _ => {}
            }
        }
    }
    for (node, from) in since {
        down.entry(node).or_default().push((from, u64::MAX));
    }
    if down.is_empty() {
        return 0;
    }
    let mut open: BTreeMap<u64, u64> = BTreeMap::new();
    let mut count = 0;
    for op in history.iter().filter(|o| o.is_client()) {
        let crate::history::Process::Client(p) = op.process else {
            continue;
        };
        if op.kind == OpType::Invoke {
            open.insert(p, op.time);
            continue;
        }
        let Some(invoked) = open.remove(&p) else {
            continue;
        };
        if op.kind == OpType::Ok {
            continue;
        }
        let node = format!("n{}", (p % clients) % nodes);
        let overlaps = down.get(&node).is_some_and(|spans| {
            spans
                .iter()
                .any(|&(from, to)| from <= op.time && invoked <= to)
        });
        count += u64::from(overlaps);
    }
    // An operation still open at the end never completed: excused if its node went down.
    for (p, invoked) in open {
        let node = format!("n{}", (p % clients) % nodes);
        if down
            .get(&node)
            .is_some_and(|spans| spans.iter().any(|&(_, to)| invoked <= to))
        {
            count += 1;
        }
    }
    count
}

fn validity_json(v: Validity) -> Value {
    match v {
        Validity::Valid => json!(true),
        Validity::Invalid => json!(false),
        Validity::Unknown => json!("unknown"),
    }
}

fn counts_json(c: &Counts, per_op: Option<f64>) -> Value {
    let mut v =
        json!({"send-count": c.send_count, "recv-count": c.recv_count, "msg-count": c.msg_count});
    if let Some(p) = per_op {
        v["msgs-per-op"] = json!(p);
    }
    v
}

/// Jepsen's stats checker: counts per `:f`; invalid when some `:f` never got an `:ok`.
pub fn stats(history: &[Op]) -> (Value, Validity) {
    #[derive(Default)]
    struct C {
        count: u64,
        ok: u64,
        fail: u64,
        info: u64,
    }
    let mut by_f: BTreeMap<String, C> = BTreeMap::new();
    for op in history.iter().filter(|o| o.is_client()) {
        let c = by_f.entry(op.f.clone()).or_default();
        match op.kind {
            OpType::Invoke => {}
            OpType::Ok => {
                c.count += 1;
                c.ok += 1
            }
            OpType::Fail => {
                c.count += 1;
                c.fail += 1
            }
            OpType::Info => {
                c.count += 1;
                c.info += 1
            }
        }
    }
    // Maelstrom wraps Jepsen's stats in kafka's stats-checker for every workload: `:crash` and
    // `:debug-topic-partitions` operations never succeed by design, so they do not count.
    let all_ok = by_f
        .iter()
        .filter(|(f, _)| !matches!(f.as_str(), "crash" | "debug-topic-partitions"))
        .all(|(_, c)| c.ok > 0);
    let total = |g: fn(&C) -> u64| by_f.values().map(g).sum::<u64>();
    let by_f_json: serde_json::Map<String, Value> = by_f
        .iter()
        .map(|(f, c)| {
            (
                f.clone(),
                json!({"valid?": c.ok > 0, "count": c.count, "ok-count": c.ok, "fail-count": c.fail, "info-count": c.info}),
            )
        })
        .collect();
    let valid = Validity::from_bool(all_ok);
    (
        json!({
            "valid?": all_ok,
            "count": total(|c| c.count),
            "ok-count": total(|c| c.ok),
            "fail-count": total(|c| c.fail),
            "info-count": total(|c| c.info),
            "by-f": by_f_json,
        }),
        valid,
    )
}

#[cfg(test)]
mod tests {
    use super::excused;
    use crate::history::{Op, OpType, Process};
    use serde_json::{json, Value};

    const S: u64 = 1_000_000_000;

    fn op(process: Process, kind: OpType, f: &str, time: u64, value: Value) -> Op {
        Op {
            index: 0,
            time,
            kind,
            process,
            f: f.to_string(),
            value,
            error: None,
            is_final: false,
        }
    }

    fn client(p: u64, kind: OpType, time: u64) -> Op {
        op(Process::Client(p), kind, "generate", time, Value::Null)
    }

    fn nemesis(f: &str, time: u64, value: Value) -> Op {
        op(Process::Nemesis, OpType::Info, f, time, value)
    }

    #[test]
    fn only_failed_operations_of_a_node_while_it_was_down_are_excused() {
        // 3 clients on 3 nodes: process p talks to n(p mod 3); n1 is down from 2 s to 5 s.
        let history = vec![
            client(0, OpType::Invoke, S),
            client(1, OpType::Invoke, S),
            nemesis("kill", 2 * S, json!({"n1": "killed"})),
            // n0's client times out during the kill: n0 was up, so it is not excused.
            client(0, OpType::Info, 3 * S),
            // n1's client, invoked before the kill, times out during it: excused.
            client(1, OpType::Info, 3 * S),
            // Process 4 (a replacement of thread 1, 4 mod 3 = 1) times out after the start,
            // but was invoked while n1 was down: excused.
            client(4, OpType::Invoke, 4 * S),
            nemesis("start", 5 * S, json!({"n1": "started"})),
            client(4, OpType::Info, 9 * S),
            // After the start, n1 is up again: a failure there counts.
            client(7, OpType::Invoke, 10 * S),
            client(7, OpType::Fail, 11 * S),
            // A success is never excused, being nothing to excuse.
            client(2, OpType::Invoke, 2 * S),
            client(2, OpType::Ok, 3 * S),
        ];
        assert_eq!(excused(&history, 3, 3), 2);
    }

    #[test]
    fn a_pause_excuses_like_a_kill_and_a_node_already_down_is_not_paused_again() {
        let history = vec![
            nemesis("pause", S, json!({"n0": "paused", "n1": "down"})),
            client(0, OpType::Invoke, 2 * S),
            nemesis("resume", 3 * S, json!({"n0": "resumed"})),
            client(0, OpType::Info, 7 * S),
            // n1 is listed as down, not paused: the pause does not make it failing.
            client(1, OpType::Invoke, 2 * S),
            client(1, OpType::Info, 7 * S),
            // Still open at the end, invoked before n0's resume: excused.
            client(3, OpType::Invoke, 2 * S),
        ];
        assert_eq!(excused(&history, 3, 2), 2);
    }

    #[test]
    fn a_history_without_kills_or_pauses_excuses_nothing() {
        let history = vec![
            nemesis("start-partition", S, json!({"grudge": {"n0": ["n1"]}})),
            client(0, OpType::Invoke, S),
            client(0, OpType::Info, 6 * S),
        ];
        assert_eq!(excused(&history, 2, 2), 0);
    }
}
