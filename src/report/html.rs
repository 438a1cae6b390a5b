//! A run folder's `index.html`: the verdict and the criteria, the figures, the plots, the
//! message diagram and links to every file of the run, on one page that needs nothing but the
//! folder itself (inline style, no script, no network), so it opens from `file://`.

use super::markup::{escape, href};
use super::plots::Plot;
use super::render;
use super::RunReport;
use crate::verdict::Check;
use std::fmt::Write;

/// The page's file name.
pub const FILE: &str = "index.html";

/// The message diagram shown on the page.
#[derive(Clone, Debug)]
pub struct DiagramEntry {
    /// The SVG file, relative to the page.
    pub file: String,
    /// What it shows (the window, the value or operation followed).
    pub caption: String,
}

/// Everything the page shows.
pub struct Page<'a> {
    pub report: &'a RunReport,
    pub plots: &'a [Plot],
    pub diagrams: Vec<DiagramEntry>,
    /// Why there is no diagram, when there is none.
    pub no_diagram: Option<String>,
    /// The run's files: (label, link).
    pub files: Vec<(String, String)>,
    /// Each node's log: (node, link).
    pub node_logs: Vec<(String, String)>,
    /// Prefix of links to the run's files: empty when the page sits in the run folder, else
    /// the folder's `file://` address ending in `/`.
    pub base: String,
}

const STYLE: &str = "
body { font: 15px/1.45 system-ui, -apple-system, 'Segoe UI', Roboto, sans-serif; color: #1b1f24;
       margin: 0 auto; max-width: 1240px; padding: 16px 20px 48px; }
h1 { font-size: 24px; margin: 8px 0 4px; }
h2 { font-size: 19px; margin: 28px 0 8px; border-bottom: 1px solid #d0d7de; padding-bottom: 4px; }
.badge { display: inline-block; padding: 2px 12px; border-radius: 6px; color: #fff; font-weight: 700;
         margin-right: 10px; vertical-align: 2px; }
.pass { background: #1a7f37; } .fail { background: #cf222e; } .neutral { background: #57606a; }
.sub { color: #57606a; margin: 0 0 6px; }
table { border-collapse: collapse; margin: 6px 0; }
td, th { border: 1px solid #d0d7de; padding: 4px 10px; text-align: left; vertical-align: top; }
th { background: #f6f8fa; }
td.num { font-variant-numeric: tabular-nums; }
.met { color: #1a7f37; font-weight: 600; } .missed { color: #cf222e; font-weight: 600; }
pre { background: #f6f8fa; padding: 8px 10px; border-radius: 6px; white-space: pre-wrap;
      word-break: break-all; font-size: 13px; }
figure { margin: 12px 0 20px; } figcaption { color: #57606a; font-size: 14px; margin: 4px 0; }
img.plot { width: 100%; height: auto; border: 1px solid #d0d7de; border-radius: 4px; }
.diagram { width: 100%; max-height: 1400px; overflow: auto; border: 1px solid #d0d7de;
           border-radius: 4px; }
.diagram object { display: block; }
.notes li { margin: 2px 0; }
";

/// The page as HTML.
pub fn render(page: &Page<'_>) -> String {
    let r = page.report;
    let mut out = String::new();
    let title = match (&r.challenge, &r.title) {
        (Some(id), Some(t)) => format!("{id} {t}"),
        (Some(id), None) => id.clone(),
        (None, _) => format!("{} run", r.workload.as_deref().unwrap_or("Maelstrom")),
    };
    let _ = write!(
        out,
        "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
         <title>{} — glomers</title><style>{STYLE}</style></head><body>\n",
        escape(&title)
    );
    let (class, word) = match (&r.challenge, r.verdict.pass) {
        (Some(_), true) => ("pass", "PASS".to_string()),
        (Some(_), false) => ("fail", "FAIL".to_string()),
        (None, _) => (
            "neutral",
            format!(
                "valid? {}",
                r.verdict
                    .figures
                    .valid
                    .map(|v| v.to_string())
                    .unwrap_or_else(|| "no result".into())
            ),
        ),
    };
    let _ = writeln!(
        out,
        "<h1><span class=\"badge {class}\">{}</span>{}</h1>",
        escape(&word),
        escape(&title)
    );
    let mut sub = vec![format!("engine {}", r.harness.engine)];
    if let Some(w) = &r.workload {
        sub.push(format!("workload {w}"));
    }
    if let Some(seed) = r.seed {
        sub.push(format!("seed {seed}"));
    }
    if let Some(s) = r.simulated_seconds {
        sub.push(format!("{s:.1} s simulated"));
    }
    if let Some(w) = r.wall_seconds {
        sub.push(format!("{w:.1} s wall"));
    }
    let _ = writeln!(out, "<p class=\"sub\">{}</p>", escape(&sub.join(" · ")));
    if let Some(dir) = &r.run_dir {
        let _ = writeln!(
            out,
            "<p class=\"sub\">run folder <code>{}</code></p>",
            escape(&dir.display().to_string())
        );
    }
    checks_section(&mut out, r);
    figures_section(&mut out, r);
    notes_section(&mut out, r);
    plots_section(&mut out, page);
    diagram_section(&mut out, page);
    files_section(&mut out, page);
    if !r.command.is_empty() {
        let label = if r.harness.engine == "sim" {
            "Replay"
        } else {
            "Command"
        };
        let _ = writeln!(
            out,
            "<h2>{label}</h2><pre>{}</pre>",
            escape(&r.command.join(" "))
        );
    }
    out.push_str("</body></html>\n");
    out
}

fn check_rows(out: &mut String, kind: &str, checks: &[Check]) {
    for c in checks {
        let (class, word) = if c.met {
            ("met", "met")
        } else {
            ("missed", "MISSED")
        };
        let actual = c
            .actual
            .map(|v| {
                format!("{:.4}", v)
                    .trim_end_matches('0')
                    .trim_end_matches('.')
                    .to_string()
            })
            .unwrap_or_else(|| "—".into());
        let _ = writeln!(
            out,
            "<tr><td>{kind}</td><td>{}</td><td class=\"num\">{}</td><td class=\"{class}\">{word}</td></tr>",
            escape(&c.criterion),
            escape(&actual)
        );
    }
}

fn checks_section(out: &mut String, r: &RunReport) {
    let v = &r.verdict;
    if v.criteria.is_empty() && v.goals.is_empty() {
        return;
    }
    out.push_str("<h2>Criteria and goals</h2><table><tr><th></th><th>threshold</th><th>actual</th><th></th></tr>\n");
    check_rows(out, "criterion", &v.criteria);
    check_rows(out, "goal", &v.goals);
    out.push_str("</table>\n");
}

fn figures_section(out: &mut String, r: &RunReport) {
    out.push_str("<h2>Figures</h2><table>\n");
    for (k, v) in render::figure_lines(&r.verdict) {
        if matches!(k.as_str(), "criterion" | "goal" | "note") {
            continue;
        }
        let _ = writeln!(
            out,
            "<tr><th>{}</th><td class=\"num\">{}</td></tr>",
            escape(&k),
            escape(&v)
        );
    }
    out.push_str("</table>\n");
}

fn notes_section(out: &mut String, r: &RunReport) {
    let notes: Vec<&String> = r.verdict.figures.notes.iter().chain(&r.notes).collect();
    if notes.is_empty() {
        return;
    }
    out.push_str("<h2>Notes</h2><ul class=\"notes\">\n");
    for n in notes {
        let _ = writeln!(out, "<li>{}</li>", escape(n));
    }
    out.push_str("</ul>\n");
}

fn plots_section(out: &mut String, page: &Page<'_>) {
    if page.plots.is_empty() {
        return;
    }
    out.push_str("<h2>Plots</h2>\n");
    for p in page.plots {
        let _ = writeln!(
            out,
            "<figure><a href=\"{0}\"><img class=\"plot\" src=\"{0}\" alt=\"{1}\"></a>\
             <figcaption>{1} (<a href=\"{0}\">{2}</a>)</figcaption></figure>",
            href(p.file),
            escape(p.title),
            escape(p.file)
        );
    }
}

fn diagram_section(out: &mut String, page: &Page<'_>) {
    if page.diagrams.is_empty() && page.no_diagram.is_none() {
        return;
    }
    out.push_str("<h2>Messages</h2>\n");
    if let Some(why) = &page.no_diagram {
        let _ = writeln!(out, "<p class=\"sub\">{}</p>", escape(why));
    }
    for d in &page.diagrams {
        let _ = writeln!(
            out,
            "<p class=\"sub\">{0} (<a href=\"{1}\">{2}</a>; hover over an arrow for its \
             message)</p><div class=\"diagram\"><object type=\"image/svg+xml\" \
             data=\"{1}\">{2}</object></div>",
            escape(&d.caption),
            href(&d.file),
            escape(&d.file)
        );
    }
}

fn files_section(out: &mut String, page: &Page<'_>) {
    if page.files.is_empty() && page.node_logs.is_empty() {
        return;
    }
    let link = |label: &str, path: &str| {
        format!(
            "<a href=\"{}{}\">{}</a>",
            escape(&page.base),
            href(path),
            escape(label)
        )
    };
    out.push_str("<h2>Files</h2><ul>\n");
    if !page.files.is_empty() {
        let files: Vec<String> = page.files.iter().map(|(l, p)| link(l, p)).collect();
        let _ = writeln!(out, "<li>{}</li>", files.join(" · "));
    }
    if !page.node_logs.is_empty() {
        let logs: Vec<String> = page.node_logs.iter().map(|(l, p)| link(l, p)).collect();
        let _ = writeln!(out, "<li>node logs: {}</li>", logs.join(" "));
    }
    out.push_str("</ul>\n");
}
