//! `latency-quantiles.svg`: the median, 95th, 99th percentile and maximum latency of the ok
//! operations invoked in each time bucket, one panel per `:f`, with the nemesis's faults
//! shaded — Maelstrom's `latency-quantiles.png`.

use super::ops::{bucket_secs, OpEnd, Ops};
use super::style::{self, err, FONT};
use plotters::prelude::*;
use std::collections::BTreeMap;

pub const FILE: &str = "latency-quantiles.svg";

/// The quantiles drawn, with their labels.
const QUANTILES: [(f64, &str); 4] = [(0.5, "p50"), (0.95, "p95"), (0.99, "p99"), (1.0, "max")];

/// Height of one panel.
const PANEL: u32 = 300;

/// Each bucket's quantiles of the `f`-th operation's ok latencies (ms): bucket start (s) →
/// one value per entry of [`QUANTILES`].
pub fn series(ops: &Ops, f: usize, bucket: f64) -> BTreeMap<u64, [f64; 4]> {
    let mut by_bucket: BTreeMap<u64, Vec<f64>> = BTreeMap::new();
    for p in &ops.points {
        if p.f == f && p.outcome == OpEnd::Ok {
            let b = (p.invoked as f64 / 1e9 / bucket).floor() as u64;
            by_bucket
                .entry(b)
                .or_default()
                .push((p.latency as f64 / 1e6).max(0.01));
        }
    }
    by_bucket
        .into_iter()
        .map(|(b, mut v)| {
            v.sort_by(f64::total_cmp);
            let at = |q: f64| v[((q * v.len() as f64) as usize).min(v.len() - 1)];
            (b, QUANTILES.map(|(q, _)| at(q)))
        })
        .collect()
}

pub fn draw(ops: &Ops) -> anyhow::Result<String> {
    let span = ops.span_secs();
    let bucket = bucket_secs(span);
    let fs: Vec<(usize, BTreeMap<u64, [f64; 4]>)> = (0..ops.fs.len())
        .map(|f| (f, series(ops, f, bucket)))
        .filter(|(_, s)| !s.is_empty())
        .collect();
    let panels = fs.len().max(1) as u32;
    let mut buf = String::new();
    {
        let root = style::canvas(&mut buf, (style::SIZE.0, 40 + PANEL * panels))?;
        let root = root
            .titled(
                &format!("Latency quantiles of ok operations, per {bucket} s of invocation time"),
                (FONT, 20),
            )
            .map_err(err)?;
        let areas = root.split_evenly((panels as usize, 1));
        for ((fi, s), area) in fs.iter().zip(areas.iter()) {
            let (y0, y1) = style::log_range(s.values().flat_map(|v| v.iter().copied()));
            let mut chart =
                style::latency_chart(area, (&ops.fs[*fi], 16), &ops.faults, span, (y0, y1))?;
            for (qi, (_, label)) in QUANTILES.iter().enumerate() {
                let color = style::color(qi);
                // A bucket with no ok operation breaks the line rather than bridging it.
                let mut runs: Vec<Vec<(f64, f64)>> = Vec::new();
                let mut last: Option<u64> = None;
                for (b, v) in s {
                    if last.is_none_or(|l| l + 1 != *b) {
                        runs.push(Vec::new());
                    }
                    last = Some(*b);
                    if let Some(run) = runs.last_mut() {
                        run.push(((*b as f64 + 0.5) * bucket, v[qi]));
                    }
                }
                let path = runs.into_iter().map(|run| {
                    if run.len() == 1 {
                        Circle::new(run[0], 2, color.filled()).into_dyn()
                    } else {
                        PathElement::new(run, color.stroke_width(2)).into_dyn()
                    }
                });
                chart
                    .draw_series(path)
                    .map_err(err)?
                    .label(*label)
                    .legend(move |(x, y)| {
                        PathElement::new(vec![(x, y), (x + 16, y)], color.stroke_width(2))
                    });
            }
            style::legend(&mut chart)?;
        }
        root.present().map_err(err)?;
    }
    Ok(buf)
}
