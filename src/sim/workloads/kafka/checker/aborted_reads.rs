//! Reads of writes that were not (yet) committed: `G1a` (a successful poll returned a message
//! whose send failed) and `precommitted-read` (an operation read its own send).

use super::analysis::Analysis;
use crate::history::OpType;
use serde_json::{json, Value};

pub(super) fn g1a(a: &Analysis<'_>) -> Vec<Value> {
    let mut out = Vec::new();
    for c in a.ops.iter().filter(|c| c.is(OpType::Ok)) {
        for (k, pairs) in &c.reads {
            for (_, m) in pairs {
                if a.failed_writes.get(k).is_some_and(|f| f.contains(m)) {
                    let writer = a.writer_summary(k, m);
                    out.push(json!({"key": k, "value": m.json(), "writer": writer, "reader": c.summary()}));
                }
            }
        }
    }
    out
}

pub(super) fn precommitted_reads(a: &Analysis<'_>) -> Vec<Value> {
    let mut out = Vec::new();
    for c in &a.ops {
        for (k, writes) in c.writes_by_key() {
            let Some(reads) = c.reads.get(k) else {
                continue;
            };
            if let Some((_, m)) = reads.iter().find(|(_, m)| writes.contains(&m)) {
                out.push(json!({"op": c.summary(), "key": k, "value": m.json()}));
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::super::test_history::*;

    #[test]
    fn reading_a_failed_send_is_g1a() {
        let mut h = H::default();
        h.send(0, "x", 1, OpType::Fail, None);
        h.poll(1, json!({"x": [[0, 1]]}));
        let f = h.check();
        assert_eq!(types(&f), ["G1a"]);
        assert_eq!(f.result["G1a"]["errs"][0]["value"], json!(1));
    }

    #[test]
    fn polling_ones_own_send_in_a_txn_is_a_precommitted_read() {
        let mut h = H::default();
        h.op(
            0,
            "txn",
            json!([["send", "x", 1], ["poll"]]),
            OpType::Ok,
            json!([["send", "x", [0, 1]], ["poll", {"x": [[0, 1]]}]]),
        );
        let f = h.check();
        assert_eq!(f.errors.get("precommitted-read"), Some(&1));
        assert_eq!(f.result["precommitted-read"]["errs"][0]["key"], json!("x"));
    }
}
