//! Unpacking a bzip2 tarball into a folder, refusing what a release never needs: more than a
//! byte or entry budget (a small bzip2 "bomb" can expand to gigabytes), device and fifo
//! entries, sparse files, and symlinks or hard links that point outside the folder. Set-user-id,
//! set-group-id and sticky bits are dropped. Ctrl-C / SIGTERM stop it between reads.
//!
//! The caller unpacks into a temporary folder, so whatever was written before a refusal goes
//! when that folder is dropped.

use crate::child::interrupt::InterruptFlag;
use anyhow::{bail, Context};
use std::io::Read;
use std::path::{Component, Path, PathBuf};
use tar::EntryType;

/// How much one unpack may write.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Budget {
    /// Bytes of file contents, in total.
    pub(crate) max_bytes: u64,
    /// Entries of any kind (files, folders, links).
    pub(crate) max_entries: u64,
}

/// Why an unpack stopped.
#[derive(Debug)]
pub(crate) enum Failure {
    Interrupted,
    Other(anyhow::Error),
}

/// Unpacks the bzip2 tarball `archive` into `dest` (an existing, empty folder).
pub(crate) fn unpack_bzip2_tar(
    archive: impl Read,
    dest: &Path,
    budget: Budget,
    interrupt: &InterruptFlag,
) -> Result<(), Failure> {
    let decoder = bzip2::read::BzDecoder::new(std::io::BufReader::new(archive));
    let limited = Guarded {
        inner: decoder,
        // Tar headers and padding come on top of the contents; a release has few entries.
        left: budget
            .max_bytes
            .saturating_add(budget.max_entries.saturating_mul(3 * 512))
            .saturating_add(64 * 1024),
        interrupt,
    };
    let mut tar = tar::Archive::new(limited);
    // Only the rwx bits: no setuid, setgid or sticky bit from an archive.
    tar.set_preserve_permissions(false);
    tar.set_preserve_ownerships(false);
    tar.set_unpack_xattrs(false);
    let result = unpack_entries(&mut tar, dest, budget);
    if interrupt.raised() {
        return Err(Failure::Interrupted);
    }
    result.map_err(Failure::Other)
}

fn unpack_entries<R: Read>(
    tar: &mut tar::Archive<R>,
    dest: &Path,
    budget: Budget,
) -> anyhow::Result<()> {
    let mut entries_seen: u64 = 0;
    let mut bytes_written: u64 = 0;
    for entry in tar.entries().context("reading the archive")? {
        let mut entry = entry.context("reading the archive")?;
        entries_seen += 1;
        if entries_seen > budget.max_entries {
            bail!(
                "the archive holds more than {} entries (GLOMERS_UNPACK_MAX_ENTRIES sets the cap); stopped",
                budget.max_entries
            );
        }
        let path = entry
            .path()
            .context("reading an entry's name")?
            .into_owned();
        let kind = entry.header().entry_type();
        let size = entry.header().entry_size().unwrap_or(u64::MAX);
        match kind {
            EntryType::Regular | EntryType::Continuous | EntryType::Directory => {}
            EntryType::Symlink | EntryType::Link => check_link(&entry, &path)?,
            EntryType::XGlobalHeader => continue,
            EntryType::Char | EntryType::Block | EntryType::Fifo => bail!(
                "the archive holds {} as a device or fifo entry; refused",
                path.display()
            ),
            other => bail!(
                "the archive holds {} of unsupported type {other:?}; refused",
                path.display()
            ),
        }
        if size > budget.max_bytes.saturating_sub(bytes_written) {
            bail!(
                "unpacking {} would write more than {} bytes in all (GLOMERS_UNPACK_MAX_BYTES sets the cap); stopped",
                path.display(),
                budget.max_bytes
            );
        }
        bytes_written += size;
        entry
            .unpack_in(dest)
            .with_context(|| format!("unpacking {}", path.display()))?;
    }
    Ok(())
}

/// Refuses a link whose target is absolute or climbs out of the unpack folder.
fn check_link<R: Read>(entry: &tar::Entry<R>, path: &Path) -> anyhow::Result<()> {
    let Some(target) = entry.link_name().context("reading a link's target")? else {
        bail!("link {} has no target", path.display());
    };
    // A symlink resolves from its own folder; a hard link names a path from the archive root.
    let base = if entry.header().entry_type() == EntryType::Symlink {
        path.parent().map(Path::to_path_buf).unwrap_or_default()
    } else {
        PathBuf::new()
    };
    if !stays_inside(&base, &target) {
        bail!(
            "link {} points to {}, outside the install folder; refused",
            path.display(),
            target.display()
        );
    }
    Ok(())
}

/// Whether `target`, taken from folder `base` (both relative to the unpack root), stays inside
/// the root: no absolute target and no `..` that climbs above it.
fn stays_inside(base: &Path, target: &Path) -> bool {
    let mut depth: usize = 0;
    for part in base.components().chain(target.components()) {
        match part {
            Component::Normal(_) => depth += 1,
            Component::CurDir => {}
            Component::ParentDir => match depth.checked_sub(1) {
                Some(d) => depth = d,
                None => return false,
            },
            Component::RootDir | Component::Prefix(_) => return false,
        }
    }
    true
}

/// The decompressed stream: stops at a byte budget (a backstop for whatever the per-entry
/// sizes did not show) and when a signal arrives.
struct Guarded<'a, R> {
    inner: R,
    left: u64,
    interrupt: &'a InterruptFlag,
}

impl<R: Read> Read for Guarded<'_, R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        if self.interrupt.raised() {
            return Err(std::io::Error::other("interrupted"));
        }
        if self.left == 0 {
            return Err(std::io::Error::other(
                "the decompressed archive passed the unpack cap (GLOMERS_UNPACK_MAX_BYTES sets it)",
            ));
        }
        let room = buf
            .len()
            .min(usize::try_from(self.left).unwrap_or(usize::MAX));
        let n = self.inner.read(&mut buf[..room])?;
        self.left -= n as u64;
        Ok(n)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Maelstrom's releases are compressed by the reference C bzip2; this one was made by
    /// `tar --sort=name … | bzip2 -9` (bzip2 1.0.8), and must come out byte for byte through
    /// the decoder [`unpack_bzip2_tar`] uses. (Read in memory: a real unpack would install
    /// process-wide signal handlers in the middle of the parallel unit tests.)
    #[test]
    fn a_tarball_from_the_c_bzip2_decodes_exactly() {
        let archive: &[u8] =
            include_bytes!("../../../tests/fixtures/install/c-bzip2-release.tar.bz2");
        let mut tar = tar::Archive::new(bzip2::read::BzDecoder::new(archive));
        let mut files = std::collections::BTreeMap::new();
        for entry in tar.entries().unwrap() {
            let mut entry = entry.unwrap();
            let path = entry.path().unwrap().display().to_string();
            let mut content = Vec::new();
            entry.read_to_end(&mut content).unwrap();
            files.insert(path, content);
        }
        assert_eq!(files["maelstrom/lib/maelstrom.jar"], b"placeholder jar\n");
        let readme: String = (0..2000)
            .map(|i| format!("line {i}: the quick brown fox jumps over the lazy dog\n"))
            .collect();
        assert_eq!(files["maelstrom/README.md"], readme.as_bytes());
        assert!(files["maelstrom/maelstrom"].starts_with(b"#!/bin/sh\n"));
    }

    #[test]
    fn links_must_stay_inside() {
        let base = Path::new("maelstrom/bin");
        assert!(stays_inside(base, Path::new("../lib/maelstrom.jar")));
        assert!(stays_inside(base, Path::new("./run")));
        assert!(stays_inside(
            Path::new(""),
            Path::new("maelstrom/README.md")
        ));
        assert!(!stays_inside(base, Path::new("../../../etc/passwd")));
        assert!(!stays_inside(base, Path::new("/etc/passwd")));
        assert!(!stays_inside(Path::new(""), Path::new("..")));
        // Climbing out and back in still passes through the parent folder: refused.
        assert!(!stays_inside(Path::new("m"), Path::new("../../x/m/y")));
    }
}
