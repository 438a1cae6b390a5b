//! What the user asked for, in the driver's own words: the command line (clap) is turned into
//! these plans at the top, so nothing below depends on how the options were spelled.

use crate::challenge::TestOpts;
use std::path::PathBuf;

/// The engine the user asked for with `--engine`; [`crate::driver::runs::engine::choose`] turns it into the
/// engine that runs.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum EngineFlag {
    /// Maelstrom if it can be found or installed and Java 11+ is present, else the simulator.
    Auto,
    /// The real Maelstrom (installed on demand).
    Maelstrom,
    /// The embedded simulator.
    Sim,
}

/// How a verdict or table is printed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    Text,
    Json,
    Markdown,
}

impl Format {
    pub fn from_flags(json: bool, markdown: bool) -> Format {
        match (json, markdown) {
            (true, _) => Format::Json,
            (false, true) => Format::Markdown,
            (false, false) => Format::Text,
        }
    }
}

/// `glomers run`.
#[derive(Clone, Debug)]
pub struct RunPlan {
    /// A challenge number, an alias, or `all`.
    pub challenge: String,
    pub engine: EngineFlag,
    pub seed: Option<u64>,
    /// Simulator only: a sweep over this many consecutive seeds.
    pub seeds: Option<u64>,
    /// Maelstrom options that override the profile's.
    pub opts: TestOpts,
    /// Node flags appended to the profile's (with `bin`: that program's only arguments).
    pub node_args: Vec<String>,
    /// The user's node program (a template: `{id}`, `{workload}`) instead of glomers' own.
    pub bin: Option<String>,
    pub sources: Sources,
    /// Where run folders are written (`store/` under it; default: the current folder).
    pub store: Option<PathBuf>,
    pub format: Format,
    /// With `all`: stop at the first challenge that does not pass.
    pub fail_fast: bool,
    /// Wall-clock seconds before Maelstrom and its nodes are stopped.
    pub timeout: Option<u64>,
}

impl RunPlan {
    /// A plan for `challenge` with every option left to the profile (for tests and callers
    /// that build plans by hand).
    pub fn new(challenge: &str) -> RunPlan {
        RunPlan {
            challenge: challenge.to_string(),
            engine: EngineFlag::Auto,
            seed: None,
            seeds: None,
            opts: TestOpts::default(),
            node_args: Vec::new(),
            bin: None,
            sources: Sources::default(),
            store: None,
            format: Format::Text,
            fail_fast: false,
            timeout: None,
        }
    }
}

/// Where a run's inputs are looked up before anything runs (`None`: the default search):
/// only the start of `glomers run` reads them, to load the profiles and choose the engine.
#[derive(Clone, Debug, Default)]
pub struct Sources {
    /// The challenge profiles file.
    pub profiles: Option<PathBuf>,
    /// A Maelstrom install folder or launcher script.
    pub maelstrom: Option<PathBuf>,
}

/// `glomers report`.
#[derive(Clone, Debug)]
pub struct ReportPlan {
    pub run_dir: Option<PathBuf>,
    pub profiles: Option<PathBuf>,
    pub challenge: Option<String>,
    pub format: Format,
    /// Write the plots and `index.html` before reporting.
    pub html: bool,
    /// Where the page goes and what its message diagram shows.
    pub view: crate::report::view::Options,
}

/// `glomers maelstrom …`.
#[derive(Clone, Debug)]
pub enum HarnessPlan {
    Install {
        url: Option<String>,
        sha256: Option<String>,
        force: bool,
        profiles: Option<PathBuf>,
    },
    Path {
        maelstrom: Option<PathBuf>,
    },
    Doctor {
        maelstrom: Option<PathBuf>,
    },
    Serve {
        maelstrom: Option<PathBuf>,
        args: Vec<String>,
    },
}
