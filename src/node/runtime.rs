//! The stdio runtime: the only async code in node mode. A current-thread tokio loop reads JSON
//! lines, fires ticks, and writes the outbox to a buffered stdout; logs go to stderr, which
//! Maelstrom stores per node. It is generic over reader and writers so tests can drive it with
//! in-memory pipes.

use super::{Host, Node};
use crate::protocol::Message;
use std::io::Write;
use tokio::io::{AsyncBufReadExt, AsyncRead, AsyncWrite, AsyncWriteExt, BufReader, BufWriter};
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
/// Returns once input is exhausted and everything produced has been flushed.
pub async fn run<R, W>(
    mut host: Host,
    input: R,
    output: W,
    logs: &mut dyn Write,
) -> std::io::Result<()>
where
    R: AsyncRead + Unpin,
    W: AsyncWrite + Unpin,
{
    let started = Instant::now();
    let mut reader = BufReader::with_capacity(64 * 1024, input);
    let mut writer = BufWriter::with_capacity(64 * 1024, output);
    let mut line = Vec::new();
    let mut next_tick: Option<Instant> = None;
    loop {
        let tick_at = next_tick;
        let tick = async {
            match tick_at {
                Some(at) => tokio::time::sleep_until(at).await,
                None => std::future::pending::<()>().await,
            }
        };
        // `read_until` keeps partial input in `line` if the tick wins the race, so no bytes
        // are lost when a tick interrupts a long line.
        let outgoing = tokio::select! {
            read = reader.read_until(b'\n', &mut line) => {
                if read? == 0 && line.is_empty() {
                    break;
                }
                let out = host.handle_line(&line, started.elapsed());
                line.clear();
                out
            }
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
        if !reader.buffer().contains(&b'\n') {
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
