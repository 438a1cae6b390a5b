//! Reading finished Maelstrom runs (`store/…`), writing the same files for simulated runs
//! ([`write_results`], [`write_history`]), and rendering verdicts; what a person looks at in a
//! run folder ([`view`]: the [`plots`], the message [`diagram`] and the [`html`] page). [`RunReport`] is one
//! judged run whichever engine produced it — what `run`, `run all` and `report` print and what
//! `glomers.json` holds; [`Row`] is one line of the `run all` table.

pub mod diagram;
pub mod edn;
pub mod history;
pub mod html;
pub mod markup;
pub mod op_stats;
pub mod plots;
pub(crate) mod render;
pub mod run_dir;
pub mod synthetic_history;
pub mod view;
pub mod write_history;
pub mod write_results;

use crate::verdict::Verdict;
use serde_json::{json, Value};
use std::path::{Path, PathBuf};

/// The file glomers writes into every Maelstrom run folder it judged.
const GLOMERS_JSON: &str = "glomers.json";

/// One judged run.
#[derive(Clone, Debug)]
pub struct RunReport {
    /// The challenge id (`3d`); `None` when no profile applies (then only Maelstrom's verdict
    /// counts).
    pub challenge: Option<String>,
    pub title: Option<String>,
    /// Maelstrom's workload name.
    pub workload: Option<String>,
    /// The harness command (Maelstrom's argv), or for the simulator the command that replays it.
    pub command: Vec<String>,
    /// Maelstrom's options as command-line words (profile plus overrides).
    pub opts: Vec<String>,
    pub node_args: Vec<String>,
    pub seed: Option<u64>,
    pub run_dir: Option<PathBuf>,
    pub wall_seconds: Option<f64>,
    pub simulated_seconds: Option<f64>,
    /// Which harness ran it, and what that harness left beside its results.
    pub harness: HarnessRecord,
    pub verdict: Verdict,
    /// What the driver wants the reader to know (e.g. why no criteria were checked).
    pub notes: Vec<String>,
    /// The simulator's results map (Maelstrom's `results.edn` shape), for `--json`.
    pub results: Option<Value>,
    /// The run folder's `index.html`, once written.
    pub page: Option<PathBuf>,
}

impl RunReport {
    /// A report with only the engine and the verdict filled in.
    pub(crate) fn new(engine: &str, verdict: Verdict) -> RunReport {
        RunReport {
            challenge: None,
            title: None,
            workload: None,
            command: Vec::new(),
            opts: Vec::new(),
            node_args: Vec::new(),
            seed: None,
            run_dir: None,
            wall_seconds: None,
            simulated_seconds: None,
            harness: HarnessRecord {
                engine: engine.to_string(),
                exit: None,
                plots: Vec::new(),
            },
            verdict,
            notes: Vec::new(),
            results: None,
            page: None,
        }
    }

    /// 0 when valid and every criterion is met, else 1.
    pub fn exit_code(&self) -> u8 {
        if self.verdict.pass {
            0
        } else {
            1
        }
    }

    pub fn to_json(&self) -> Value {
        let path = |p: &Path| p.display().to_string();
        let mut out = json!({
            "challenge": self.challenge,
            "title": self.title,
            "workload": self.workload,
            "engine": self.harness.engine,
            "command": self.command,
            "opts": self.opts,
            "node-args": self.node_args,
            "seed": self.seed,
            "run-dir": self.run_dir.as_deref().map(path),
            "wall-seconds": self.wall_seconds,
            "simulated-seconds": self.simulated_seconds,
            "harness-exit": self.harness.exit,
            "plots": self.harness.plots.iter().map(|p| path(p)).collect::<Vec<_>>(),
            "page": self.page.as_deref().map(path),
            "notes": self.notes,
            "figures": self.verdict.figures,
            "verdict": self.verdict,
            "pass": self.verdict.pass,
            "exit-code": self.exit_code(),
        });
        if let Some(results) = &self.results {
            out["results"] = results.clone();
        }
        out
    }

    /// Writes `glomers.json` into `dir`.
    pub(crate) fn write_json(&self, dir: &Path) -> anyhow::Result<PathBuf> {
        let path = dir.join(GLOMERS_JSON);
        let text = serde_json::to_string_pretty(&self.to_json())?;
        std::fs::write(&path, text + "\n")
            .map_err(|e| anyhow::anyhow!("writing {}: {e}", path.display()))?;
        Ok(path)
    }
}

/// The harness behind a judged run: its name, and the outputs only it produces (the simulator
/// leaves both empty, so they are filled only when reading a Maelstrom run).
#[derive(Clone, Debug)]
pub struct HarnessRecord {
    /// `maelstrom` or `sim`.
    pub engine: String,
    /// The harness's own exit code (Maelstrom: 0 valid, 1 invalid, 2 unknown).
    pub exit: Option<i32>,
    /// Maelstrom's plots and pages found in the run folder.
    pub plots: Vec<PathBuf>,
}

/// One challenge's line in the `run all` table.
#[derive(Clone, Debug)]
pub(crate) struct Row {
    pub(crate) id: String,
    pub(crate) title: String,
    pub(crate) engine: String,
    pub(crate) wall_seconds: f64,
    pub(crate) outcome: RowOutcome,
}

#[derive(Clone, Debug)]
pub(crate) enum RowOutcome {
    Judged(Box<RunReport>),
    /// The challenge could not be run or judged; the exit code that error carries.
    Error {
        message: String,
        code: u8,
    },
}

impl Row {
    /// `PASS`, `FAIL` or `ERROR`.
    pub(crate) fn status(&self) -> &'static str {
        match &self.outcome {
            RowOutcome::Judged(r) if r.verdict.pass => "PASS",
            RowOutcome::Judged(_) => "FAIL",
            RowOutcome::Error { .. } => "ERROR",
        }
    }

    pub fn to_json(&self) -> Value {
        let mut v = json!({
            "challenge": self.id,
            "title": self.title,
            "engine": self.engine,
            "status": self.status(),
            "wall-seconds": self.wall_seconds,
        });
        match &self.outcome {
            RowOutcome::Judged(r) => v["report"] = r.to_json(),
            RowOutcome::Error { message, code } => {
                v["error"] = json!(message);
                v["exit-code"] = json!(code);
            }
        }
        v
    }
}

/// The exit code of a whole table: the highest code of any challenge that could not be run
/// (2 setup, 3 harness), else 1 if some challenge failed, else 0.
pub(crate) fn table_exit_code(rows: &[Row]) -> u8 {
    let errored = rows
        .iter()
        .filter_map(|r| match &r.outcome {
            RowOutcome::Error { code, .. } => Some(*code),
            RowOutcome::Judged(_) => None,
        })
        .max();
    match errored {
        Some(code) => code,
        None if rows.iter().any(|r| r.status() == "FAIL") => 1,
        None => 0,
    }
}
