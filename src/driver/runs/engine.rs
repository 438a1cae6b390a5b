//! Choosing the engine. `--engine maelstrom` finds (or installs) Maelstrom and insists on Java
//! 11+; `--engine sim` is the embedded simulator; `auto` (the default) uses Maelstrom when it
//! can be found or installed and Java 11+ is present, otherwise the simulator — always saying
//! which engine ran and why. The decision itself is a pure function, tested below. A failed
//! automatic install is remembered for a while ([`crate::driver::maelstrom::failed_download`]), so `auto` does not
//! try the network again on every run.

use crate::challenge::Release;
use crate::driver::maelstrom::doctor::{self, Java};
use crate::driver::maelstrom::failed_download;
use crate::driver::maelstrom::install::{self, Artifact};
use crate::driver::maelstrom::locate::{self, Found, Search};
use crate::driver::plan::EngineFlag;
use crate::exit;
use std::path::{Path, PathBuf};

/// A Maelstrom ready to run.
#[derive(Clone, Debug)]
pub struct ReadyMaelstrom {
    pub found: Found,
    /// `java`, for a jar install.
    pub java: PathBuf,
}

/// The engine that will run, and why.
#[derive(Clone, Debug)]
pub enum Choice {
    Maelstrom {
        maelstrom: ReadyMaelstrom,
        why: String,
    },
    Sim {
        why: String,
    },
}

impl Choice {
    /// The simulator, for `why`.
    pub fn sim(why: &str) -> Choice {
        Choice::Sim { why: why.into() }
    }

    pub fn name(&self) -> &'static str {
        match self {
            Choice::Maelstrom { .. } => "maelstrom",
            Choice::Sim { .. } => "sim",
        }
    }

    pub fn why(&self) -> &str {
        match self {
            Choice::Maelstrom { why, .. } | Choice::Sim { why } => why,
        }
    }

    /// What will go wrong in the run even though it can start: the real Maelstrom without
    /// gnuplot ends every test `:unknown`.
    pub fn warnings(&self) -> Vec<String> {
        match self {
            Choice::Maelstrom { maelstrom, .. }
                if maelstrom.found.needs_java() && which::which("gnuplot").is_err() =>
            {
                vec![format!(
                    "gnuplot is not on PATH, so Maelstrom's plots fail and its verdict will be :unknown; install it: {}",
                    doctor::GNUPLOT_INSTALL
                )]
            }
            _ => Vec::new(),
        }
    }
}

/// What `auto` does next, given what was found.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum AutoStep {
    Use(Found),
    Install,
    Sim(String),
}

/// `auto`'s decision from the search result and the Java on PATH.
pub fn decide_auto(found: Option<Found>, java: &Java) -> AutoStep {
    match (found, java.problem()) {
        // A launcher script brings its own way of starting Java.
        (Some(found), _) if !found.needs_java() => AutoStep::Use(found),
        (Some(found), None) => AutoStep::Use(found),
        (Some(found), Some(problem)) => AutoStep::Sim(format!(
            "Maelstrom is at {} but {problem}",
            found.path().display()
        )),
        (None, None) => AutoStep::Install,
        (None, Some(problem)) => AutoStep::Sim(format!("Maelstrom is not installed and {problem}")),
    }
}

/// The one place that decides which `java` starts `found`: a launcher script brings its own,
/// a jar needs Java 11+ from PATH.
pub fn java_for(found: &Found, java: &Java) -> anyhow::Result<PathBuf> {
    if !found.needs_java() {
        return Ok(PathBuf::from("java"));
    }
    match java.usable() {
        Some(path) => Ok(path.to_path_buf()),
        None => Err(exit::setup(format!(
            "{}; install Java 11 or newer: {}",
            java.problem().unwrap_or_default(),
            doctor::JAVA_INSTALL
        ))),
    }
}

/// Installs the pinned release (honouring `$GLOMERS_MAELSTROM_URL` / `_SHA256`) and returns it.
pub fn install_pinned(release: &Release, search: &Search) -> anyhow::Result<Found> {
    let root = search
        .cache_root
        .clone()
        .ok_or_else(|| exit::setup("no cache folder: set XDG_CACHE_HOME or HOME"))?;
    install_artifact(&Artifact::resolve(release, None, None), &root)
}

fn install_artifact(artifact: &Artifact, root: &Path) -> anyhow::Result<Found> {
    crate::driver::output::tell(&format!(
        "glomers: Maelstrom {} is not installed; installing it",
        artifact.version
    ));
    let dir = install::install(artifact, root, false)?;
    Ok(Found {
        launch: locate::Launch::Jar(dir.join(locate::JAR)),
        source: locate::Source::Cache,
    })
}

/// `auto`'s install on demand: skipped while an earlier attempt's failure is remembered, and
/// a failure remembered. The error is why the simulator runs instead.
fn auto_install(release: &Release, search: &Search) -> Result<Found, String> {
    let Some(root) = search.cache_root.clone() else {
        return Err(
            "Maelstrom is not installed and there is no cache folder to install it \
                    into (set XDG_CACHE_HOME or HOME)"
                .into(),
        );
    };
    let artifact = Artifact::resolve(release, None, None);
    let now = std::time::SystemTime::now();
    if let Some(failed) = failed_download::recent(&root, &artifact.version, artifact.url(), now) {
        return Err(failed.describe());
    }
    install_artifact(&artifact, &root).map_err(|e| {
        let why = format!("{e:#}");
        failed_download::record(&root, &artifact.version, artifact.url(), &why);
        format!("Maelstrom is not installed and could not be installed ({why})")
    })
}

/// Picks the engine for `requested`.
pub fn choose(
    requested: EngineFlag,
    flag: Option<&Path>,
    release: &Release,
) -> anyhow::Result<Choice> {
    if requested == EngineFlag::Sim {
        return Ok(Choice::Sim {
            why: "--engine sim".into(),
        });
    }
    let search = Search::from_env(flag, &release.version);
    let found = locate::locate(&search).map_err(|e| exit::setup(format!("{e:#}")))?;
    let java = Java::detect();
    if requested == EngineFlag::Maelstrom {
        let found = match found {
            Some(f) => f,
            None => install_pinned(release, &search)
                .map_err(|e| exit::setup(format!("could not install Maelstrom: {e:#}")))?,
        };
        let java = java_for(&found, &java)?;
        let why = doctor::describe(&found);
        return Ok(Choice::Maelstrom {
            maelstrom: ReadyMaelstrom { found, java },
            why,
        });
    }
    let found = match decide_auto(found, &java) {
        AutoStep::Use(found) => found,
        AutoStep::Sim(why) => return Ok(Choice::Sim { why }),
        AutoStep::Install => match auto_install(release, &search) {
            Ok(found) => found,
            Err(why) => return Ok(Choice::Sim { why }),
        },
    };
    let java = java_for(&found, &java)?;
    let why = doctor::describe(&found);
    Ok(Choice::Maelstrom {
        maelstrom: ReadyMaelstrom { found, java },
        why,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::driver::maelstrom::locate::{Launch, Source};

    fn jar() -> Found {
        Found {
            launch: Launch::Jar("/c/maelstrom-0.2.4/lib/maelstrom.jar".into()),
            source: Source::Cache,
        }
    }

    fn java(major: u32) -> Java {
        Java::Found {
            path: "/usr/bin/java".into(),
            version: major.to_string(),
            major,
        }
    }

    #[test]
    fn auto_prefers_maelstrom_with_java() {
        assert_eq!(decide_auto(Some(jar()), &java(17)), AutoStep::Use(jar()));
        assert_eq!(decide_auto(None, &java(21)), AutoStep::Install);
    }

    #[test]
    fn auto_falls_back_to_the_simulator_and_says_why() {
        match decide_auto(Some(jar()), &java(8)) {
            AutoStep::Sim(why) => assert!(why.contains("too old"), "{why}"),
            other => panic!("{other:?}"),
        }
        match decide_auto(None, &Java::Missing) {
            AutoStep::Sim(why) => {
                assert!(
                    why.contains("not installed") && why.contains("java"),
                    "{why}"
                )
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn a_launcher_needs_no_java_of_ours() {
        let script = Found {
            launch: Launch::Script("/t/fake".into()),
            source: Source::Flag,
        };
        assert_eq!(
            decide_auto(Some(script.clone()), &Java::Missing),
            AutoStep::Use(script)
        );
    }
}
