//! Helpers shared by the driver's integration tests: the glomers binary, a tiny HTTP server on
//! 127.0.0.1, Maelstrom-shaped tarballs, a fake Maelstrom launcher, and process-group checks.
#![allow(dead_code)]

use std::io::{Read, Write};
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::Command;

/// The glomers binary under test.
pub fn glomers() -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_glomers"));
    // Isolate from the developer's own Maelstrom settings.
    for var in [
        "GLOMERS_MAELSTROM",
        "GLOMERS_MAELSTROM_URL",
        "GLOMERS_MAELSTROM_SHA256",
    ] {
        cmd.env_remove(var);
    }
    cmd
}

pub fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/store")
        .join(name)
}

pub const ECHO: &str = "echo-20261121T112534.331Z";
pub const BROADCAST_LOST: &str = "broadcast-20261121T112556.282Z";
pub const BROADCAST_FLOOD: &str = "broadcast-20261121T112625.949Z";
pub const LIN_KV: &str = "lin-kv-20261121T112653.280Z";
pub const TXN: &str = "txn-rw-register-20261121T112710.966Z";

/// What the test server answers on one path.
#[derive(Clone)]
pub enum Reply {
    Body(Vec<u8>),
    /// Claims `Content-Length` of the whole body but sends only the first `sent` bytes.
    CutShort {
        body: Vec<u8>,
        sent: usize,
    },
    Redirect(String),
    NotFound,
    /// Announces `length` bytes, then sends one byte per `every` (for at most 30 s).
    Trickle {
        length: u64,
        every: std::time::Duration,
    },
    /// A body with no `Content-Length` that never ends on its own: 64 KiB chunks, one per
    /// `every`, until the client hangs up (or 256 MiB / 30 s have gone, so the server stops).
    Endless {
        every: std::time::Duration,
    },
    /// Announces `length` bytes (typically absurd) and sends a few.
    Claims {
        length: u64,
    },
}

/// Hard bounds on what one slow reply may do, so no test can leave it running.
const SLOW_REPLY_LIMIT: std::time::Duration = std::time::Duration::from_secs(30);
const ENDLESS_BYTES_LIMIT: u64 = 256 * 1024 * 1024;

/// Writes one slow reply; stops at the first write error (the client went away).
fn write_slow(stream: &mut std::net::TcpStream, reply: &Reply) -> std::io::Result<()> {
    let started = std::time::Instant::now();
    match reply {
        Reply::Trickle { length, every } => {
            stream.write_all(
                format!("HTTP/1.1 200 OK\r\nContent-Length: {length}\r\nConnection: close\r\n\r\n")
                    .as_bytes(),
            )?;
            for _ in 0..*length {
                if started.elapsed() > SLOW_REPLY_LIMIT {
                    break;
                }
                stream.write_all(b"x")?;
                stream.flush()?;
                std::thread::sleep(*every);
            }
        }
        Reply::Endless { every } => {
            stream.write_all(b"HTTP/1.1 200 OK\r\nConnection: close\r\n\r\n")?;
            let chunk = vec![b'z'; 64 * 1024];
            let mut sent = 0u64;
            while sent < ENDLESS_BYTES_LIMIT && started.elapsed() < SLOW_REPLY_LIMIT {
                stream.write_all(&chunk)?;
                sent += chunk.len() as u64;
                std::thread::sleep(*every);
            }
        }
        Reply::Claims { length } => {
            stream.write_all(
                format!("HTTP/1.1 200 OK\r\nContent-Length: {length}\r\nConnection: close\r\n\r\n")
                    .as_bytes(),
            )?;
            stream.write_all(&[b'c'; 4096])?;
        }
        _ => {}
    }
    Ok(())
}

/// Serves `routes` on 127.0.0.1 from a background thread; returns `http://127.0.0.1:port`.
pub fn serve(routes: Vec<(&str, Reply)>) -> String {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    let routes: Vec<(String, Reply)> = routes
        .into_iter()
        .map(|(p, r)| (p.to_string(), r))
        .collect();
    let routes = std::sync::Arc::new(routes);
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(stream) = stream else { continue };
            let routes = routes.clone();
            // One thread per connection, so a slow reply does not hold up the next request.
            std::thread::spawn(move || answer(stream, &routes));
        }
    });
    base
}

fn answer(mut stream: std::net::TcpStream, routes: &[(String, Reply)]) {
    let mut req = Vec::new();
    let mut buf = [0u8; 1024];
    while !req.windows(4).any(|w| w == b"\r\n\r\n") {
        match stream.read(&mut buf) {
            Ok(0) | Err(_) => break,
            Ok(n) => req.extend_from_slice(&buf[..n]),
        }
    }
    let text = String::from_utf8_lossy(&req);
    let path = text.split_whitespace().nth(1).unwrap_or("/").to_string();
    let reply = routes
        .iter()
        .find(|(p, _)| *p == path)
        .map(|(_, r)| r.clone())
        .unwrap_or(Reply::NotFound);
    let _ = match reply {
        Reply::Body(body) => stream
            .write_all(
                format!("HTTP/1.1 200 OK\r\nContent-Length: {}\r\nConnection: close\r\n\r\n", body.len())
                    .as_bytes(),
            )
            .and_then(|_| stream.write_all(&body)),
        Reply::CutShort { body, sent } => stream
            .write_all(
                format!("HTTP/1.1 200 OK\r\nContent-Length: {}\r\nConnection: close\r\n\r\n", body.len())
                    .as_bytes(),
            )
            .and_then(|_| stream.write_all(&body[..sent])),
        Reply::Redirect(to) => stream.write_all(
            format!("HTTP/1.1 302 Found\r\nLocation: {to}\r\nContent-Length: 0\r\nConnection: close\r\n\r\n")
                .as_bytes(),
        ),
        Reply::NotFound => stream.write_all(
            b"HTTP/1.1 404 Not Found\r\nContent-Length: 9\r\nConnection: close\r\n\r\nnot found",
        ),
        slow => write_slow(&mut stream, &slow),
    };
    let _ = stream.flush();
}

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

/// A stand-in for Maelstrom. It records its arguments in `$FAKE_ARGV`, prints Maelstrom's
/// console lines, and then, by `$FAKE_MODE`:
/// - `run` (default): starts the `--bin` node as Maelstrom would (the words after `--`), sends
///   it `init` and keeps its reply in `$FAKE_NODE_OUT`; copies `$FAKE_FIXTURES/<workload>/`'s
///   results.edn and history.edn into `store/<workload>/<time>/` and exits `$FAKE_EXIT`
///   (255 when there is no fixture for the workload, like a crashed test);
/// - `sleep`: starts two long sleeps in its process group (one ignoring SIGTERM), writes its pid
///   and theirs to `$FAKE_PIDS`, and waits;
/// - `usage`: complains about an option and exits 254.
pub const FAKE_MAELSTROM: &str = r#"#!/bin/bash
printf '%s\n' "$@" > "${FAKE_ARGV:-/dev/null}"
workload=""; bin=""; prev=""; node=(); after=0
for a in "$@"; do
  if [ "$after" = 1 ]; then node+=("$a"); continue; fi
  case "$prev" in -w) workload="$a";; --bin) bin="$a";; esac
  if [ "$a" = "--" ]; then after=1; fi
  prev="$a"
done
echo -e "INFO\t[jepsen test runner] jepsen.core: Command line:"
echo "maelstrom $*"
case "${FAKE_MODE:-run}" in
  usage) echo "Unknown option: --bogus" >&2; exit 254;;
  sleep)
    sleep 600 &
    a=$!
    (trap '' TERM; exec sleep 601) &
    b=$!
    echo "$$ $a $b" > "$FAKE_PIDS"
    echo -e "INFO\t[jepsen test runner] jepsen.core: Relative time begins now"
    wait
    exit 0;;
esac
echo -e "INFO\t[jepsen node n0] maelstrom.db: Setting up n0"
if [ -n "$FAKE_NODE_OUT" ]; then
  echo '{"src":"c0","dest":"n0","body":{"type":"init","msg_id":1,"node_id":"n0","node_ids":["n0"]}}' \
    | "$bin" "${node[@]}" > "$FAKE_NODE_OUT" 2>/dev/null
fi
echo -e "INFO\t[jepsen test runner] jepsen.core: Relative time begins now"
fixture="$FAKE_FIXTURES/$workload"
if [ ! -d "$fixture" ]; then
  echo -e "WARN\t[jepsen test runner] jepsen.core: Test crashed!"
  echo "java.lang.RuntimeException: the node crashed" >&2
  exit 255
fi
echo -e "INFO\t[jepsen test runner] jepsen.core: Run complete, writing"
echo -e "INFO\t[jepsen test runner] jepsen.core: Analyzing..."
stamp="$(date -u +%Y%m%dT%H%M%S).$RANDOM"
dir="store/$workload/$stamp"
mkdir -p "$dir"
cp "$fixture/results.edn" "$fixture/history.edn" "$dir/"
ln -sfn "$workload/$stamp" store/latest
echo -e "INFO\t[jepsen test runner] jepsen.core: Analysis complete"
echo -e "INFO\t[jepsen results] jepsen.store: Wrote $dir/results.edn"
case "${FAKE_EXIT:-0}" in
  0) echo 'Everything looks good! ヽ(‘ー`)ノ';;
  1) echo 'Analysis invalid! (ﾉಥ益ಥ）ﾉ ┻━┻';;
esac
exit "${FAKE_EXIT:-0}"
"#;

/// Writes the fake launcher (executable) and a fixtures folder mapping workloads to fixture
/// run folders; returns (launcher, fixtures dir).
pub fn fake_maelstrom(dir: &Path, fixtures: &[(&str, &str)]) -> (PathBuf, PathBuf) {
    use std::os::unix::fs::PermissionsExt;
    let launcher = dir.join("fake-maelstrom");
    std::fs::write(&launcher, FAKE_MAELSTROM).unwrap();
    std::fs::set_permissions(&launcher, std::fs::Permissions::from_mode(0o755)).unwrap();
    let by_workload = dir.join("fixtures");
    std::fs::create_dir_all(&by_workload).unwrap();
    for (workload, name) in fixtures {
        std::os::unix::fs::symlink(fixture(name), by_workload.join(workload)).unwrap();
    }
    (launcher, by_workload)
}

/// (state, process group) of a process, from /proc.
pub fn proc_state(pid: i32) -> Option<(char, i32)> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    let rest = stat.rsplit_once(')')?.1;
    let mut fields = rest.split_whitespace();
    let state = fields.next()?.chars().next()?;
    let _ppid = fields.next()?;
    let pgrp = fields.next()?.parse().ok()?;
    Some((state, pgrp))
}

/// Processes in group `pgid` that are still running (zombies waiting to be reaped excluded).
pub fn running_in_group(pgid: i32) -> Vec<i32> {
    std::fs::read_dir("/proc")
        .unwrap()
        .filter_map(Result::ok)
        .filter_map(|e| e.file_name().to_str()?.parse::<i32>().ok())
        .filter(|pid| matches!(proc_state(*pid), Some((s, g)) if g == pgid && s != 'Z'))
        .collect()
}

pub fn is_running(pid: i32) -> bool {
    matches!(proc_state(pid), Some((s, _)) if s != 'Z')
}
