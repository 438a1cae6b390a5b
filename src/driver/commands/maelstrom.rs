//! `glomers maelstrom install|path|doctor|serve`: manage the real harness.

use crate::challenge::Profiles;
use crate::driver::maelstrom::doctor;
use crate::driver::maelstrom::install::{self, Artifact};
use crate::driver::maelstrom::locate::{self, Search};
use crate::driver::maelstrom::supervise;
use crate::driver::output::say;
use crate::driver::plan::HarnessPlan;
use crate::driver::runs::engine;
use crate::exit;
use std::io::Write;

pub fn run(plan: &HarnessPlan) -> anyhow::Result<u8> {
    match plan {
        HarnessPlan::Install {
            url,
            sha256,
            force,
            profiles,
        } => install(
            url.as_deref(),
            sha256.as_deref(),
            *force,
            profiles.as_deref(),
        ),
        HarnessPlan::Path { maelstrom } => path(search(maelstrom.as_deref())?),
        HarnessPlan::Doctor { maelstrom } => {
            let report = doctor::check(&search(maelstrom.as_deref())?);
            say(&report.render())?;
            Ok(if report.ok() { 0 } else { exit::SETUP })
        }
        HarnessPlan::Serve { maelstrom, args } => serve(search(maelstrom.as_deref())?, args),
    }
}

/// Where to look for Maelstrom: the flag, then the environment and the cache.
fn search(flag: Option<&std::path::Path>) -> anyhow::Result<Search> {
    let (profiles, _) = Profiles::load(None)?;
    Ok(Search::from_env(flag, &profiles.maelstrom.version))
}

fn install(
    url: Option<&str>,
    sha256: Option<&str>,
    force: bool,
    profiles: Option<&std::path::Path>,
) -> anyhow::Result<u8> {
    let (profiles, _) = Profiles::load(profiles)?;
    let artifact = Artifact::resolve(&profiles.maelstrom, url, sha256);
    let root = locate::cache_root()
        .ok_or_else(|| exit::setup("no cache folder: set XDG_CACHE_HOME or HOME"))?;
    let already = !force
        && locate::install_dir(&root, &artifact.version)
            .join(locate::JAR)
            .is_file();
    let dir = install::install(&artifact, &root, force)
        .map_err(|e| exit::setup(format!("installing Maelstrom {}: {e:#}", artifact.version)))?;
    let (version, dir) = (&artifact.version, dir.display());
    say(&if already {
        format!("Maelstrom {version} is already installed at {dir}\n")
    } else {
        format!("installed Maelstrom {version} at {dir}\n")
    })?;
    Ok(0)
}

fn path(search: Search) -> anyhow::Result<u8> {
    match locate::locate(&search).map_err(|e| exit::setup(format!("{e:#}")))? {
        Some(found) => {
            say(&format!("{}\n", found.path().display()))?;
            crate::driver::output::tell(&format!("glomers: {}", doctor::describe(&found)));
            Ok(0)
        }
        None => Err(exit::setup(format!(
            "Maelstrom not found (no --maelstrom, no ${}, nothing in the cache, no maelstrom with lib/maelstrom.jar on PATH); install it with `glomers maelstrom install`",
            locate::ENV_MAELSTROM
        ))),
    }
}

fn serve(search: Search, args: &[String]) -> anyhow::Result<u8> {
    let found = locate::locate(&search)
        .map_err(|e| exit::setup(format!("{e:#}")))?
        .ok_or_else(|| {
            exit::setup("Maelstrom not found; install it with `glomers maelstrom install`")
        })?;
    let java = engine::java_for(&found, &doctor::Java::detect())?;
    let mut cmd = found.command(&java);
    cmd.arg("serve").args(args);
    let child =
        supervise::spawn(cmd).map_err(|e| exit::setup(format!("starting Maelstrom: {e}")))?;
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
