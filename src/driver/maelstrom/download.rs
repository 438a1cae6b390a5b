//! Downloading one file over HTTP(S) with hard limits: only `http`/`https` URLs, redirects
//! followed by hand (at most [`MAX_REDIRECTS`], each checked for its scheme), one overall
//! deadline for the whole transfer, a size cap checked against `Content-Length` before reading
//! and against the bytes actually received, and Ctrl-C / SIGTERM honoured between reads.
//!
//! The blocking HTTP client runs on a worker thread that hands chunks over a bounded channel;
//! the calling thread alone writes the file, so it can give up at the deadline or on a signal
//! even while the worker is stuck in a read, and the caller's temporaries are dropped at once.

use crate::child::interrupt::InterruptFlag;
use crate::driver::runs::progress;
use sha2::{Digest, Sha256};
use std::io::{Read, Write};
use std::sync::mpsc::{self, Receiver, RecvTimeoutError, SyncSender};
use std::time::{Duration, Instant};

/// Redirects followed before giving up.
const MAX_REDIRECTS: usize = 8;
const CONNECT_TIMEOUT: Duration = Duration::from_secs(15);
/// A stalled server (no byte at all) is given up on after this, within the overall deadline.
const READ_TIMEOUT: Duration = Duration::from_secs(60);
const CHUNK: usize = 64 * 1024;
/// How often the writing side looks at the deadline and the interrupt flag.
const POLL: Duration = Duration::from_millis(100);
/// How long the worker outlives the deadline before its own client timeout ends it.
const WORKER_GRACE: Duration = Duration::from_secs(5);

/// Why a download stopped short.
#[derive(Debug)]
pub(crate) enum Failure {
    /// Ctrl-C, SIGTERM or SIGHUP arrived.
    Interrupted,
    /// Anything else, said in words.
    Other(anyhow::Error),
}

impl From<anyhow::Error> for Failure {
    fn from(e: anyhow::Error) -> Failure {
        Failure::Other(e)
    }
}

/// What the worker thread reports.
enum Event {
    /// Response headers are in: the final URL and the announced length.
    Started {
        url: String,
        length: Option<u64>,
    },
    Chunk(Vec<u8>),
    Done,
    Failed(String),
}

/// Streams `url` into `out`, hashing as it goes; returns the hex sha256. Stops with an error
/// once `max_bytes` would be passed or `deadline` has elapsed since the start.
pub(crate) fn fetch(
    url: &str,
    out: &mut impl Write,
    max_bytes: u64,
    deadline: Duration,
    interrupt: &InterruptFlag,
) -> Result<String, Failure> {
    check_scheme(url, url)?;
    let started = Instant::now();
    let events = spawn_worker(url.to_string(), deadline);
    let mut bar: Option<progress::ByteProgress> = None;
    let mut total: Option<u64> = None;
    let mut received: u64 = 0;
    let mut hasher = Sha256::new();
    let outcome = loop {
        if interrupt.raised() {
            break Err(Failure::Interrupted);
        }
        if started.elapsed() >= deadline {
            break Err(Failure::Other(anyhow::anyhow!(
                "download of {url} passed its deadline of {} s after {received} bytes (GLOMERS_DOWNLOAD_DEADLINE_SECS sets it)",
                deadline.as_secs()
            )));
        }
        match events.recv_timeout(POLL) {
            Err(RecvTimeoutError::Timeout) => continue,
            Err(RecvTimeoutError::Disconnected) => {
                break Err(Failure::Other(anyhow::anyhow!(
                    "download of {url} stopped unexpectedly after {received} bytes"
                )))
            }
            Ok(Event::Started { url: last, length }) => {
                if let Some(length) = length.filter(|&n| n > max_bytes) {
                    break Err(Failure::Other(anyhow::anyhow!(
                        "{last} announces {length} bytes, more than the download cap of {max_bytes} bytes (GLOMERS_DOWNLOAD_MAX_BYTES sets it); nothing was downloaded"
                    )));
                }
                total = length;
                bar = Some(progress::bytes_bar(length, &format!("downloading {last}")));
            }
            Ok(Event::Chunk(chunk)) => {
                received += chunk.len() as u64;
                if received > max_bytes {
                    break Err(Failure::Other(anyhow::anyhow!(
                        "download of {url} passed the cap of {max_bytes} bytes (GLOMERS_DOWNLOAD_MAX_BYTES sets it); stopped"
                    )));
                }
                hasher.update(&chunk);
                if let Err(e) = out.write_all(&chunk) {
                    break Err(Failure::Other(
                        anyhow::Error::new(e).context("writing the download"),
                    ));
                }
                if let Some(bar) = &mut bar {
                    bar.set_position(received);
                }
            }
            Ok(Event::Done) => break Ok(()),
            Ok(Event::Failed(message)) => {
                break Err(Failure::Other(anyhow::anyhow!(
                    "{message} (after {received} bytes)"
                )))
            }
        }
    };
    // Dropping `events` makes the worker's next send fail, so it stops reading.
    drop(events);
    match (outcome, bar) {
        (Ok(()), Some(bar)) => bar.finish(),
        (Ok(()), None) => {}
        (Err(e), bar) => {
            if let Some(bar) = bar {
                bar.abandon();
            }
            return Err(e);
        }
    }
    if let Some(total) = total {
        if received != total {
            return Err(Failure::Other(anyhow::anyhow!(
                "download of {url} truncated: got {received} of {total} bytes"
            )));
        }
    }
    out.flush()
        .map_err(|e| Failure::Other(anyhow::Error::new(e).context("writing the download")))?;
    Ok(hex(&hasher.finalize()))
}

/// Refuses anything but `http` and `https` (`file://`, `ftp://`, …), naming where it came from.
fn check_scheme(url: &str, origin: &str) -> anyhow::Result<url::Url> {
    let parsed = url::Url::parse(url).map_err(|e| anyhow::anyhow!("{url:?} is not a URL: {e}"))?;
    match parsed.scheme() {
        "http" | "https" => Ok(parsed),
        other => {
            if url == origin {
                anyhow::bail!("{url}: scheme {other:?} is not supported; only http and https are")
            }
            anyhow::bail!(
                "{origin} redirects to {url}: scheme {other:?} is not supported; only http and https are followed"
            )
        }
    }
}

/// Where a redirect response points, resolved against the URL that sent it.
fn redirect_target(current: &str, response: &ureq::Response) -> anyhow::Result<String> {
    let Some(location) = response.header("Location") else {
        anyhow::bail!(
            "{current} answered HTTP {} without a Location to follow",
            response.status()
        );
    };
    let base =
        url::Url::parse(current).map_err(|e| anyhow::anyhow!("{current:?} is not a URL: {e}"))?;
    let next = base
        .join(location.trim())
        .map_err(|e| anyhow::anyhow!("{current} redirects to {location:?}, not a URL: {e}"))?;
    Ok(check_scheme(next.as_str(), current)?.to_string())
}

/// Follows redirects by hand (the client's own redirect handling is off) and returns the
/// final response and its URL.
fn open(agent: &ureq::Agent, url: &str) -> anyhow::Result<(String, ureq::Response)> {
    let mut current = url.to_string();
    for _ in 0..=MAX_REDIRECTS {
        let response = match agent.get(&current).call() {
            Ok(r) => r,
            Err(ureq::Error::Status(code, r)) => {
                anyhow::bail!(
                    "download failed: HTTP {code} {} from {current}",
                    r.status_text()
                )
            }
            // A transport error's own text starts with the URL: say it once.
            Err(ureq::Error::Transport(t)) => {
                let mut why = t.kind().to_string();
                if let Some(message) = t.message() {
                    why = format!("{why}: {message}");
                }
                if let Some(source) = std::error::Error::source(&t) {
                    why = format!("{why}: {source}");
                }
                anyhow::bail!("download failed: {current}: {why}")
            }
        };
        if !(300..400).contains(&response.status()) {
            return Ok((current, response));
        }
        current = redirect_target(&current, &response)?;
    }
    anyhow::bail!("download of {url} failed: more than {MAX_REDIRECTS} redirects")
}

fn spawn_worker(url: String, deadline: Duration) -> Receiver<Event> {
    // Bounded, so a fast server cannot fill memory while the file is being written.
    let (tx, rx) = mpsc::sync_channel(16);
    std::thread::spawn(move || {
        if let Err(message) = transfer(&url, deadline, &tx) {
            let _ = tx.send(Event::Failed(message));
        }
    });
    rx
}

/// The worker: request, then pass on chunks until the end or until nobody listens.
fn transfer(url: &str, deadline: Duration, tx: &SyncSender<Event>) -> Result<(), String> {
    let agent = ureq::AgentBuilder::new()
        .timeout_connect(CONNECT_TIMEOUT)
        .timeout_read(READ_TIMEOUT)
        // The whole transfer, so this thread ends by itself even if the caller gave up; a little
        // later than the caller's deadline, which is the one that reports.
        .timeout(deadline + WORKER_GRACE)
        .redirects(0)
        .build();
    let (last, response) = open(&agent, url).map_err(|e| format!("{e:#}"))?;
    let length = response
        .header("Content-Length")
        .and_then(|v| v.trim().parse().ok());
    tx.send(Event::Started {
        url: last.clone(),
        length,
    })
    .map_err(|_| String::new())?;
    let mut reader = response.into_reader();
    loop {
        let mut buf = vec![0u8; CHUNK];
        let n = match reader.read(&mut buf) {
            Ok(0) => break,
            Ok(n) => n,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(format!("download of {last} broke off: {e}")),
        };
        buf.truncate(n);
        tx.send(Event::Chunk(buf)).map_err(|_| String::new())?;
    }
    let _ = tx.send(Event::Done);
    Ok(())
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_http_and_https_are_accepted() {
        assert!(check_scheme("https://example.invalid/a", "https://example.invalid/a").is_ok());
        assert!(check_scheme("http://127.0.0.1:1/a", "http://127.0.0.1:1/a").is_ok());
        let err = check_scheme("file:///etc/passwd", "http://127.0.0.1:1/a")
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("redirects to file:///etc/passwd") && err.contains("only http and https"),
            "{err}"
        );
        let err = check_scheme("ftp://h/x", "ftp://h/x")
            .unwrap_err()
            .to_string();
        assert!(err.contains("\"ftp\" is not supported"), "{err}");
        assert!(check_scheme("not a url", "not a url").is_err());
    }
}
