//! `glomers run <challenge> --engine sim --seeds N`: the same challenge over N consecutive
//! seeds, summarised as pass count plus median and worst of each figure. This is how the
//! figures in `challenges/*.md` are produced.

use crate::challenge::Profile;
use crate::driver::output::say;
use crate::driver::plan::Format;
use crate::driver::runs::challenge_plan::{ChallengePlan, NodeProgram};
use crate::driver::runs::progress::Display;
use crate::driver::runs::sim_run::Recording;
use crate::exit;
use crate::verdict::Verdict;
use serde::Serialize;

/// Median and worst (largest, or smallest for availability) of one figure across seeds.
#[derive(Debug, Serialize)]
struct Spread {
    metric: String,
    median: f64,
    worst: f64,
    worst_seed: u64,
}

#[derive(Debug, Serialize)]
pub(crate) struct Sweep {
    challenge: String,
    seeds: Vec<u64>,
    passed: usize,
    failed_seeds: Vec<u64>,
    /// Seeds on which every goal (our own targets) was met; goals do not decide `passed`.
    goals_met: usize,
    /// Seeds on which the harness's own `:valid?` was true, whatever the criteria said.
    valid: usize,
    has_goals: bool,
    spreads: Vec<Spread>,
}

/// The figures summarised; availability is better when higher, everything else when lower.
const METRICS: [&str; 5] = [
    "servers-msgs-per-op",
    "all-msgs-per-op",
    "availability",
    "stable-latency-p50",
    "stable-latency-max",
];

/// The most seeds one sweep runs.
const MAX_SEEDS: u64 = 10_000;

/// The seeds `first, first + 1, …` of a sweep of `count`, refused when empty, too long, or
/// running past the largest seed (never wrapped).
fn seeds(first: u64, count: u64) -> anyhow::Result<std::ops::RangeInclusive<u64>> {
    if !(1..=MAX_SEEDS).contains(&count) {
        return Err(exit::setup(format!(
            "--seeds {count} is out of range; accepted: 1..={MAX_SEEDS}"
        )));
    }
    let last = first.checked_add(count - 1).ok_or_else(|| {
        exit::setup(format!(
            "--seed {first} with --seeds {count} runs past the largest seed ({}); start lower",
            u64::MAX
        ))
    })?;
    Ok(first..=last)
}

/// `run <challenge> --seeds N`: the sweep of `plan` over `count` seeds from its seed (default
/// 0), printed in `format`. A foreign program runs in real time, one seed after another.
pub(crate) fn command(plan: &ChallengePlan, count: u64, format: Format) -> anyhow::Result<u8> {
    let first = plan.seed.unwrap_or(0);
    let sweep = run_each(&plan.profile, first, count, |seed| {
        let display = match plan.node {
            NodeProgram::Own { .. } => Display::Quiet,
            NodeProgram::Foreign(_) => Display::for_run(&format!("sim seed {seed}")),
        };
        crate::driver::runs::sim_run::simulate_shown(plan, seed, &Recording::default(), display)
            .map(|(_, verdict)| verdict)
    })?;
    say(&match format {
        Format::Json => serde_json::to_string_pretty(&sweep)? + "\n",
        Format::Text | Format::Markdown => render(&sweep),
    })?;
    Ok(if sweep.failed_seeds.is_empty() { 0 } else { 1 })
}

/// `plan` over `count` seeds from `first_seed`.
pub fn run(plan: &ChallengePlan, first_seed: u64, count: u64) -> anyhow::Result<Sweep> {
    run_each(&plan.profile, first_seed, count, |seed| {
        crate::driver::runs::sim_run::simulate(plan, seed).map(|(_, verdict)| verdict)
    })
}

/// The sweep of `count` seeds from `first_seed`, each judged by `verdict_of`.
pub fn run_each(
    profile: &Profile,
    first_seed: u64,
    count: u64,
    mut verdict_of: impl FnMut(u64) -> anyhow::Result<Verdict>,
) -> anyhow::Result<Sweep> {
    let mut verdicts: Vec<(u64, Verdict)> = Vec::new();
    for seed in seeds(first_seed, count)? {
        let verdict = verdict_of(seed)?;
        crate::verdict::require_operations(&verdict.figures)
            .map_err(|e| e.context(format!("seed {seed}")))?;
        verdicts.push((seed, verdict));
    }
    let failed_seeds: Vec<u64> = verdicts
        .iter()
        .filter(|(_, v)| !v.pass)
        .map(|(s, _)| *s)
        .collect();
    let goals_met = verdicts
        .iter()
        .filter(|(_, v)| v.goals.iter().all(|g| g.met))
        .count();
    let valid = verdicts
        .iter()
        .filter(|(_, v)| v.figures.valid == Some(crate::verdict::Validity::Valid))
        .count();
    let mut spreads = Vec::new();
    for metric in METRICS {
        let mut values: Vec<(f64, u64)> = verdicts
            .iter()
            .filter_map(|(s, v)| v.figures.metric(metric).map(|x| (x, *s)))
            .collect();
        if values.is_empty() {
            continue;
        }
        values.sort_by(|a, b| a.0.total_cmp(&b.0));
        let median = values[values.len() / 2].0;
        let (worst, worst_seed) = if metric == "availability" {
            values[0]
        } else {
            values[values.len() - 1]
        };
        spreads.push(Spread {
            metric: metric.to_string(),
            median,
            worst,
            worst_seed,
        });
    }
    Ok(Sweep {
        challenge: profile.id.clone(),
        seeds: verdicts.iter().map(|(s, _)| *s).collect(),
        passed: verdicts.len() - failed_seeds.len(),
        failed_seeds,
        goals_met,
        valid,
        has_goals: !profile.goals.is_empty(),
        spreads,
    })
}

impl Sweep {
    /// The median of `metric` over the seeds, if the runs produced it.
    pub(crate) fn median(&self, metric: &str) -> Option<f64> {
        self.spread(metric).map(|s| s.median)
    }

    /// The worst value of `metric` over the seeds.
    pub(crate) fn worst(&self, metric: &str) -> Option<f64> {
        self.spread(metric).map(|s| s.worst)
    }

    fn spread(&self, metric: &str) -> Option<&Spread> {
        self.spreads.iter().find(|s| s.metric == metric)
    }

    /// Seeds run, and how many passed.
    pub(crate) fn tally(&self) -> (usize, usize) {
        (self.seeds.len(), self.passed)
    }
}

pub(crate) fn render(sweep: &Sweep) -> String {
    let mut out = format!(
        "challenge {} over {} seeds ({}..={}): {} valid, {} passed",
        sweep.challenge,
        sweep.seeds.len(),
        sweep.seeds.first().copied().unwrap_or(0),
        sweep.seeds.last().copied().unwrap_or(0),
        sweep.valid,
        sweep.passed
    );
    if !sweep.failed_seeds.is_empty() {
        out.push_str(&format!(", failed seeds {:?}", sweep.failed_seeds));
    }
    if sweep.has_goals {
        out.push_str(&format!("; goals met on {}", sweep.goals_met));
    }
    out.push('\n');
    out.push_str(&format!(
        "  {:<22} {:>10} {:>10}  worst seed\n",
        "figure", "median", "worst"
    ));
    for s in &sweep.spreads {
        out.push_str(&format!(
            "  {:<22} {:>10.4} {:>10.4}  {}\n",
            s.metric, s.median, s.worst, s.worst_seed
        ));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn seed_ranges_never_wrap() {
        assert_eq!(seeds(1, 20).unwrap(), 1..=20);
        assert_eq!(seeds(u64::MAX, 1).unwrap(), u64::MAX..=u64::MAX);
        for (first, count) in [(u64::MAX, 2), (0, 0), (0, MAX_SEEDS + 1)] {
            let err = seeds(first, count).unwrap_err();
            assert_eq!(exit::code_of(&err), exit::SETUP, "{err}");
        }
    }
}
