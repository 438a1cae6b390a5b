//! What a person looks at in a run folder, written beside the run's own files: the plots, the
//! message diagram (when the run kept a message journal) and `index.html` tying them to the
//! verdict. One entry point, [`write()`], for every folder: the simulator's, a `--bin` run's,
//! and any Maelstrom folder through `glomers report --html`.

use super::diagram::{self, Follow, View};
use super::html::{self, DiagramEntry, Page};
use super::markup::href;
use super::plots;
use super::RunReport;
use std::path::{Path, PathBuf};

/// Files of a run worth a link, in the order shown (those present are listed).
const RUN_FILES: [&str; 14] = [
    "results.edn",
    "history.edn",
    "history.txt",
    "glomers.json",
    "messages.jsonl",
    "jepsen.log",
    "jepsen.log.tail",
    "messages.svg",
    "timeline.html",
    "latency-raw.png",
    "latency-quantiles.png",
    "rate.png",
    "maelstrom.log",
    "test.jepsen",
];

/// Where the page goes, and what it shows of the messages.
#[derive(Clone, Debug, Default)]
pub struct Options {
    /// The folder the page and plots are written to (default: the run folder).
    pub out: Option<PathBuf>,
    /// A view of the messages asked for, drawn first (the default window is always drawn).
    pub diagram: Option<View>,
}

/// Writes the plots and `index.html` for the run `report` judged in `dir`; returns the page's
/// path. A plot that cannot be drawn (an unreadable history) is named on the page instead.
pub fn write(report: &RunReport, dir: &Path, options: &Options) -> anyhow::Result<PathBuf> {
    let out = options.out.clone().unwrap_or_else(|| dir.to_path_buf());
    std::fs::create_dir_all(&out)
        .map_err(|e| anyhow::anyhow!("creating {}: {e}", out.display()))?;
    let mut report = report.clone();
    let plots = match plots::write_all(dir, report.workload.as_deref(), &out) {
        Ok(plots) => plots,
        Err(e) => {
            report.notes.push(format!("no plots: {e:#}"));
            Vec::new()
        }
    };
    let same = same_folder(dir, &out);
    let base = if same {
        String::new()
    } else {
        let abs = dir.canonicalize().unwrap_or_else(|_| dir.to_path_buf());
        format!("file://{}/", href(&abs.display().to_string()))
    };
    let (diagrams, no_diagram) = diagrams(dir, &out, options.diagram.as_ref())?;
    let page = Page {
        report: &report,
        plots: &plots,
        diagrams,
        no_diagram,
        files: run_files(dir),
        node_logs: node_logs(dir),
        base,
    };
    let path = out.join(html::FILE);
    plots::write(&path, &html::render(&page))
}

/// The message diagrams of the run: the view asked for, the lost values (the first of them
/// followed), and the default window; or why there are none. A view that cannot be drawn
/// as asked (an operation the history lacks) is an error; other failures are told on the page.
fn diagrams(
    dir: &Path,
    out: &Path,
    asked: Option<&View>,
) -> anyhow::Result<(Vec<DiagramEntry>, Option<String>)> {
    let mut views: Vec<View> = asked.cloned().into_iter().collect();
    if let Some(lost) = first_lost_value(dir) {
        views.push(View {
            follow: Follow::Value(lost),
            ..View::default()
        });
    }
    views.push(View::default());
    views.dedup();
    let mut drawn = Vec::new();
    for (i, view) in views.iter().enumerate() {
        match diagram::draw(dir, view, out) {
            Ok(Some(d)) => drawn.push(DiagramEntry {
                file: d.file,
                caption: d.caption,
            }),
            Ok(None) => {
                let why = "No message diagram: the run kept no message journal (messages.jsonl); \
                           Maelstrom draws its own, messages.svg";
                return Ok((Vec::new(), Some(why.to_string())));
            }
            Err(e) if i == 0 && asked.is_some() => return Err(e),
            Err(e) => return Ok((drawn, Some(format!("No message diagram: {e:#}")))),
        }
    }
    Ok((drawn, None))
}

/// The first value `results.edn` lists as lost (broadcast), if any.
fn first_lost_value(dir: &Path) -> Option<serde_json::Value> {
    let results = super::run_dir::read_results(dir, &dir.join("results.edn")).ok()?;
    let json = super::edn::to_json(&results);
    json["workload"]["lost"].as_array()?.first().cloned()
}

fn same_folder(a: &Path, b: &Path) -> bool {
    match (a.canonicalize(), b.canonicalize()) {
        (Ok(a), Ok(b)) => a == b,
        _ => a == b,
    }
}

/// The run's files present in `dir`, as (label, relative path).
pub fn run_files(dir: &Path) -> Vec<(String, String)> {
    RUN_FILES
        .iter()
        .filter(|f| dir.join(f).is_file())
        .map(|f| (f.to_string(), f.to_string()))
        .collect()
}

/// Each log in `node-logs/`, as (node, relative path), n2 before n10.
pub fn node_logs(dir: &Path) -> Vec<(String, String)> {
    let mut logs: Vec<String> = std::fs::read_dir(dir.join("node-logs"))
        .into_iter()
        .flatten()
        .flatten()
        .filter_map(|e| e.file_name().to_str().map(str::to_string))
        .filter(|n| n.ends_with(".log"))
        .collect();
    logs.sort_by_key(|n| {
        let digits: String = n.chars().filter(char::is_ascii_digit).collect();
        (digits.parse::<u64>().unwrap_or(u64::MAX), n.clone())
    });
    logs.into_iter()
        .map(|n| {
            (
                n.trim_end_matches(".log").to_string(),
                format!("node-logs/{n}"),
            )
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lists_present_files_and_node_logs_in_number_order() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("results.edn"), "{}").unwrap();
        std::fs::create_dir(dir.path().join("node-logs")).unwrap();
        for n in ["n10", "n2", "lin-kv"] {
            std::fs::write(dir.path().join(format!("node-logs/{n}.log")), "").unwrap();
        }
        assert_eq!(
            run_files(dir.path()),
            [("results.edn".into(), "results.edn".into())]
        );
        let logs: Vec<String> = node_logs(dir.path()).into_iter().map(|l| l.0).collect();
        assert_eq!(logs, ["n2", "n10", "lin-kv"]);
    }
}
