//! The look every plot shares: its size, its font (a family name only: the SVG's `<text>`
//! is laid out by the browser, so no font file is read), a colour per `:f`, a marker per
//! outcome, shading for the nemesis's faults, and plotters' errors turned into ours.

use super::ops::{Fault, OpEnd};
use plotters::coord::Shift;
use plotters::prelude::*;

/// Width and height of a single plot, in SVG pixels.
pub const SIZE: (u32, u32) = (960, 440);
pub const FONT: &str = "sans-serif";
/// The most points one scatter draws; past this every k-th point is kept, so a long history
/// still makes a file a browser opens quickly.
pub const MAX_POINTS: usize = 20_000;

/// Tableau's ten colours: distinct, and readable on white.
const PALETTE: [RGBColor; 10] = [
    RGBColor(31, 119, 180),
    RGBColor(255, 127, 14),
    RGBColor(44, 160, 44),
    RGBColor(148, 103, 189),
    RGBColor(140, 86, 75),
    RGBColor(227, 119, 194),
    RGBColor(127, 127, 127),
    RGBColor(188, 189, 34),
    RGBColor(23, 190, 207),
    RGBColor(214, 39, 40),
];

/// The colour of the `i`-th series.
pub fn color(i: usize) -> RGBColor {
    PALETTE[i % PALETTE.len()]
}

/// The red that marks what went wrong (lost values, failures on the frontier).
pub const ALARM: RGBColor = RGBColor(214, 39, 40);

/// A plotters error as ours.
pub fn err<E: std::fmt::Display>(e: E) -> anyhow::Error {
    anyhow::anyhow!("drawing a plot: {e}")
}

/// Draws the marker for an operation of `outcome` at `at` (data or pixel coordinates): a dot
/// for ok, a cross for fail, a triangle for info (Maelstrom's latency-raw tells them apart the
/// same way).
pub fn marker<DB: DrawingBackend, C: Clone + 'static>(
    outcome: OpEnd,
    at: C,
    color: RGBColor,
) -> DynElement<'static, DB, C> {
    match outcome {
        OpEnd::Ok => Circle::new(at, 2, color.mix(0.7).filled()).into_dyn(),
        OpEnd::Fail => Cross::new(at, 3, color.stroke_width(1)).into_dyn(),
        OpEnd::Info => TriangleMarker::new(at, 4, color.filled()).into_dyn(),
    }
}

/// Shades each fault's window across the chart's height, behind whatever is drawn next.
pub fn shade_faults<'a, 'b: 'a, Y>(
    chart: &mut ChartContext<
        'a,
        SVGBackend<'b>,
        Cartesian2d<plotters::coord::types::RangedCoordf64, Y>,
    >,
    faults: &[Fault],
    span: f64,
    (y0, y1): (Y::ValueType, Y::ValueType),
) -> anyhow::Result<()>
where
    Y: Ranged,
    Y::ValueType: Clone + 'static,
{
    let mut labelled = false;
    for fault in faults {
        let from = fault.from as f64 / 1e9;
        let to = fault.to.map_or(span, |t| t as f64 / 1e9);
        let rect = Rectangle::new(
            [(from, y0.clone()), (to, y1.clone())],
            RGBColor(200, 200, 200).mix(0.35).filled(),
        );
        let series = chart.draw_series(std::iter::once(rect)).map_err(err)?;
        if !labelled {
            series
                .label(format!("{} (nemesis)", fault.what))
                .legend(|(x, y)| {
                    Rectangle::new(
                        [(x, y - 5), (x + 12, y + 5)],
                        RGBColor(200, 200, 200).filled(),
                    )
                });
            labelled = true;
        }
    }
    Ok(())
}

/// A white drawing area over a string.
pub fn canvas(
    buf: &mut String,
    size: (u32, u32),
) -> anyhow::Result<DrawingArea<SVGBackend<'_>, Shift>> {
    let root = SVGBackend::with_string(buf, size).into_drawing_area();
    root.fill(&WHITE).map_err(err)?;
    Ok(root)
}

/// A legend box in the top right corner, drawn over the series.
pub fn legend<'a, 'b: 'a, X, Y>(
    chart: &mut ChartContext<'a, SVGBackend<'b>, Cartesian2d<X, Y>>,
) -> anyhow::Result<()>
where
    X: Ranged,
    Y: Ranged,
{
    chart
        .configure_series_labels()
        .position(SeriesLabelPosition::UpperRight)
        .background_style(WHITE.mix(0.85))
        .border_style(BLACK.mix(0.4))
        .label_font((FONT, 13))
        .draw()
        .map_err(err)
}

/// The range of a log axis holding `values` (ms), floored at 0.01 ms (a log axis has no 0).
pub fn log_range(values: impl Iterator<Item = f64>) -> (f64, f64) {
    let (lo, hi) = values.fold((f64::INFINITY, 0.0f64), |(lo, hi), v| {
        (lo.min(v), hi.max(v))
    });
    let lo = if lo.is_finite() { lo.max(0.01) } else { 0.1 };
    let hi = hi.max(lo * 10.0);
    (lo / 1.5, hi * 1.5)
}

/// Tick marks for a log axis over `lo..hi`: 1, 2 and 5 in each decade (every decade's 1 alone
/// when the axis spans more than four), and 1 to 9 when that leaves fewer than three marks.
/// Plotters' own log ticks label a decade's end twice ("10.0" above "10.0").
pub fn log_ticks(lo: f64, hi: f64) -> Vec<f64> {
    if !(lo > 0.0 && hi > lo && hi.is_finite()) {
        return Vec::new();
    }
    let (first, last) = (lo.log10().floor() as i32, hi.log10().ceil() as i32);
    let within = |multipliers: &[f64]| -> Vec<f64> {
        (first..=last)
            .flat_map(|e| multipliers.iter().map(move |m| m * 10f64.powi(e)))
            .filter(|v| *v >= lo && *v <= hi)
            .collect()
    };
    let ticks = if last - first > 4 {
        within(&[1.0])
    } else {
        within(&[1.0, 2.0, 5.0])
    };
    if ticks.len() >= 3 {
        return ticks;
    }
    within(&[1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0, 8.0, 9.0])
}

/// The chart a latency plot draws on: time since the test started (s) across, latency (ms) on a
/// log axis over `y0..y1` with [`log_ticks`], the mesh drawn and the faults shaded.
pub type LatencyChart<'a, 'b> = ChartContext<
    'a,
    SVGBackend<'b>,
    Cartesian2d<
        plotters::coord::types::RangedCoordf64,
        plotters::coord::combinators::WithKeyPoints<plotters::coord::combinators::LogCoord<f64>>,
    >,
>;

/// Builds a [`LatencyChart`] on `area`, captioned `(caption, caption_size)`.
pub fn latency_chart<'a, 'b>(
    area: &'a DrawingArea<SVGBackend<'b>, Shift>,
    (caption, caption_size): (&str, u32),
    faults: &[Fault],
    span: f64,
    (y0, y1): (f64, f64),
) -> anyhow::Result<LatencyChart<'a, 'b>> {
    let mut chart = ChartBuilder::on(area)
        .caption(caption, (FONT, caption_size))
        .margin(if caption_size >= 20 { 12 } else { 10 })
        .x_label_area_size(if caption_size >= 20 { 40 } else { 36 })
        .y_label_area_size(64)
        .build_cartesian_2d(
            0.0..span,
            (y0..y1).log_scale().with_key_points(log_ticks(y0, y1)),
        )
        .map_err(err)?;
    chart
        .configure_mesh()
        .light_line_style(WHITE)
        .y_labels(12)
        .x_desc("time since the test started (s)")
        .y_desc("latency (ms)")
        .label_style((FONT, 13))
        .draw()
        .map_err(err)?;
    shade_faults(&mut chart, faults, span, (y0, y1))?;
    Ok(chart)
}

/// Every k-th of `n` items, so at most [`MAX_POINTS`] are kept: k.
pub fn stride(n: usize) -> usize {
    n.div_ceil(MAX_POINTS).max(1)
}
