//! What a person looks at in a run folder, written beside the run's own files: the plots, the
//! message diagram (when the run kept a message journal) and `index.html` tying them to the
//! verdict. One entry point, [`write()`], for every folder: the simulator's, a `--bin` run's,
//! and any Maelstrom folder through `glomers report --html`.

use super::html::{self, Page};
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
    let page = Page {
        report: &report,
        plots: &plots,
        diagram: None,
        no_diagram: None,
        files: run_files(dir),
        node_logs: node_logs(dir),
        base,
    };
    let path = out.join(html::FILE);
    plots::write(&path, &html::render(&page))
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
