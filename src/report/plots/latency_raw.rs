//! `latency-raw.svg`: every operation's latency against the time it was invoked, coloured by
//! `:f` and marked by outcome (ok, fail, info), on a log scale, with the nemesis's faults
//! shaded — Maelstrom's `latency-raw.png`, for any run.

use super::ops::{OpEnd, Ops};
use super::style::{self, err};
use plotters::prelude::*;

pub const FILE: &str = "latency-raw.svg";

pub fn draw(ops: &Ops) -> anyhow::Result<String> {
    let mut buf = String::new();
    {
        let root = style::canvas(&mut buf, style::SIZE)?;
        let span = ops.span_secs();
        let ms = |ns: u64| (ns as f64 / 1e6).max(0.01);
        let (y0, y1) = style::log_range(ops.points.iter().map(|p| ms(p.latency)));
        let step = style::stride(ops.points.len());
        let caption = if step > 1 {
            format!("Latency of every operation (1 in {step} drawn)")
        } else {
            "Latency of every operation".to_string()
        };
        let mut chart = style::latency_chart(&root, (&caption, 20), &ops.faults, span, (y0, y1))?;
        for (fi, f) in ops.fs.iter().enumerate() {
            let color = style::color(fi);
            for outcome in OpEnd::ALL {
                let points: Vec<(f64, f64)> = ops
                    .points
                    .iter()
                    .filter(|p| p.f == fi && p.outcome == outcome)
                    .step_by(step)
                    .map(|p| (p.invoked as f64 / 1e9, ms(p.latency)))
                    .collect();
                if points.is_empty() {
                    continue;
                }
                chart
                    .draw_series(
                        points
                            .into_iter()
                            .map(|at| style::marker::<SVGBackend, _>(outcome, at, color)),
                    )
                    .map_err(err)?
                    .label(format!("{f} {}", outcome.word()))
                    .legend(move |(x, y)| style::marker(outcome, (x, y), color));
            }
        }
        style::legend(&mut chart)?;
        root.present().map_err(err)?;
    }
    Ok(buf)
}
