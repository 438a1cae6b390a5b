//! `glomers maelstrom install`: download the pinned Maelstrom release ([`crate::driver::maelstrom::download`]:
//! http/https only, capped in size and time), verify its sha256 *before* unpacking, unpack the
//! bzip2 tarball ([`crate::driver::maelstrom::unpack`]: capped, no devices, no links out) into a temporary folder
//! beside the cache and rename it into place. Every intermediate file lives in a temporary that
//! is removed on any error or interruption, so a failed, corrupt, truncated, oversized or
//! interrupted download never leaves a half install behind.
//!
//! The URL and the sha256 to expect can be overridden (flags `--url` / `--sha256`, or
//! `$GLOMERS_MAELSTROM_URL` / `$GLOMERS_MAELSTROM_SHA256`) — for mirrors, and so tests can serve
//! a tarball from 127.0.0.1. A different URL is still checked against the pinned sha256 unless a
//! sha256 is given too.

use crate::challenge::Release;
use crate::child::interrupt::InterruptFlag;
use crate::driver::maelstrom::cache::{install_dir, JAR, MARKER};
use crate::driver::maelstrom::download;
use crate::driver::maelstrom::unpack::{self, Budget};
use anyhow::{bail, Context};
use std::path::{Path, PathBuf};
use std::time::Duration;

const ENV_URL: &str = "GLOMERS_MAELSTROM_URL";
const ENV_SHA256: &str = "GLOMERS_MAELSTROM_SHA256";

const DOWNLOAD_PREFIX: &str = ".download-";
const UNPACK_PREFIX: &str = ".unpack-";
/// Leftovers of an install that was killed outright are swept after this long.
const STALE_AFTER: Duration = Duration::from_secs(3600);

/// What to download and what to expect.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Artifact {
    pub(crate) version: String,
    url: String,
    sha256: String,
}

impl Artifact {
    /// Where the release is downloaded from.
    pub(crate) fn url(&self) -> &str {
        &self.url
    }

    /// The pinned release, with a flag, else the environment, overriding URL and checksum.
    pub(crate) fn resolve(release: &Release, url: Option<&str>, sha256: Option<&str>) -> Artifact {
        let env = |name: &str| std::env::var(name).ok().filter(|v| !v.trim().is_empty());
        Artifact {
            version: release.version.clone(),
            url: url
                .map(str::to_string)
                .or_else(|| env(ENV_URL))
                .unwrap_or_else(|| release.url.clone()),
            sha256: sha256
                .map(str::to_string)
                .or_else(|| env(ENV_SHA256))
                .unwrap_or_else(|| release.sha256.clone())
                .trim()
                .to_ascii_lowercase(),
        }
    }
}

/// Caps on one install, each overridable through the environment (for a mirror of a bigger
/// release, and so tests can trip them quickly).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Limits {
    /// Bytes the download may have (`Content-Length` above it is refused before reading).
    max_download: u64,
    /// The whole download, from the first request to the last byte.
    deadline: Duration,
    /// What unpacking may write.
    unpack: Budget,
}

/// Environment variables overriding [`Limits`], with their accepted ranges.
const ENV_DOWNLOAD_MAX_BYTES: &str = "GLOMERS_DOWNLOAD_MAX_BYTES";
const ENV_DOWNLOAD_DEADLINE_SECS: &str = "GLOMERS_DOWNLOAD_DEADLINE_SECS";
const ENV_UNPACK_MAX_BYTES: &str = "GLOMERS_UNPACK_MAX_BYTES";
const ENV_UNPACK_MAX_ENTRIES: &str = "GLOMERS_UNPACK_MAX_ENTRIES";

const MIB: u64 = 1024 * 1024;
const GIB: u64 = 1024 * MIB;

impl Default for Limits {
    /// The pinned Maelstrom 0.2.4 tarball is about 20 MB and unpacks to about 30 MB in a few
    /// hundred entries; these leave ample room for a newer release, and none for a bomb.
    fn default() -> Limits {
        Limits {
            max_download: 256 * MIB,
            deadline: Duration::from_secs(600),
            unpack: Budget {
                max_bytes: 512 * MIB,
                max_entries: 20_000,
            },
        }
    }
}

impl Limits {
    /// The defaults, overridden by the environment; a malformed or out-of-range value is an
    /// error naming the variable and the range it accepts.
    pub(crate) fn from_env() -> anyhow::Result<Limits> {
        Limits::from_lookup(|name| std::env::var(name).ok())
    }

    fn from_lookup(lookup: impl Fn(&str) -> Option<String>) -> anyhow::Result<Limits> {
        let read = |name: &str, min: u64, max: u64, default: u64| -> anyhow::Result<u64> {
            let Some(raw) = lookup(name).filter(|v| !v.trim().is_empty()) else {
                return Ok(default);
            };
            match raw.trim().parse::<u64>() {
                Ok(v) if (min..=max).contains(&v) => Ok(v),
                _ => bail!("${name} is {raw:?}; it takes a whole number from {min} to {max}"),
            }
        };
        let default = Limits::default();
        Ok(Limits {
            max_download: read(ENV_DOWNLOAD_MAX_BYTES, 1, 16 * GIB, default.max_download)?,
            deadline: Duration::from_secs(read(
                ENV_DOWNLOAD_DEADLINE_SECS,
                1,
                86_400,
                default.deadline.as_secs(),
            )?),
            unpack: Budget {
                max_bytes: read(ENV_UNPACK_MAX_BYTES, 1, 64 * GIB, default.unpack.max_bytes)?,
                max_entries: read(
                    ENV_UNPACK_MAX_ENTRIES,
                    1,
                    10_000_000,
                    default.unpack.max_entries,
                )?,
            },
        })
    }
}

/// Installs `artifact` under `cache_root` (unless already there, or `force`); returns the
/// install folder. Limits come from [`Limits::from_env`].
///
/// Ctrl-C, SIGTERM or SIGHUP during the download or unpack removes the temporaries and then
/// ends glomers with exit code 130 — here rather than through an error, because callers turn
/// install errors into setup errors (exit 2), and `--engine auto` would fall back to the
/// simulator instead of stopping.
pub(crate) fn install(
    artifact: &Artifact,
    cache_root: &Path,
    force: bool,
) -> anyhow::Result<PathBuf> {
    let limits = Limits::from_env()?;
    let interrupt = InterruptFlag::catch();
    match install_with(artifact, cache_root, force, &limits, &interrupt) {
        Err(Stop::Interrupted) => {
            // Every temporary was dropped on the way out of `install_with`.
            crate::driver::output::tell(
                "glomers: interrupted; the partial Maelstrom download was removed",
            );
            std::process::exit(i32::from(crate::exit::INTERRUPTED));
        }
        Err(Stop::Failed(e)) => Err(e),
        Ok(dir) => {
            crate::driver::maelstrom::failed_download::forget(cache_root, &artifact.version);
            Ok(dir)
        }
    }
}

/// Why an install stopped.
#[derive(Debug)]
enum Stop {
    Interrupted,
    Failed(anyhow::Error),
}

impl From<anyhow::Error> for Stop {
    fn from(e: anyhow::Error) -> Stop {
        Stop::Failed(e)
    }
}

impl From<std::io::Error> for Stop {
    fn from(e: std::io::Error) -> Stop {
        Stop::Failed(e.into())
    }
}

/// [`install`] with explicit limits and interrupt flag; an interruption is returned, not acted
/// on, and leaves nothing behind.
fn install_with(
    artifact: &Artifact,
    cache_root: &Path,
    force: bool,
    limits: &Limits,
    interrupt: &InterruptFlag,
) -> Result<PathBuf, Stop> {
    let target = install_dir(cache_root, &artifact.version);
    if !force && target.join(JAR).is_file() {
        return Ok(target);
    }
    if artifact.sha256.len() != 64 || !artifact.sha256.bytes().all(|b| b.is_ascii_hexdigit()) {
        return Err(
            anyhow::anyhow!("expected sha256 {:?} is not 64 hex digits", artifact.sha256).into(),
        );
    }
    std::fs::create_dir_all(cache_root)
        .with_context(|| format!("creating the cache folder {}", cache_root.display()))?;
    sweep_stale(cache_root);

    let mut download = tempfile::Builder::new()
        .prefix(DOWNLOAD_PREFIX)
        .tempfile_in(cache_root)
        .with_context(|| format!("creating a temporary file in {}", cache_root.display()))?;
    let digest = match download::fetch(
        &artifact.url,
        download.as_file_mut(),
        limits.max_download,
        limits.deadline,
        interrupt,
    ) {
        Ok(digest) => digest,
        Err(download::Failure::Interrupted) => return Err(Stop::Interrupted),
        Err(download::Failure::Other(e)) => return Err(e.into()),
    };
    if digest != artifact.sha256 {
        return Err(anyhow::anyhow!(
            "checksum mismatch for {}: expected sha256 {}, got {digest}; nothing was installed",
            artifact.url,
            artifact.sha256
        )
        .into());
    }

    let unpack = tempfile::Builder::new()
        .prefix(UNPACK_PREFIX)
        .tempdir_in(cache_root)
        .with_context(|| format!("creating a temporary folder in {}", cache_root.display()))?;
    let archive = std::fs::File::open(download.path())?;
    match unpack::unpack_bzip2_tar(archive, unpack.path(), limits.unpack, interrupt) {
        Ok(()) => {}
        Err(unpack::Failure::Interrupted) => return Err(Stop::Interrupted),
        Err(unpack::Failure::Other(e)) => {
            return Err(e
                .context(format!(
                    "unpacking {} (not a complete, safe bzip2 tarball?)",
                    artifact.url
                ))
                .into())
        }
    }
    drop(download);
    let root = release_root(unpack.path()).with_context(|| {
        format!(
            "{} is not a Maelstrom release: no {JAR} inside",
            artifact.url
        )
    })?;
    std::fs::write(
        root.join(MARKER),
        format!(
            "version={}\nurl={}\nsha256={}\n",
            artifact.version, artifact.url, artifact.sha256
        ),
    )?;
    if interrupt.raised() {
        return Err(Stop::Interrupted);
    }

    if target.exists() {
        if !force && target.join(JAR).is_file() {
            // Someone else finished the same install meanwhile.
            return Ok(target);
        }
        // Move the old one aside inside the temporary folder, so it goes when that does.
        std::fs::rename(&target, unpack.path().join("previous"))
            .with_context(|| format!("replacing {}", target.display()))?;
    }
    std::fs::rename(&root, &target)
        .with_context(|| format!("moving the release into {}", target.display()))?;
    Ok(target)
}

/// The folder holding `lib/maelstrom.jar`: the tarball's single top folder (`maelstrom/`), or
/// the unpack folder itself.
fn release_root(unpacked: &Path) -> Option<PathBuf> {
    if unpacked.join(JAR).is_file() {
        return Some(unpacked.to_path_buf());
    }
    let mut dirs = std::fs::read_dir(unpacked)
        .ok()?
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| p.is_dir());
    let only = dirs.next()?;
    (dirs.next().is_none() && only.join(JAR).is_file()).then_some(only)
}

/// Removes temporaries left by an install that was killed before it could clean up.
fn sweep_stale(cache_root: &Path) {
    let Ok(entries) = std::fs::read_dir(cache_root) else {
        return;
    };
    for entry in entries.filter_map(Result::ok) {
        let name = entry.file_name().to_string_lossy().to_string();
        if !(name.starts_with(DOWNLOAD_PREFIX) || name.starts_with(UNPACK_PREFIX)) {
            continue;
        }
        let old = entry
            .metadata()
            .and_then(|m| m.modified())
            .ok()
            .and_then(|t| t.elapsed().ok())
            .is_some_and(|age| age > STALE_AFTER);
        if old {
            let path = entry.path();
            let _ = if path.is_dir() {
                std::fs::remove_dir_all(&path)
            } else {
                std::fs::remove_file(&path)
            };
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn flags_override_the_pinned_release() {
        let release = Release {
            version: "0.2.4".into(),
            url: "https://example.invalid/m.tar.bz2".into(),
            sha256: "AB".repeat(32),
        };
        let a = Artifact::resolve(&release, Some("http://127.0.0.1:1/x"), None);
        assert_eq!(a.url, "http://127.0.0.1:1/x");
        // The checksum is normalised to lower case and stays pinned unless overridden.
        assert_eq!(a.sha256, "ab".repeat(32));
        let b = Artifact::resolve(&release, None, Some(&"cd".repeat(32)));
        assert_eq!(b.sha256, "cd".repeat(32));
    }

    #[test]
    fn a_malformed_checksum_is_refused_before_downloading() {
        let tmp = tempfile::tempdir().unwrap();
        let a = Artifact {
            version: "0.2.4".into(),
            url: "http://127.0.0.1:9/never".into(),
            sha256: "xyz".into(),
        };
        let err = install(&a, tmp.path(), false).unwrap_err().to_string();
        assert!(err.contains("64 hex digits"), "{err}");
        assert_eq!(std::fs::read_dir(tmp.path()).unwrap().count(), 0);
    }

    #[test]
    fn release_root_finds_the_top_folder() {
        let tmp = tempfile::tempdir().unwrap();
        assert_eq!(release_root(tmp.path()), None);
        std::fs::create_dir_all(tmp.path().join("maelstrom/lib")).unwrap();
        std::fs::write(tmp.path().join("maelstrom").join(JAR), b"j").unwrap();
        assert_eq!(release_root(tmp.path()), Some(tmp.path().join("maelstrom")));
    }
}
