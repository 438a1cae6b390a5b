//! The `glomers` executable: parse, dispatch, and map outcomes to the documented exit codes
//! (0 pass, 1 invalid or criterion missed, 2 usage or setup error, 3 harness crashed).

use clap::Parser;
use glomers::cli::{Cli, Command, Engine};
use glomers::driver::{profiles::Profiles, sim_run};
use std::process::ExitCode;

fn main() -> ExitCode {
    let cli = Cli::parse();
    match dispatch(cli) {
        Ok(code) => code,
        Err(err) => {
            eprintln!("glomers: {err:#}");
            ExitCode::from(2)
        }
    }
}

fn dispatch(cli: Cli) -> anyhow::Result<ExitCode> {
    match cli.command {
        Command::Node(args) => {
            let node = match glomers::workloads::build(args.workload, &args.flags) {
                Ok(node) => node,
                // Help goes to stdout with exit 0, a bad flag to stderr with exit 2.
                Err(err) => match err.downcast_ref::<clap::Error>() {
                    Some(clap_err) => clap_err.exit(),
                    None => return Err(err),
                },
            };
            let seed = args.seed.unwrap_or_else(sim_run::fresh_seed);
            glomers::node::runtime::run_stdio(node, seed)?;
            Ok(ExitCode::SUCCESS)
        }
        Command::Run(args) => {
            let (profiles, _) = Profiles::load(args.profiles.profiles.as_deref())?;
            let profile = profiles.find(&args.challenge)?;
            if let Some(count) = args.seeds {
                let mut profile = profile.clone();
                profile.node_args.extend(args.node_args.iter().cloned());
                let sweep = glomers::driver::sweep::run(
                    &profile,
                    &args.opts,
                    args.seed.unwrap_or(0),
                    count,
                )?;
                if args.json {
                    println!("{}", serde_json::to_string_pretty(&sweep)?);
                } else {
                    print!("{}", glomers::driver::sweep::render(&sweep));
                }
                return Ok(if sweep.failed_seeds.is_empty() {
                    ExitCode::SUCCESS
                } else {
                    ExitCode::from(1)
                });
            }
            match args.engine {
                Engine::Sim | Engine::Auto => {
                    let verdict = sim_run::run(profile, &args)?;
                    Ok(if verdict.pass {
                        ExitCode::SUCCESS
                    } else {
                        ExitCode::from(1)
                    })
                }
                Engine::Maelstrom => anyhow::bail!("the Maelstrom engine is not available yet"),
            }
        }
        Command::List(args) => {
            let (profiles, origin) = Profiles::load(args.profiles.as_deref())?;
            println!("challenges ({origin}):");
            for p in &profiles.challenges {
                println!(
                    "  {:<4} {:<48} -w {} {}",
                    p.id,
                    p.title,
                    p.workload.maelstrom_name(),
                    p.opts.to_args().join(" ")
                );
            }
            Ok(ExitCode::SUCCESS)
        }
        Command::Report(_) | Command::Maelstrom { .. } | Command::Completions { .. } => {
            anyhow::bail!("not available yet")
        }
    }
}
