//! Finding Maelstrom, in this order: `--maelstrom PATH`, `$GLOMERS_MAELSTROM`, the cache
//! (`$XDG_CACHE_HOME/glomers/maelstrom-<version>`, else `~/.cache/glomers/…`), then a
//! `maelstrom` on `PATH` — but only one with `lib/maelstrom.jar` beside it, since an unrelated
//! Rust tool is also called `maelstrom`. A real install is run as
//! `java -Djava.awt.headless=true -jar …/lib/maelstrom.jar` (skipping the bash wrapper); any other
//! launcher script given explicitly is run as is.

use crate::driver::maelstrom::cache::{self, MARKER};
use crate::driver::maelstrom::jarinfo;
use anyhow::bail;
use std::ffi::OsString;
use std::fmt;
use std::path::{Path, PathBuf};
use std::process::Command;

// Callers name the layout through the search too (`locate::JAR`, `locate::cache_root`).
pub(crate) use crate::driver::maelstrom::cache::{cache_root, install_dir, JAR};

/// Environment variable naming a Maelstrom install folder, jar or launcher.
pub(crate) const ENV_MAELSTROM: &str = "GLOMERS_MAELSTROM";

/// How to start Maelstrom.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Launch {
    /// The uberjar, run with `java -Djava.awt.headless=true -jar`.
    Jar(PathBuf),
    /// A launcher script or program taking Maelstrom's arguments (e.g. a wrapper or a stand-in).
    Script(PathBuf),
}

/// Where the install was found.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Source {
    Flag,
    Env,
    Cache,
    Path,
}

impl fmt::Display for Source {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Source::Flag => "--maelstrom",
            Source::Env => "$GLOMERS_MAELSTROM",
            Source::Cache => "cache",
            Source::Path => "PATH",
        })
    }
}

/// A usable Maelstrom.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Found {
    pub(crate) launch: Launch,
    pub(crate) source: Source,
}

impl Found {
    pub(crate) fn path(&self) -> &Path {
        match &self.launch {
            Launch::Jar(p) | Launch::Script(p) => p,
        }
    }

    pub(crate) fn needs_java(&self) -> bool {
        matches!(self.launch, Launch::Jar(_))
    }

    /// The install folder (the one holding `lib/`), for a jar install.
    pub(crate) fn install_dir(&self) -> Option<&Path> {
        match &self.launch {
            Launch::Jar(jar) => jar.parent()?.parent(),
            Launch::Script(_) => None,
        }
    }

    /// The version: the installer's marker file, the jar's own metadata, or the cache folder's
    /// name (`maelstrom-<version>`).
    pub(crate) fn version(&self) -> Option<String> {
        let dir = self.install_dir()?;
        if let Ok(text) = std::fs::read_to_string(dir.join(MARKER)) {
            if let Some(v) = jarinfo::version_from_properties(&text) {
                return Some(v);
            }
        }
        if let Launch::Jar(jar) = &self.launch {
            if let Some(v) = jarinfo::maelstrom_version(jar) {
                return Some(v);
            }
        }
        dir.file_name()?
            .to_str()?
            .strip_prefix("maelstrom-")
            .map(str::to_string)
    }

    /// The command that starts Maelstrom, before its own arguments (`test …`, `serve`).
    pub(crate) fn command(&self, java: &Path) -> Command {
        match &self.launch {
            Launch::Jar(jar) => {
                let mut cmd = Command::new(java);
                cmd.arg("-Djava.awt.headless=true").arg("-jar").arg(jar);
                cmd
            }
            Launch::Script(script) => Command::new(script),
        }
    }

    /// The same command as words, for display and `glomers.json`.
    pub(crate) fn command_words(&self, java: &Path) -> Vec<String> {
        match &self.launch {
            Launch::Jar(jar) => vec![
                java.display().to_string(),
                "-Djava.awt.headless=true".into(),
                "-jar".into(),
                jar.display().to_string(),
            ],
            Launch::Script(script) => vec![script.display().to_string()],
        }
    }
}

/// Everything the search depends on, so it can be tested without touching the real environment.
#[derive(Clone, Debug, Default)]
pub(crate) struct Search {
    flag: Option<PathBuf>,
    env: Option<OsString>,
    /// `…/glomers`, the cache root.
    pub(crate) cache_root: Option<PathBuf>,
    version: String,
    path_var: Option<OsString>,
}

impl Search {
    /// The search as the process environment defines it.
    pub(crate) fn from_env(flag: Option<&Path>, version: &str) -> Search {
        Search {
            flag: flag.map(Path::to_path_buf),
            env: std::env::var_os(ENV_MAELSTROM).filter(|v| !v.is_empty()),
            cache_root: cache::cache_root(),
            version: version.to_string(),
            path_var: std::env::var_os("PATH"),
        }
    }

    /// Where the installer puts this version.
    pub(crate) fn cache_dir(&self) -> Option<PathBuf> {
        self.cache_root
            .as_ref()
            .map(|root| cache::install_dir(root, &self.version))
    }
}

/// Interprets a user-given path: an install folder (or the folder above `maelstrom/`), the jar
/// itself, the real wrapper (its jar is used directly), or any other launcher script.
fn classify(path: &Path) -> anyhow::Result<Launch> {
    // Absolute, since Maelstrom runs from the store folder, not from here.
    let absolute = path.canonicalize().unwrap_or_else(|_| path.to_path_buf());
    let path = absolute.as_path();
    if path.is_dir() {
        for candidate in [path.join(JAR), path.join("maelstrom").join(JAR)] {
            if candidate.is_file() {
                return Ok(Launch::Jar(candidate));
            }
        }
        bail!("{} holds no {JAR}", path.display());
    }
    if !path.is_file() {
        bail!("{} does not exist", path.display());
    }
    if path.extension().is_some_and(|e| e == "jar") {
        return Ok(Launch::Jar(path.to_path_buf()));
    }
    if let Some(jar) = jar_beside(path) {
        return Ok(Launch::Jar(jar));
    }
    if !is_executable(path) {
        bail!(
            "{} is neither an install folder, a .jar, nor an executable launcher",
            path.display()
        );
    }
    Ok(Launch::Script(path.to_path_buf()))
}

/// `lib/maelstrom.jar` next to a launcher (following symlinks, as the wrapper's `readlink -f`).
fn jar_beside(launcher: &Path) -> Option<PathBuf> {
    let mut dirs = vec![launcher.parent()?.to_path_buf()];
    if let Ok(real) = launcher.canonicalize() {
        dirs.extend(real.parent().map(Path::to_path_buf));
    }
    dirs.into_iter()
        .map(|d| d.join(JAR))
        .find(|jar| jar.is_file())
}

fn is_executable(path: &Path) -> bool {
    use std::os::unix::fs::PermissionsExt;
    std::fs::metadata(path).is_ok_and(|m| m.permissions().mode() & 0o111 != 0)
}

/// Finds Maelstrom. An explicit `--maelstrom` or `$GLOMERS_MAELSTROM` that is unusable is an
/// error (never silently skipped); `Ok(None)` means nothing was found anywhere.
pub(crate) fn locate(search: &Search) -> anyhow::Result<Option<Found>> {
    if let Some(flag) = &search.flag {
        let launch = classify(flag).map_err(|e| anyhow::anyhow!("--maelstrom: {e}"))?;
        return Ok(Some(Found {
            launch,
            source: Source::Flag,
        }));
    }
    if let Some(env) = &search.env {
        let launch =
            classify(Path::new(env)).map_err(|e| anyhow::anyhow!("${ENV_MAELSTROM}: {e}"))?;
        return Ok(Some(Found {
            launch,
            source: Source::Env,
        }));
    }
    if let Some(dir) = search.cache_dir() {
        let jar = dir.join(JAR);
        if jar.is_file() {
            return Ok(Some(Found {
                launch: Launch::Jar(jar),
                source: Source::Cache,
            }));
        }
    }
    Ok(search
        .path_var
        .as_ref()
        .and_then(real_maelstrom_on_path)
        .map(|jar| Found {
            launch: Launch::Jar(jar),
            source: Source::Path,
        }))
}

/// The jar of the first `maelstrom` on `path_var` that has one beside it; any other program of
/// that name earlier on `PATH` is passed over rather than ending the search.
fn real_maelstrom_on_path(path_var: &OsString) -> Option<PathBuf> {
    // The only error is "none found", which is what `None` says.
    which::which_in_global("maelstrom", Some(path_var))
        .ok()?
        .find_map(|launcher| jar_beside(&launcher))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::os::unix::fs::PermissionsExt;

    fn install(root: &Path) -> PathBuf {
        std::fs::create_dir_all(root.join("lib")).unwrap();
        std::fs::write(root.join(JAR), b"jar").unwrap();
        let wrapper = root.join("maelstrom");
        std::fs::write(&wrapper, "#!/bin/sh\n").unwrap();
        std::fs::set_permissions(&wrapper, std::fs::Permissions::from_mode(0o755)).unwrap();
        wrapper
    }

    fn search(tmp: &Path) -> Search {
        Search {
            cache_root: Some(tmp.join("cache/glomers")),
            version: "0.2.4".into(),
            ..Search::default()
        }
    }

    #[test]
    fn order_is_flag_env_cache_path() {
        let tmp = tempfile::tempdir().unwrap();
        let t = tmp.path();
        let a = install(&t.join("a"));
        install(&t.join("b"));
        install(&t.join("cache/glomers/maelstrom-0.2.4"));
        install(&t.join("bin"));
        let mut s = search(t);
        s.path_var = Some(t.join("bin").into_os_string());
        s.env = Some(t.join("b").into_os_string());
        s.flag = Some(a.clone());
        let found = locate(&s).unwrap().unwrap();
        assert_eq!(found.source, Source::Flag);
        // The real wrapper is skipped in favour of running its jar directly.
        assert_eq!(found.launch, Launch::Jar(t.join("a").join(JAR)));
        s.flag = None;
        assert_eq!(locate(&s).unwrap().unwrap().source, Source::Env);
        s.env = None;
        let cached = locate(&s).unwrap().unwrap();
        assert_eq!(cached.source, Source::Cache);
        assert_eq!(cached.version().as_deref(), Some("0.2.4"));
        std::fs::remove_dir_all(t.join("cache")).unwrap();
        assert_eq!(locate(&s).unwrap().unwrap().source, Source::Path);
    }

    /// An executable named `maelstrom` in `bin` that is not Maelstrom (no jar beside it);
    /// returns `bin`.
    fn unrelated_maelstrom(bin: &Path) -> PathBuf {
        std::fs::create_dir_all(bin).unwrap();
        let other = bin.join("maelstrom");
        std::fs::write(&other, "#!/bin/sh\n").unwrap();
        std::fs::set_permissions(&other, std::fs::Permissions::from_mode(0o755)).unwrap();
        bin.to_path_buf()
    }

    #[test]
    fn an_unrelated_maelstrom_on_path_is_ignored() {
        let tmp = tempfile::tempdir().unwrap();
        let bin = unrelated_maelstrom(&tmp.path().join("bin"));
        let mut s = search(tmp.path());
        s.path_var = Some(bin.into_os_string());
        assert_eq!(locate(&s).unwrap(), None);
    }

    #[test]
    fn an_unrelated_maelstrom_earlier_on_path_does_not_hide_the_real_one() {
        let tmp = tempfile::tempdir().unwrap();
        let other_bin = unrelated_maelstrom(&tmp.path().join("other"));
        let real = tmp.path().join("real");
        install(&real);
        let mut s = search(tmp.path());
        s.path_var = Some(std::env::join_paths([&other_bin, &real]).unwrap());
        let found = locate(&s).unwrap().unwrap();
        assert_eq!(found.source, Source::Path);
        assert_eq!(found.launch, Launch::Jar(real.join(JAR)));
    }

    #[test]
    fn explicit_paths_must_be_usable() {
        let tmp = tempfile::tempdir().unwrap();
        let mut s = search(tmp.path());
        s.flag = Some(tmp.path().join("missing"));
        let err = locate(&s).unwrap_err().to_string();
        assert!(
            err.contains("--maelstrom") && err.contains("does not exist"),
            "{err}"
        );
        s.flag = None;
        s.env = Some(tmp.path().as_os_str().to_os_string());
        let err = locate(&s).unwrap_err().to_string();
        assert!(
            err.contains("GLOMERS_MAELSTROM") && err.contains("lib/maelstrom.jar"),
            "{err}"
        );
    }

    #[test]
    fn a_launcher_script_runs_as_is() {
        let tmp = tempfile::tempdir().unwrap();
        let fake = tmp.path().join("fake-maelstrom");
        std::fs::write(&fake, "#!/bin/sh\n").unwrap();
        std::fs::set_permissions(&fake, std::fs::Permissions::from_mode(0o755)).unwrap();
        assert_eq!(classify(&fake).unwrap(), Launch::Script(fake.clone()));
        let found = Found {
            launch: Launch::Script(fake.clone()),
            source: Source::Flag,
        };
        assert!(!found.needs_java());
        assert_eq!(found.version(), None);
        let plain = tmp.path().join("notes.txt");
        std::fs::write(&plain, "x").unwrap();
        assert!(classify(&plain).is_err());
    }

    #[test]
    fn relative_paths_become_absolute() {
        let tmp = tempfile::tempdir().unwrap();
        install(&tmp.path().join("m"));
        let here = std::env::current_dir().unwrap();
        let relative = pathdiff(&tmp.path().join("m"), &here);
        match classify(&relative).unwrap() {
            Launch::Jar(jar) => assert!(jar.is_absolute(), "{}", jar.display()),
            other => panic!("{other:?}"),
        }
    }

    /// `to` relative to `from` (both absolute), via enough `..`.
    fn pathdiff(to: &Path, from: &Path) -> PathBuf {
        let mut rel = PathBuf::new();
        for _ in from.components().skip(1) {
            rel.push("..");
        }
        rel.join(to.strip_prefix("/").unwrap())
    }

    #[test]
    fn jar_command_runs_java_headless() {
        let found = Found {
            launch: Launch::Jar(PathBuf::from("/m/lib/maelstrom.jar")),
            source: Source::Cache,
        };
        assert_eq!(
            found.command_words(Path::new("java")),
            [
                "java",
                "-Djava.awt.headless=true",
                "-jar",
                "/m/lib/maelstrom.jar"
            ]
        );
        assert_eq!(found.install_dir(), Some(Path::new("/m")));
    }
}
