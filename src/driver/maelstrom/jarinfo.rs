//! Reads Maelstrom's version out of its jar: Leiningen uberjars carry
//! `META-INF/maven/maelstrom/maelstrom/pom.properties` (`version=0.2.4`). A jar is a zip file;
//! this is a minimal reader for one entry (central directory lookup, zip64 aware, stored or
//! deflated), so `doctor` can name the version of any install without a zip dependency.

use anyhow::{bail, Context};
use miniz_oxide::inflate::{self, TINFLStatus};
use std::fs::File;
use std::io::{Read, Seek, SeekFrom};
use std::path::Path;

/// Where Leiningen puts the project's Maven coordinates.
const POM_PROPERTIES: &str = "META-INF/maven/maelstrom/maelstrom/pom.properties";

const EOCD_SIG: u32 = 0x0605_4b50;
const ZIP64_LOCATOR_SIG: u32 = 0x0706_4b50;
const ZIP64_EOCD_SIG: u32 = 0x0606_4b50;
const CENTRAL_SIG: u32 = 0x0201_4b50;
const LOCAL_SIG: u32 = 0x0403_4b50;
/// Entries larger than this are not what we look for; refuse rather than allocate.
const MAX_ENTRY: u64 = 1 << 20;

fn u16_at(b: &[u8], at: usize) -> u16 {
    b.get(at..at + 2)
        .map(|s| u16::from_le_bytes([s[0], s[1]]))
        .unwrap_or(0)
}

fn u32_at(b: &[u8], at: usize) -> u32 {
    b.get(at..at + 4)
        .map(|s| u32::from_le_bytes([s[0], s[1], s[2], s[3]]))
        .unwrap_or(0)
}

fn u64_at(b: &[u8], at: usize) -> u64 {
    b.get(at..at + 8)
        .map(|s| {
            let mut a = [0u8; 8];
            a.copy_from_slice(s);
            u64::from_le_bytes(a)
        })
        .unwrap_or(0)
}

fn read_exact_at(f: &mut File, offset: u64, len: usize) -> anyhow::Result<Vec<u8>> {
    f.seek(SeekFrom::Start(offset))?;
    let mut buf = vec![0u8; len];
    f.read_exact(&mut buf)?;
    Ok(buf)
}

/// The central directory's offset and size.
fn central_directory(f: &mut File) -> anyhow::Result<(u64, u64)> {
    let len = f.metadata()?.len();
    // The end record is 22 bytes plus a comment of at most 64 KiB.
    let tail_len = len.min(22 + 65_535 + 20);
    let tail = read_exact_at(f, len - tail_len, tail_len as usize)?;
    let eocd = (0..tail.len().saturating_sub(21))
        .rev()
        .find(|&i| u32_at(&tail, i) == EOCD_SIG)
        .context("not a zip file (no end of central directory)")?;
    let size = u64::from(u32_at(&tail, eocd + 12));
    let offset = u64::from(u32_at(&tail, eocd + 16));
    if offset != u64::from(u32::MAX) && size != u64::from(u32::MAX) {
        return Ok((offset, size));
    }
    // Zip64: a locator sits just before the end record and points at the zip64 end record.
    let locator = eocd.checked_sub(20).context("zip64 locator missing")?;
    if u32_at(&tail, locator) != ZIP64_LOCATOR_SIG {
        bail!("zip64 locator missing");
    }
    let record_at = u64_at(&tail, locator + 8);
    let record = read_exact_at(f, record_at, 56)?;
    if u32_at(&record, 0) != ZIP64_EOCD_SIG {
        bail!("zip64 end record missing");
    }
    Ok((u64_at(&record, 48), u64_at(&record, 40)))
}

/// The bytes of entry `name`, or `None` if the archive has no such entry.
fn read_entry(path: &Path, name: &str) -> anyhow::Result<Option<Vec<u8>>> {
    let mut f = File::open(path).with_context(|| format!("opening {}", path.display()))?;
    let (cd_offset, cd_size) = central_directory(&mut f)?;
    if cd_size > 256 << 20 {
        bail!("implausible central directory size {cd_size}");
    }
    let cd = read_exact_at(&mut f, cd_offset, cd_size as usize)?;
    let mut at = 0usize;
    while u32_at(&cd, at) == CENTRAL_SIG {
        let method = u16_at(&cd, at + 10);
        let mut compressed = u64::from(u32_at(&cd, at + 20));
        let mut uncompressed = u64::from(u32_at(&cd, at + 24));
        let name_len = usize::from(u16_at(&cd, at + 28));
        let extra_len = usize::from(u16_at(&cd, at + 30));
        let comment_len = usize::from(u16_at(&cd, at + 32));
        let mut local = u64::from(u32_at(&cd, at + 42));
        let entry_name = cd.get(at + 46..at + 46 + name_len).unwrap_or_default();
        if entry_name == name.as_bytes() {
            // Zip64 extra field (id 1) holds whichever of the sizes/offset overflowed, in order.
            let extra = cd
                .get(at + 46 + name_len..at + 46 + name_len + extra_len)
                .unwrap_or_default();
            let mut e = 0usize;
            while e + 4 <= extra.len() {
                let id = u16_at(extra, e);
                let size = usize::from(u16_at(extra, e + 2));
                if id == 1 {
                    let mut p = e + 4;
                    for field in [&mut uncompressed, &mut compressed, &mut local] {
                        if *field == u64::from(u32::MAX) {
                            *field = u64_at(extra, p);
                            p += 8;
                        }
                    }
                }
                e += 4 + size;
            }
            if compressed > MAX_ENTRY || uncompressed > MAX_ENTRY {
                bail!("entry {name} is unexpectedly large");
            }
            let header = read_exact_at(&mut f, local, 30)?;
            if u32_at(&header, 0) != LOCAL_SIG {
                bail!("bad local header for {name}");
            }
            let skip = 30 + u64::from(u16_at(&header, 26)) + u64::from(u16_at(&header, 28));
            let data = read_exact_at(&mut f, local + skip, compressed as usize)?;
            return match method {
                0 => Ok(Some(data)),
                // The limit holds even when the recorded size lies: a deflated entry that
                // inflates past it is refused, not truncated.
                8 => inflate::decompress_to_vec_with_limit(&data, MAX_ENTRY as usize)
                    .map(Some)
                    .map_err(|e| match e.status {
                        TINFLStatus::HasMoreOutput => {
                            anyhow::anyhow!("entry {name} inflates to more than {MAX_ENTRY} bytes")
                        }
                        _ => anyhow::anyhow!("inflating {name}: {e}"),
                    }),
                m => bail!("entry {name} uses unsupported compression method {m}"),
            };
        }
        at += 46 + name_len + extra_len + comment_len;
    }
    Ok(None)
}

/// `version=…` from a properties file.
pub(crate) fn version_from_properties(text: &str) -> Option<String> {
    text.lines()
        .filter_map(|l| l.trim().strip_prefix("version"))
        .filter_map(|rest| rest.trim_start().strip_prefix(['=', ':']))
        .map(|v| v.trim().to_string())
        .find(|v| !v.is_empty())
}

/// The Maelstrom version recorded in `jar`, if it can be read.
pub(crate) fn maelstrom_version(jar: &Path) -> Option<String> {
    let bytes = read_entry(jar, POM_PROPERTIES).ok()??;
    version_from_properties(&String::from_utf8_lossy(&bytes))
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    /// Builds a one-entry zip, stored or deflated (what `jar` and Leiningen produce).
    fn zip_with(name: &str, content: &[u8], deflate: bool) -> Vec<u8> {
        let data = if deflate {
            miniz_oxide::deflate::compress_to_vec(content, 6)
        } else {
            content.to_vec()
        };
        let method: u16 = if deflate { 8 } else { 0 };
        let mut out = Vec::new();
        // Local header (the CRC is not checked by the reader, so 0 will do).
        out.extend_from_slice(&LOCAL_SIG.to_le_bytes());
        out.extend_from_slice(&[20, 0, 0, 0]);
        out.extend_from_slice(&method.to_le_bytes());
        out.extend_from_slice(&[0; 8]);
        out.extend_from_slice(&(data.len() as u32).to_le_bytes());
        out.extend_from_slice(&(content.len() as u32).to_le_bytes());
        out.extend_from_slice(&(name.len() as u16).to_le_bytes());
        out.extend_from_slice(&0u16.to_le_bytes());
        out.extend_from_slice(name.as_bytes());
        out.extend_from_slice(&data);
        let cd_start = out.len();
        out.extend_from_slice(&CENTRAL_SIG.to_le_bytes());
        out.extend_from_slice(&[20, 0, 20, 0, 0, 0]);
        out.extend_from_slice(&method.to_le_bytes());
        out.extend_from_slice(&[0; 8]);
        out.extend_from_slice(&(data.len() as u32).to_le_bytes());
        out.extend_from_slice(&(content.len() as u32).to_le_bytes());
        out.extend_from_slice(&(name.len() as u16).to_le_bytes());
        out.extend_from_slice(&[0; 12]);
        out.extend_from_slice(&0u32.to_le_bytes());
        out.extend_from_slice(name.as_bytes());
        let cd_len = out.len() - cd_start;
        out.extend_from_slice(&EOCD_SIG.to_le_bytes());
        out.extend_from_slice(&[0, 0, 0, 0, 1, 0, 1, 0]);
        out.extend_from_slice(&(cd_len as u32).to_le_bytes());
        out.extend_from_slice(&(cd_start as u32).to_le_bytes());
        out.extend_from_slice(&0u16.to_le_bytes());
        out
    }

    #[test]
    fn reads_version_from_stored_and_deflated_jars() {
        let dir = tempfile::tempdir().unwrap();
        for deflate in [false, true] {
            let jar = dir.path().join(format!("m{deflate}.jar"));
            let props = b"#Generated by Leiningen\ngroupId=maelstrom\nversion=0.2.4\n";
            std::fs::write(&jar, zip_with(POM_PROPERTIES, props, deflate)).unwrap();
            assert_eq!(maelstrom_version(&jar).as_deref(), Some("0.2.4"));
            assert!(read_entry(&jar, "nope").unwrap().is_none());
        }
    }

    #[test]
    fn an_entry_inflating_past_the_limit_is_refused_even_if_its_size_lies() {
        let dir = tempfile::tempdir().unwrap();
        let jar = dir.path().join("bomb.jar");
        let big = vec![b'v'; MAX_ENTRY as usize + 1];
        let mut zip = zip_with(POM_PROPERTIES, &big, true);
        // Record a tiny uncompressed size in the central directory, as a hostile jar could.
        let central = (0..zip.len())
            .find(|&i| u32_at(&zip, i) == CENTRAL_SIG)
            .unwrap();
        zip[central + 24..central + 28].copy_from_slice(&10u32.to_le_bytes());
        std::fs::write(&jar, zip).unwrap();
        let err = read_entry(&jar, POM_PROPERTIES).unwrap_err().to_string();
        assert!(err.contains("inflates to more than 1048576 bytes"), "{err}");
        assert_eq!(maelstrom_version(&jar), None);
    }

    #[test]
    fn a_placeholder_jar_has_no_version() {
        let dir = tempfile::tempdir().unwrap();
        let jar = dir.path().join("maelstrom.jar");
        std::fs::write(&jar, b"placeholder").unwrap();
        assert_eq!(maelstrom_version(&jar), None);
        assert!(read_entry(&jar, POM_PROPERTIES).is_err());
    }

    #[test]
    fn properties_parse() {
        assert_eq!(
            version_from_properties("a=b\nversion = 1.2\n").as_deref(),
            Some("1.2")
        );
        assert_eq!(version_from_properties("versions=3\n"), None);
    }
}
