//! Renders a [`Verdict`] as a compact text table, Markdown, or JSON.

use crate::verdict::{Check, Quantiles, Verdict};
use std::fmt::Write;

fn fmt_opt(v: Option<f64>, digits: usize) -> String {
    v.map(|v| format!("{v:.digits$}"))
        .unwrap_or_else(|| "—".to_string())
}

fn fmt_quantiles(q: &Quantiles) -> String {
    ["0", "0.5", "0.95", "0.99", "1"]
        .iter()
        .map(|k| {
            q.get(*k)
                .map(|v| format!("{v:.0}"))
                .unwrap_or_else(|| "—".into())
        })
        .collect::<Vec<_>>()
        .join(" / ")
}

fn fmt_check(c: &Check) -> String {
    format!(
        "{} {}  (actual {})",
        if c.met { "met   " } else { "MISSED" },
        c.criterion,
        fmt_opt(c.actual, 3)
    )
}

/// The human table.
pub fn text(v: &Verdict) -> String {
    let f = &v.figures;
    let mut out = String::new();
    let valid = f
        .valid
        .map(|v| v.to_string())
        .unwrap_or_else(|| "no result".into());
    let _ = writeln!(out, "challenge {}  (engine: {})", v.challenge, v.engine);
    let _ = writeln!(out, "  valid?               {valid}");
    if !f.failing_checkers.is_empty() {
        let _ = writeln!(
            out,
            "  failing checkers     {}",
            f.failing_checkers.join(", ")
        );
    }
    let _ = writeln!(out, "  client ops           {}", f.ops);
    let _ = writeln!(
        out,
        "  msgs-per-op          servers {}   all {}",
        fmt_opt(f.servers_msgs_per_op, 3),
        fmt_opt(f.all_msgs_per_op, 3)
    );
    let _ = writeln!(out, "  availability         {}", fmt_opt(f.ok_fraction, 4));
    if let Some(q) = &f.stable_latencies {
        let _ = writeln!(
            out,
            "  stable latency ms    {}   (0 / 0.5 / 0.95 / 0.99 / 1)",
            fmt_quantiles(q)
        );
    }
    for (op, q) in &f.op_latencies {
        let _ = writeln!(
            out,
            "  {:<20} {}   ms (0 / 0.5 / 0.95 / 0.99 / 1)",
            format!("latency {op}"),
            fmt_quantiles(q)
        );
    }
    for (name, value) in &f.counts {
        let _ = writeln!(out, "  {name:<20} {value}");
    }
    if !f.anomalies.is_empty() {
        let _ = writeln!(out, "  anomalies            {}", f.anomalies.join(", "));
    }
    for note in &f.notes {
        let _ = writeln!(out, "  note                 {note}");
    }
    for c in &v.criteria {
        let _ = writeln!(out, "  criterion            {}", fmt_check(c));
    }
    for c in &v.goals {
        let _ = writeln!(out, "  goal                 {}", fmt_check(c));
    }
    let _ = writeln!(
        out,
        "  verdict              {}",
        if v.pass { "PASS" } else { "FAIL" }
    );
    out
}
