//! `glomers maelstrom install`: download the pinned Maelstrom release (following redirects, with
//! a byte progress bar), verify its sha256 *before* unpacking, unpack the bzip2 tarball into a
//! temporary folder beside the cache and rename it into place. Every intermediate file lives in
//! a temporary that is removed on any error, so a failed, corrupt or truncated download never
//! leaves a half install behind.
//!
//! The URL and the sha256 to expect can be overridden (flags `--url` / `--sha256`, or
//! `$GLOMERS_MAELSTROM_URL` / `$GLOMERS_MAELSTROM_SHA256`) — for mirrors, and so tests can serve
//! a tarball from 127.0.0.1. A different URL is still checked against the pinned sha256 unless a
//! sha256 is given too.

use super::locate::{install_dir, JAR};
use super::profiles::Release;
use super::progress;
use anyhow::{bail, Context};
use sha2::{Digest, Sha256};
use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::time::Duration;

pub const ENV_URL: &str = "GLOMERS_MAELSTROM_URL";
pub const ENV_SHA256: &str = "GLOMERS_MAELSTROM_SHA256";
/// Written into an install folder: where it came from (`version=`, `url=`, `sha256=`).
pub const MARKER: &str = ".glomers-release";

const DOWNLOAD_PREFIX: &str = ".download-";
const UNPACK_PREFIX: &str = ".unpack-";
/// Leftovers of an install that was killed outright are swept after this long.
const STALE_AFTER: Duration = Duration::from_secs(3600);

/// What to download and what to expect.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Artifact {
    pub version: String,
    pub url: String,
    pub sha256: String,
}

impl Artifact {
    /// The pinned release, with a flag, else the environment, overriding URL and checksum.
    pub fn resolve(release: &Release, url: Option<&str>, sha256: Option<&str>) -> Artifact {
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

/// Installs `artifact` under `cache_root` (unless already there, or `force`); returns the
/// install folder.
pub fn install(artifact: &Artifact, cache_root: &Path, force: bool) -> anyhow::Result<PathBuf> {
    let target = install_dir(cache_root, &artifact.version);
    if !force && target.join(JAR).is_file() {
        return Ok(target);
    }
    if artifact.sha256.len() != 64 || !artifact.sha256.bytes().all(|b| b.is_ascii_hexdigit()) {
        bail!("expected sha256 {:?} is not 64 hex digits", artifact.sha256);
    }
    std::fs::create_dir_all(cache_root)
        .with_context(|| format!("creating the cache folder {}", cache_root.display()))?;
    sweep_stale(cache_root);

    let mut download = tempfile::Builder::new()
        .prefix(DOWNLOAD_PREFIX)
        .tempfile_in(cache_root)
        .with_context(|| format!("creating a temporary file in {}", cache_root.display()))?;
    let digest = fetch(&artifact.url, download.as_file_mut())?;
    if digest != artifact.sha256 {
        bail!(
            "checksum mismatch for {}: expected sha256 {}, got {digest}; nothing was installed",
            artifact.url,
            artifact.sha256
        );
    }

    let unpack = tempfile::Builder::new()
        .prefix(UNPACK_PREFIX)
        .tempdir_in(cache_root)
        .with_context(|| format!("creating a temporary folder in {}", cache_root.display()))?;
    let archive = std::fs::File::open(download.path())?;
    let mut tar = tar::Archive::new(bzip2::read::BzDecoder::new(std::io::BufReader::new(
        archive,
    )));
    tar.set_preserve_permissions(true);
    tar.unpack(unpack.path())
        .with_context(|| format!("unpacking {} (not a complete bzip2 tarball?)", artifact.url))?;
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

/// Streams `url` into `out`, hashing as it goes; returns the hex sha256.
fn fetch(url: &str, out: &mut std::fs::File) -> anyhow::Result<String> {
    let agent = ureq::AgentBuilder::new()
        .timeout_connect(Duration::from_secs(15))
        .timeout_read(Duration::from_secs(60))
        .redirects(8)
        .build();
    let response = match agent.get(url).call() {
        Ok(r) => r,
        Err(ureq::Error::Status(code, r)) => {
            bail!(
                "download failed: HTTP {code} {} from {url}",
                r.status_text()
            )
        }
        Err(e) => bail!("download failed: {url}: {e}"),
    };
    let total: Option<u64> = response
        .header("Content-Length")
        .and_then(|v| v.trim().parse().ok());
    let mut bar = progress::bytes_bar(total, &format!("downloading {url}"));
    let mut reader = response.into_reader();
    let mut hasher = Sha256::new();
    let mut buf = vec![0u8; 64 * 1024];
    let mut received: u64 = 0;
    loop {
        let n = match reader.read(&mut buf) {
            Ok(0) => break,
            Ok(n) => n,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
            Err(e) => {
                bar.abandon();
                bail!("download of {url} broke off after {received} bytes: {e}");
            }
        };
        hasher.update(&buf[..n]);
        out.write_all(&buf[..n]).context("writing the download")?;
        received += n as u64;
        bar.set_position(received);
    }
    bar.finish();
    if let Some(total) = total {
        if received != total {
            bail!("download of {url} truncated: got {received} of {total} bytes");
        }
    }
    out.flush()?;
    Ok(hex(&hasher.finalize()))
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// The hex sha256 of a file.
pub fn sha256_file(path: &Path) -> anyhow::Result<String> {
    let mut f = std::fs::File::open(path).with_context(|| format!("opening {}", path.display()))?;
    let mut hasher = Sha256::new();
    std::io::copy(&mut f, &mut hasher)?;
    Ok(hex(&hasher.finalize()))
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
