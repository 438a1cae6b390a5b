//! The report's history reader on a large synthetic `history.edn` (200 MB by default; set
//! `GLOMERS_BENCH_HISTORY_MB`): prints the file's size, the wall time of summing it up, and
//! the process's peak memory (`VmHWM`) before and after.

use glomers::report::{op_stats, synthetic_history};
use std::io::Write;
use std::time::Instant;

fn peak_kib() -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find_map(|l| l.strip_prefix("VmHWM:"))
                .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        })
        .unwrap_or(0)
}

fn main() -> anyhow::Result<()> {
    let mb: u64 = std::env::var("GLOMERS_BENCH_HISTORY_MB")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(200);
    let tmp = tempfile::tempdir()?;
    let path = tmp.path().join("history.edn");
    let started = Instant::now();
    let written = {
        let mut out = std::io::BufWriter::new(std::fs::File::create(&path)?);
        let w = synthetic_history::write(&mut out, mb << 20, 1)?;
        out.flush()?;
        w
    };
    println!(
        "generated {} MB, {} operations in {:.1} s; peak RSS so far {} MiB",
        written.bytes >> 20,
        written.lines,
        started.elapsed().as_secs_f64(),
        peak_kib() / 1024
    );
    // The generator's memory is gone; measure the reader's own peak from here.
    let _ = std::fs::write("/proc/self/clear_refs", "5");
    let before = peak_kib();
    let started = Instant::now();
    let stats = op_stats::of_file(&path)?;
    let secs = started.elapsed().as_secs_f64();
    let after = peak_kib();
    println!(
        "report history reader: {:.2} s ({:.0} MB/s), {} invocations, latencies for {:?}",
        secs,
        written.bytes as f64 / 1e6 / secs,
        stats.invocations,
        stats.latencies.keys().collect::<Vec<_>>()
    );
    println!(
        "peak RSS {} MiB (was {} MiB before reading: +{} MiB)",
        after / 1024,
        before / 1024,
        after.saturating_sub(before) / 1024
    );
    Ok(())
}
