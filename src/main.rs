//! The `glomers` executable: parse the command line, hand it to the part that does the work,
//! and map the outcome to the documented exit codes (0 pass, 1 invalid or criterion missed,
//! 2 usage or setup error, 3 harness crashed or wrote no results, 130 interrupted).
//!
//! SIGPIPE stays ignored (Rust's default) for every command: a node that closes its stdin must
//! not end a run without a word, and a reader of glomers' own output that goes away is dealt
//! with where the output is written ([`glomers::driver::output`]).

use clap::Parser;
use glomers::cli::{completion_script, Cli, Command, NodeArgs};
use glomers::driver::commands;
use glomers::driver::output;
use glomers::driver::runs::sim_run;
use glomers::exit;
use std::process::ExitCode;

fn main() -> ExitCode {
    // `glomers __guard …`, the process that guards one node (never returns); not a subcommand.
    glomers::child::guard::serve_if_asked();
    glomers::child::guard_with_this_executable();
    let cli = Cli::parse();
    match dispatch(cli) {
        Ok(code) => ExitCode::from(code),
        Err(err) => {
            output::tell(&format!("glomers: {err:#}"));
            ExitCode::from(exit::code_of(&err))
        }
    }
}

fn dispatch(cli: Cli) -> anyhow::Result<u8> {
    match cli.command {
        Command::Node(args) => node(args),
        Command::Run(args) => {
            // Orphans of the nodes (or of the harness) come to glomers, and whatever is still
            // running when the run ends is killed: a second line behind each node's guard.
            let _leftovers = glomers::child::descendants::Leftovers::adopt();
            commands::run::run(&args.plan())
        }
        Command::Report(args) => commands::report::run(&args.plan()),
        Command::Sweep(args) => commands::sweep::run(
            &args.challenge,
            args.profiles.profiles.as_deref(),
            &args.plan()?,
        ),
        Command::Maelstrom { command } => commands::maelstrom::run(&command.plan()),
        Command::Completions { shell } => {
            output::say(&String::from_utf8_lossy(&completion_script(shell)))?;
            Ok(0)
        }
        Command::List(args) => commands::list::run(args.profiles.as_deref()),
    }
}

/// `glomers node <workload>`: serve Maelstrom's protocol on stdin/stdout until EOF.
fn node(args: NodeArgs) -> anyhow::Result<u8> {
    let node = match glomers::nodes::build(args.workload, &args.flags) {
        Ok(node) => node,
        // Help goes to stdout with exit 0, a bad flag to stderr with exit 2.
        Err(err) => match err.downcast_ref::<clap::Error>() {
            Some(clap_err) => clap_err.exit(),
            None => return Err(err),
        },
    };
    let seed = args.seed.unwrap_or_else(sim_run::fresh_seed);
    glomers::node::runtime::run_stdio(node, seed)?;
    Ok(0)
}
