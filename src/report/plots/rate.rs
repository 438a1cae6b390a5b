//! `rate.svg`: operations completed per second, per `:f` and outcome, in time buckets, with
//! the nemesis's faults shaded — Maelstrom's `rate.png`.

use super::ops::{bucket_secs, OpEnd, Ops};
use super::style::{self, err, FONT};
use plotters::prelude::*;
use std::collections::BTreeMap;

pub const FILE: &str = "rate.svg";

/// Completions per second of the `f`-th operation with `outcome`, per bucket (start index →
/// rate); buckets with none are zero, so a stall shows as a dip.
pub fn series(ops: &Ops, f: usize, outcome: OpEnd, bucket: f64) -> Vec<(f64, f64)> {
    let buckets = (ops.span_secs() / bucket).ceil() as u64;
    let mut counts: BTreeMap<u64, u64> = (0..buckets.max(1)).map(|b| (b, 0)).collect();
    let mut any = false;
    for p in ops
        .points
        .iter()
        .filter(|p| p.f == f && p.outcome == outcome)
    {
        let b = (p.completed() as f64 / 1e9 / bucket).floor() as u64;
        *counts.entry(b).or_default() += 1;
        any = true;
    }
    if !any {
        return Vec::new();
    }
    counts
        .into_iter()
        .map(|(b, n)| ((b as f64 + 0.5) * bucket, n as f64 / bucket))
        .collect()
}

pub fn draw(ops: &Ops) -> anyhow::Result<String> {
    let span = ops.span_secs();
    let bucket = bucket_secs(span);
    let mut lines = Vec::new();
    for (fi, f) in ops.fs.iter().enumerate() {
        for outcome in OpEnd::ALL {
            let s = series(ops, fi, outcome, bucket);
            if !s.is_empty() {
                lines.push((format!("{f} {}", outcome.word()), fi, outcome, s));
            }
        }
    }
    let top = lines
        .iter()
        .flat_map(|l| l.3.iter().map(|p| p.1))
        .fold(1.0f64, f64::max)
        * 1.15;
    let mut buf = String::new();
    {
        let root = style::canvas(&mut buf, style::SIZE)?;
        let mut chart = ChartBuilder::on(&root)
            .caption(
                format!("Operations completed per second ({bucket} s buckets)"),
                (FONT, 20),
            )
            .margin(12)
            .x_label_area_size(40)
            .y_label_area_size(64)
            .build_cartesian_2d(0.0..span.max(bucket), 0.0..top)
            .map_err(err)?;
        chart
            .configure_mesh()
            .light_line_style(WHITE)
            .x_desc("time since the test started (s)")
            .y_desc("operations / s")
            .label_style((FONT, 13))
            .draw()
            .map_err(err)?;
        style::shade_faults(&mut chart, &ops.faults, span, (0.0, top))?;
        for (label, fi, outcome, s) in lines {
            let color = style::color(fi);
            let width = if outcome == OpEnd::Ok { 2 } else { 1 };
            chart
                .draw_series(LineSeries::new(
                    s.iter().copied(),
                    color.stroke_width(width),
                ))
                .map_err(err)?
                .label(label)
                .legend(move |(x, y)| style::marker(outcome, (x + 6, y), color));
            if outcome != OpEnd::Ok {
                chart
                    .draw_series(
                        s.iter()
                            .filter(|p| p.1 > 0.0)
                            .map(|&at| style::marker::<SVGBackend, _>(outcome, at, color)),
                    )
                    .map_err(err)?;
            }
        }
        style::legend(&mut chart)?;
        root.present().map_err(err)?;
    }
    Ok(buf)
}
