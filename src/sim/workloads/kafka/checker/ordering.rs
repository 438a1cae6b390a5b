//! Ordering anomalies, between one process's operations and inside one operation:
//! `poll-skip` / `nonmonotonic-poll` (a process's next poll of a key starts past, or at or
//! before, where its previous successful poll ended), `int-poll-skip` /
//! `int-nonmonotonic-poll` (the same inside one poll), and `nonmonotonic-send` /
//! `int-send-skip` / `int-nonmonotonic-send` (a process's sends to a key go backwards or
//! jump, between sends or inside one).

use super::super::history::{Completion, Key, Msg};
use super::analysis::Analysis;
use crate::history::OpType;
use serde_json::{json, Value};
use std::collections::{BTreeMap, BTreeSet};

/// Skip or non-monotonic step between two values of a key, by their version-order indices.
enum Step {
    Fine,
    Skip(usize, usize, i64),
    Back(i64),
}

fn step(i1: Option<usize>, i2: Option<usize>) -> Step {
    match (i1, i2) {
        (Some(a), Some(b)) => {
            let delta = b as i64 - a as i64;
            if delta > 1 {
                Step::Skip(a, b, delta)
            } else if delta < 1 {
                Step::Back(delta)
            } else {
                Step::Fine
            }
        }
        _ => Step::Fine,
    }
}

pub(super) fn internal_polls(a: &Analysis<'_>) -> (Vec<Value>, Vec<Value>) {
    let (mut skips, mut backs) = (Vec::new(), Vec::new());
    for c in &a.ops {
        for (k, pairs) in &c.reads {
            let mut prev: Option<(Option<usize>, &Msg)> = None;
            for (_, m) in pairs {
                let i2 = a.index(k, Some(m));
                if let Some((i1, v1)) = prev {
                    match step(i1, i2) {
                        Step::Skip(from, to, delta) => skips.push(json!({"key": k, "values": [v1.json(), m.json()],
                            "delta": delta, "skipped": a.skipped(k, from + 1, to), "op": c.summary()})),
                        Step::Back(delta) => backs.push(json!({"key": k, "values": [v1.json(), m.json()],
                            "delta": delta, "op": c.summary()})),
                        Step::Fine => {}
                    }
                }
                prev = Some((i2, m));
            }
        }
    }
    (skips, backs)
}

pub(super) fn internal_sends(a: &Analysis<'_>) -> (Vec<Value>, Vec<Value>) {
    let (mut skips, mut backs) = (Vec::new(), Vec::new());
    for c in &a.ops {
        for (k, ms) in c.writes_by_key() {
            for pair in ms.windows(2) {
                let (v1, v2) = (pair[0], pair[1]);
                // An unknown index counts as a step of one, as in Jepsen.
                match step(a.index(k, Some(v1)), a.index(k, Some(v2))) {
                    Step::Skip(from, to, delta) => skips
                        .push(json!({"key": k, "values": [v1.json(), v2.json()],
                        "delta": delta, "skipped": a.skipped(k, from + 1, to), "op": c.summary()})),
                    Step::Back(delta) => backs
                        .push(json!({"key": k, "values": [v1.json(), v2.json()],
                        "delta": delta, "op": c.summary()})),
                    Step::Fine => {}
                }
            }
        }
    }
    (skips, backs)
}

pub(super) fn process_polls(a: &Analysis<'_>) -> (Vec<Value>, Vec<Value>) {
    let (mut skips, mut backs) = (Vec::new(), Vec::new());
    for ops in a.by_process().values() {
        let mut last: BTreeMap<&str, &Completion<'_>> = BTreeMap::new();
        for c in ops {
            match c.op.f.as_str() {
                "assign" | "subscribe" if c.kind() != OpType::Fail => {
                    let keep: BTreeSet<Key> = c.assigned_keys().into_iter().collect();
                    last.retain(|k, _| keep.contains(*k));
                }
                "poll" | "txn" => {
                    for (k, pairs) in &c.reads {
                        let Some(prev) = last.get(k.as_str()) else {
                            continue;
                        };
                        let v = prev.reads.get(k).and_then(|ps| ps.last()).map(|(_, m)| m);
                        let v2 = pairs.first().map(|(_, m)| m);
                        match step(a.index(k, v), a.index(k, v2)) {
                            Step::Skip(from, to, delta) => skips.push(json!({"key": k, "delta": delta,
                                "skipped": a.skipped(k, from + 1, to), "ops": [prev.summary(), c.summary()]})),
                            Step::Back(delta) => backs.push(json!({"key": k,
                                "values": [v.map(Msg::json), v2.map(Msg::json)], "delta": delta,
                                "ops": [prev.summary(), c.summary()]})),
                            Step::Fine => {}
                        }
                    }
                    if c.is(OpType::Ok) {
                        for k in c.reads.keys() {
                            last.insert(k.as_str(), c);
                        }
                    }
                }
                _ => {}
            }
        }
    }
    (skips, backs)
}

pub(super) fn process_sends(a: &Analysis<'_>) -> Vec<Value> {
    let mut out = Vec::new();
    for ops in a.by_process().values() {
        let mut last: BTreeMap<&str, &Completion<'_>> = BTreeMap::new();
        for c in ops
            .iter()
            .filter(|c| matches!(c.kind(), OpType::Ok | OpType::Info))
        {
            match c.op.f.as_str() {
                "assign" | "subscribe" => {
                    let keep: BTreeSet<Key> = c.assigned_keys().into_iter().collect();
                    last.retain(|k, _| keep.contains(*k));
                }
                "send" | "txn" => {
                    let sends = c.writes_by_key();
                    for (k, ms) in &sends {
                        let Some(prev) = last.get(k) else {
                            continue;
                        };
                        let v = prev
                            .writes_by_key()
                            .get(k)
                            .and_then(|ms| ms.last().copied());
                        let v2 = ms.first().copied();
                        if let Step::Back(delta) = step(a.index(k, v), a.index(k, v2)) {
                            out.push(
                                json!({"key": k, "values": [v.map(Msg::json), v2.map(Msg::json)],
                                            "delta": delta, "ops": [prev.summary(), c.summary()]}),
                            );
                        }
                    }
                    for k in sends.keys() {
                        last.insert(k, c);
                    }
                }
                _ => {}
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::super::test_history::*;

    #[test]
    fn a_process_skipping_between_polls_is_a_poll_skip() {
        let f = check_polls_of_x(4, &[(1, &[(0, 1), (1, 2)]), (2, &[(2, 3)]), (1, &[(3, 4)])]);
        assert_eq!(types(&f), ["poll-skip"]);
        let e = &f.result["poll-skip"]["errs"][0];
        assert_eq!(e["delta"], json!(2));
        assert_eq!(e["skipped"], json!([3]));
    }

    #[test]
    fn an_assign_without_the_key_forgets_its_position() {
        let mut h = H::sent(4);
        h.poll(1, json!({"x": [[0, 1], [1, 2]]}));
        h.poll(2, json!({"x": [[2, 3]]}));
        h.assign(1, json!(["y"]));
        h.poll(1, json!({"x": [[3, 4]]}));
        assert!(h.check().errors.is_empty());
        // An assign that keeps x keeps the position, and the skip is found.
        let mut h = H::sent(4);
        h.poll(1, json!({"x": [[0, 1], [1, 2]]}));
        h.poll(2, json!({"x": [[2, 3]]}));
        h.assign(1, json!(["x", "y"]));
        h.poll(1, json!({"x": [[3, 4]]}));
        assert_eq!(types(&h.check()), ["poll-skip"]);
    }

    #[test]
    fn going_back_between_polls_is_nonmonotonic() {
        let f = check_polls_of_x(2, &[(1, &[(0, 1), (1, 2)]), (1, &[(1, 2)])]);
        assert_eq!(types(&f), ["nonmonotonic-poll"]);
        assert_eq!(f.result["nonmonotonic-poll"]["errs"][0]["delta"], json!(0));
    }

    #[test]
    fn skips_and_inversions_inside_one_poll() {
        let f = check_polls_of_x(3, &[(1, &[(0, 1), (2, 3)]), (2, &[(1, 2), (0, 1)])]);
        assert_eq!(f.errors.get("int-poll-skip"), Some(&1));
        assert_eq!(f.errors.get("int-nonmonotonic-poll"), Some(&1));
        assert_eq!(f.result["int-poll-skip"]["errs"][0]["skipped"], json!([2]));
    }

    #[test]
    fn a_process_whose_sends_go_backwards_is_nonmonotonic() {
        let mut h = H::default();
        h.send(0, "x", 1, OpType::Ok, Some(1));
        h.send(0, "x", 2, OpType::Ok, Some(0));
        h.poll(1, json!({"x": [[0, 2], [1, 1]]}));
        let f = h.check();
        assert_eq!(types(&f), ["nonmonotonic-send"]);
    }

    #[test]
    fn internal_send_skips_are_tolerated() {
        let mut h = H::sent(3);
        h.op(
            5,
            "send",
            json!([["send", "x", 7], ["send", "x", 8]]),
            OpType::Ok,
            json!([["send", "x", [3, 7]], ["send", "x", [5, 8]]]),
        );
        h.send(0, "x", 9, OpType::Ok, Some(4));
        h.poll(
            1,
            json!({"x": [[0, 1], [1, 2], [2, 3], [3, 7], [4, 9], [5, 8]]}),
        );
        let f = h.check();
        assert_eq!(types(&f), ["int-send-skip"]);
        assert_eq!(f.valid, Validity::Valid);
    }
}
