//! Plots of a run folder, as SVG files beside its history: every operation's latency
//! ([`latency_raw`]), latency quantiles over time ([`latency_quantiles`]), the operation rate
//! ([`rate`]) and, for broadcast, the stable latencies ([`stable`]); the messages-against-latency
//! frontier of a flag sweep is [`frontier`]. All of them are drawn from `history.edn` alone,
//! so a folder Maelstrom wrote gets the same plots as one the simulator wrote.
//!
//! [`ops`] reduces a history to what is drawn; [`style`] holds the shared look.

pub mod frontier;
pub mod latency_quantiles;
pub mod latency_raw;
pub mod ops;
pub mod rate;
pub mod stable;
pub mod style;

use anyhow::Context;
use ops::Ops;
use std::path::{Path, PathBuf};

/// One plot: its file name and what it shows, for the page that lists it.
#[derive(Clone, Debug, PartialEq)]
pub struct Plot {
    pub file: &'static str,
    pub title: &'static str,
}

/// Draws every plot that applies to the run in `dir` (its `history.edn`, and `workload` for
/// the workload's own plots) into `out`; returns what was written, in reading order.
pub fn write_all(dir: &Path, workload: Option<&str>, out: &Path) -> anyhow::Result<Vec<Plot>> {
    let history = dir.join("history.edn");
    let ops = Ops::of_file(&history)?;
    let mut drawn: Vec<(Plot, String)> = vec![
        (
            Plot {
                file: latency_raw::FILE,
                title: "Latency of every operation",
            },
            latency_raw::draw(&ops)?,
        ),
        (
            Plot {
                file: latency_quantiles::FILE,
                title: "Latency quantiles over time",
            },
            latency_quantiles::draw(&ops)?,
        ),
        (
            Plot {
                file: rate::FILE,
                title: "Operation rate",
            },
            rate::draw(&ops)?,
        ),
    ];
    if workload == Some("broadcast") {
        // set-full needs every read's values: the whole history, which for broadcast stays
        // small (a few MB for a 25-node, 100 ops/s run).
        let full = crate::report::history::read(&history)?;
        let fates = crate::sim::workloads::broadcast::set_full_fates(&full);
        drawn.push((
            Plot {
                file: stable::FILE,
                title: "Stable latency of broadcast values",
            },
            stable::draw(&fates, &ops.faults, ops.span_secs())?,
        ));
    }
    let mut written = Vec::new();
    for (plot, svg) in drawn {
        write(&out.join(plot.file), &svg)?;
        written.push(plot);
    }
    Ok(written)
}

/// Writes `text` to `path`, naming the file on failure.
pub(crate) fn write(path: &Path, text: &str) -> anyhow::Result<PathBuf> {
    std::fs::write(path, text).with_context(|| format!("writing {}", path.display()))?;
    Ok(path.to_path_buf())
}

#[cfg(test)]
pub(crate) mod tests;
