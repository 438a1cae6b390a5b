//! A finished Maelstrom run folder, judged: find the folder (`store/latest` by default, or a
//! `store/` or `store/<workload>/` folder's `latest`), work out which challenge it was
//! (`glomers.json`, else the workload from the folder names or `jepsen.log`'s command line,
//! narrowed by the options on that command line), then read `results.edn` and `history.edn`
//! into figures and a verdict. A folder the simulator wrote adds what its `glomers.json`
//! recorded of the simulator's own findings.

use super::{edn, history, op_stats, RunReport, GLOMERS_JSON};
use crate::challenge::{Profile, Profiles, TestOpts};
use crate::exit;
use crate::verdict::{Figures, Verdict};
use serde_json::Value;
use std::path::{Path, PathBuf};

/// Maelstrom 0.2.4's workloads (the `-w` values), for recognising folder names.
const MAELSTROM_WORKLOADS: [&str; 10] = [
    "broadcast",
    "echo",
    "g-counter",
    "g-set",
    "kafka",
    "lin-kv",
    "pn-counter",
    "txn-list-append",
    "txn-rw-register",
    "unique-ids",
];

/// The plots and pages Maelstrom leaves in a run folder, in the order worth looking at.
const PLOTS: [&str; 5] = [
    "latency-raw.png",
    "latency-quantiles.png",
    "rate.png",
    "messages.svg",
    "timeline.html",
];

/// Whether `dir` holds any of the files Maelstrom writes. A file that exists but cannot be
/// looked at (permissions, a symlink loop) is an error naming it, not a missing file.
fn is_run_dir(dir: &Path) -> anyhow::Result<bool> {
    std::fs::read_dir(dir).map_err(|e| unreadable(dir, &e))?;
    for name in [
        "results.edn",
        "history.edn",
        "jepsen.log",
        "jepsen.log.tail",
    ] {
        let path = dir.join(name);
        match std::fs::metadata(&path) {
            Ok(_) => return Ok(true),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
            Err(e) => return Err(unreadable(&path, &e)),
        }
    }
    Ok(false)
}

/// An I/O error on a path of the run folder: a setup problem on the user's side (exit 2).
fn unreadable(path: &Path, err: &std::io::Error) -> anyhow::Error {
    exit::setup(format!("cannot read {}: {err}", path.display()))
}

/// The run folder a user means: `path` (default `store/latest`) if it is one, else its
/// `latest` (so `store/` and `store/<workload>/` work too).
pub(crate) fn resolve(path: Option<&Path>) -> anyhow::Result<PathBuf> {
    let given = path.unwrap_or(Path::new("store/latest"));
    if !given.exists() {
        return Err(exit::setup(format!(
            "no run folder at {}: run `glomers run <challenge> --engine maelstrom` first, or name a run folder",
            given.display()
        )));
    }
    let mut dir = given.to_path_buf();
    for _ in 0..2 {
        // A file (not a folder) is simply not a run folder; other failures are reported.
        match std::fs::metadata(&dir) {
            Ok(meta) if !meta.is_dir() => break,
            Ok(_) => {}
            Err(e) => return Err(unreadable(&dir, &e)),
        }
        if is_run_dir(&dir)? {
            // Show the real folder rather than the `latest` symlink.
            return Ok(dir.canonicalize().unwrap_or(dir));
        }
        dir = dir.join("latest");
        if !dir.exists() {
            break;
        }
    }
    Err(exit::setup(format!(
        "{} is not a Maelstrom run folder (no results.edn, history.edn or jepsen.log)",
        given.display()
    )))
}

/// Maelstrom's command line as logged at the top of `jepsen.log` (`Command line:` and, on
/// the next line, the words).
fn logged_command(dir: &Path) -> Option<Vec<String>> {
    ["jepsen.log", "jepsen.log.tail"].iter().find_map(|name| {
        let text = read_head(&dir.join(name), 64 * 1024)?;
        let mut lines = text.lines();
        lines.find(|l| l.contains("jepsen.core: Command line:"))?;
        let words: Vec<String> = lines
            .next()?
            .split_whitespace()
            .map(str::to_string)
            .collect();
        (!words.is_empty()).then_some(words)
    })
}

fn read_head(path: &Path, limit: u64) -> Option<String> {
    use std::io::Read;
    let mut buf = Vec::new();
    std::fs::File::open(path)
        .ok()?
        .take(limit)
        .read_to_end(&mut buf)
        .ok()?;
    Some(String::from_utf8_lossy(&buf).into_owned())
}

/// The value of `-w`/`--workload` in a command line.
fn workload_in(words: &[String]) -> Option<String> {
    let at = words.iter().position(|w| w == "-w" || w == "--workload")?;
    words.get(at + 1).cloned()
}

/// Maelstrom's options in a command line (the ones challenges use; others are ignored).
fn opts_in(words: &[String]) -> TestOpts {
    TestOpts::from_logged_args(words)
}

/// Whether a run with options `run` is an instance of `profile` (same shape; the time limit
/// may differ, as may anything the profile leaves unset).
fn same_shape(profile: &TestOpts, run: &TestOpts) -> bool {
    fn eq<T: PartialEq>(p: &Option<T>, r: &Option<T>) -> bool {
        p.is_none() || p == r
    }
    eq(&profile.node_count, &run.node_count)
        && eq(&profile.rate, &run.rate)
        && eq(&profile.concurrency, &run.concurrency)
        && eq(&profile.latency, &run.latency)
        && eq(&profile.nemesis, &run.nemesis)
        && eq(&profile.availability, &run.availability)
        && eq(&profile.consistency_models, &run.consistency_models)
        && (profile.nemesis.is_some() || run.nemesis.is_none())
}

/// The workload of a run folder: from the logged command line, the parent folder
/// (`store/<workload>/<time>`), or a `<workload>-<time>` folder name.
fn infer_workload(dir: &Path) -> Option<String> {
    if let Some(w) = logged_command(dir).as_deref().and_then(workload_in) {
        return Some(w);
    }
    let known = |name: &str| MAELSTROM_WORKLOADS.contains(&name);
    if let Some(parent) = dir
        .parent()
        .and_then(|p| p.file_name())
        .and_then(|n| n.to_str())
    {
        if known(parent) {
            return Some(parent.to_string());
        }
    }
    let name = dir.file_name()?.to_str()?;
    MAELSTROM_WORKLOADS
        .iter()
        .filter(|w| {
            name.strip_prefix(**w)
                .and_then(|rest| rest.strip_prefix('-'))
                .is_some_and(|rest| rest.starts_with(|c: char| c.is_ascii_digit()))
        })
        .max_by_key(|w| w.len())
        .map(|w| w.to_string())
}

/// Which challenge a run was: `Ok(profile)`, or `Err(why none applies)`.
fn infer_challenge<'p>(
    profiles: &'p Profiles,
    workload: Option<&str>,
    command: Option<&[String]>,
) -> Result<&'p Profile, String> {
    let Some(workload) = workload else {
        return Err("the workload could not be worked out from the folder".into());
    };
    let candidates: Vec<&Profile> = profiles
        .challenges
        .iter()
        .filter(|p| p.workload.maelstrom_name() == workload)
        .collect();
    let narrowed: Vec<&Profile> = match command {
        Some(words) if candidates.len() > 1 => {
            let run = opts_in(words);
            candidates
                .iter()
                .copied()
                .filter(|p| same_shape(&p.opts, &run))
                .collect()
        }
        _ => candidates.clone(),
    };
    match narrowed[..] {
        [one] => Ok(one),
        [] if candidates.is_empty() => Err(format!("no challenge uses the {workload} workload")),
        _ => {
            let ids: Vec<&str> = if narrowed.is_empty() {
                &candidates
            } else {
                &narrowed
            }
            .iter()
            .map(|p| p.id.as_str())
            .collect();
            Err(format!(
                "the {workload} workload is used by challenges {}; pass --challenge to judge against one",
                ids.join(", ")
            ))
        }
    }
}

/// Maelstrom's plots present in `dir`.
fn plots(dir: &Path) -> Vec<PathBuf> {
    PLOTS
        .iter()
        .map(|p| dir.join(p))
        .filter(|p| p.is_file())
        .collect()
}

/// Reads a run folder's `results.edn` and `history.edn` into a report, judged against
/// `profile` if given.
/// A folder without results is a harness failure (exit 3).
pub(crate) fn read(
    dir: &Path,
    profile: Option<&Profile>,
    workload: Option<String>,
) -> anyhow::Result<RunReport> {
    read_recorded(dir, profile, workload, &Recorded::default())
}

/// What `glomers.json` says about a run that its files cannot: which engine ran it, and for a
/// simulated run what the simulator's own checkers found beyond the results map (named
/// anomalies, extra counts, caveats; see [`Figures::add_findings`]).
#[derive(Default)]
struct Recorded {
    engine: Option<String>,
    seed: Option<u64>,
    findings: Option<Figures>,
}

impl Recorded {
    fn of(json: Option<&Value>) -> Recorded {
        let Some(json) = json else {
            return Recorded::default();
        };
        let engine = json["engine"].as_str().map(str::to_string);
        let findings = (engine.as_deref() == Some("sim"))
            .then(|| serde_json::from_value::<Figures>(json["figures"].clone()).ok())
            .flatten();
        Recorded {
            engine,
            seed: json["seed"].as_u64(),
            findings,
        }
    }
}

fn read_recorded(
    dir: &Path,
    profile: Option<&Profile>,
    workload: Option<String>,
    recorded: &Recorded,
) -> anyhow::Result<RunReport> {
    let results_path = dir.join("results.edn");
    let results_json = edn::to_json(&read_results(dir, &results_path)?);
    let mut notes = Vec::new();
    let history_path = dir.join("history.edn");
    let stats = match std::fs::metadata(&history_path) {
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => None,
        _ => match op_stats::of_file(&history_path) {
            Ok(stats) => Some(stats),
            Err(e) => {
                let broke_a_limit = e
                    .chain()
                    .filter_map(|c| c.downcast_ref::<history::Error>())
                    .any(history::Error::exceeds_a_limit);
                if broke_a_limit {
                    return Err(exit::harness(format!(
                        "{}: {}",
                        history_path.display(),
                        e.root_cause()
                    )));
                }
                notes.push(format!("history.edn unreadable ({e:#})"));
                None
            }
        },
    };
    let mut figures = Figures::from_results(&results_json, stats.as_ref());
    if let Some(found) = &recorded.findings {
        let notes = found
            .notes
            .iter()
            .filter(|n| !figures.notes.contains(n))
            .cloned()
            .collect();
        figures.add_findings(found.anomalies.clone(), found.counts.clone(), notes);
    }
    let engine = recorded.engine.as_deref().unwrap_or("maelstrom");
    let workload = workload.or_else(|| profile.map(|p| p.workload.maelstrom_name().to_string()));
    let verdict = match profile {
        Some(p) => Verdict::new(&p.id, engine, figures, &p.criteria, &p.goals),
        None => Verdict::new(
            workload.as_deref().unwrap_or("?"),
            engine,
            figures,
            &[],
            &[],
        ),
    };
    let mut report = RunReport::new(engine, verdict);
    report.seed = recorded.seed;
    report.challenge = profile.map(|p| p.id.clone());
    report.title = profile.map(|p| p.title.clone());
    report.workload = workload;
    report.run_dir = Some(dir.to_path_buf());
    report.harness.plots = plots(dir);
    report.notes = notes;
    Ok(report)
}

/// The largest `results.edn` read. Real ones are tens of kilobytes; Elle's longest
/// explanations stay far below this.
const MAX_RESULTS_BYTES: u64 = 64 << 20;

/// `results.edn` as EDN. Missing, it is a harness failure (exit 3), as is one that is too
/// large or not EDN; one that exists but cannot be read is an I/O error naming it (exit 2).
pub(crate) fn read_results(dir: &Path, path: &Path) -> anyhow::Result<edn::Value> {
    use std::io::Read;
    let file = match std::fs::File::open(path) {
        Ok(file) => file,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            return Err(exit::harness(format!(
                "{} holds no results.edn: Maelstrom crashed or was stopped before its analysis{}",
                dir.display(),
                if dir.join("jepsen.log").is_file() {
                    " (see jepsen.log there)"
                } else {
                    ""
                }
            )))
        }
        Err(e) => return Err(unreadable(path, &e)),
    };
    let mut bytes = Vec::new();
    file.take(MAX_RESULTS_BYTES + 1)
        .read_to_end(&mut bytes)
        .map_err(|e| unreadable(path, &e))?;
    if bytes.len() as u64 > MAX_RESULTS_BYTES {
        return Err(exit::harness(format!(
            "{} is larger than {} MiB (the most accepted); not read",
            path.display(),
            MAX_RESULTS_BYTES >> 20
        )));
    }
    edn::parse(&bytes).map_err(|e| exit::harness(format!("{}: {e}", path.display())))
}

/// `glomers report`: the run folder judged with whatever is known about it.
pub fn load(dir: &Path, profiles: &Profiles, forced: Option<&str>) -> anyhow::Result<RunReport> {
    let recorded: Option<Value> = std::fs::read_to_string(dir.join(GLOMERS_JSON))
        .ok()
        .and_then(|t| serde_json::from_str(&t).ok());
    let recorded_str = |key: &str| {
        recorded
            .as_ref()
            .and_then(|r| r[key].as_str())
            .map(str::to_string)
    };
    let logged = logged_command(dir);
    let workload = recorded_str("workload").or_else(|| infer_workload(dir));
    let mut why_none = None;
    let profile = match (forced, recorded_str("challenge")) {
        (Some(id), _) => Some(
            profiles
                .find(id)
                .map_err(|e| exit::setup(format!("{e:#}")))?,
        ),
        (None, Some(id)) => match profiles.find(&id) {
            Ok(p) => Some(p),
            Err(_) => {
                why_none = Some(format!(
                    "glomers.json names challenge {id:?}, which the profiles do not define"
                ));
                None
            }
        },
        (None, None) => match infer_challenge(profiles, workload.as_deref(), logged.as_deref()) {
            Ok(p) => Some(p),
            Err(why) => {
                why_none = Some(why);
                None
            }
        },
    };
    if let (Some(p), Some(w)) = (profile, workload.as_deref()) {
        if p.workload.maelstrom_name() != w {
            return Err(exit::setup(format!(
                "challenge {} is a {} challenge, but this run used the {w} workload",
                p.id,
                p.workload.maelstrom_name()
            )));
        }
    }
    let mut report = read_recorded(dir, profile, workload, &Recorded::of(recorded.as_ref()))?;
    if let Some(why) = why_none {
        report.notes.push(format!(
            "no challenge criteria checked: {why}; showing Maelstrom's verdict only"
        ));
    }
    report.command = recorded
        .as_ref()
        .and_then(|r| r["command"].as_array())
        .map(|a| {
            a.iter()
                .filter_map(|w| w.as_str().map(str::to_string))
                .collect()
        })
        .or(logged)
        .unwrap_or_default();
    if let Some(r) = &recorded {
        report.wall_seconds = r["wall-seconds"].as_f64();
        report.harness.exit = r["harness-exit"]
            .as_i64()
            .and_then(|c| i32::try_from(c).ok());
    }
    Ok(report)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn words(s: &str) -> Vec<String> {
        s.split_whitespace().map(str::to_string).collect()
    }

    #[test]
    fn workload_from_folder_names() {
        assert_eq!(
            infer_workload(Path::new("/x/store/broadcast/20261121T112556.282Z")).as_deref(),
            Some("broadcast")
        );
        assert_eq!(
            infer_workload(Path::new("/f/txn-rw-register-20261121T112710.966Z")).as_deref(),
            Some("txn-rw-register")
        );
        assert_eq!(
            infer_workload(Path::new("/f/lin-kv-2026")).as_deref(),
            Some("lin-kv")
        );
        assert_eq!(infer_workload(Path::new("/f/whatever")), None);
    }

    #[test]
    fn challenge_from_the_command_line_shape() {
        let profiles = Profiles::builtin();
        let id = |w: &str, cmd: Option<&str>| {
            let cmd = cmd.map(words);
            infer_challenge(&profiles, Some(w), cmd.as_deref()).map(|p| p.id.clone())
        };
        assert_eq!(id("echo", None).unwrap(), "1");
        assert!(id("broadcast", None)
            .unwrap_err()
            .contains("3a, 3b, 3c, 3d, 3d-fast, 3e"));
        assert_eq!(
            id(
                "broadcast",
                Some("lein run test -w broadcast --bin x --node-count 5 --time-limit 3 --rate 10 --nemesis partition")
            )
            .unwrap(),
            "3c"
        );
        assert_eq!(
            id(
                "broadcast",
                Some("test -w broadcast --node-count 5 --time-limit 20 --rate 10")
            )
            .unwrap(),
            "3b"
        );
        // 3d and 3e share their command.
        assert!(id(
            "broadcast",
            Some("test -w broadcast --node-count 25 --time-limit 20 --rate 100 --latency 100")
        )
        .unwrap_err()
        .contains("3d, 3d-fast, 3e"));
        assert!(id("lin-kv", None).unwrap_err().contains("no challenge"));
    }

    #[test]
    fn node_words_after_the_separator_are_not_options() {
        let o = opts_in(&words("test -w echo --node-count 1 -- node echo --rate 9"));
        assert_eq!(o.to_args(), ["--node-count", "1"]);
    }
}
