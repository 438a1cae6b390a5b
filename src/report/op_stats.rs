//! The per-operation figures of a history, gathered one operation at a time so a history of
//! any length is summed up in memory proportional to its completed operations (one latency
//! each), not to its text: the client invocation count and each `:f`'s latency quantiles,
//! pairing invocations with completions exactly as [`crate::history::pairs`] does.

use super::history::{self, Head};
use crate::history::{OpType, Process};
use crate::verdict::{quantiles, Quantiles};
use anyhow::Context;
use std::collections::{BTreeMap, HashMap};
use std::path::Path;

/// What the report takes from a history.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct OpStats {
    /// Client invocations (final reads included), the msgs-per-op divisor.
    pub invocations: u64,
    /// Latency quantiles in milliseconds of each `:f`'s successful operations.
    pub latencies: BTreeMap<String, Quantiles>,
}

/// Accumulates [`OpStats`] from operations in history order.
#[derive(Debug, Default)]
pub struct Tally {
    invocations: u64,
    /// Each client's open invocation: its `:f` and start time.
    open: HashMap<u64, (String, u64)>,
    latencies_ms: BTreeMap<String, Vec<f64>>,
}

impl Tally {
    pub fn add(&mut self, op: Head) {
        let Process::Client(process) = op.process else {
            return;
        };
        if op.kind == OpType::Invoke {
            self.invocations += 1;
            // A second invocation without a completion leaves the first one unanswered.
            self.open.insert(process, (op.f, op.time));
        } else if let Some((f, start)) = self.open.remove(&process) {
            if op.kind == OpType::Ok {
                let ms = op.time.saturating_sub(start) as f64 / 1e6;
                self.latencies_ms.entry(f).or_default().push(ms);
            }
        }
    }

    pub fn finish(self) -> OpStats {
        OpStats {
            invocations: self.invocations,
            latencies: self
                .latencies_ms
                .into_iter()
                .map(|(f, ms)| (f, quantiles(&ms)))
                .collect(),
        }
    }
}

/// Streams a `history.edn` file into its [`OpStats`]. Errors carry a [`history::Error`]
/// naming the line.
pub fn of_file(path: &Path) -> anyhow::Result<OpStats> {
    let mut tally = Tally::default();
    for head in history::open(path)?.heads() {
        tally.add(head.with_context(|| format!("in {}", path.display()))?);
    }
    Ok(tally.finish())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::history::OpType;
    use crate::sim::checks::op_latencies;

    /// Streaming gives exactly the figures the in-memory checkers compute on every real history.
    #[test]
    fn same_figures_as_the_in_memory_history_on_real_runs() {
        let store = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/store");
        let mut seen = 0;
        for run in std::fs::read_dir(store).unwrap() {
            let path = run.unwrap().path().join("history.edn");
            let ops = history::read(&path).unwrap();
            let stats = of_file(&path).unwrap();
            let invocations = ops
                .iter()
                .filter(|o| o.is_client() && o.kind == OpType::Invoke)
                .count() as u64;
            assert_eq!(stats.invocations, invocations, "{}", path.display());
            assert_eq!(stats.latencies, op_latencies(&ops), "{}", path.display());
            assert!(!stats.latencies.is_empty());
            seen += 1;
        }
        assert_eq!(seen, 5);
    }
}
