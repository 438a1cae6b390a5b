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
//! Each family lives in its own file ([`offsets`], [`writes`], [`aborted_reads`],
//! [`ordering`], the cycles in [`super::cycles`]), all reading one [`analysis::Analysis`];
//! [`lag`] adds the report-only `worst-realtime-lag`.
//!
//! Like Jepsen, the analysis gives up (`:valid? :unknown`) where Jepsen's would throw: a
//! polled message nobody sent, or a key that successful polls only ever returned empty.

mod aborted_reads;
mod analysis;
mod lag;
mod offsets;
mod ordering;
#[cfg(test)]
mod test_history;
mod writes;

use super::cycles;
use crate::history::{Op, OpType};
use crate::sim::workloads::findings::{add_cases, CasesByType};
use crate::verdict::Validity;
use analysis::Analysis;
use serde_json::{json, Map, Value};
use std::collections::BTreeMap;

/// Error types Maelstrom's configuration tolerates (`allowed-error-types` with
/// `:sub-via #{:assign}` and no `:ww-deps`).
pub(crate) const ALLOWED: [&str; 6] = [
    "int-send-skip",
    "G0",
    "G0-process",
    "G0-realtime",
    "PL-1-cycle-exists",
    "strong-PL-1-cycle-exists",
];

/// The checker's findings.
pub(crate) struct Findings {
    pub(crate) valid: Validity,
    /// The `:workload` map, shaped like Maelstrom's.
    pub(crate) result: Value,
    /// Every error type found, with its count.
    pub(crate) errors: BTreeMap<String, usize>,
    pub(crate) bad: Vec<String>,
    pub(crate) notes: Vec<String>,
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

fn analyse(history: &[Op]) -> Result<Findings, String> {
    let a = Analysis::new(history);
    let mut errors = CasesByType::new();
    let mut add = |name: &str, errs: Vec<Value>| add_cases(&mut errors, name, errs);
    add("inconsistent-offsets", offsets::inconsistent_offsets(&a));
    add("duplicate", offsets::duplicates(&a));
    add("G1a", aborted_reads::g1a(&a));
    add("lost-write", writes::lost_writes(&a)?);
    add("precommitted-read", aborted_reads::precommitted_reads(&a));
    let (int_skip, int_nm) = ordering::internal_polls(&a);
    add("int-poll-skip", int_skip);
    add("int-nonmonotonic-poll", int_nm);
    let (send_skip, send_nm) = ordering::internal_sends(&a);
    add("int-send-skip", send_skip);
    add("int-nonmonotonic-send", send_nm);
    let (skip, nm) = ordering::process_polls(&a);
    add("poll-skip", skip);
    add("nonmonotonic-poll", nm);
    add("nonmonotonic-send", ordering::process_sends(&a));
    let notes = add_cycles(history, &a, &mut add)?;
    Ok(findings_of(&a, errors, notes))
}

/// Adds the dependency cycles (one `G1c-realtime` per component) and
/// `empty-transaction-graph`; returns the notes they call for.
fn add_cycles(
    history: &[Op],
    a: &Analysis<'_>,
    add: &mut impl FnMut(&str, Vec<Value>),
) -> Result<Vec<String>, String> {
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
    Ok(notes)
}

/// The distinct errors of indeterminate sends, polls and txns (`info-txn-causes`).
fn info_causes(a: &Analysis<'_>) -> Vec<Value> {
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
}

/// The verdict and Maelstrom's result map from the errors found.
fn findings_of(a: &Analysis<'_>, errors: CasesByType, notes: Vec<String>) -> Findings {
    let unseen = writes::unseen(a);
    let lag = lag::worst_realtime_lag(a);
    let info_causes = info_causes(a);

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
    Findings {
        valid: Validity::from_bool(valid),
        result: Value::Object(result),
        errors: counts,
        bad,
        notes,
    }
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

#[cfg(test)]
mod tests {
    use super::test_history::*;

    #[test]
    fn a_clean_history_is_valid() {
        let f = check_polls_of_x(3, &[(1, &[(0, 1), (1, 2)]), (1, &[(2, 3)])]);
        assert_eq!(f.valid, Validity::Valid, "{}", f.result);
        assert!(f.errors.is_empty());
        assert_eq!(f.result["bad-error-types"], json!([]));
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
        let f = check_polls_of_x(1, &[(1, &[(0, 1), (1, 99)])]);
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
        h.poll(0, json!({}));
        let f = h.check();
        assert_eq!(types(&f), ["empty-transaction-graph"]);
        assert_eq!(f.valid, Validity::Invalid);
    }
}
