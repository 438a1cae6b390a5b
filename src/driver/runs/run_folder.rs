//! A run folder laid out as Maelstrom lays out its own, for engines other than Maelstrom:
//! `<root>/store/<workload>/<start time>/` with `node-logs/`, then `history.edn`,
//! `results.edn` and `glomers.json`, and the symlinks `store/latest`, `store/current` and
//! `store/<workload>/latest` pointing at it. `glomers report` reads such a folder exactly as
//! it reads one Maelstrom wrote.
//!
//! Use: [`RunFolder::create`] when the run starts (the folder is named after the start time),
//! write each node's log to [`RunFolder::node_log_path`] (or hand all lines to
//! [`RunFolder::write_node_logs`]), and [`RunFolder::finish`] once the run is judged. A link
//! that cannot be made (a real folder where `store/latest` belongs) is a note in the run, never
//! the loss of its verdict.

use crate::history::Op;
use crate::report::{write_history, write_results, RunReport};
use anyhow::Context;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::time::{SystemTime, UNIX_EPOCH};

/// How many suffixed names are tried when runs start in the same millisecond.
const MAX_SUFFIX: u32 = 1000;

/// One run's folder under a `store/`.
#[derive(Clone, Debug)]
pub struct RunFolder {
    /// The `store/` folder.
    store: PathBuf,
    workload: String,
    /// The folder's own name (`20261121T112556.282Z`, or with a `-1`… suffix).
    name: String,
}

impl RunFolder {
    /// Makes `<store_root>/store/<workload>/<now>/node-logs/`. `store_root` is the folder that
    /// holds (or will hold) `store/`: `--store DIR`, or the current folder. An existing folder
    /// is never reused: a run starting in the same millisecond as another gets a suffix.
    pub fn create(store_root: &Path, workload: &str) -> anyhow::Result<RunFolder> {
        Self::create_at(store_root, workload, SystemTime::now())
    }

    /// [`RunFolder::create`] for a given start time.
    pub fn create_at(
        store_root: &Path,
        workload: &str,
        started: SystemTime,
    ) -> anyhow::Result<RunFolder> {
        if workload.is_empty() || workload.contains(['/', '\\']) || workload.starts_with('.') {
            anyhow::bail!("{workload:?} cannot name a folder under store/");
        }
        let store = store_root.join("store");
        let parent = store.join(workload);
        std::fs::create_dir_all(&parent)
            .with_context(|| format!("creating {}", parent.display()))?;
        let stamp = basic_date_time(started);
        for n in 0..MAX_SUFFIX {
            let name = if n == 0 {
                stamp.clone()
            } else {
                format!("{stamp}-{n}")
            };
            match std::fs::create_dir(parent.join(&name)) {
                Ok(()) => {
                    let folder = RunFolder {
                        store,
                        workload: workload.to_string(),
                        name,
                    };
                    let logs = folder.dir().join("node-logs");
                    std::fs::create_dir(&logs)
                        .with_context(|| format!("creating {}", logs.display()))?;
                    return Ok(folder);
                }
                Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => continue,
                Err(e) => {
                    return Err(e)
                        .with_context(|| format!("creating {}", parent.join(name).display()))
                }
            }
        }
        anyhow::bail!(
            "{} already holds {MAX_SUFFIX} runs started at {stamp}",
            parent.display()
        )
    }

    /// The run folder itself.
    pub fn dir(&self) -> PathBuf {
        self.store.join(&self.workload).join(&self.name)
    }

    /// Where node `id`'s log goes (`node-logs/n0.log`).
    pub fn node_log_path(&self, id: &str) -> PathBuf {
        // Node ids come from the run's own configuration; anything that could leave the
        // folder is replaced rather than trusted.
        let safe: String = id
            .chars()
            .map(|c| if c == '/' || c == '\\' { '_' } else { c })
            .collect();
        let safe = if safe.is_empty() || safe.starts_with('.') {
            format!("_{safe}")
        } else {
            safe
        };
        self.dir().join("node-logs").join(format!("{safe}.log"))
    }

    /// Writes `(node, line)` log lines into one file per node, in order. Every node of
    /// `nodes` gets a file, empty if it logged nothing, as under Maelstrom.
    pub fn write_node_logs(
        &self,
        nodes: &[String],
        logs: &[(String, String)],
    ) -> anyhow::Result<()> {
        let mut files: std::collections::BTreeMap<&str, std::io::BufWriter<std::fs::File>> =
            Default::default();
        let silent = nodes.iter().map(|n| (n, None));
        let lines = logs.iter().map(|(n, l)| (n, Some(l)));
        for (node, line) in silent.chain(lines) {
            if !files.contains_key(node.as_str()) {
                let path = self.node_log_path(node);
                let file = std::fs::File::create(&path)
                    .with_context(|| format!("creating {}", path.display()))?;
                files.insert(node, std::io::BufWriter::new(file));
            }
            if let (Some(file), Some(line)) = (files.get_mut(node.as_str()), line) {
                writeln!(file, "{line}").context("writing a node log")?;
            }
        }
        for (_, mut file) in files {
            file.flush().context("writing a node log")?;
        }
        Ok(())
    }

    /// Writes `history.edn` (in Maelstrom's shape, see [`write_history::maelstrom_form`]),
    /// `results.edn` and `glomers.json` (with `report.run_dir` set to this folder), then points
    /// `store/latest`, `store/current` and `store/<workload>/latest` here. What the run should
    /// know about the folder becomes a note in `report` (and in `glomers.json`): operations
    /// written in part (see [`write_history::write`]), and a link left alone
    /// because something that is not a link stands in its place. A link is never worth the
    /// verdict: only writing the three files can fail this.
    pub fn finish(
        &self,
        history: &[Op],
        results: &serde_json::Value,
        report: &mut RunReport,
    ) -> anyhow::Result<()> {
        let dir = self.dir();
        let path = dir.join("history.edn");
        let file =
            std::fs::File::create(&path).with_context(|| format!("creating {}", path.display()))?;
        let mut out = std::io::BufWriter::new(file);
        let left_out = write_history::write(&write_history::maelstrom_form(history), &mut out)
            .and_then(|left_out| out.flush().map(|()| left_out))
            .with_context(|| format!("writing {}", path.display()))?;
        if let Some(note) = left_out_note(&left_out) {
            report.notes.push(note);
        }
        let path = dir.join("results.edn");
        std::fs::write(&path, write_results::results_edn(results, &self.workload))
            .with_context(|| format!("writing {}", path.display()))?;
        report.run_dir = Some(dir.clone());
        report.write_json(&dir)?;
        let run = Path::new(&self.workload).join(&self.name);
        let links = [
            (self.store.join("latest"), run.clone()),
            (self.store.join("current"), run),
            (
                self.store.join(&self.workload).join("latest"),
                PathBuf::from(&self.name),
            ),
        ];
        let before = report.notes.len();
        for (link, target) in links {
            if let Err(why) = point(&link, &target) {
                report.notes.push(format!("{why:#}"));
            }
        }
        if report.notes.len() > before {
            report.write_json(&dir)?;
        }
        Ok(())
    }
}

/// The run's note about operations written in part, if any were.
fn left_out_note(left_out: &[write_history::LeftOut]) -> Option<String> {
    let first = left_out.first()?;
    let others = match left_out.len() - 1 {
        0 => String::new(),
        1 => " (and 1 more)".to_string(),
        n => format!(" (and {n} more)"),
    };
    Some(format!(
        "history.edn holds operation {}{others} in part: its line would have been {} bytes, \
         more than the {} MiB a history line may have (what `glomers report` reads), so its \
         value or error is left out and says so in its place",
        first.index,
        first.bytes,
        crate::report::history::MAX_LINE_BYTES >> 20
    ))
}

/// Writes the run's message journal (`messages.jsonl`), from which its diagram is drawn.
pub(crate) fn write_journal(
    dir: &Path,
    journal: &crate::sim::journal::Journal,
) -> anyhow::Result<()> {
    let path = dir.join(crate::sim::journal::FILE);
    let file =
        std::fs::File::create(&path).with_context(|| format!("creating {}", path.display()))?;
    let mut out = std::io::BufWriter::new(file);
    journal
        .write(&mut out)
        .and_then(|()| out.flush())
        .with_context(|| format!("writing {}", path.display()))
}

/// Writes the plots and `index.html` of the run in `dir` and records the page in `report`;
/// a failure is a note on the report, never the end of a run that has been judged.
pub(crate) fn write_view(report: &mut RunReport, dir: &Path) {
    match crate::report::view::write(report, dir, &Default::default()) {
        Ok(page) => report.page = Some(page),
        Err(e) => report.notes.push(format!("no page for the run: {e:#}")),
    }
}

/// Makes `link` a symlink to `target` (relative to the link's folder), replacing any previous
/// link atomically: the new link is made under a temporary name, then renamed over the old one.
/// Anything else in the link's place (a real folder or file, perhaps someone's runs) is left as
/// it is, and the error says so.
fn point(link: &Path, target: &Path) -> anyhow::Result<()> {
    if let Ok(meta) = std::fs::symlink_metadata(link) {
        if !meta.file_type().is_symlink() {
            let what = if meta.is_dir() { "folder" } else { "file" };
            anyhow::bail!(
                "{} is a real {what}, not a link, so it was left as it is and does not point at \
                 this run; move it away to have glomers keep it pointing at the newest run",
                link.display()
            );
        }
    }
    let folder = link.parent().unwrap_or(Path::new("."));
    let name = link.file_name().and_then(|n| n.to_str()).unwrap_or("link");
    for attempt in 0..MAX_SUFFIX {
        let temp = folder.join(format!(".{name}.{}.{attempt}.tmp", std::process::id()));
        match std::os::unix::fs::symlink(target, &temp) {
            Ok(()) => {
                return std::fs::rename(&temp, link).map_err(|e| {
                    let _ = std::fs::remove_file(&temp);
                    anyhow::anyhow!("pointing {} at {}: {e}", link.display(), target.display())
                });
            }
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => continue,
            Err(e) => {
                return Err(e).with_context(|| format!("making a link beside {}", link.display()))
            }
        }
    }
    anyhow::bail!("could not make a temporary link beside {}", link.display())
}

/// `time` in UTC in Jepsen's basic date-time format, `20261121T112556.282Z`.
pub fn basic_date_time(time: SystemTime) -> String {
    let since = time.duration_since(UNIX_EPOCH).unwrap_or_default();
    let secs = since.as_secs();
    let (year, month, day) = civil_from_days((secs / 86_400) as i64);
    let of_day = secs % 86_400;
    format!(
        "{year:04}{month:02}{day:02}T{:02}{:02}{:02}.{:03}Z",
        of_day / 3600,
        of_day / 60 % 60,
        of_day % 60,
        since.subsec_millis()
    )
}

/// The proleptic Gregorian date of a day count since 1970-01-01 (Howard Hinnant's algorithm).
fn civil_from_days(days: i64) -> (i64, u32, u32) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let month = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    let year = yoe + era * 400 + i64::from(month <= 2);
    (year, month, day)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[test]
    fn timestamps_in_jepsen_s_basic_format() {
        assert_eq!(basic_date_time(UNIX_EPOCH), "19700101T000000.000Z");
        // 2026-11-21 11:25:56.282 UTC, the start of one of the real fixture runs.
        let t = UNIX_EPOCH + Duration::from_millis(1_795_260_356_282);
        assert_eq!(basic_date_time(t), "20261121T112556.282Z");
        let leap = UNIX_EPOCH + Duration::from_secs(951_782_400); // 2000-02-29
        assert_eq!(basic_date_time(leap), "20000229T000000.000Z");
    }

    #[test]
    fn same_millisecond_runs_get_suffixes_and_names_cannot_escape() {
        let root = tempfile::tempdir().unwrap();
        let t = UNIX_EPOCH + Duration::from_millis(5);
        let a = RunFolder::create_at(root.path(), "echo", t).unwrap();
        let b = RunFolder::create_at(root.path(), "echo", t).unwrap();
        assert_ne!(a.dir(), b.dir());
        assert!(b.dir().ends_with("echo/19700101T000000.005Z-1"));
        assert!(b.dir().join("node-logs").is_dir());
        assert!(a
            .node_log_path("../x")
            .starts_with(a.dir().join("node-logs")));
        assert!(RunFolder::create(root.path(), "../up").is_err());
    }

    fn report() -> RunReport {
        let verdict =
            crate::verdict::Verdict::new("1", "sim", crate::verdict::Figures::default(), &[], &[]);
        RunReport::new("sim", verdict)
    }

    fn glomers_json(dir: &Path) -> serde_json::Value {
        let text = std::fs::read_to_string(dir.join("glomers.json")).expect("glomers.json");
        serde_json::from_str(&text).expect("JSON")
    }

    /// A real folder at `store/latest` (perhaps someone's runs) is neither replaced nor a
    /// reason to lose the verdict: the run finishes, says so in a note, and the other links
    /// still follow it.
    #[test]
    fn a_real_folder_where_a_link_belongs_is_left_alone_with_a_note() {
        let root = tempfile::tempdir().unwrap();
        let latest = root.path().join("store").join("latest");
        std::fs::create_dir_all(&latest).unwrap();
        std::fs::write(latest.join("mine.txt"), "keep me").unwrap();
        let folder = RunFolder::create(root.path(), "echo").unwrap();
        let mut report = report();
        folder
            .finish(&[], &serde_json::json!({}), &mut report)
            .expect("the run finishes");
        assert_eq!(
            std::fs::read_to_string(latest.join("mine.txt")).unwrap(),
            "keep me"
        );
        let current = std::fs::read_link(root.path().join("store").join("current")).unwrap();
        assert_eq!(root.path().join("store").join(current), folder.dir());
        let note = report.notes.join("\n");
        assert!(
            note.contains("store/latest is a real folder") && note.contains("left as it is"),
            "{note}"
        );
        assert_eq!(glomers_json(&folder.dir())["notes"][0], note);
    }

    /// The run says which operations its history holds in part.
    #[test]
    fn operations_written_without_their_value_are_a_note() {
        use crate::history::{OpType, Process};
        let root = tempfile::tempdir().unwrap();
        let folder = RunFolder::create(root.path(), "echo").unwrap();
        let op = |index: usize, kind: OpType, value: serde_json::Value| Op {
            index,
            time: index as u64,
            kind,
            process: Process::Client(0),
            f: "echo".into(),
            value,
            error: None,
            is_final: false,
        };
        let huge = "y".repeat(crate::report::history::MAX_LINE_BYTES);
        let history = [
            op(0, OpType::Invoke, serde_json::json!("Please echo 1")),
            op(1, OpType::Ok, serde_json::json!(huge)),
        ];
        let mut report = report();
        folder
            .finish(&history, &serde_json::json!({}), &mut report)
            .unwrap();
        let note = report.notes.join("\n");
        assert!(
            note.contains("operation 1 in part") && note.contains("16 MiB"),
            "{note}"
        );
        assert_eq!(glomers_json(&folder.dir())["notes"][0], note);
        let text = std::fs::read_to_string(folder.dir().join("history.edn")).unwrap();
        assert_eq!(crate::report::history::parse(&text).unwrap().len(), 2);
    }
}
