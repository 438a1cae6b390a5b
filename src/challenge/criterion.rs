//! Pass criteria and goals as the catalog states them: `<metric> <op> <number>`, e.g.
//! `servers-msgs-per-op < 30`. Judging figures against them happens in `crate::verdict`.

use serde::{Deserialize, Deserializer, Serialize};
use std::fmt;

/// Metric names a criterion may use (besides workload counts such as `lost-count`).
const METRICS: [&str; 8] = [
    "servers-msgs-per-op",
    "all-msgs-per-op",
    "availability",
    "stable-latency-p0",
    "stable-latency-p50",
    "stable-latency-p95",
    "stable-latency-p99",
    "stable-latency-max",
];

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
enum Cmp {
    #[serde(rename = "<")]
    Lt,
    #[serde(rename = "<=")]
    Le,
    #[serde(rename = ">")]
    Gt,
    #[serde(rename = ">=")]
    Ge,
}

/// `<metric> <op> <number>`, e.g. `servers-msgs-per-op < 30`.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Criterion {
    pub(crate) metric: String,
    cmp: Cmp,
    threshold: f64,
}

impl Criterion {
    pub fn parse(text: &str) -> Result<Criterion, String> {
        let words: Vec<&str> = text.split_whitespace().collect();
        let [metric, op, number] = words[..] else {
            return Err(format!(
                "criterion {text:?}: expected `<metric> <op> <number>`"
            ));
        };
        let cmp = match op {
            "<" => Cmp::Lt,
            "<=" => Cmp::Le,
            ">" => Cmp::Gt,
            ">=" => Cmp::Ge,
            _ => return Err(format!("criterion {text:?}: unknown comparison {op:?}")),
        };
        let threshold: f64 = number
            .parse()
            .ok()
            .filter(|t: &f64| t.is_finite())
            .ok_or_else(|| format!("criterion {text:?}: {number:?} is not a finite number"))?;
        let known = METRICS.contains(&metric) || metric.ends_with("-count");
        if !known {
            return Err(format!(
                "criterion {text:?}: unknown metric {metric:?} (known: {})",
                METRICS.join(", ")
            ));
        }
        Ok(Criterion {
            metric: metric.to_string(),
            cmp,
            threshold,
        })
    }

    pub(crate) fn holds(&self, value: f64) -> bool {
        match self.cmp {
            Cmp::Lt => value < self.threshold,
            Cmp::Le => value <= self.threshold,
            Cmp::Gt => value > self.threshold,
            Cmp::Ge => value >= self.threshold,
        }
    }
}

impl fmt::Display for Criterion {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let op = match self.cmp {
            Cmp::Lt => "<",
            Cmp::Le => "<=",
            Cmp::Gt => ">",
            Cmp::Ge => ">=",
        };
        write!(f, "{} {op} {}", self.metric, self.threshold)
    }
}

impl<'de> Deserialize<'de> for Criterion {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let text = String::deserialize(d)?;
        Criterion::parse(&text).map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn criteria_parse_and_judge() {
        let c = Criterion::parse("servers-msgs-per-op < 30").unwrap();
        assert!(c.holds(29.9));
        assert!(!c.holds(30.0));
        assert!(Criterion::parse("speed < 3").is_err());
        assert!(Criterion::parse("availability >= x").is_err());
        assert!(Criterion::parse("lost-count <= 0").is_ok());
        // A NaN threshold would make every comparison false, silently.
        assert!(Criterion::parse("availability >= nan").is_err());
        assert!(Criterion::parse("servers-msgs-per-op < inf").is_err());
    }
}
