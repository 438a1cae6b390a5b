//! Writes that went missing: `lost-write` (below the highest offset any successful poll of a
//! key reached, a message that must have been written was never polled) and `unseen` (an
//! acknowledged send that no successful poll ever returned).

use super::super::history::Msg;
use super::analysis::{Analysis, Order};
use crate::history::OpType;
use serde_json::{json, Map, Value};
use std::collections::{BTreeMap, BTreeSet, HashMap};

/// Lost writes, per key polled successfully. Fails where Jepsen's throws: a key whose
/// successful polls returned no message with a known offset, or a lost message nobody sent.
pub(super) fn lost_writes(a: &Analysis<'_>) -> Result<Vec<Value>, String> {
    let mut out = Vec::new();
    for (k, vs) in &a.ok_reads {
        let empty = Order::new(&BTreeMap::new());
        let order = a.orders.get(k).unwrap_or(&empty);
        let mut first_index: HashMap<&Msg, usize> = HashMap::new();
        let mut last_index: HashMap<&Msg, usize> = HashMap::new();
        for (i, (_, values)) in order.log.iter().enumerate() {
            for m in values {
                first_index.entry(m).or_insert(i);
                last_index.insert(m, i);
            }
        }
        let bound = vs.iter().filter_map(|m| first_index.get(m).copied()).max();
        let Some(bound) = bound else {
            // Jepsen indexes its vector at −1 here and throws.
            return Err(format!(
                "successful polls of key {k:?} returned no message with a known offset"
            ));
        };
        let mut by_last: BTreeMap<usize, BTreeSet<&Msg>> = BTreeMap::new();
        for (m, i) in &last_index {
            by_last.entry(*i).or_default().insert(*m);
        }
        let max_read = by_last
            .get(&bound)
            .and_then(|ms| ms.iter().next())
            .and_then(|m| a.readers_of.get(k)?.get(*m)?.first())
            .map(|&i| a.ops[i].summary());
        let mut seen = BTreeSet::new();
        for (_, ms) in by_last.range(..=bound) {
            for m in ms {
                if vs.contains(*m) || !seen.insert(*m) {
                    continue;
                }
                let writer = a
                    .writer_of
                    .get(k)
                    .and_then(|w| w.get(*m))
                    .ok_or_else(|| format!("no writer of value {} for key {k:?}", m.0))?;
                let w = &a.ops[*writer];
                if a.must_have_committed(w) {
                    out.push(
                        json!({"key": k, "value": m.json(), "index": first_index.get(*m),
                                    "max-read-index": bound, "writer": w.summary(),
                                    "max-read": max_read}),
                    );
                }
            }
        }
    }
    Ok(out)
}

/// Acknowledged sends no successful poll returned: `(count, {:unseen {k n} :messages {k [..]}})`.
pub(super) fn unseen(a: &Analysis<'_>) -> Option<(usize, Value)> {
    let mut sent: BTreeMap<&str, BTreeSet<&Msg>> = BTreeMap::new();
    for c in a.ops.iter().filter(|c| c.is(OpType::Ok)) {
        for (k, _, m) in &c.writes {
            sent.entry(k.as_str()).or_default().insert(m);
        }
    }
    let mut counts = Map::new();
    let mut messages = Map::new();
    let mut total = 0;
    for (k, ms) in sent {
        let polled = a.ok_reads.get(k);
        let missing: Vec<Value> = ms
            .into_iter()
            .filter(|m| !polled.is_some_and(|p| p.contains(*m)))
            .map(Msg::json)
            .collect();
        if !missing.is_empty() {
            total += missing.len();
            counts.insert(k.to_string(), json!(missing.len()));
            messages.insert(
                k.to_string(),
                Value::Array(missing.into_iter().take(32).collect()),
            );
        }
    }
    (total > 0).then(|| (total, json!({"unseen": counts, "messages": messages})))
}

#[cfg(test)]
mod tests {
    use super::super::test_history::*;

    #[test]
    fn lost_writes_below_the_highest_read_are_found() {
        // 1 and 2 are acknowledged at offsets 0 and 1; a poll sees 3 at offset 2 and nobody
        // ever sees 1 or 2.
        let mut h = H::sent(2);
        h.send(2, "x", 3, OpType::Info, None);
        h.poll(1, json!({"x": [[2, 3]]}));
        let f = h.check();
        assert_eq!(f.valid, Validity::Invalid);
        assert_eq!(f.errors.get("lost-write"), Some(&2));
        let lost = &f.result["lost-write"]["errs"];
        assert_eq!(lost[0]["value"], json!(1));
        assert_eq!(lost[1]["value"], json!(2));
        assert_eq!(lost[0]["max-read-index"], json!(2));
        assert!(f.bad.contains(&"unseen".to_string()));
    }

    #[test]
    fn an_unpolled_acknowledged_send_is_unseen() {
        let f = check_polls_of_x(2, &[(1, &[(0, 1)])]);
        assert_eq!(types(&f), ["unseen"]);
        assert_eq!(f.result["unseen"]["unseen"], json!({"x": 1}));
        assert_eq!(f.valid, Validity::Invalid);
    }
}
