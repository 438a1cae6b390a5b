//! Archives shaped like Maelstrom's release (and hostile variants of it) for the install tests,
//! their checksums, and a look at what an install left behind.

use crate::support::http::{serve, Reply};
use std::path::Path;

/// A bzip2 tarball shaped like Maelstrom's release: `maelstrom/` with the launcher and (if
/// `with_jar`) `lib/maelstrom.jar`.
pub fn tarball(with_jar: bool) -> Vec<u8> {
    let enc = bzip2::write::BzEncoder::new(Vec::new(), bzip2::Compression::best());
    let mut tar = tar::Builder::new(enc);
    let mut add = |path: &str, mode: u32, data: &[u8]| {
        let mut header = tar::Header::new_gnu();
        header.set_size(data.len() as u64);
        header.set_mode(mode);
        header.set_cksum();
        tar.append_data(&mut header, path, data).unwrap();
    };
    add(
        "maelstrom/maelstrom",
        0o755,
        b"#!/usr/bin/env bash\nexec java -Djava.awt.headless=true -jar \"$(dirname \"$0\")/lib/maelstrom.jar\" \"$@\"\n",
    );
    add("maelstrom/README.md", 0o644, b"# Maelstrom\n");
    if with_jar {
        // Bulk so the download spans several reads.
        add("maelstrom/lib/maelstrom.jar", 0o644, &vec![b'j'; 300_000]);
    }
    tar.into_inner().unwrap().finish().unwrap()
}

/// An extra entry for [`tarball_with`].
pub enum Extra {
    File {
        path: &'static str,
        mode: u32,
        size: usize,
    },
    Symlink {
        path: &'static str,
        target: &'static str,
    },
    HardLink {
        path: &'static str,
        target: &'static str,
    },
    Fifo {
        path: &'static str,
    },
}

/// [`tarball`] (with the jar) plus `extra` entries, written as given (no path checks).
pub fn tarball_with(extra: &[Extra]) -> Vec<u8> {
    let enc = bzip2::write::BzEncoder::new(Vec::new(), bzip2::Compression::fast());
    let mut tar = tar::Builder::new(enc);
    let mut add = |path: &str, kind: tar::EntryType, mode: u32, link: Option<&str>, data: &[u8]| {
        let mut header = tar::Header::new_gnu();
        header.set_entry_type(kind);
        header.set_size(data.len() as u64);
        header.set_mode(mode);
        // Raw names, so a test can write what a hostile archive would.
        header.as_old_mut().name[..path.len()].copy_from_slice(path.as_bytes());
        if let Some(link) = link {
            header.as_old_mut().linkname[..link.len()].copy_from_slice(link.as_bytes());
        }
        header.set_cksum();
        tar.append(&header, data).unwrap();
    };
    add(
        "maelstrom/lib/maelstrom.jar",
        tar::EntryType::Regular,
        0o644,
        None,
        &vec![b'j'; 1000],
    );
    for e in extra {
        match e {
            Extra::File { path, mode, size } => add(
                path,
                tar::EntryType::Regular,
                *mode,
                None,
                &vec![0u8; *size],
            ),
            Extra::Symlink { path, target } => {
                add(path, tar::EntryType::Symlink, 0o777, Some(target), &[])
            }
            Extra::HardLink { path, target } => {
                add(path, tar::EntryType::Link, 0o644, Some(target), &[])
            }
            Extra::Fifo { path } => add(path, tar::EntryType::Fifo, 0o644, None, &[]),
        }
    }
    tar.into_inner().unwrap().finish().unwrap()
}

pub fn sha256_hex(bytes: &[u8]) -> String {
    use sha2::Digest;
    sha2::Sha256::digest(bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// Entries under `dir` (none if it does not exist).
pub fn entries(dir: &Path) -> Vec<String> {
    std::fs::read_dir(dir)
        .map(|rd| {
            rd.filter_map(Result::ok)
                .map(|e| e.file_name().to_string_lossy().to_string())
                .collect()
        })
        .unwrap_or_default()
}

/// Serves `archive` at `/m.tar.bz2` from a local server: its URL and its sha256.
pub fn serve_archive(archive: Vec<u8>) -> (String, String) {
    let sha = sha256_hex(&archive);
    let base = serve(vec![("/m.tar.bz2", Reply::Body(archive))]);
    (format!("{base}/m.tar.bz2"), sha)
}
