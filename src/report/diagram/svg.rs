//! Draws a [`Diagram`] as SVG by hand (lanes, arrows, bands are simple shapes; a plotting
//! library would add nothing): time runs down, one vertical lane per participant, an arrow
//! per message from (sender, sent) to (recipient, delivered). A dropped message is a red
//! dashed arrow ending in a cross where its recipient's receiver dropped it; one still in
//! flight at the end is grey and dashed. Hovering an arrow shows the message (`<title>`).

use super::{Band, Diagram};
use crate::report::markup::escape;
use crate::sim::journal::{Entry, Fate};
use std::collections::HashMap;
use std::fmt::Write;

/// Left margin holding the time axis.
const GUTTER: f64 = 90.0;
/// Room above the lanes: title, notes, legend, lane names.
const HEADER: f64 = 120.0;
const FOOTER: f64 = 30.0;
/// The height the window is scaled to, and the most pixels per millisecond.
const TARGET_HEIGHT: f64 = 2400.0;
const MAX_PX_PER_MS: f64 = 4.0;
/// Lane names are repeated this often down a long diagram.
const LABEL_EVERY: f64 = 800.0;
/// Longest body text shown in a tooltip.
const TOOLTIP_BODY: usize = 400;

/// Colours of message types, by first appearance; the last is for any type past them.
const COLORS: [&str; 11] = [
    "#1f77b4", "#ff7f0e", "#2ca02c", "#9467bd", "#8c564b", "#e377c2", "#17becf", "#bcbd22",
    "#7f7f7f", "#393b79", "#999999",
];
const DROPPED: &str = "#d62728";

struct Scale {
    from: u64,
    px_per_ms: f64,
    lane_x: HashMap<String, f64>,
}

impl Scale {
    fn y(&self, t: u64) -> f64 {
        HEADER + (t as f64 - self.from as f64) / 1e6 * self.px_per_ms
    }
}

fn ms(t: u64) -> String {
    format!("{:.1}", t as f64 / 1e6)
}

/// A round step for time ticks at least 60 px apart.
fn tick_ms(px_per_ms: f64) -> u64 {
    const STEPS: [u64; 14] = [
        1, 2, 5, 10, 20, 50, 100, 200, 500, 1000, 2000, 5000, 10_000, 60_000,
    ];
    STEPS
        .iter()
        .copied()
        .find(|s| *s as f64 * px_per_ms >= 60.0)
        .unwrap_or(600_000)
}

pub fn render(d: &Diagram<'_>) -> String {
    let window_ms = (d.to.saturating_sub(d.from) as f64 / 1e6).max(1.0);
    let px_per_ms = (TARGET_HEIGHT / window_ms).min(MAX_PX_PER_MS);
    let lanes = d.lanes.len().max(1) as f64;
    let spacing = (1500.0 / lanes).clamp(44.0, 90.0);
    let width = (GUTTER + spacing * lanes + 30.0).max(900.0);
    let bottom = HEADER + window_ms * px_per_ms;
    let height = bottom + FOOTER;
    let scale = Scale {
        from: d.from,
        px_per_ms,
        lane_x: d
            .lanes
            .iter()
            .enumerate()
            .map(|(i, l)| (l.clone(), GUTTER + spacing * (i as f64 + 0.5)))
            .collect(),
    };
    let mut colors: Vec<&str> = Vec::new();
    for m in &d.messages {
        if !colors.contains(&m.kind.as_str()) && colors.len() < COLORS.len() - 1 {
            colors.push(&m.kind);
        }
    }
    let color_of = |kind: &str| {
        colors
            .iter()
            .position(|k| *k == kind)
            .map_or(COLORS.len() - 1, |i| i)
    };
    let mut out = String::new();
    let _ = writeln!(
        out,
        "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{width:.0}\" height=\"{height:.0}\" \
         viewBox=\"0 0 {width:.0} {height:.0}\" font-family=\"sans-serif\">"
    );
    out.push_str("<defs>\n");
    for (i, c) in COLORS.iter().chain(std::iter::once(&DROPPED)).enumerate() {
        let _ = writeln!(
            out,
            "<marker id=\"a{i}\" viewBox=\"0 0 10 10\" refX=\"9\" refY=\"5\" markerWidth=\"7\" \
             markerHeight=\"7\" orient=\"auto-start-reverse\"><path d=\"M0,0 L10,5 L0,10 z\" \
             fill=\"{c}\"/></marker>"
        );
    }
    let _ = writeln!(
        out,
        "<clipPath id=\"plot\"><rect x=\"0\" y=\"{HEADER}\" width=\"{width:.0}\" \
         height=\"{:.0}\"/></clipPath></defs>",
        bottom - HEADER
    );
    let _ = writeln!(
        out,
        "<rect width=\"100%\" height=\"100%\" fill=\"#ffffff\"/>\
         <text x=\"12\" y=\"26\" font-size=\"18\" font-weight=\"bold\">{}</text>",
        escape(&d.title)
    );
    let mut y = 46.0;
    for note in &d.notes {
        let _ = writeln!(
            out,
            "<text x=\"12\" y=\"{y}\" font-size=\"13\" fill=\"#57606a\">{}</text>",
            escape(note)
        );
        y += 16.0;
    }
    legend(&mut out, &colors, y + 4.0);
    for band in &d.bands {
        band_rect(&mut out, band, &scale, width);
    }
    axis(&mut out, d, &scale, width, bottom);
    lanes_and_labels(&mut out, d, &scale, bottom);
    out.push_str("<g clip-path=\"url(#plot)\">\n");
    for m in &d.messages {
        arrow(&mut out, m, &scale, d.end, color_of(&m.kind));
    }
    out.push_str("</g>\n</svg>\n");
    out
}

fn legend(out: &mut String, colors: &[&str], y: f64) {
    let mut x = 12.0;
    for (i, kind) in colors.iter().enumerate() {
        let _ = write!(
            out,
            "<line x1=\"{x}\" y1=\"{y}\" x2=\"{}\" y2=\"{y}\" stroke=\"{}\" stroke-width=\"2\" \
             marker-end=\"url(#a{i})\"/><text x=\"{}\" y=\"{}\" font-size=\"12\">{}</text>",
            x + 22.0,
            COLORS[i],
            x + 28.0,
            y + 4.0,
            escape(if kind.is_empty() { "(no type)" } else { kind })
        );
        x += 40.0 + 7.0 * kind.chars().count().max(9) as f64;
    }
    let _ = writeln!(
        out,
        "<line x1=\"{x}\" y1=\"{y}\" x2=\"{}\" y2=\"{y}\" stroke=\"{DROPPED}\" stroke-width=\"2\" \
         stroke-dasharray=\"5,3\"/><text x=\"{}\" y=\"{}\" font-size=\"12\">dropped ✕</text>",
        x + 22.0,
        x + 28.0,
        y + 4.0
    );
}

fn band_rect(out: &mut String, band: &Band, s: &Scale, width: f64) {
    let y0 = s.y(band.from.max(s.from));
    let y1 = s.y(band.to);
    if y1 <= y0 {
        return;
    }
    let _ = writeln!(
        out,
        "<g class=\"fault\"><title>{} from {} ms to {} ms</title><rect x=\"{GUTTER}\" y=\"{y0:.1}\" \
         width=\"{:.0}\" height=\"{:.1}\" fill=\"#f4c7c3\" fill-opacity=\"0.45\"/>\
         <text x=\"{}\" y=\"{:.1}\" font-size=\"12\" fill=\"#a1260d\">{}</text></g>",
        escape(&band.label),
        ms(band.from),
        ms(band.to),
        width - GUTTER,
        y1 - y0,
        GUTTER + 4.0,
        y0 + 13.0,
        escape(&band.label)
    );
}

fn axis(out: &mut String, d: &Diagram<'_>, s: &Scale, width: f64, bottom: f64) {
    let step = tick_ms(s.px_per_ms) * 1_000_000;
    let mut t = d.from.div_ceil(step) * step;
    while t <= d.to {
        let y = s.y(t);
        let _ = writeln!(
            out,
            "<line x1=\"{GUTTER}\" y1=\"{y:.1}\" x2=\"{width:.0}\" y2=\"{y:.1}\" stroke=\"#eaeef2\"/>\
             <text x=\"{}\" y=\"{:.1}\" font-size=\"12\" text-anchor=\"end\" fill=\"#57606a\">{} ms</text>",
            GUTTER - 6.0,
            y + 4.0,
            t / 1_000_000
        );
        t += step;
    }
    let _ = writeln!(
        out,
        "<text x=\"{}\" y=\"{:.0}\" font-size=\"12\" fill=\"#57606a\">time since the test started ↓</text>",
        12.0,
        bottom + 20.0
    );
}

fn lanes_and_labels(out: &mut String, d: &Diagram<'_>, s: &Scale, bottom: f64) {
    for lane in &d.lanes {
        let x = s.lane_x[lane];
        let _ = writeln!(
            out,
            "<line x1=\"{x:.1}\" y1=\"{HEADER}\" x2=\"{x:.1}\" y2=\"{bottom:.1}\" stroke=\"#8c959f\" \
             stroke-width=\"1\"/>"
        );
        let mut y = HEADER - 8.0;
        while y < bottom {
            let _ = writeln!(
                out,
                "<text x=\"{x:.1}\" y=\"{y:.1}\" font-size=\"12\" text-anchor=\"middle\" \
                 font-weight=\"bold\" fill=\"#24292f\" class=\"lane\">{}</text>",
                escape(lane)
            );
            y += LABEL_EVERY;
        }
    }
}

fn tooltip(m: &Entry) -> String {
    let fate = match &m.fate {
        Fate::Delivered(t) => format!("delivered {} ms", ms(*t)),
        Fate::Dropped(t, why) => format!("DROPPED at {} ms ({why})", ms(*t)),
        Fate::InFlight => "still in flight at the end".to_string(),
    };
    let mut body: String = m.body.chars().take(TOOLTIP_BODY).collect();
    if body.len() < m.body.len() || !m.whole {
        body.push('…');
    }
    format!(
        "#{} {} → {} {} · sent {} ms, {fate}\n{body}",
        m.id,
        m.src,
        m.dest,
        m.kind,
        ms(m.sent)
    )
}

fn arrow(out: &mut String, m: &Entry, s: &Scale, end: u64, color: usize) {
    let (Some(&x0), Some(&x1)) = (s.lane_x.get(&m.src), s.lane_x.get(&m.dest)) else {
        return;
    };
    let y0 = s.y(m.sent);
    let (class, t1, stroke, dash, marker) = match &m.fate {
        Fate::Delivered(t) => ("delivered", *t, COLORS[color], "", format!("a{color}")),
        Fate::Dropped(t, _) => (
            "dropped",
            *t,
            DROPPED,
            " stroke-dasharray=\"5,3\"",
            String::new(),
        ),
        Fate::InFlight => (
            "in-flight",
            end,
            "#999999",
            " stroke-dasharray=\"2,3\"",
            String::new(),
        ),
    };
    let y1 = s.y(t1.max(m.sent));
    let marker = if marker.is_empty() {
        String::new()
    } else {
        format!(" marker-end=\"url(#{marker})\"")
    };
    let _ = write!(
        out,
        "<g class=\"msg {class}\" data-id=\"{}\"><title>{}</title>",
        m.id,
        escape(&tooltip(m))
    );
    if m.src == m.dest {
        let _ = write!(
            out,
            "<path d=\"M{x0:.1},{y0:.1} C{:.1},{y0:.1} {:.1},{y1:.1} {x1:.1},{y1:.1}\" fill=\"none\" \
             stroke=\"{stroke}\" stroke-width=\"1.2\"{dash}{marker}/>",
            x0 + 30.0,
            x1 + 30.0
        );
    } else {
        let _ = write!(
            out,
            "<line x1=\"{x0:.1}\" y1=\"{y0:.1}\" x2=\"{x1:.1}\" y2=\"{y1:.1}\" stroke=\"{stroke}\" \
             stroke-width=\"1.2\"{dash}{marker}/>"
        );
    }
    if class == "dropped" {
        let r = 5.0;
        let _ = write!(
            out,
            "<path d=\"M{:.1},{:.1} L{:.1},{:.1} M{:.1},{:.1} L{:.1},{:.1}\" stroke=\"{DROPPED}\" \
             stroke-width=\"2.2\"/>",
            x1 - r,
            y1 - r,
            x1 + r,
            y1 + r,
            x1 - r,
            y1 + r,
            x1 + r,
            y1 - r
        );
    }
    out.push_str("</g>\n");
}
