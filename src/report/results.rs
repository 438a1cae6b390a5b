//! A Maelstrom run's `results.edn` (as JSON, via [`super::edn`]) and `history.edn` turned into
//! [`Figures`]: Maelstrom's `:valid?` and the failing sub-checkers, msgs-per-op, availability,
//! broadcast stable latencies, workload counts and anomaly names (Elle's `:anomaly-types`,
//! kafka's `:error-types`), plus the op count and per-operation latency quantiles the history
//! gave ([`OpStats`]).

use super::op_stats::OpStats;
use crate::verdict::{Figures, Quantiles, Validity, QUANTILES};
use serde_json::Value;

/// Maelstrom's `:valid?`: `true`, `false`, or anything else (`:unknown`).
pub fn validity(v: &Value) -> Validity {
    match v {
        Value::Bool(true) => Validity::Valid,
        Value::Bool(false) => Validity::Invalid,
        _ => Validity::Unknown,
    }
}

/// Quantile maps keyed as Maelstrom prints them (`0`, `0.5`, `1`, or `1.0`), normalised to the
/// keys of [`QUANTILES`].
fn quantile_map(v: &Value) -> Option<Quantiles> {
    let map = v.as_object()?;
    let mut out = Quantiles::new();
    for (k, v) in map {
        let (Ok(q), Some(ms)) = (k.parse::<f64>(), v.as_f64()) else {
            continue;
        };
        if let Some((name, _)) = QUANTILES.iter().find(|(_, x)| (*x - q).abs() < 1e-9) {
            out.insert((*name).to_string(), ms);
        }
    }
    (!out.is_empty()).then_some(out)
}

fn names(v: Option<&Value>) -> Vec<String> {
    v.and_then(Value::as_array)
        .map(|a| {
            a.iter()
                .filter_map(|x| x.as_str().map(str::to_string))
                .collect()
        })
        .unwrap_or_default()
}

/// The figures of one run. `history` (if read) gives the op count and per-op latencies.
pub fn figures(results: &Value, history: Option<&OpStats>) -> Figures {
    let mut f = Figures {
        valid: Some(validity(&results["valid?"])),
        ..Figures::default()
    };
    if let Some(map) = results.as_object() {
        // Top-level checkers (serde_json's map is ordered, so this list is stable).
        for (name, sub) in map {
            if sub.is_object() && validity(&sub["valid?"]) != Validity::Valid {
                f.failing_checkers.push(name.clone());
            }
        }
    }
    if let Some(by_f) = results["stats"]["by-f"].as_object() {
        for (op, s) in by_f {
            if validity(&s["valid?"]) != Validity::Valid {
                f.notes
                    .push(format!("stats: no {op} operation ever succeeded"));
            }
        }
    }
    f.ok_fraction = results["availability"]["ok-fraction"].as_f64();
    f.servers_msgs_per_op = results["net"]["servers"]["msgs-per-op"].as_f64();
    f.all_msgs_per_op = results["net"]["all"]["msgs-per-op"].as_f64();
    let workload = &results["workload"];
    f.stable_latencies = quantile_map(&workload["stable-latencies"]);
    if let Some(map) = workload.as_object() {
        for (key, value) in map {
            if let (true, Some(n)) = (key.ends_with("-count"), value.as_f64()) {
                f.counts.insert(key.clone(), n);
            }
        }
    }
    // Elle (txn) names its anomalies; jepsen's kafka checker its error types.
    let mut anomalies = names(workload.get("anomaly-types"));
    for e in names(workload.get("error-types")) {
        if !anomalies.contains(&e) {
            anomalies.push(e);
        }
    }
    f.anomalies = anomalies;
    let not = names(workload.get("not"));
    if !not.is_empty() {
        let also = names(workload.get("also-not"));
        let mut note = format!("Elle: the history is not {}", not.join(", "));
        if !also.is_empty() {
            note.push_str(&format!(" (hence not {} either)", also.join(", ")));
        }
        f.notes.push(note);
    }
    if let Some(failures) = workload["failures"].as_array().filter(|a| !a.is_empty()) {
        let keys: Vec<String> = failures.iter().map(|k| k.to_string()).collect();
        f.notes.push(format!(
            "linearizability failed on keys {}",
            keys.join(", ")
        ));
    }
    match history {
        Some(stats) => {
            f.ops = stats.invocations;
            f.op_latencies = stats.latencies.clone();
        }
        None => {
            // Without the history, msg-count / msgs-per-op recovers the invocation count.
            let all = &results["net"]["all"];
            if let (Some(msgs), Some(per)) =
                (all["msg-count"].as_f64(), all["msgs-per-op"].as_f64())
            {
                if per > 0.0 {
                    f.ops = (msgs / per).round() as u64;
                }
            }
            f.notes
                .push("history.edn not read: no per-operation latencies".into());
        }
    }
    f
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::edn;
    use serde_json::json;

    #[test]
    fn quantile_keys_are_normalised() {
        let q = quantile_map(&json!({"0": 1, "0.5": 2, "0.95": 3, "0.99": 4, "1.0": 5})).unwrap();
        assert_eq!(q["1"], 5.0);
        assert_eq!(q["0.5"], 2.0);
        assert!(quantile_map(&json!(null)).is_none());
    }

    #[test]
    fn sub_checkers_and_counts() {
        let edn = "{:stats {:valid? true, :by-f {:read {:valid? false}}} \
                   :availability {:valid? :unknown, :ok-fraction 0.5} \
                   :net {:all {:msg-count 10, :msgs-per-op 2.0} :servers {:msgs-per-op 0.0} :valid? true} \
                   :workload {:valid? false, :lost-count 3, :stable-latencies {0 0, 0.5 1, 1 9}} \
                   :valid? false}";
        let results = edn::to_json(&edn::parse(edn).unwrap());
        let f = figures(&results, None);
        assert_eq!(f.valid, Some(Validity::Invalid));
        assert_eq!(f.failing_checkers, ["availability", "workload"]);
        assert_eq!(f.counts["lost-count"], 3.0);
        assert_eq!(f.ops, 5);
        assert_eq!(f.stable_latencies.unwrap()["1"], 9.0);
        assert!(f.notes.iter().any(|n| n.contains("no read operation")));
    }
}
