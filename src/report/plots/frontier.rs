//! `frontier.svg` of a flag sweep: servers msgs-per-op against stable latency, the median p50
//! in one panel and the median max in the other, one dot per point of the sweep; the Pareto
//! frontier (no other point has both fewer messages and lower latency) joined and numbered,
//! and reference solutions drawn as labelled marks (a range as a bar).

use super::style::{self, err, FONT};
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

pub const FILE: &str = "frontier.svg";

/// One point of a sweep: its number in the table and its median figures.
#[derive(Clone, Debug, PartialEq)]
pub struct Point {
    pub number: usize,
    pub msgs_per_op: f64,
    pub p50: f64,
    pub max: f64,
    /// The challenge's own profile (drawn apart).
    pub is_profile: bool,
}

/// A published solution's figures: msgs-per-op, and p50 and max as (low, high) over its runs.
#[derive(Clone, Debug, PartialEq)]
pub struct Reference {
    pub label: String,
    pub msgs_per_op: f64,
    pub p50: (f64, f64),
    pub max: (f64, f64),
}

/// The indexes of the points on the Pareto frontier of (x, y), both lower-is-better, ordered
/// by x. Ties keep the first.
pub fn pareto(xy: &[(f64, f64)]) -> Vec<usize> {
    let mut order: Vec<usize> = (0..xy.len()).collect();
    order.sort_by(|&a, &b| {
        xy[a]
            .0
            .total_cmp(&xy[b].0)
            .then(xy[a].1.total_cmp(&xy[b].1))
    });
    let mut best = f64::INFINITY;
    let mut out = Vec::new();
    for i in order {
        if xy[i].1 < best {
            best = xy[i].1;
            out.push(i);
        }
    }
    out
}

/// Which latency a panel shows.
#[derive(Clone, Copy)]
enum Panel {
    P50,
    Max,
}

impl Panel {
    fn of(self, p: &Point) -> f64 {
        match self {
            Panel::P50 => p.p50,
            Panel::Max => p.max,
        }
    }

    fn range(self, r: &Reference) -> (f64, f64) {
        match self {
            Panel::P50 => r.p50,
            Panel::Max => r.max,
        }
    }

    fn name(self) -> &'static str {
        match self {
            Panel::P50 => "stable latency p50 (ms)",
            Panel::Max => "stable latency max (ms)",
        }
    }
}

pub fn draw(title: &str, points: &[Point], references: &[Reference]) -> anyhow::Result<String> {
    let mut buf = String::new();
    {
        let root = style::canvas(&mut buf, (1200, 560))?;
        let root = root.titled(title, (FONT, 20)).map_err(err)?;
        let (left, right) = root.split_horizontally(600);
        for (area, panel) in [(left, Panel::P50), (right, Panel::Max)] {
            draw_panel(&area, panel, points, references)?;
        }
        root.present().map_err(err)?;
    }
    Ok(buf)
}

fn draw_panel(
    area: &DrawingArea<SVGBackend<'_>, plotters::coord::Shift>,
    panel: Panel,
    points: &[Point],
    references: &[Reference],
) -> anyhow::Result<()> {
    let xs = points
        .iter()
        .map(|p| p.msgs_per_op)
        .chain(references.iter().map(|r| r.msgs_per_op))
        .filter(|x| *x > 0.0);
    let (x0, x1) = xs.fold((f64::INFINITY, 0.0f64), |(lo, hi), x| {
        (lo.min(x), hi.max(x))
    });
    let (x0, x1) = if x0.is_finite() {
        (x0 / 1.4, x1 * 1.4)
    } else {
        (0.1, 10.0)
    };
    let top = points
        .iter()
        .map(|p| panel.of(p))
        .chain(references.iter().map(|r| panel.range(r).1))
        .fold(10.0f64, f64::max)
        * 1.15;
    let mut chart = ChartBuilder::on(area)
        .caption(panel.name(), (FONT, 16))
        .margin(14)
        .x_label_area_size(40)
        .y_label_area_size(60)
        .build_cartesian_2d((x0..x1).log_scale(), 0.0..top)
        .map_err(err)?;
    chart
        .configure_mesh()
        .light_line_style(WHITE)
        .x_labels(6)
        .x_label_formatter(&|x| {
            let s = format!("{x:.2}");
            s.trim_end_matches('0').trim_end_matches('.').to_string()
        })
        .x_desc("servers msgs-per-op (log scale)")
        .y_desc(panel.name())
        .label_style((FONT, 13))
        .draw()
        .map_err(err)?;
    let grey = RGBColor(150, 150, 150);
    chart
        .draw_series(
            points
                .iter()
                .filter(|p| p.msgs_per_op > 0.0)
                .map(|p| Circle::new((p.msgs_per_op, panel.of(p)), 3, grey.filled())),
        )
        .map_err(err)?
        .label("sweep point (median over seeds)")
        .legend(move |(x, y)| Circle::new((x + 6, y), 3, grey.filled()));
    let xy: Vec<(f64, f64)> = points
        .iter()
        .map(|p| (p.msgs_per_op, panel.of(p)))
        .collect();
    let front: Vec<&Point> = pareto(&xy).into_iter().map(|i| &points[i]).collect();
    let blue = style::color(0);
    chart
        .draw_series(LineSeries::new(
            front.iter().map(|p| (p.msgs_per_op, panel.of(p))),
            blue.stroke_width(2),
        ))
        .map_err(err)?
        .label("Pareto frontier")
        .legend(move |(x, y)| PathElement::new(vec![(x, y), (x + 14, y)], blue.stroke_width(2)));
    chart
        .draw_series(front.iter().map(|p| {
            let at = (p.msgs_per_op, panel.of(p));
            EmptyElement::at(at)
                + Circle::new((0, 0), 4, blue.filled())
                + Text::new(format!("#{}", p.number), (6, -16), (FONT, 13).into_font())
        }))
        .map_err(err)?;
    let green = style::color(2);
    let profile: Vec<&Point> = points.iter().filter(|p| p.is_profile).collect();
    if !profile.is_empty() {
        chart
            .draw_series(
                profile
                    .iter()
                    .map(|p| TriangleMarker::new((p.msgs_per_op, panel.of(p)), 7, green.filled())),
            )
            .map_err(err)?
            .label("challenge profile")
            .legend(move |(x, y)| TriangleMarker::new((x + 6, y), 6, green.filled()));
    }
    for r in references {
        let (lo, hi) = panel.range(r);
        let x = r.msgs_per_op;
        let red = style::ALARM;
        chart
            .draw_series(std::iter::once(PathElement::new(
                vec![(x, lo), (x, hi)],
                red.stroke_width(3),
            )))
            .map_err(err)?;
        let range = if hi > lo {
            format!("{lo:.0}–{hi:.0} ms")
        } else {
            format!("{lo:.0} ms")
        };
        let label = format!("{} ({x} msgs/op, {range})", r.label);
        chart
            .draw_series(std::iter::once(
                EmptyElement::at((x, (lo + hi) / 2.0))
                    + Rectangle::new([(-5, -5), (5, 5)], red.filled())
                    + Text::new(
                        r.label.clone(),
                        (-10, 0),
                        (FONT, 13)
                            .into_font()
                            .color(&red)
                            .pos(Pos::new(HPos::Right, VPos::Center)),
                    ),
            ))
            .map_err(err)?
            .label(label)
            .legend(move |(x, y)| Rectangle::new([(x + 1, y - 5), (x + 11, y + 5)], red.filled()));
    }
    style::legend(&mut chart)?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::plots::tests::{assert_well_formed, texts};

    #[test]
    fn the_frontier_keeps_only_undominated_points() {
        let xy = [
            (1.0, 300.0),
            (2.0, 200.0),
            (1.5, 350.0),
            (3.0, 200.0),
            (0.9, 500.0),
        ];
        assert_eq!(pareto(&xy), [4, 0, 1]);
    }

    #[test]
    fn draws_points_frontier_and_labelled_references() {
        let points: Vec<Point> = (0..6)
            .map(|i| Point {
                number: i + 1,
                msgs_per_op: 1.0 + i as f64 * 0.3,
                p50: 300.0 - i as f64 * 20.0 + if i == 3 { 100.0 } else { 0.0 },
                max: 500.0 - i as f64 * 30.0,
                is_profile: i == 0,
            })
            .collect();
        let reference = Reference {
            label: "best published".into(),
            msgs_per_op: 24.0,
            p50: (165.0, 174.0),
            max: (205.0, 239.0),
        };
        let svg = draw("3d sweep", &points, &[reference]).unwrap();
        assert_well_formed(&svg);
        let t = texts(&svg);
        assert!(
            t.iter()
                .any(|s| s == "best published (24 msgs/op, 165–174 ms)"),
            "{t:?}"
        );
        assert!(t
            .iter()
            .any(|s| s == "best published (24 msgs/op, 205–239 ms)"));
        // Point 4 is dominated in the p50 panel (more messages and more latency than 3).
        let numbered: Vec<&String> = t.iter().filter(|s| s.starts_with('#')).collect();
        assert_eq!(numbered.len(), 5 + 6, "{numbered:?}");
        assert!(t.iter().any(|s| s == "Pareto frontier"));
        assert!(t.iter().any(|s| s == "challenge profile"));
    }
}
