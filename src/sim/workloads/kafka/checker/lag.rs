//! Jepsen's `worst-realtime-lag`: a report figure (not judged) of how stale successful polls
//! were.

use super::super::history::Key;
use super::analysis::Analysis;
use crate::history::OpType;
use serde_json::{json, Value};
use std::collections::BTreeMap;

/// Jepsen's `worst-realtime-lag`: for each successful poll, how long (at least) before its
/// invocation each of the process's keys had moved past the offset the process had reached.
pub(super) fn worst_realtime_lag(a: &Analysis<'_>) -> Value {
    // expired[k][i]: when offset i−1 was first known not to be the last of k.
    let mut expired: BTreeMap<Key, Vec<Option<u64>>> = BTreeMap::new();
    for c in &a.ops {
        for (k, top) in c.max_offsets() {
            // Only a report figure: absurd offsets are left out rather than allocated for.
            let Some(top) = usize::try_from(top).ok().filter(|t| *t < 1 << 24) else {
                continue;
            };
            let v = expired.entry(k).or_default();
            if v.len() <= top {
                v.resize(top + 1, None);
            }
            for i in (0..=top).rev() {
                if v[i].is_some() {
                    break;
                }
                v[i] = Some(c.op.time);
            }
        }
    }
    let mut per_process: BTreeMap<u64, BTreeMap<Key, i64>> = BTreeMap::new();
    let mut worst: Option<(u64, u64, u64, Key)> = None; // (lag, time, process, key)
    for c in a.ops.iter().filter(|c| c.is(OpType::Ok)) {
        match c.op.f.as_str() {
            "assign" => {
                let old = per_process.remove(&c.process).unwrap_or_default();
                let new = c
                    .assigned_keys()
                    .into_iter()
                    .map(|k| {
                        let o = old.get(&k).copied().unwrap_or(-1);
                        (k, o)
                    })
                    .collect();
                per_process.insert(c.process, new);
            }
            "subscribe" => {
                per_process.insert(c.process, BTreeMap::new());
            }
            "poll" | "txn" => {
                let offsets = per_process.entry(c.process).or_default();
                for (k, o) in c.max_offsets() {
                    let e = offsets.entry(k).or_insert(o);
                    *e = (*e).max(o);
                }
                for (k, o) in offsets.iter() {
                    let at = usize::try_from(o + 1)
                        .ok()
                        .and_then(|i| expired.get(k)?.get(i).copied().flatten());
                    let lag = at.map_or(0, |t| c.invoke_time.saturating_sub(t));
                    if worst.as_ref().is_none_or(|w| lag > w.0) {
                        worst = Some((lag, c.invoke_time, c.process, k.clone()));
                    }
                }
            }
            _ => {}
        }
    }
    match worst {
        None => json!({"time": 0, "lag": 0}),
        Some((lag, time, process, key)) => json!({
            "time": time as f64 / 1e9, "lag": lag as f64 / 1e9, "process": process, "key": key,
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::super::test_history::*;

    #[test]
    fn realtime_lag_measures_how_stale_a_poll_is() {
        let mut h = H::sent(2); // offset 1 exists from t = 3 ms
        h.poll(1, json!({"x": [[0, 1]]})); // invoked at 4 ms, sees offset 0 only
        let f = h.check();
        assert_eq!(f.result["worst-realtime-lag"]["lag"], json!(0.001));
    }
}
