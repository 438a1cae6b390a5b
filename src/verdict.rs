//! The figures a run is judged by, whichever engine produced it (the simulator or a Maelstrom
//! `store/` folder), the challenge criteria they are compared with, and the verdict.

pub use crate::challenge::criterion::{Cmp, Criterion, METRICS};
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
    pub fn and(self, other: Validity) -> Validity {
        use Validity::*;
        match (self, other) {
            (Invalid, _) | (_, Invalid) => Invalid,
            (Unknown, _) | (_, Unknown) => Unknown,
            _ => Valid,
        }
    }

    pub fn from_bool(valid: bool) -> Validity {
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
    pub fn metric(&self, name: &str) -> Option<f64> {
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

pub fn check_all(criteria: &[Criterion], figures: &Figures) -> Vec<Check> {
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
    pub challenge: String,
    pub engine: String,
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

/// Refuses to judge a run with no client operations (exit 2): there is nothing to judge, and
/// the options that caused it (`--rate`, `--time-limit`, `--node-count`, `--concurrency`) are
/// what to look at.
pub fn require_operations(figures: &Figures) -> anyhow::Result<()> {
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

    #[test]
    fn quantiles_of_known_values() {
        let q = quantiles(&(1..=100).map(f64::from).collect::<Vec<_>>());
        assert_eq!(q["0"], 1.0);
        assert_eq!(q["0.5"], 51.0);
        assert_eq!(q["1"], 100.0);
    }
}
