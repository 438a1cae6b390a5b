//! The one renderer every command shares: a judged run ([`RunReport`]) as a compact text table,
//! Markdown or JSON, and the `run all` table ([`Row`]s) in the same three forms. [`text`]
//! renders a bare [`Verdict`] with the same lines.

use super::{Row, RowOutcome, RunReport};
use crate::verdict::{Check, Quantiles, Verdict};
use std::fmt::Write;

fn fmt_opt(v: Option<f64>, digits: usize) -> String {
    v.map(|v| format!("{v:.digits$}"))
        .unwrap_or_else(|| "—".to_string())
}

const QUANTILE_LEGEND: &str = "(0 / 0.5 / 0.95 / 0.99 / 1)";

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

/// Up to four decimals, trailing zeros dropped: enough that a value never looks as if it sat on
/// the other side of a threshold (0.9997 against `>= 0.999` must not print as 1.000).
fn fmt_actual(v: Option<f64>) -> String {
    match v {
        None => "—".to_string(),
        Some(v) => {
            let s = format!("{v:.4}");
            let s = s.trim_end_matches('0').trim_end_matches('.');
            s.to_string()
        }
    }
}

fn fmt_check(c: &Check) -> String {
    format!(
        "{} {}  (actual {})",
        if c.met { "met   " } else { "MISSED" },
        c.criterion,
        fmt_actual(c.actual)
    )
}

/// The figure lines of a verdict, as (label, value) pairs: shared by text and Markdown.
pub(crate) fn figure_lines(v: &Verdict) -> Vec<(String, String)> {
    let f = &v.figures;
    let mut lines = Vec::new();
    let mut push = |k: &str, val: String| lines.push((k.to_string(), val));
    let valid = f
        .valid
        .map(|v| v.to_string())
        .unwrap_or_else(|| "no result".into());
    push("valid?", valid);
    if !f.failing_checkers.is_empty() {
        push("failing checkers", f.failing_checkers.join(", "));
    }
    push("client ops", f.ops.to_string());
    push(
        "msgs-per-op",
        format!(
            "servers {}   all {}",
            fmt_opt(f.servers_msgs_per_op, 3),
            fmt_opt(f.all_msgs_per_op, 3)
        ),
    );
    push("availability", fmt_opt(f.ok_fraction, 4));
    if let Some(q) = &f.stable_latencies {
        push(
            "stable latency ms",
            format!("{}   {QUANTILE_LEGEND}", fmt_quantiles(q)),
        );
    }
    for (op, q) in &f.op_latencies {
        push(
            &format!("latency {op} ms"),
            format!("{}   {QUANTILE_LEGEND}", fmt_quantiles(q)),
        );
    }
    for (name, value) in &f.counts {
        push(name, format!("{value}"));
    }
    if !f.anomalies.is_empty() {
        push("anomalies", f.anomalies.join(", "));
    }
    for note in &f.notes {
        push("note", note.clone());
    }
    for c in &v.criteria {
        push("criterion", fmt_check(c));
    }
    for c in &v.goals {
        push("goal", fmt_check(c));
    }
    lines
}

/// The verdict line: PASS/FAIL against a challenge, or Maelstrom's own verdict alone.
fn verdict_word(r: &RunReport) -> String {
    match (&r.challenge, r.verdict.pass) {
        (Some(_), true) => "PASS".into(),
        (Some(_), false) => "FAIL".into(),
        (None, _) => format!(
            "{} (Maelstrom's verdict only)",
            r.verdict
                .figures
                .valid
                .map(|v| v.to_string())
                .unwrap_or_else(|| "no result".into())
        ),
    }
}

fn heading(r: &RunReport) -> String {
    match (&r.challenge, &r.title) {
        (Some(id), Some(title)) => {
            format!("challenge {id}  {title}  (engine: {})", r.harness.engine)
        }
        (Some(id), None) => format!("challenge {id}  (engine: {})", r.harness.engine),
        (None, _) => format!(
            "{} run  (engine: {}; no challenge profile)",
            r.workload.as_deref().unwrap_or("unknown workload"),
            r.harness.engine
        ),
    }
}

/// Lines after the figures: where the run lives, how to replay it, how long it took.
fn trailer_lines(r: &RunReport) -> Vec<(String, String)> {
    let mut lines = Vec::new();
    for note in &r.notes {
        lines.push(("note".to_string(), note.clone()));
    }
    lines.push(("verdict".to_string(), verdict_word(r)));
    if let Some(dir) = &r.run_dir {
        lines.push(("run folder".into(), dir.display().to_string()));
    }
    if !r.harness.plots.is_empty() {
        let plots: Vec<String> = r
            .harness
            .plots
            .iter()
            .map(|p| p.display().to_string())
            .collect();
        lines.push(("plots".into(), plots.join("  ")));
    }
    if let Some(page) = &r.page {
        lines.push(("page".into(), page.display().to_string()));
    }
    if let Some(seed) = r.seed {
        lines.push(("seed".into(), seed.to_string()));
    }
    if r.harness.engine == "sim" && !r.command.is_empty() {
        lines.push(("replay".into(), shell_line(&r.command)));
    }
    let mut time = Vec::new();
    if let Some(w) = r.wall_seconds {
        time.push(format!("{w:.2} s wall"));
    }
    if let Some(s) = r.simulated_seconds {
        time.push(format!("{s:.1} s simulated"));
    }
    if !time.is_empty() {
        lines.push(("time".into(), time.join(", ")));
    }
    lines
}

/// The human table for one run.
pub(crate) fn run_text(r: &RunReport) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "{}", heading(r));
    for (k, v) in figure_lines(&r.verdict).into_iter().chain(trailer_lines(r)) {
        let _ = writeln!(out, "  {k:<20} {v}");
    }
    out
}

/// `words` as one line a POSIX shell splits back into the same words: every word that is not
/// plainly safe is quoted, so a space, a `$(…)` or a backquote in an argument is shown when the
/// line is pasted, never run.
pub(crate) fn shell_line(words: &[String]) -> String {
    shlex::try_join(words.iter().map(String::as_str)).unwrap_or_else(|_| {
        // Only a NUL byte cannot be quoted, and no command-line argument can hold one.
        "(not shown: an argument holds a NUL byte)".to_string()
    })
}

fn md_escape(s: &str) -> String {
    s.replace('|', "\\|")
}

/// One run as Markdown: a heading and a two-column table.
pub(crate) fn run_markdown(r: &RunReport) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "### {}\n", md_escape(&heading(r)));
    let _ = writeln!(out, "| figure | value |\n|---|---|");
    for (k, v) in figure_lines(&r.verdict).into_iter().chain(trailer_lines(r)) {
        let _ = writeln!(out, "| {} | {} |", md_escape(&k), md_escape(&v));
    }
    out
}

/// One run as pretty JSON (the same document as `glomers.json`).
pub(crate) fn run_json(r: &RunReport) -> String {
    serde_json::to_string_pretty(&r.to_json()).unwrap_or_else(|e| format!("{{\"error\": \"{e}\"}}"))
}

/// The key figures of a row, as table cells: valid?, servers msgs-per-op, availability,
/// stable latency p50/max, anomalies or the error.
fn row_cells(row: &Row) -> [String; 9] {
    let wall = format!("{:.1} s", row.wall_seconds);
    match &row.outcome {
        RowOutcome::Judged(r) => {
            let f = &r.verdict.figures;
            let stable = f
                .stable_latencies
                .as_ref()
                .map(|q| {
                    format!(
                        "{} / {}",
                        fmt_opt(q.get("0.5").copied(), 0),
                        fmt_opt(q.get("1").copied(), 0)
                    )
                })
                .unwrap_or_else(|| "—".into());
            let mut remarks: Vec<String> = f.anomalies.clone();
            remarks.extend(
                r.verdict
                    .criteria
                    .iter()
                    .filter(|c| !c.met)
                    .map(|c| format!("missed {}", c.criterion)),
            );
            if remarks.is_empty() && !f.failing_checkers.is_empty() {
                remarks.push(format!("failing: {}", f.failing_checkers.join(", ")));
            }
            [
                row.id.clone(),
                row.title.clone(),
                row.engine.clone(),
                row.status().into(),
                f.valid.map(|v| v.to_string()).unwrap_or_else(|| "—".into()),
                fmt_opt(f.servers_msgs_per_op, 2),
                fmt_opt(f.ok_fraction, 3),
                stable,
                if remarks.is_empty() {
                    wall
                } else {
                    format!("{wall}  {}", remarks.join("; "))
                },
            ]
        }
        RowOutcome::Error { message, .. } => [
            row.id.clone(),
            row.title.clone(),
            row.engine.clone(),
            row.status().into(),
            "—".into(),
            "—".into(),
            "—".into(),
            "—".into(),
            format!("{wall}  {message}"),
        ],
    }
}

const HEADERS: [&str; 9] = [
    "challenge",
    "title",
    "engine",
    "verdict",
    "valid?",
    "srv msgs/op",
    "avail",
    "stable p50/max ms",
    "wall, notes",
];

/// The `run all` table as aligned text.
pub(crate) fn table_text(rows: &[Row]) -> String {
    let cells: Vec<[String; 9]> = rows.iter().map(row_cells).collect();
    let mut widths = HEADERS.map(|h| h.chars().count());
    for row in &cells {
        for (w, c) in widths.iter_mut().zip(row.iter()).take(8) {
            *w = (*w).max(c.chars().count());
        }
    }
    let line = |cells: &[String]| {
        let mut s = String::new();
        for (i, c) in cells.iter().enumerate() {
            if i == cells.len() - 1 {
                s.push_str(c);
            } else {
                let pad = widths[i].saturating_sub(c.chars().count());
                s.push_str(c);
                s.push_str(&" ".repeat(pad + 2));
            }
        }
        s.trim_end().to_string()
    };
    let mut out = String::new();
    let _ = writeln!(out, "{}", line(&HEADERS.map(String::from)));
    for row in &cells {
        let _ = writeln!(out, "{}", line(row));
    }
    let _ = writeln!(out, "{}", summary(rows));
    out
}

fn summary(rows: &[Row]) -> String {
    let count = |s: &str| rows.iter().filter(|r| r.status() == s).count();
    let wall: f64 = rows.iter().map(|r| r.wall_seconds).sum();
    format!(
        "{} passed, {} failed, {} errors  ({wall:.1} s)",
        count("PASS"),
        count("FAIL"),
        count("ERROR")
    )
}

/// The `run all` table as Markdown.
pub(crate) fn table_markdown(rows: &[Row]) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "| {} |", HEADERS.join(" | "));
    let _ = writeln!(out, "|{}", "---|".repeat(HEADERS.len()));
    for row in rows {
        let cells: Vec<String> = row_cells(row).iter().map(|c| md_escape(c)).collect();
        let _ = writeln!(out, "| {} |", cells.join(" | "));
    }
    let _ = writeln!(out, "\n{}", summary(rows));
    out
}

/// The `run all` table as JSON.
pub(crate) fn table_json(rows: &[Row]) -> String {
    let value = serde_json::json!({
        "rows": rows.iter().map(Row::to_json).collect::<Vec<_>>(),
        "exit-code": super::table_exit_code(rows),
    });
    serde_json::to_string_pretty(&value).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::verdict::{Criterion, Figures, Validity};

    fn report(pass_criteria: bool) -> RunReport {
        let figures = Figures {
            valid: Some(Validity::Valid),
            ops: 10,
            servers_msgs_per_op: Some(if pass_criteria { 1.0 } else { 40.0 }),
            ..Figures::default()
        };
        let c = [Criterion::parse("servers-msgs-per-op < 30").unwrap()];
        let mut r = RunReport::new("sim", Verdict::new("3d", "sim", figures, &c, &[]));
        r.challenge = Some("3d".into());
        r.title = Some("Efficient | Broadcast".into());
        r
    }

    #[test]
    fn the_replay_line_is_quoted_for_the_shell() {
        let mut r = report(true);
        r.command = [
            "glomers",
            "run",
            "1",
            "--bin",
            "./$(touch pwned)",
            "--node-arg",
            "a b",
        ]
        .map(String::from)
        .to_vec();
        let t = run_text(&r);
        let line = t
            .lines()
            .find(|l| l.trim_start().starts_with("replay"))
            .expect("a replay line");
        let shown = line.trim_start().trim_start_matches("replay").trim();
        assert_eq!(
            shown,
            "glomers run 1 --bin './$(touch pwned)' --node-arg 'a b'"
        );
        assert_eq!(shlex::split(shown), Some(r.command.clone()));
        // Plain words stay plain.
        let plain = ["glomers", "run", "1", "--seed", "7"].map(String::from);
        assert_eq!(shell_line(&plain), "glomers run 1 --seed 7");
    }

    #[test]
    fn one_run_in_three_forms() {
        let r = report(false);
        let t = run_text(&r);
        assert!(
            t.contains("MISSED servers-msgs-per-op < 30  (actual 40)"),
            "{t}"
        );
        assert!(t.contains("verdict              FAIL"), "{t}");
        let md = run_markdown(&r);
        assert!(md.contains("Efficient \\| Broadcast"), "{md}");
        let j: serde_json::Value = serde_json::from_str(&run_json(&r)).unwrap();
        assert_eq!(j["pass"], false);
        assert_eq!(j["exit-code"], 1);
        assert_eq!(j["figures"]["ops"], 10);
    }

    #[test]
    fn without_a_profile_only_maelstrom_speaks() {
        let mut r = report(true);
        r.challenge = None;
        r.workload = Some("lin-kv".into());
        let t = run_text(&r);
        assert!(t.contains("valid (Maelstrom's verdict only)"), "{t}");
        assert!(t.starts_with("lin-kv run"), "{t}");
    }

    #[test]
    fn table_rows_pass_fail_error() {
        let rows = vec![
            Row {
                id: "1".into(),
                title: "Echo".into(),
                engine: "sim".into(),
                wall_seconds: 0.5,
                outcome: RowOutcome::Judged(Box::new(report(true))),
            },
            Row {
                id: "3d".into(),
                title: "Efficient".into(),
                engine: "sim".into(),
                wall_seconds: 1.0,
                outcome: RowOutcome::Judged(Box::new(report(false))),
            },
            Row {
                id: "4".into(),
                title: "Grow-Only Counter".into(),
                engine: "sim".into(),
                wall_seconds: 0.0,
                outcome: RowOutcome::Error {
                    message: "the simulator does not run the g-counter workload yet".into(),
                    code: 2,
                },
            },
        ];
        let t = table_text(&rows);
        assert!(t.lines().nth(1).unwrap().contains("PASS"), "{t}");
        assert!(t.contains("missed servers-msgs-per-op < 30"), "{t}");
        assert!(
            t.contains("ERROR") && t.contains("does not run the g-counter"),
            "{t}"
        );
        assert!(t.contains("1 passed, 1 failed, 1 errors"), "{t}");
        let md = table_markdown(&rows);
        assert_eq!(
            md.lines().filter(|l| l.starts_with("| ")).count(),
            4,
            "{md}"
        );
        let j: serde_json::Value = serde_json::from_str(&table_json(&rows)).unwrap();
        assert_eq!(j["rows"][2]["status"], "ERROR");
        assert_eq!(j["exit-code"], 2);
        assert_eq!(crate::report::table_exit_code(&rows[..2]), 1);
        assert_eq!(crate::report::table_exit_code(&rows[..1]), 0);
    }
}
