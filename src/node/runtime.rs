//! The stdio runtime: the only async code in node mode. A current-thread tokio loop reads JSON
//! lines, fires ticks, and writes the outbox to a buffered stdout; logs go to stderr, which
//! Maelstrom stores per node. It is generic over reader and writers so tests can drive it with
//! in-memory pipes.

use super::lines::{LineReader, Next, MAX_LINE_BYTES};
use super::{Host, Node};
use crate::protocol::Message;
use std::io::Write;
use tokio::io::{AsyncRead, AsyncWrite, AsyncWriteExt, BufWriter};
use tokio::time::Instant;

/// Runs `node` on this process's stdin/stdout until stdin closes.
pub fn run_stdio(node: Box<dyn Node>, seed: u64) -> anyhow::Result<()> {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_time()
        .enable_io()
        .build()?;
    let mut stderr = std::io::stderr();
    runtime.block_on(run(
        Host::new(node, seed),
        tokio::io::stdin(),
        tokio::io::stdout(),
        &mut stderr,
    ))?;
    Ok(())
}

/// Drives `host` from `input` until EOF, writing messages to `output` and logs to `logs`.
/// Returns once input is exhausted and everything produced has been flushed. Lines longer than
/// [`MAX_LINE_BYTES`] are skipped.
pub async fn run<R, W>(host: Host, input: R, output: W, logs: &mut dyn Write) -> std::io::Result<()>
where
    R: AsyncRead + Unpin,
    W: AsyncWrite + Unpin,
{
    let mut lines = LineReader::new(input, 64 * 1024, MAX_LINE_BYTES);
    run_lines(host, &mut lines, output, logs).await
}

/// [`run`] over a line reader the caller built (and may inspect afterwards).
pub async fn run_lines<R, W>(
    mut host: Host,
    lines: &mut LineReader<R>,
    output: W,
    logs: &mut dyn Write,
) -> std::io::Result<()>
where
    R: AsyncRead + Unpin,
    W: AsyncWrite + Unpin,
{
    let started = Instant::now();
    let mut writer = BufWriter::with_capacity(64 * 1024, output);
    let mut next_tick: Option<Instant> = None;
    loop {
        let tick_at = next_tick;
        let tick = async {
            match tick_at {
                Some(at) => tokio::time::sleep_until(at).await,
                None => std::future::pending::<()>().await,
            }
        };
        // `LineReader::next` keeps partial input if the tick wins the race, so no bytes are
        // lost when a tick interrupts a long line.
        let outgoing = tokio::select! {
            read = lines.next() => match read? {
                Next::Eof => break,
                Next::Line => {
                    let out = host.handle_line(lines.line(), started.elapsed());
                    lines.clear();
                    out
                }
                Next::Oversized(bytes) => {
                    // Nobody can be answered: the line was never parsed.
                    let _ = writeln!(
                        logs,
                        "skipping a line of {bytes} bytes: longer than the {} byte limit",
                        lines.max()
                    );
                    Vec::new()
                }
            },
            _ = tick => {
                next_tick = None;
                host.tick(started.elapsed())
            }
        };
        write_messages(&mut writer, &outgoing).await?;
        for entry in host.take_logs() {
            // A broken stderr must not take the node down; the log line is simply lost.
            let _ = writeln!(logs, "{entry}");
        }
        if next_tick.is_none() {
            next_tick = host.tick_interval().map(|every| Instant::now() + every);
        }
        // Flush only when no further complete input is already buffered: replies to a burst
        // go out in one write, yet nothing waits on more input that may never come.
        if !lines.has_buffered_line() {
            writer.flush().await?;
        }
    }
    writer.flush().await?;
    Ok(())
}

async fn write_messages<W: AsyncWrite + Unpin>(
    writer: &mut BufWriter<W>,
    messages: &[Message],
) -> std::io::Result<()> {
    for msg in messages {
        let mut bytes = serde_json::to_vec(msg).map_err(std::io::Error::other)?;
        bytes.push(b'\n');
        writer.write_all(&bytes).await?;
    }
    Ok(())
}
