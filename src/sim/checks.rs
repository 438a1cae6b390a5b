//! The checkers every workload shares, computed as Maelstrom computes them: `:stats` (invalid if
//! some `:f` never succeeded), `:availability` (ok ops over invoked ops, judged only when
//! `--availability` is given), `:net` (msgs-per-op over all invoked client ops, final ops
//! included); then the merge into one `:valid?`, as a results map in Maelstrom's shape. The
//! figures are read from that map by the same reader as a real `results.edn`
//! ([`crate::verdict::Figures::from_results`]), so the two engines cannot disagree on them.

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
    let availability_valid = match cfg.opts.availability {
        None => Validity::Valid,
        Some(Availability::Total) => Validity::from_bool(ok == invoked),
        Some(Availability::Fraction(min)) => Validity::from_bool(ok_fraction >= min),
    };
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
        "availability": {"valid?": validity_json(availability_valid), "ok-fraction": ok_fraction},
        "net": net_json,
        "workload": workload.result,
        "valid?": validity_json(valid),
    })
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
