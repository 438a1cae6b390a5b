//! The figures a run is judged by, whichever engine produced it (the simulator or a Maelstrom
//! `store/` folder), the challenge criteria they are compared with, and the verdict.

pub(crate) use crate::challenge::criterion::Criterion;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::fmt;

/// Maelstrom's three-valued `:valid?`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Validity {
    Valid,
    Invalid,
    Unknown,
}

impl Validity {
    /// Maelstrom's merge: false beats :unknown, which beats true.
    pub(crate) fn and(self, other: Validity) -> Validity {
        use Validity::*;
        match (self, other) {
            (Invalid, _) | (_, Invalid) => Invalid,
            (Unknown, _) | (_, Unknown) => Unknown,
            _ => Valid,
        }
    }

    pub(crate) fn from_bool(valid: bool) -> Validity {
        if valid {
            Validity::Valid
        } else {
            Validity::Invalid
        }
    }
}

impl fmt::Display for Validity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Validity::Valid => "valid",
            Validity::Invalid => "INVALID",
            Validity::Unknown => "unknown",
        })
    }
}

use crate::history::OpStats;
pub use crate::history::{quantiles, Quantiles, QUANTILES};
use serde_json::Value;

/// Everything a verdict table shows.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
pub struct Figures {
    pub valid: Option<Validity>,
    /// Names of sub-checkers whose `:valid?` is not true (e.g. `workload`, `availability`).
    pub failing_checkers: Vec<String>,
    /// Client operations invoked (final reads included), the msgs-per-op divisor.
    pub ops: u64,
    pub ok_fraction: Option<f64>,
    pub servers_msgs_per_op: Option<f64>,
    pub all_msgs_per_op: Option<f64>,
    /// Broadcast only: `:workload :stable-latencies`.
    pub stable_latencies: Option<Quantiles>,
    /// Invoke-to-completion latency of ok operations, per `:f`.
    pub op_latencies: BTreeMap<String, Quantiles>,
    /// Anomaly or error names the workload checker reported.
    pub anomalies: Vec<String>,
    /// Workload counters worth showing (lost-count, duplicated-count, …).
    pub counts: BTreeMap<String, f64>,
    /// Caveats: what could not be checked, and why.
    pub notes: Vec<String>,
}

impl Figures {
    /// A metric by the name criteria use.
    pub(crate) fn metric(&self, name: &str) -> Option<f64> {
        let stable = |q: &str| self.stable_latencies.as_ref()?.get(q).copied();
        match name {
            "servers-msgs-per-op" => self.servers_msgs_per_op,
            "all-msgs-per-op" => self.all_msgs_per_op,
            "availability" => self.ok_fraction,
            "stable-latency-p0" => stable("0"),
            "stable-latency-p50" => stable("0.5"),
            "stable-latency-p95" => stable("0.95"),
            "stable-latency-p99" => stable("0.99"),
            "stable-latency-max" => stable("1"),
            _ => self.counts.get(name).copied(),
        }
    }
}

/// One criterion checked against the figures. A metric the run did not produce is missed.
#[derive(Clone, Debug, Serialize)]
pub struct Check {
    pub criterion: String,
    pub actual: Option<f64>,
    pub met: bool,
}

fn check_all(criteria: &[Criterion], figures: &Figures) -> Vec<Check> {
    criteria
        .iter()
        .map(|c| {
            let actual = figures.metric(&c.metric);
            Check {
                criterion: c.to_string(),
                actual,
                met: actual.is_some_and(|v| c.holds(v)),
            }
        })
        .collect()
}

/// The verdict on one run: the harness's validity plus the challenge's criteria.
#[derive(Clone, Debug, Serialize)]
pub struct Verdict {
    challenge: String,
    engine: String,
    pub figures: Figures,
    pub criteria: Vec<Check>,
    pub goals: Vec<Check>,
    /// Valid and every criterion met (goals are informative).
    pub pass: bool,
}

impl Verdict {
    pub fn new(
        challenge: &str,
        engine: &str,
        figures: Figures,
        criteria: &[Criterion],
        goals: &[Criterion],
    ) -> Verdict {
        let criteria = check_all(criteria, &figures);
        let goals = check_all(goals, &figures);
        // A run that invoked nothing tested nothing: it can never pass.
        let pass = figures.valid == Some(Validity::Valid)
            && figures.ops > 0
            && criteria.iter().all(|c| c.met);
        Verdict {
            challenge: challenge.to_string(),
            engine: engine.to_string(),
            figures,
            criteria,
            goals,
            pass,
        }
    }
}

/// Maelstrom's `:valid?`: `true`, `false`, or anything else (`:unknown`).
fn validity(v: &Value) -> Validity {
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

impl Figures {
    /// The figures of one run from its results map in Maelstrom's shape (`results.edn` read as
    /// JSON, or the simulator's own map): the one way either engine's run becomes figures.
    /// `history` (if read) gives the op count and per-op latencies.
    pub fn from_results(results: &Value, history: Option<&OpStats>) -> Figures {
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
        let availability = &results["availability"];
        f.ok_fraction = availability["ok-fraction"].as_f64();
        // Under kill or pause the criterion is judged on the nodes that were up (see
        // `sim::checks`): the figure is that one, and the note keeps Maelstrom's.
        if let (Some(live), Some(excused)) = (
            availability["live-ok-fraction"].as_f64(),
            availability["excused-count"].as_u64(),
        ) {
            f.notes.push(format!(
                "availability judged on nodes that were up: {excused} operation(s) did not \
                 succeed while their node was killed or paused and are excused ({:.4} of all \
                 operations succeeded)",
                f.ok_fraction.unwrap_or(f64::NAN)
            ));
            f.ok_fraction = Some(live);
        }
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
}

impl Figures {
    /// Adds what an engine's own checker found beyond its results map: anomaly names and counts
    /// the map does not hold under a name the reader knows, and caveats. A figure the map
    /// already gave is never replaced, so the map stays the one source of what both engines
    /// report alike.
    pub(crate) fn add_findings(
        &mut self,
        anomalies: Vec<String>,
        counts: BTreeMap<String, f64>,
        notes: Vec<String>,
    ) {
        for name in anomalies {
            if !self.anomalies.contains(&name) {
                self.anomalies.push(name);
            }
        }
        for (name, value) in counts {
            self.counts.entry(name).or_insert(value);
        }
        self.notes.extend(notes);
    }
}

/// Refuses to judge a run with no client operations (exit 2): there is nothing to judge, and
/// the options that caused it (`--rate`, `--time-limit`, `--node-count`, `--concurrency`) are
/// what to look at.
pub(crate) fn require_operations(figures: &Figures) -> anyhow::Result<()> {
    if figures.ops == 0 {
        return Err(crate::exit::setup(
            "the run performed no client operations, so there is nothing to judge; check \
             --rate, --time-limit, --node-count and --concurrency",
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
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
        let results = json!({
            "stats": {"valid?": true, "by-f": {"read": {"valid?": false}}},
            "availability": {"valid?": "unknown", "ok-fraction": 0.5},
            "net": {"all": {"msg-count": 10, "msgs-per-op": 2.0}, "servers": {"msgs-per-op": 0.0}, "valid?": true},
            "workload": {"valid?": false, "lost-count": 3, "stable-latencies": {"0": 0, "0.5": 1, "1": 9}},
            "valid?": false
        });
        let f = Figures::from_results(&results, None);
        assert_eq!(f.valid, Some(Validity::Invalid));
        assert_eq!(f.failing_checkers, ["availability", "workload"]);
        assert_eq!(f.counts["lost-count"], 3.0);
        assert_eq!(f.ops, 5);
        assert_eq!(f.stable_latencies.unwrap()["1"], 9.0);
        assert!(f.notes.iter().any(|n| n.contains("no read operation")));
    }

    #[test]
    fn missing_metric_is_a_miss() {
        let figures = Figures::default();
        let checks = check_all(
            &[Criterion::parse("stable-latency-max < 600").unwrap()],
            &figures,
        );
        assert!(!checks[0].met);
    }

    #[test]
    fn a_run_without_operations_never_passes() {
        let figures = Figures {
            valid: Some(Validity::Valid),
            ..Figures::default()
        };
        assert!(!Verdict::new("1", "sim", figures.clone(), &[], &[]).pass);
        let err = require_operations(&figures).unwrap_err();
        assert_eq!(crate::exit::code_of(&err), crate::exit::SETUP);
        let busy = Figures { ops: 3, ..figures };
        assert!(Verdict::new("1", "sim", busy.clone(), &[], &[]).pass);
        assert!(require_operations(&busy).is_ok());
    }

    #[test]
    fn validity_merges_like_maelstrom() {
        use Validity::*;
        assert_eq!(Valid.and(Unknown), Unknown);
        assert_eq!(Unknown.and(Invalid), Invalid);
        assert_eq!(Valid.and(Valid), Valid);
    }
}
