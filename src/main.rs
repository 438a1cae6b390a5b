//! The `glomers` executable: parse the command line, hand it to the part that does the work,
//! and map the outcome to the documented exit codes (0 pass, 1 invalid or criterion missed,
//! 2 usage or setup error, 3 harness crashed or wrote no results, 130 interrupted).

use clap::Parser;
use glomers::cli::{completion_script, Cli, Command, NodeArgs};
use glomers::driver::{cmd_list, cmd_maelstrom, cmd_report, cmd_run, cmd_sweep, output, sim_run};
use glomers::exit;
use std::process::ExitCode;

fn main() -> ExitCode {
    let cli = Cli::parse();
    // `run` writes to nodes that may close their stdin at any moment: a write to such a pipe
    // must be an error it handles, never a silent death.
    if !matches!(cli.command, Command::Node(_) | Command::Run(_)) {
        restore_sigpipe();
    }
    match dispatch(cli) {
        Ok(code) => ExitCode::from(code),
        Err(err) => {
            eprintln!("glomers: {err:#}");
            ExitCode::from(exit::code_of(&err))
        }
    }
}

fn dispatch(cli: Cli) -> anyhow::Result<u8> {
    match cli.command {
        Command::Node(args) => node(args),
        Command::Run(args) => cmd_run::run(&args.plan()),
        Command::Report(args) => cmd_report::run(&args.plan()),
        Command::Sweep(args) => cmd_sweep::run(
            &args.challenge,
            args.profiles.profiles.as_deref(),
            &args.plan()?,
        ),
        Command::Maelstrom { command } => cmd_maelstrom::run(&command.plan()),
        Command::Completions { shell } => {
            output::say(&String::from_utf8_lossy(&completion_script(shell)))?;
            Ok(0)
        }
        Command::List(args) => cmd_list::run(args.profiles.as_deref()),
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

/// Rust ignores SIGPIPE, so printing into a closed pipe (`glomers report | head`) would be an
/// error. The reporting commands take the default action instead and end quietly, like other
/// CLI tools. Node mode keeps it ignored: a closed stdout is an I/O error it reports and exits
/// on.
fn restore_sigpipe() {
    use nix::sys::signal::{signal, SigHandler, Signal};
    // SAFETY: installing the default disposition runs no handler code, and this happens at
    // startup before any thread exists.
    let _ = unsafe { signal(Signal::SIGPIPE, SigHandler::SigDfl) };
}
