//! Offset anomalies in the version orders: `inconsistent-offsets` (one offset of a key holds
//! two messages) and `duplicate` (one message sits at two offsets of a key).

use super::super::history::Msg;
use super::analysis::Analysis;
use serde_json::{json, Value};
use std::collections::BTreeMap;

pub(super) fn inconsistent_offsets(a: &Analysis<'_>) -> Vec<Value> {
    let mut out = Vec::new();
    for (k, order) in &a.orders {
        for (index, (offset, vs)) in order.log.iter().enumerate() {
            if vs.len() > 1 {
                out.push(json!({"key": k, "offset": offset, "index": index,
                                "values": vs.iter().map(Msg::json).collect::<Vec<_>>()}));
            }
        }
    }
    out
}

pub(super) fn duplicates(a: &Analysis<'_>) -> Vec<Value> {
    let mut out = Vec::new();
    for (k, order) in &a.orders {
        let mut at: BTreeMap<&Msg, Vec<i64>> = BTreeMap::new();
        for (offset, vs) in &order.log {
            for m in vs {
                at.entry(m).or_default().push(*offset);
            }
        }
        for (m, offsets) in at {
            if offsets.len() > 1 {
                out.push(json!({"key": k, "value": m.json(), "count": offsets.len(), "offsets": offsets}));
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::super::test_history::*;

    #[test]
    fn two_messages_at_one_offset_are_inconsistent() {
        let mut h = H::default();
        h.send(0, "x", 1, OpType::Ok, Some(0));
        h.send(1, "x", 2, OpType::Ok, Some(0));
        h.poll(2, json!({"x": [[0, 1]]}));
        h.poll(3, json!({"x": [[0, 2]]}));
        let f = h.check();
        assert_eq!(f.errors.get("inconsistent-offsets"), Some(&1));
        assert_eq!(
            f.result["inconsistent-offsets"]["errs"][0],
            json!({"key": "x", "offset": 0, "index": 0, "values": [1, 2]})
        );
        assert_eq!(f.valid, Validity::Invalid);
    }

    #[test]
    fn one_message_at_two_offsets_is_a_duplicate() {
        let f = check_polls_of_x(1, &[(1, &[(0, 1), (1, 1)])]);
        assert_eq!(f.errors.get("duplicate"), Some(&1));
        assert_eq!(f.result["duplicate"]["errs"][0]["offsets"], json!([0, 1]));
        assert_eq!(f.valid, Validity::Invalid);
    }
}
