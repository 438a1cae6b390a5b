//! A `history.edn` file's per-operation figures ([`OpStats`]), streamed one line at a time so
//! a history of any length is summed up in memory proportional to its completed operations.

use super::history;
pub(crate) use crate::history::{OpStats, Tally};
use anyhow::Context;
use std::path::Path;

/// Streams a `history.edn` file into its [`OpStats`]. Errors carry a [`history::Error`]
/// naming the line.
pub fn of_file(path: &Path) -> anyhow::Result<OpStats> {
    let mut tally = Tally::default();
    for head in history::open(path)?.heads() {
        let head = head.with_context(|| format!("in {}", path.display()))?;
        tally.add(head.process, head.kind, head.f, head.time);
    }
    Ok(tally.finish())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::history::{pairs, quantiles, Op, OpType, Quantiles};
    use std::collections::BTreeMap;

    /// The latencies the plain way: pair the whole history in memory, then take quantiles.
    fn op_latencies(history: &[Op]) -> BTreeMap<String, Quantiles> {
        let mut by_f: BTreeMap<String, Vec<f64>> = BTreeMap::new();
        for pair in pairs(history) {
            if let Some(done) = pair.complete.filter(|c| c.kind == OpType::Ok) {
                let ms = done.time.saturating_sub(pair.invoke.time) as f64 / 1e6;
                by_f.entry(pair.invoke.f.clone()).or_default().push(ms);
            }
        }
        by_f.into_iter().map(|(f, v)| (f, quantiles(&v))).collect()
    }

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
