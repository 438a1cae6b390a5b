//! `stable-latency.svg`, for broadcast: how long each value took to become stable (seen by
//! every read that began afterwards; Jepsen's set-full), as a histogram and against the time
//! the value became known. Lost values are drawn in red along the top of the right panel,
//! so "which values, and when" is one look away.

use super::ops::Fault;
use super::style::{self, err, FONT};
use crate::sim::workloads::broadcast::Fate;
use plotters::prelude::*;

pub const FILE: &str = "stable-latency.svg";

/// Bars in the histogram.
const BINS: usize = 30;

/// Histogram of stable latencies (ms): bin width and the count per bin.
pub fn histogram(fates: &[Fate]) -> (f64, Vec<u64>) {
    let values: Vec<u64> = fates.iter().filter_map(|f| f.stable_ms).collect();
    let max = values.iter().copied().max().unwrap_or(0) as f64;
    let width = ((max + 1.0) / BINS as f64).max(1.0).ceil();
    let mut counts = vec![0u64; BINS];
    for v in values {
        let i = ((v as f64 / width) as usize).min(BINS - 1);
        counts[i] += 1;
    }
    (width, counts)
}

pub fn draw(fates: &[Fate], faults: &[Fault], span: f64) -> anyhow::Result<String> {
    let stable: Vec<(f64, f64)> = fates
        .iter()
        .filter_map(|f| Some((f.known? as f64 / 1e9, f.stable_ms? as f64)))
        .collect();
    let lost: Vec<&Fate> = fates.iter().filter(|f| f.lost).collect();
    let never = fates
        .iter()
        .filter(|f| !f.lost && f.stable_ms.is_none())
        .count();
    let (width, counts) = histogram(fates);
    let max_ms = stable.iter().map(|p| p.1).fold(1.0f64, f64::max) * 1.1;
    let mut buf = String::new();
    {
        let root = style::canvas(&mut buf, style::SIZE)?;
        let title = format!(
            "Broadcast values: {} stable, {} lost, {} never read",
            stable.len(),
            lost.len(),
            never
        );
        let root = root.titled(&title, (FONT, 20)).map_err(err)?;
        let (left, right) = root.split_horizontally(style::SIZE.0 * 2 / 5);
        let top = counts.iter().copied().max().unwrap_or(0).max(1) as f64 * 1.15;
        let mut hist = ChartBuilder::on(&left)
            .caption("stable latency distribution", (FONT, 15))
            .margin(10)
            .x_label_area_size(36)
            .y_label_area_size(56)
            .build_cartesian_2d(0.0..width * BINS as f64, 0.0..top)
            .map_err(err)?;
        hist.configure_mesh()
            .light_line_style(WHITE)
            .x_desc("stable latency (ms)")
            .y_desc("values")
            .label_style((FONT, 12))
            .draw()
            .map_err(err)?;
        hist.draw_series(
            counts
                .iter()
                .enumerate()
                .filter(|(_, n)| **n > 0)
                .map(|(i, n)| {
                    let x0 = i as f64 * width;
                    Rectangle::new(
                        [(x0, 0.0), (x0 + width, *n as f64)],
                        style::color(0).mix(0.8).filled(),
                    )
                }),
        )
        .map_err(err)?;
        let span = span.max(stable.iter().map(|p| p.0).fold(0.1, f64::max));
        let mut scatter = ChartBuilder::on(&right)
            .caption(
                "stable latency by the time the value became known",
                (FONT, 15),
            )
            .margin(10)
            .x_label_area_size(36)
            .y_label_area_size(56)
            .build_cartesian_2d(0.0..span, 0.0..max_ms)
            .map_err(err)?;
        scatter
            .configure_mesh()
            .light_line_style(WHITE)
            .x_desc("time since the test started (s)")
            .y_desc("stable latency (ms)")
            .label_style((FONT, 12))
            .draw()
            .map_err(err)?;
        style::shade_faults(&mut scatter, faults, span, (0.0, max_ms))?;
        let blue = style::color(0);
        scatter
            .draw_series(
                stable
                    .iter()
                    .map(|&at| Circle::new(at, 2, blue.mix(0.7).filled())),
            )
            .map_err(err)?
            .label("stable")
            .legend(move |(x, y)| Circle::new((x + 6, y), 3, blue.filled()));
        if !lost.is_empty() {
            let marks = lost.iter().filter_map(|f| {
                let at = (f.known? as f64 / 1e9, max_ms * 0.97);
                Some(Cross::new(at, 5, style::ALARM.stroke_width(2)))
            });
            scatter
                .draw_series(marks)
                .map_err(err)?
                .label("lost (when known)")
                .legend(|(x, y)| Cross::new((x + 6, y), 4, style::ALARM.stroke_width(2)));
        }
        style::legend(&mut scatter)?;
        root.present().map_err(err)?;
    }
    Ok(buf)
}
