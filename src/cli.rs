//! The command line: one enum of subcommands (clap derive), and its translation into the
//! driver's plans. Parsing only; `main.rs` dispatches.

use crate::challenge::TestOpts;
use crate::challenge::Workload;
pub use crate::driver::plan::EngineFlag;
use crate::driver::plan::{Format, HarnessPlan, ReportPlan, RunPlan, Sources};
use clap::{Args, Parser, Subcommand};
use std::path::PathBuf;

#[derive(Parser, Debug)]
#[command(
    name = "glomers",
    version,
    about = "Gossip Glomers nodes, a Maelstrom driver, and a deterministic Maelstrom simulator",
    after_help = "Exit codes: 0 valid and every criterion met; 1 invalid or a criterion missed; \
                  2 usage or setup error; 3 the harness crashed or wrote no results."
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

// Parsed once per process, so the size of the largest variant does not matter.
#[allow(clippy::large_enum_variant)]
#[derive(Subcommand, Debug)]
pub enum Command {
    /// Run as a Maelstrom node for WORKLOAD on stdin/stdout (Maelstrom launches this).
    Node(NodeArgs),
    /// Run a challenge (or `all`) in Maelstrom or the embedded simulator and judge it.
    Run(RunArgs),
    /// Summarize a finished Maelstrom run folder (default: store/latest).
    Report(ReportArgs),
    /// Sweep node flags over seeds in the simulator: a table and the msgs-per-op against
    /// stable latency frontier (frontier.svg), with published solutions drawn beside it.
    Sweep(SweepArgs),
    /// Manage the Maelstrom harness.
    Maelstrom {
        #[command(subcommand)]
        command: MaelstromCommand,
    },
    /// Print shell completions.
    Completions {
        #[arg(value_enum)]
        shell: clap_complete::Shell,
    },
    /// List the challenges and their official commands.
    List(ProfilesArg),
}

#[derive(Args, Debug)]
pub struct NodeArgs {
    /// Maelstrom workload this node serves.
    #[arg(value_enum)]
    pub workload: Workload,
    /// Seed for the node's random choices (default: from the clock).
    #[arg(long)]
    pub seed: Option<u64>,
    /// Workload flags (see `glomers node <workload> -- --help`).
    #[arg(trailing_var_arg = true, allow_hyphen_values = true)]
    pub flags: Vec<String>,
}

#[derive(Args, Debug, Clone)]
pub struct ProfilesArg {
    /// Challenge profiles file (default: ./maelstrom.toml if present, else the built-in one).
    #[arg(long, value_name = "FILE")]
    pub profiles: Option<PathBuf>,
}

#[derive(Args, Debug, Clone)]
pub struct RunArgs {
    /// Challenge number (1, 2, 3a…3e, 4, 5a…5c, 6a…6c), an alias, or `all`.
    pub challenge: String,
    #[arg(long, value_enum, default_value = "auto")]
    pub engine: EngineFlag,
    /// Simulator seed (default: random; always printed so a run can be replayed).
    #[arg(long)]
    pub seed: Option<u64>,
    /// Simulator only: run N consecutive seeds (from --seed, default 0) and summarise them.
    #[arg(long, value_name = "N")]
    pub seeds: Option<u64>,
    #[command(flatten)]
    pub opts: TestOpts,
    /// Extra flag for the node, appended to the profile's node flags (repeatable); with
    /// --bin, the program's only arguments.
    #[arg(long = "node-arg", value_name = "ARG", allow_hyphen_values = true)]
    pub node_args: Vec<String>,
    /// Test your own node: this program runs as every node instead of glomers' own (under
    /// Maelstrom, or the simulator as real processes). `{id}` and `{workload}` are replaced by
    /// the challenge and the workload, e.g. 'bin/{id}' with `run all`.
    #[arg(long, value_name = "PATH")]
    pub bin: Option<String>,
    #[command(flatten)]
    pub profiles: ProfilesArg,
    /// Where Maelstrom writes store/ (default: the current folder).
    #[arg(long, value_name = "DIR")]
    pub store: Option<PathBuf>,
    /// A Maelstrom install folder (holding lib/maelstrom.jar) or launcher script.
    #[arg(long, value_name = "PATH")]
    pub maelstrom: Option<PathBuf>,
    /// Print the verdict as JSON.
    #[arg(long, conflicts_with = "markdown")]
    pub json: bool,
    /// Print the verdict as Markdown (for `run all`).
    #[arg(long)]
    pub markdown: bool,
    /// With `all`: stop at the first failing challenge (default: keep going).
    #[arg(long, overrides_with = "keep_going")]
    pub fail_fast: bool,
    /// With `all`: run every challenge whatever fails (the default).
    #[arg(long)]
    pub keep_going: bool,
    /// Stop Maelstrom (and every node) after this many seconds of wall time
    /// (default: the time limit plus 10 minutes; at most 604800, a week).
    #[arg(long, value_name = "SECS", value_parser = clap::value_parser!(u64).range(1..=604_800))]
    pub timeout: Option<u64>,
}

#[derive(Args, Debug)]
pub struct ReportArgs {
    /// A Maelstrom run folder, or a store/ folder (its `latest` is used).
    pub run_dir: Option<PathBuf>,
    #[arg(long, conflicts_with = "markdown")]
    pub json: bool,
    #[arg(long)]
    pub markdown: bool,
    #[command(flatten)]
    pub profiles: ProfilesArg,
    /// Judge the run as this challenge (default: from glomers.json, or inferred from the
    /// workload and the logged command line).
    #[arg(long, value_name = "ID")]
    pub challenge: Option<String>,
    /// Write the plots (SVG) and index.html for the run (any run folder, Maelstrom's too),
    /// then print the verdict with the page's path.
    #[arg(long)]
    pub html: bool,
    /// Write the page and plots here instead of into the run folder (implies --html).
    #[arg(long, value_name = "DIR")]
    pub out: Option<PathBuf>,
    /// Message diagram (simulated runs): start of the window, ms from the test's start
    /// (implies --html).
    #[arg(long, value_name = "MS")]
    pub from: Option<u64>,
    /// Message diagram: end of the window, ms (default: 2000 ms after --from, or the span of
    /// the messages followed).
    #[arg(long, value_name = "MS")]
    pub to: Option<u64>,
    /// Message diagram: follow every message that carried this value (e.g. broadcast value
    /// 42; JSON, else text).
    #[arg(long, value_name = "VALUE", conflicts_with = "op")]
    pub value: Option<String>,
    /// Message diagram: follow the operation with this history index (its request, reply
    /// and, for a broadcast, its value).
    #[arg(long, value_name = "INDEX")]
    pub op: Option<usize>,
}

impl ReportArgs {
    /// The message diagram asked for, if any.
    fn diagram(&self) -> Option<crate::report::diagram::View> {
        use crate::report::diagram::{parse_value, Follow, View};
        let follow = match (&self.value, self.op) {
            (Some(v), _) => Follow::Value(parse_value(v)),
            (None, Some(i)) => Follow::Op(i),
            (None, None) => Follow::Nothing,
        };
        let view = View {
            from_ms: self.from,
            to_ms: self.to,
            follow,
        };
        (view != View::default()).then_some(view)
    }
}

#[derive(Args, Debug)]
pub struct SweepArgs {
    /// Challenge number or alias (e.g. 3d).
    pub challenge: String,
    /// A node flag and its values, NAME=V1,V2,… or NAME=LO..HI:STEP (repeatable; every
    /// combination is a point). The profile's own flags apply where not swept.
    #[arg(long = "flag", value_name = "NAME=VALUES")]
    pub flags: Vec<String>,
    /// Seeds per point.
    #[arg(long, default_value_t = 10, value_parser = clap::value_parser!(u64).range(1..=10_000))]
    pub seeds: u64,
    /// The first seed.
    #[arg(long, default_value_t = 1)]
    pub seed: u64,
    /// Points run at once (default: the machine's cores).
    #[arg(long, value_parser = clap::value_parser!(u64).range(1..=256))]
    pub jobs: Option<u64>,
    /// Where frontier.svg, sweep.md and sweep.json go (default: store/sweeps/ID-TIME/).
    #[arg(long, value_name = "DIR")]
    pub out: Option<PathBuf>,
    /// Print the points as JSON.
    #[arg(long)]
    pub json: bool,
    #[command(flatten)]
    pub opts: TestOpts,
    #[command(flatten)]
    pub profiles: ProfilesArg,
}

impl SweepArgs {
    /// The sweep's plan; a malformed `--flag` is a usage error.
    pub fn plan(&self) -> anyhow::Result<crate::driver::runs::flag_sweep::SweepPlan> {
        use crate::driver::runs::flag_sweep::{parse_axis, SweepPlan};
        let axes = self
            .flags
            .iter()
            .map(|f| parse_axis(f))
            .collect::<anyhow::Result<Vec<_>>>()?;
        let out = self.out.clone().unwrap_or_else(|| {
            let stamp =
                crate::driver::runs::run_folder::basic_date_time(std::time::SystemTime::now());
            PathBuf::from("store/sweeps").join(format!("{}-{stamp}", self.challenge))
        });
        Ok(SweepPlan {
            axes,
            opts: self.opts.clone(),
            first_seed: self.seed,
            seeds: self.seeds,
            jobs: self.jobs.map(|j| j as usize),
            out,
            json: self.json,
        })
    }
}

#[derive(Subcommand, Debug)]
pub enum MaelstromCommand {
    /// Download, verify and unpack the pinned Maelstrom release into the cache.
    Install {
        /// Download from this URL instead of the pinned one (also $GLOMERS_MAELSTROM_URL).
        #[arg(long)]
        url: Option<String>,
        /// Expect this sha256 instead of the pinned one (also $GLOMERS_MAELSTROM_SHA256).
        #[arg(long, value_name = "HEX")]
        sha256: Option<String>,
        /// Reinstall even if this version is already in the cache.
        #[arg(long)]
        force: bool,
        #[command(flatten)]
        profiles: ProfilesArg,
    },
    /// Print where Maelstrom is found.
    Path {
        #[arg(long, value_name = "PATH")]
        maelstrom: Option<PathBuf>,
    },
    /// Check Java 11+, gnuplot, graphviz and Maelstrom, and say how to install what is missing.
    Doctor {
        #[arg(long, value_name = "PATH")]
        maelstrom: Option<PathBuf>,
    },
    /// Start Maelstrom's web UI over store/ (passes its arguments through).
    Serve {
        #[arg(long, value_name = "PATH")]
        maelstrom: Option<PathBuf>,
        #[arg(trailing_var_arg = true, allow_hyphen_values = true)]
        args: Vec<String>,
    },
}

impl RunArgs {
    /// The driver's plan for this command line.
    pub fn plan(self) -> RunPlan {
        RunPlan {
            challenge: self.challenge,
            engine: self.engine,
            seed: self.seed,
            seeds: self.seeds,
            opts: self.opts,
            node_args: self.node_args,
            bin: self.bin,
            sources: Sources {
                profiles: self.profiles.profiles,
                maelstrom: self.maelstrom,
            },
            store: self.store,
            format: Format::from_flags(self.json, self.markdown),
            // `--keep-going` is the default; `--fail-fast` overrides it.
            fail_fast: self.fail_fast,
            timeout: self.timeout,
        }
    }
}

impl ReportArgs {
    pub fn plan(self) -> ReportPlan {
        let diagram = self.diagram();
        ReportPlan {
            run_dir: self.run_dir,
            profiles: self.profiles.profiles,
            challenge: self.challenge,
            format: Format::from_flags(self.json, self.markdown),
            html: self.html || diagram.is_some() || self.out.is_some(),
            view: crate::report::view::Options {
                out: self.out,
                diagram,
            },
        }
    }
}

impl MaelstromCommand {
    pub fn plan(self) -> HarnessPlan {
        match self {
            MaelstromCommand::Install {
                url,
                sha256,
                force,
                profiles,
            } => HarnessPlan::Install {
                url,
                sha256,
                force,
                profiles: profiles.profiles,
            },
            MaelstromCommand::Path { maelstrom } => HarnessPlan::Path { maelstrom },
            MaelstromCommand::Doctor { maelstrom } => HarnessPlan::Doctor { maelstrom },
            MaelstromCommand::Serve { maelstrom, args } => HarnessPlan::Serve { maelstrom, args },
        }
    }
}

/// The completion files committed in `completions/`, one per shell.
pub const COMPLETION_FILES: [(clap_complete::Shell, &str); 5] = [
    (clap_complete::Shell::Bash, "glomers.bash"),
    (clap_complete::Shell::Zsh, "_glomers"),
    (clap_complete::Shell::Fish, "glomers.fish"),
    (clap_complete::Shell::Elvish, "glomers.elv"),
    (clap_complete::Shell::PowerShell, "_glomers.ps1"),
];

/// The completion script for `shell`, generated from the CLI definition.
pub fn completion_script(shell: clap_complete::Shell) -> Vec<u8> {
    use clap::CommandFactory;
    let mut cmd = Cli::command();
    let mut out = Vec::new();
    clap_complete::generate(shell, &mut cmd, "glomers", &mut out);
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::CommandFactory;

    #[test]
    fn cli_is_well_formed() {
        Cli::command().debug_assert();
    }

    #[test]
    fn node_flags_pass_through() {
        let cli = Cli::try_parse_from(["glomers", "node", "broadcast", "--fanout", "3"]).unwrap();
        let Command::Node(args) = cli.command else {
            panic!("expected node");
        };
        assert_eq!(args.workload, Workload::Broadcast);
        assert_eq!(args.flags, ["--fanout", "3"]);
    }

    #[test]
    fn run_takes_maelstrom_style_overrides() {
        let cli = Cli::try_parse_from([
            "glomers",
            "run",
            "3d",
            "--engine",
            "sim",
            "--seed",
            "4",
            "--nemesis",
            "partition",
            "--latency-dist",
            "uniform",
        ])
        .unwrap();
        let Command::Run(args) = cli.command else {
            panic!("expected run");
        };
        assert_eq!(args.engine, EngineFlag::Sim);
        assert_eq!(
            args.opts.to_args(),
            ["--latency-dist", "uniform", "--nemesis", "partition"]
        );
    }
}
