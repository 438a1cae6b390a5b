//! Benchmark: echo node throughput through a pipe. Spawns `glomers node echo`, streams 200 000
//! requests into its stdin while reading replies from its stdout, and prints messages per second
//! and the node's peak resident memory. Run with `cargo bench --bench echo_pipe`.

use std::io::{BufRead, BufReader, BufWriter, Write};
use std::process::{Command, Stdio};
use std::time::Instant;

const REQUESTS: usize = 200_000;

fn main() -> anyhow::Result<()> {
    let mut child = Command::new(env!("CARGO_BIN_EXE_glomers"))
        .args(["node", "echo"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()?;
    let stdin = child
        .stdin
        .take()
        .ok_or_else(|| anyhow::anyhow!("no stdin"))?;
    let stdout = child
        .stdout
        .take()
        .ok_or_else(|| anyhow::anyhow!("no stdout"))?;
    let started = Instant::now();
    let writer = std::thread::spawn(move || -> std::io::Result<()> {
        let mut w = BufWriter::new(stdin);
        writeln!(
            w,
            r#"{{"src":"c0","dest":"n0","body":{{"type":"init","msg_id":1,"node_id":"n0","node_ids":["n0"]}}}}"#
        )?;
        for i in 0..REQUESTS {
            writeln!(
                w,
                r#"{{"src":"c1","dest":"n0","body":{{"type":"echo","msg_id":{},"echo":"Please echo {}"}}}}"#,
                i + 2,
                i % 128
            )?;
        }
        w.flush()
    });
    let mut replies = 0usize;
    let mut last_reply = String::new();
    for line in BufReader::new(stdout).lines() {
        last_reply = line?;
        replies += 1;
    }
    let elapsed = started.elapsed();
    writer
        .join()
        .map_err(|_| anyhow::anyhow!("writer thread panicked"))??;
    let status = child.wait()?;
    anyhow::ensure!(status.success(), "node exited with {status}");
    anyhow::ensure!(
        replies == REQUESTS + 1,
        "expected {} replies, got {replies}",
        REQUESTS + 1
    );
    anyhow::ensure!(
        last_reply.contains("echo_ok"),
        "last reply was {last_reply}"
    );
    let usage = nix::sys::resource::getrusage(nix::sys::resource::UsageWho::RUSAGE_CHILDREN)?;
    println!(
        "echo_pipe: {REQUESTS} requests in {:.3} s",
        elapsed.as_secs_f64()
    );
    println!(
        "echo_pipe: {:.0} msgs/s, node max RSS {:.1} MiB",
        REQUESTS as f64 / elapsed.as_secs_f64(),
        usage.max_rss() as f64 / 1024.0
    );
    Ok(())
}
