//! The `glomers` executable: parse, dispatch, and map outcomes to the documented exit codes
//! (0 pass, 1 invalid or criterion missed, 2 usage or setup error, 3 harness crashed or wrote
//! no results, 130 interrupted).

use clap::Parser;
use glomers::challenge::{Profile, Profiles};
use glomers::cli::{completion_script, Cli, Command, Engine, MaelstromCommand, RunArgs};
use glomers::driver::engine::{self, Choice};
use glomers::driver::install::{self, Artifact};
use glomers::driver::locate::{self, Search};
use glomers::driver::progress::Display;
use glomers::driver::{doctor, maelstrom_run, run_all, sim_run, supervise};
use glomers::exit;
use glomers::report::{render, run_dir, table_exit_code, RunReport};
use std::io::Write;
use std::process::ExitCode;

fn main() -> ExitCode {
    let cli = Cli::parse();
    if !matches!(cli.command, Command::Node(_)) {
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

/// Rust ignores SIGPIPE, so printing into a closed pipe (`glomers report | head`) would panic.
/// The reporting commands take the default action instead and end quietly, like other CLI
/// tools. Node mode keeps it ignored: a closed stdout is an I/O error it reports and exits on.
fn restore_sigpipe() {
    use nix::sys::signal::{signal, SigHandler, Signal};
    // SAFETY: installing the default disposition runs no handler code, and this happens at
    // startup before any thread exists.
    let _ = unsafe { signal(Signal::SIGPIPE, SigHandler::SigDfl) };
}

/// Writes `text` to standard output. A write that fails (a full disk, `> /dev/full`) is an
/// error that ends the program with a message, never a panic; a closed pipe ends it quietly
/// (see [`restore_sigpipe`]).
fn say(text: &str) -> anyhow::Result<()> {
    let mut stdout = std::io::stdout().lock();
    stdout
        .write_all(text.as_bytes())
        .and_then(|()| stdout.flush())
        .map_err(|e| exit::setup(format!("writing to standard output: {e}")))
}

fn print_report(report: &RunReport, json: bool, markdown: bool) -> anyhow::Result<()> {
    let text = if json {
        render::run_json(report) + "\n"
    } else if markdown {
        render::run_markdown(report)
    } else {
        render::run_text(report)
    };
    say(&text)
}

/// `run <challenge> --seeds N`: the simulator over N consecutive seeds, summarised.
fn sweep(profile: Option<&Profile>, args: &RunArgs, count: u64) -> anyhow::Result<u8> {
    let Some(profile) = profile else {
        return Err(exit::setup("--seeds takes one challenge, not `all`"));
    };
    if args.engine == Engine::Maelstrom {
        return Err(exit::setup(
            "--seeds runs the simulator; it cannot be used with --engine maelstrom",
        ));
    }
    let mut profile = profile.clone();
    profile.node_args.extend(args.node_args.iter().cloned());
    let sweep = glomers::driver::sweep::run(&profile, &args.opts, args.seed.unwrap_or(0), count)?;
    if args.json {
        say(&(serde_json::to_string_pretty(&sweep)? + "\n"))?;
    } else {
        say(&glomers::driver::sweep::render(&sweep))?;
    }
    Ok(if sweep.failed_seeds.is_empty() { 0 } else { 1 })
}

fn run(args: RunArgs) -> anyhow::Result<u8> {
    let (profiles, _) = Profiles::load(args.profiles.profiles.as_deref())?;
    let one = if args.challenge == "all" {
        None
    } else {
        Some(profiles.find(&args.challenge)?.clone())
    };
    if let Some(count) = args.seeds {
        return sweep(one.as_ref(), &args, count);
    }
    let choice = engine::choose(args.engine, args.maelstrom.as_deref(), &profiles.maelstrom)?;
    if args.engine != Engine::Sim {
        eprintln!("glomers: engine {}: {}", choice.name(), choice.why());
    }
    for warning in choice.warnings() {
        eprintln!("glomers: warning: {warning}");
    }
    if args.seed.is_some() && matches!(choice, Choice::Maelstrom { .. }) {
        eprintln!("glomers: --seed only applies to the simulator; Maelstrom is not seeded");
    }
    let Some(profile) = one else {
        let rows = run_all::run_all(&profiles, &choice, &args)?;
        let table = if args.json {
            render::table_json(&rows) + "\n"
        } else if args.markdown {
            render::table_markdown(&rows)
        } else {
            render::table_text(&rows)
        };
        say(&table)?;
        return Ok(table_exit_code(&rows));
    };
    let report = match &choice {
        Choice::Sim { .. } => sim_run::run(&profile, &args)?,
        Choice::Maelstrom { harness, .. } => {
            maelstrom_run::run(harness, &profile, &args, Display::for_run())?
        }
    };
    print_report(&report, args.json, args.markdown)?;
    Ok(report.exit_code())
}

fn maelstrom(command: MaelstromCommand) -> anyhow::Result<u8> {
    match command {
        MaelstromCommand::Install {
            url,
            sha256,
            force,
            profiles,
        } => {
            let (profiles, _) = Profiles::load(profiles.profiles.as_deref())?;
            let artifact =
                Artifact::resolve(&profiles.maelstrom, url.as_deref(), sha256.as_deref());
            let root = locate::cache_root()
                .ok_or_else(|| exit::setup("no cache folder: set XDG_CACHE_HOME or HOME"))?;
            let already = !force
                && locate::install_dir(&root, &artifact.version)
                    .join(locate::JAR)
                    .is_file();
            let dir = install::install(&artifact, &root, force).map_err(|e| {
                exit::setup(format!("installing Maelstrom {}: {e:#}", artifact.version))
            })?;
            let (version, dir) = (&artifact.version, dir.display());
            say(&if already {
                format!("Maelstrom {version} is already installed at {dir}\n")
            } else {
                format!("installed Maelstrom {version} at {dir}\n")
            })?;
            Ok(0)
        }
        MaelstromCommand::Path { maelstrom } => {
            let (profiles, _) = Profiles::load(None)?;
            let search = Search::from_env(maelstrom.as_deref(), &profiles.maelstrom.version);
            match locate::locate(&search).map_err(|e| exit::setup(format!("{e:#}")))? {
                Some(found) => {
                    say(&format!("{}\n", found.path().display()))?;
                    eprintln!("glomers: {}", doctor::describe(&found));
                    Ok(0)
                }
                None => Err(exit::setup(format!(
                    "Maelstrom not found (no --maelstrom, no ${}, nothing in the cache, no maelstrom with lib/maelstrom.jar on PATH); install it with `glomers maelstrom install`",
                    locate::ENV_MAELSTROM
                ))),
            }
        }
        MaelstromCommand::Doctor { maelstrom } => {
            let (profiles, _) = Profiles::load(None)?;
            let search = Search::from_env(maelstrom.as_deref(), &profiles.maelstrom.version);
            let report = doctor::check(&search);
            say(&report.render())?;
            Ok(if report.ok() { 0 } else { exit::SETUP })
        }
        MaelstromCommand::Serve { maelstrom, args } => {
            let (profiles, _) = Profiles::load(None)?;
            let search = Search::from_env(maelstrom.as_deref(), &profiles.maelstrom.version);
            let found = locate::locate(&search)
                .map_err(|e| exit::setup(format!("{e:#}")))?
                .ok_or_else(|| {
                    exit::setup("Maelstrom not found; install it with `glomers maelstrom install`")
                })?;
            let java = doctor::Java::detect();
            let java_path = match (found.needs_java(), java.usable()) {
                (false, _) => std::path::PathBuf::from("java"),
                (true, Some(p)) => p.to_path_buf(),
                (true, None) => {
                    return Err(exit::setup(format!(
                        "{}; install Java 11 or newer: {}",
                        java.problem().unwrap_or_default(),
                        doctor::JAVA_INSTALL
                    )))
                }
            };
            let mut cmd = found.command(&java_path);
            cmd.arg("serve").args(&args);
            let child = supervise::spawn(cmd)
                .map_err(|e| exit::setup(format!("starting Maelstrom: {e}")))?;
            let mut out = supervise::OnLine(|line: &str| {
                let mut stdout = std::io::stdout().lock();
                let _ = writeln!(stdout, "{line}");
            });
            match child.wait(None, &mut out)? {
                supervise::Ending::Exited(status) => Ok(status
                    .code()
                    .and_then(|c| u8::try_from(c).ok())
                    .unwrap_or(exit::HARNESS)),
                supervise::Ending::Interrupted => Ok(exit::INTERRUPTED),
                supervise::Ending::TimedOut => Ok(exit::HARNESS),
            }
        }
    }
}

fn dispatch(cli: Cli) -> anyhow::Result<u8> {
    match cli.command {
        Command::Node(args) => {
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
        Command::Run(args) => run(args),
        Command::Report(args) => {
            let dir = run_dir::resolve(args.run_dir.as_deref())?;
            let (profiles, _) = Profiles::load(args.profiles.profiles.as_deref())?;
            let report = run_dir::load(&dir, &profiles, args.challenge.as_deref())?;
            print_report(&report, args.json, args.markdown)?;
            Ok(report.exit_code())
        }
        Command::Maelstrom { command } => maelstrom(command),
        Command::Completions { shell } => {
            say(&String::from_utf8_lossy(&completion_script(shell)))?;
            Ok(0)
        }
        Command::List(args) => {
            let (profiles, origin) = Profiles::load(args.profiles.as_deref())?;
            let mut text = format!("challenges ({origin}):\n");
            for p in &profiles.challenges {
                text.push_str(&format!(
                    "  {:<4} {:<48} -w {} {}\n",
                    p.id,
                    p.title,
                    p.workload.maelstrom_name(),
                    p.opts.to_args().join(" ")
                ));
            }
            say(&text)?;
            Ok(0)
        }
    }
}
