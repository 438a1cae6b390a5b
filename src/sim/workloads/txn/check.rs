//! The txn-rw-register checker: Elle's rw-register analysis, judged under the given consistency
//! models and reported in Maelstrom's shape (`{:valid? :anomaly-types :anomalies :not
//! :also-not}`), with Maelstrom's wrapper applied (cycle-search timeouts are dropped, and any
//! remaining reportable anomaly type, `empty-transaction-graph` included, makes the run invalid).

use super::consistency_models;
use super::cycles::{self, CycleFindings};
use super::deps::{self, Extra};
use super::{anomalies, txns::Txns};
use crate::history::Op;
use crate::sim::model::WorkloadCheck;
use crate::sim::workloads::findings::{add_cases, names_note, CasesByType};
use crate::verdict::Validity;
use serde_json::{json, Value};
use std::collections::{BTreeMap, BTreeSet};

/// How much work one named-cycle search may do in one component before giving up (Elle gives
/// each search a one-second timeout).
const SEARCH_BUDGET: usize = 2_000_000;

/// At most this many cases are kept per anomaly type in the result (counts give the totals).
const MAX_CASES: usize = 64;

/// Anomaly types that make Elle's result unknown rather than false (Maelstrom then makes any of
/// them invalid, except timeouts, which it drops).
const UNKNOWN_TYPES: [&str; 2] = ["empty-transaction-graph", "cycle-search-timeout"];

/// Checks `history` under `consistency_models`.
pub fn check(history: &[Op], consistency_models: &[String]) -> WorkloadCheck {
    let txns = Txns::from_history(history);
    let prohibited = consistency_models::prohibited(consistency_models);
    let mut reportable = prohibited.clone();
    reportable.extend(UNKNOWN_TYPES.iter().map(|s| s.to_string()));
    let cycle_types = cycles::cycle_types();
    // Elle adds a realtime graph if any realtime cycle type is reportable, else a process graph
    // if any process one is.
    let wants = |suffix: &str| {
        reportable
            .iter()
            .any(|a| a.contains(suffix) && (cycle_types.contains(a) || is_elle_cycle_type(a)))
    };
    let extra = if wants("-realtime") {
        Extra {
            realtime: true,
            process: false,
        }
    } else {
        Extra {
            realtime: false,
            process: wants("-process"),
        }
    };
    let deps = deps::build(&txns, history, extra);

    // Every anomaly found, whether or not this model prohibits it: type → cases.
    let mut found = CasesByType::new();
    let mut add = |name: &str, cases: Vec<Value>| add_cases(&mut found, name, cases);
    add("internal", anomalies::internal(&txns));
    add("G1a", anomalies::g1a(&txns));
    add("G1b", anomalies::g1b(&txns));
    add("lost-update", anomalies::lost_update(&txns));
    add("cyclic-versions", deps.cyclic_versions.clone());
    // Named cycles: the prohibited ones, plus G0 and G1c, which are cheap and say which of
    // the weak models a run satisfies.
    let mut wanted: BTreeSet<String> = cycle_types
        .iter()
        .filter(|c| prohibited.contains(*c))
        .cloned()
        .collect();
    wanted.insert("G0".into());
    wanted.insert("G1c".into());
    let CycleFindings {
        found: cycle_found,
        timeouts,
    } = cycles::search(&txns, &deps, &wanted, SEARCH_BUDGET);
    for (name, cases) in cycle_found {
        add(&name, cases);
    }
    add("cycle-search-timeout", timeouts.clone());
    let empty_graph = !deps.graph.has_vertices();

    // Elle's result-map: only reportable types, minus cycle-exists fallbacks made redundant by
    // a specific anomaly that already rules their model out.
    let mut reported: BTreeMap<String, Value> = found
        .iter()
        .filter(|(name, _)| reportable.contains(*name))
        .map(|(name, cases)| (name.clone(), cases_json(cases)))
        .collect();
    if empty_graph {
        reported.insert("empty-transaction-graph".into(), json!(true));
    }
    let specific: Vec<String> = reported
        .keys()
        .filter(|k| !k.ends_with("-cycle-exists"))
        .cloned()
        .collect();
    let impossible = consistency_models::impossible_models(specific.iter().map(String::as_str));
    reported.retain(|k, _| {
        k.strip_suffix("-cycle-exists")
            .is_none_or(|model| !impossible.contains(consistency_models::canonical(model)))
    });
    let elle_reported_any = !reported.is_empty();
    // Maelstrom's wrapper drops search timeouts and fails on anything left.
    reported.remove("cycle-search-timeout");
    let types: Vec<String> = reported.keys().cloned().collect();
    let mut valid = Validity::from_bool(types.is_empty());

    let mut result = json!({
        "valid?": types.is_empty(),
        "anomaly-types": types,
        "anomalies": if reported.is_empty() { Value::Null } else { json!(reported) },
    });
    if elle_reported_any {
        let mut all: Vec<&str> = found.keys().map(String::as_str).collect();
        if empty_graph {
            all.push("empty-transaction-graph");
        }
        let (not, also_not) = consistency_models::boundary(all);
        result["not"] = json!(not);
        result["also-not"] = json!(also_not);
    }
    // Beyond Maelstrom's keys: what was checked, and what was seen but allowed.
    let all_specific: Vec<&str> = found
        .keys()
        .filter(|k| !k.ends_with("-cycle-exists"))
        .map(String::as_str)
        .collect();
    let impossible_all = consistency_models::impossible_models(all_specific);
    let allowed_seen: Vec<&String> = found
        .keys()
        .filter(|k| !reportable.contains(*k))
        .filter(|k| {
            k.strip_suffix("-cycle-exists")
                .is_none_or(|m| !impossible_all.contains(consistency_models::canonical(m)))
        })
        .collect();
    result["consistency-models"] = json!(consistency_models);
    result["version-order-sources"] = json!(deps.sources);
    result["also-observed"] = json!(allowed_seen);
    result["txn-count"] = json!(txns.txns.len());

    let mut check = WorkloadCheck::new(valid, Value::Null);
    check.anomalies = result["anomaly-types"]
        .as_array()
        .map(|a| {
            a.iter()
                .filter_map(|v| v.as_str().map(String::from))
                .collect()
        })
        .unwrap_or_default();
    for (name, cases) in &found {
        if reported.contains_key(name) {
            check
                .counts
                .insert(format!("{name}-count"), cases.len() as f64);
        }
    }
    check.notes = notes(
        consistency_models,
        &prohibited,
        &allowed_seen,
        &timeouts,
        txns.malformed,
    );
    if !deps.duplicate_writes.is_empty() {
        // Elle throws on such a history (its inference assumes unique writes); say so rather
        // than guess.
        if valid == Validity::Valid {
            valid = Validity::Unknown;
        }
        result["duplicate-writes"] = cases_json(&deps.duplicate_writes);
        check.notes.push(format!(
            "{} value(s) were written by more than one committed transaction; Elle cannot \
             analyse such a history (writes must be unique), so the result is not trusted",
            deps.duplicate_writes.len()
        ));
    }
    check.valid = valid;
    if valid != Validity::Valid {
        result["valid?"] = match valid {
            Validity::Unknown => json!("unknown"),
            _ => json!(false),
        };
    }
    check.result = result;
    check
}

/// Elle's realtime/process cycle types beyond those searched by name (predicate variants).
fn is_elle_cycle_type(a: &str) -> bool {
    ["G-single", "G-nonadjacent", "G2"]
        .iter()
        .any(|base| a == format!("{base}-realtime") || a == format!("{base}-process"))
}

fn cases_json(cases: &[Value]) -> Value {
    json!(cases.iter().take(MAX_CASES).cloned().collect::<Vec<_>>())
}

fn notes(
    consistency_models: &[String],
    prohibited: &BTreeSet<String>,
    allowed_seen: &[&String],
    timeouts: &[Value],
    malformed: usize,
) -> Vec<String> {
    let mut notes = vec![format!(
        "checked {} with Elle's rw-register inference (version order from the initial nil and \
         writes-follow-reads only; intermediate and unread writes are not ordered)",
        consistency_models.join(", ")
    )];
    let beyond_rc = prohibited.iter().any(|a| {
        a.contains("G-single")
            || a.contains("G2")
            || a.contains("-realtime")
            || a.contains("-process")
            || a == "internal"
            || a == "lost-update"
    });
    if beyond_rc {
        notes.push(
            "anti-dependency (rw), process and realtime cycles are named by a bounded search; \
             validity rests on exact cycle-existence checks over the inferred graph, which, as \
             in Elle, misses rw and ww edges a full version order would show"
                .into(),
        );
    }
    if prohibited.contains("G0") && !prohibited.contains("G1c") {
        notes.push(
            "G0 is named from ww edges alone (Elle 0.2.2 names a write cycle whose pairs are \
             also wr-related G1c and reports it under read-uncommitted as PL-1-cycle-exists; \
             same verdict). Dirty writes among intermediate writes (maelstrom#56) are invisible \
             to the inference, here as in Maelstrom"
                .into(),
        );
    }
    notes.extend(names_note(
        "observed but allowed under this model",
        allowed_seen,
    ));
    if !timeouts.is_empty() {
        notes.push(format!(
            "{} named-cycle search(es) ran out of budget (Maelstrom drops these too); \
             cycle-existence checks still judged validity",
            timeouts.len()
        ));
    }
    if malformed > 0 {
        notes.push(format!("{malformed} malformed micro-operation(s) skipped"));
    }
    notes
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::history::{OpType, Process};
    use serde_json::json;

    /// A history of transactions run one after another: `(process, outcome, txn as completed)`;
    /// the invocation carries the same txn with reads blanked.
    fn history(txns: &[(u64, OpType, Value)]) -> Vec<Op> {
        let mut out = Vec::new();
        for (i, (p, kind, txn)) in txns.iter().enumerate() {
            let invoked: Vec<Value> = txn
                .as_array()
                .unwrap()
                .iter()
                .map(|m| {
                    if m[0] == "r" {
                        json!(["r", m[1], null])
                    } else {
                        m.clone()
                    }
                })
                .collect();
            let op = |index: usize, kind: OpType, value: Value| Op {
                index,
                time: index as u64 * 1000,
                kind,
                process: Process::Client(*p),
                f: "txn".into(),
                value,
                error: None,
                is_final: false,
            };
            let done = if *kind == OpType::Ok {
                txn.clone()
            } else {
                json!(invoked)
            };
            out.push(op(2 * i, OpType::Invoke, json!(invoked)));
            out.push(op(2 * i + 1, *kind, done));
        }
        out
    }

    fn run(txns: &[(u64, OpType, Value)], model: &str) -> WorkloadCheck {
        check(&history(txns), &[model.to_string()])
    }

    /// Checks `txns` under `weaker`, which must allow them, and under `stronger`, which must
    /// not; returns both findings, the weaker model's first.
    fn allowed_only_below(
        txns: &[(u64, OpType, Value)],
        weaker: &str,
        stronger: &str,
    ) -> (WorkloadCheck, WorkloadCheck) {
        let allowed = run(txns, weaker);
        assert_eq!(
            allowed.valid,
            Validity::Valid,
            "{weaker}: {}",
            allowed.result
        );
        let refused = run(txns, stronger);
        assert_eq!(
            refused.valid,
            Validity::Invalid,
            "{stronger}: {}",
            refused.result
        );
        (allowed, refused)
    }

    fn assert_found(c: &WorkloadCheck, anomaly: &str) {
        assert!(
            c.anomalies.iter().any(|a| a == anomaly),
            "{anomaly} not in {:?}",
            c.anomalies
        );
    }

    use OpType::{Fail, Ok};

    #[test]
    fn a_serial_history_is_strict_serializable() {
        let c = run(
            &[
                (0, Ok, json!([["r", 1, null], ["w", 1, 1]])),
                (1, Ok, json!([["r", 1, 1], ["w", 2, 1], ["w", 1, 2]])),
                (0, Ok, json!([["r", 2, 1], ["r", 1, 2]])),
                (1, Ok, json!([["w", 1, 3], ["r", 1, 3]])),
            ],
            "strict-serializable",
        );
        assert_eq!(c.valid, Validity::Valid, "{}", c.result);
        assert!(c.anomalies.is_empty());
        assert_eq!(c.result["anomaly-types"], json!([]));
    }

    #[test]
    fn g0_write_cycle_fails_read_uncommitted() {
        // T1 read T2's y and overwrote it; T2 read T1's x and overwrote it: ww both ways.
        let txns = [
            (0, Ok, json!([["r", 2, 2], ["w", 1, 1], ["w", 2, 1]])),
            (1, Ok, json!([["r", 1, 1], ["w", 1, 2], ["w", 2, 2]])),
        ];
        let c = run(&txns, "read-uncommitted");
        assert_eq!(c.valid, Validity::Invalid);
        assert_eq!(c.anomalies, vec!["G0".to_string()]);
        assert_eq!(c.result["not"], json!(["read-uncommitted"]));
        let steps = &c.result["anomalies"]["G0"][0]["steps"];
        assert_eq!(steps.as_array().unwrap().len(), 2);
        assert!(steps.as_array().unwrap().iter().all(|s| s["type"] == "ww"));
    }

    #[test]
    fn g1c_fails_read_committed_but_not_read_uncommitted() {
        // Each transaction read the other's write: circular information flow, no ww edges.
        let txns = [
            (0, Ok, json!([["w", 1, 1], ["r", 2, 1]])),
            (1, Ok, json!([["w", 2, 1], ["r", 1, 1]])),
        ];
        let (ru, rc) = allowed_only_below(&txns, "read-uncommitted", "read-committed");
        assert_eq!(ru.result["also-observed"], json!(["G1c"]));
        assert_eq!(rc.anomalies, vec!["G1c".to_string()]);
        assert_eq!(rc.result["not"], json!(["read-committed"]));
    }

    #[test]
    fn g1a_aborted_read() {
        let txns = [
            (0, Fail, json!([["w", 1, 1]])),
            (1, Ok, json!([["r", 1, 1]])),
            (1, Ok, json!([["w", 1, 2]])),
            (0, Ok, json!([["r", 1, 2]])),
        ];
        // Read uncommitted allows it.
        let (_, c) = allowed_only_below(&txns, "read-uncommitted", "read-committed");
        assert_eq!(c.anomalies, vec!["G1a".to_string()]);
        assert_eq!(c.result["anomalies"]["G1a"][0]["mop"], json!(["r", 1, 1]));
        assert_eq!(c.counts["G1a-count"], 1.0);
    }

    #[test]
    fn g1b_intermediate_read() {
        let txns = [
            (0, Ok, json!([["w", 1, 1], ["w", 1, 2]])),
            (1, Ok, json!([["r", 1, 1]])),
            (1, Ok, json!([["r", 1, 2]])),
        ];
        let c = run(&txns, "read-committed");
        assert_eq!(c.anomalies, vec!["G1b".to_string()]);
        assert_eq!(c.result["anomalies"]["G1b"][0]["writer"]["index"], json!(1));
        // A transaction reading its own intermediate write is fine.
        let own = [
            (0, Ok, json!([["w", 1, 1], ["r", 1, 1], ["w", 1, 2]])),
            (1, Ok, json!([["r", 1, 2]])),
        ];
        assert_eq!(run(&own, "read-committed").valid, Validity::Valid);
    }

    #[test]
    fn internal_inconsistency_is_prohibited_by_serializable_only() {
        let txns = [
            (0, Ok, json!([["w", 1, 1]])),
            (1, Ok, json!([["w", 1, 2], ["r", 1, 1]])),
            (0, Ok, json!([["r", 1, 2]])),
        ];
        let (rc, ser) = allowed_only_below(&txns, "read-committed", "serializable");
        assert!(rc.result["also-observed"]
            .as_array()
            .unwrap()
            .contains(&json!("internal")));
        assert_found(&ser, "internal");
        assert_eq!(ser.result["anomalies"]["internal"][0]["expected"], json!(2));
        // Two reads disagreeing inside one transaction are internal too.
        let rr = [
            (0, Ok, json!([["w", 1, 1]])),
            (1, Ok, json!([["w", 1, 2]])),
            (0, Ok, json!([["r", 1, 1], ["r", 1, 2]])),
        ];
        assert_found(&run(&rr, "serializable"), "internal");
    }

    #[test]
    fn cyclic_versions_fail_every_model() {
        let txns = [
            (0, Ok, json!([["r", 1, 1], ["w", 1, 2]])),
            (1, Ok, json!([["r", 1, 2], ["w", 1, 1]])),
        ];
        let c = run(&txns, "read-uncommitted");
        assert_found(&c, "cyclic-versions");
        assert_eq!(c.result["version-order-sources"], json!(["initial-state"]));
    }

    #[test]
    fn lost_update_and_read_skew_need_stronger_models() {
        let lost = [
            (0, Ok, json!([["r", 1, null], ["w", 1, 1]])),
            (1, Ok, json!([["r", 1, null], ["w", 1, 2]])),
        ];
        let (_, c) = allowed_only_below(&lost, "read-committed", "serializable");
        assert_found(&c, "lost-update");
        // Read skew: T2 sees T1's x but not its y: exactly one anti-dependency.
        let skew = [
            (0, Ok, json!([["w", 1, 1], ["w", 2, 1]])),
            (1, Ok, json!([["r", 1, 1], ["r", 2, null]])),
        ];
        let (_, c) = allowed_only_below(&skew, "read-committed", "serializable");
        assert_eq!(c.anomalies, vec!["G-single-item".to_string()]);
    }

    #[test]
    fn stale_reads_after_completion_are_realtime_anomalies() {
        // T2 starts after T1 completed, yet misses its write.
        let txns = [
            (0, Ok, json!([["w", 1, 1]])),
            (1, Ok, json!([["r", 1, null]])),
        ];
        let (_, c) = allowed_only_below(&txns, "serializable", "strict-serializable");
        assert_eq!(c.anomalies, vec!["G-single-item-realtime".to_string()]);
        assert_eq!(c.result["not"], json!(["strong-snapshot-isolation"]));
        assert_eq!(c.result["also-not"], json!(["strong-serializable"]));
    }

    #[test]
    fn no_dependencies_at_all_is_an_empty_graph() {
        let txns = [
            (0, Ok, json!([["r", 1, null]])),
            (1, Ok, json!([["r", 2, null]])),
        ];
        let c = run(&txns, "read-uncommitted");
        assert_eq!(c.valid, Validity::Invalid);
        assert_eq!(c.anomalies, vec!["empty-transaction-graph".to_string()]);
    }
}
