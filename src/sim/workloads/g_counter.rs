//! The g-counter workload (challenge 4) as Maelstrom 0.2.4 runs it (`workload/g_counter.clj`
//! on top of `pn_counter.clj`).
//!
//! Generator: Maelstrom mixes `{:f :add, :value (rand-int 10) - 5}` and `{:f :read}` with equal
//! odds and filters out negative adds, so an operation is a read 2/3 of the time and an add of
//! 0..=4 (uniform) 1/3 of the time. Final phase: one read per client after heal + 10 s.
//! Client: `add {delta}` → `add_ok {}`, `read {}` → `read_ok {value: integer}`, schemas strict.
//! The counter client does not use Maelstrom's `with-errors`, so every error reply, timeout or
//! malformed reply is thrown and Jepsen records the operation as `:info` (indeterminate), even
//! a definite error code.
//! Checker: the acceptable set is the sum of the `:ok` adds plus any subset of the `:info`
//! adds, kept as closed integer ranges; every `:ok` final read must lie in it. Result
//! `{:valid? :errors :final-reads :acceptable}`.

use super::expect_reply;
use crate::history::{Op, OpType};
use crate::protocol::Body;
use crate::sim::model::{
    error_name, ClientInfo, Draw, Invocation, Step, WorkloadCheck, WorkloadModel,
};
use crate::sim::SimConfig;
use crate::verdict::Validity;
use rand::Rng;
use serde_json::{json, Value};

pub struct GCounterModel;

impl GCounterModel {
    pub fn new(_cfg: &SimConfig) -> anyhow::Result<Self> {
        Ok(GCounterModel)
    }
}

/// Any failure of a counter RPC: Jepsen's interpreter turns the exception into `:info`.
fn indeterminate(op: &Invocation, why: String) -> Step {
    Step::Complete {
        kind: OpType::Info,
        value: op.value.clone(),
        error: Some(json!(format!("indeterminate: {why}"))),
    }
}

impl WorkloadModel for GCounterModel {
    fn generate(&mut self, draw: Draw<'_>) -> Option<Invocation> {
        let rng = draw.rng;
        // gen/mix picks either generator with equal odds; gen/filter retries when an add's
        // value is negative.
        loop {
            if rng.gen_bool(0.5) {
                let delta = rng.gen_range(0i64..10) - 5;
                if delta >= 0 {
                    return Some(Invocation::new("add", json!(delta)));
                }
            } else {
                return Some(Invocation::new("read", Value::Null));
            }
        }
    }

    fn begin(&mut self, _client: &ClientInfo, op: &Invocation) -> Step {
        match op.f.as_str() {
            "add" => Step::request(Body::new("add").with("delta", &op.value)),
            _ => Step::request(Body::new("read")),
        }
    }

    fn on_reply(&mut self, _client: &ClientInfo, op: &Invocation, reply: &Body) -> Step {
        if let Some(err) = reply.as_error() {
            return indeterminate(op, format!("{} {}", error_name(err.code), err.text));
        }
        match op.f.as_str() {
            "add" => match expect_reply(reply, "add_ok", &[], &[], &op.value, false) {
                Ok(_) => Step::ok(op.value.clone()),
                Err(step) => step,
            },
            _ => match expect_reply(reply, "read_ok", &["value"], &[], &op.value, false) {
                // Schema `s/Int`: a JSON integer; 3.0 or "3" is a malformed response.
                Ok(fields) if is_integer(&fields["value"]) => Step::ok(fields["value"].clone()),
                Ok(fields) => Step::malformed(
                    op.value.clone(),
                    format!("read_ok value {} is not an integer", fields["value"]),
                ),
                Err(step) => step,
            },
        }
    }

    fn final_ops(&mut self, _client: &ClientInfo) -> Vec<Invocation> {
        vec![Invocation::new("read", Value::Null)]
    }

    fn check(&self, history: &[Op], _cfg: &SimConfig) -> WorkloadCheck {
        check_history(history)
    }
}

fn is_integer(v: &Value) -> bool {
    v.is_i64() || v.is_u64()
}

/// For display: sums beyond i64 cannot come from real histories.
fn clamp(v: i128) -> i64 {
    i64::try_from(v).unwrap_or(if v < 0 { i64::MIN } else { i64::MAX })
}

fn as_int(v: &Value) -> Option<i128> {
    v.as_i64()
        .map(i128::from)
        .or_else(|| v.as_u64().map(i128::from))
}

/// A set of integers as disjoint, non-adjacent closed ranges, in order (Guava's `RangeSet` of
/// open ranges `(lo-1, hi+1)` in Maelstrom, which merges exactly the ranges we merge).
#[derive(Clone, Debug, Default, PartialEq)]
struct RangeSet(Vec<(i128, i128)>);

impl RangeSet {
    fn single(v: i128) -> RangeSet {
        RangeSet(vec![(v, v)])
    }

    fn ranges(&self) -> &[(i128, i128)] {
        &self.0
    }

    fn contains(&self, v: i128) -> bool {
        self.0.iter().any(|&(lo, hi)| lo <= v && v <= hi)
    }

    /// Either `delta` was added or it was not: the union of the set and the set shifted.
    fn maybe_add(&mut self, delta: i128) {
        let shifted = self.0.iter().map(|&(lo, hi)| (lo + delta, hi + delta));
        let mut all: Vec<(i128, i128)> = self.0.iter().copied().chain(shifted).collect();
        all.sort_unstable();
        let mut merged: Vec<(i128, i128)> = Vec::with_capacity(all.len());
        for (lo, hi) in all {
            match merged.last_mut() {
                Some(last) if lo <= last.1 + 1 => last.1 = last.1.max(hi),
                _ => merged.push((lo, hi)),
            }
        }
        self.0 = merged;
    }
}

/// Maelstrom's pn-counter checker over a history.
fn check_history(history: &[Op]) -> WorkloadCheck {
    let client = || history.iter().filter(|o| o.is_client());
    let adds = || client().filter(|o| o.f == "add");
    let mut notes = Vec::new();
    let mut definite: i128 = 0;
    for op in adds().filter(|o| o.kind == OpType::Ok) {
        match as_int(&op.value) {
            Some(d) => definite += d,
            None => notes.push(format!("add {} is not an integer; ignored", op.value)),
        }
    }
    let mut acceptable = RangeSet::single(definite);
    for op in adds().filter(|o| o.kind == OpType::Info) {
        match as_int(&op.value) {
            Some(d) => acceptable.maybe_add(d),
            None => notes.push(format!("add {} is not an integer; ignored", op.value)),
        }
    }
    let final_reads: Vec<&Op> = client()
        .filter(|o| o.is_final && o.kind == OpType::Ok && o.f == "read")
        .collect();
    // Maelstrom asserts integer reads (the checker would crash); the client's schema already
    // turns a non-integer reply into :info, so this only guards histories read from elsewhere.
    let mut valid = Validity::Valid;
    let mut errors = Vec::new();
    for op in &final_reads {
        match as_int(&op.value) {
            Some(v) if acceptable.contains(v) => {}
            Some(_) => errors.push(op),
            None => {
                valid = Validity::Unknown;
                notes.push(format!("final read {} is not an integer", op.value));
            }
        }
    }
    if !errors.is_empty() {
        valid = Validity::Invalid;
    }
    let error_json: Vec<Value> = errors
        .iter()
        .map(|o| {
            json!({"type": "ok", "f": "read", "value": o.value, "process": o.process,
                   "time": o.time, "index": o.index, "final?": true})
        })
        .collect();
    let ranges: Vec<Value> = acceptable
        .ranges()
        .iter()
        .map(|&(lo, hi)| json!([clamp(lo), clamp(hi)]))
        .collect();
    let final_values: Vec<Value> = final_reads.iter().map(|o| o.value.clone()).collect();
    let result = json!({
        "valid?": match valid { Validity::Valid => json!(true), Validity::Invalid => json!(false), Validity::Unknown => json!("unknown") },
        "errors": if error_json.is_empty() { Value::Null } else { Value::Array(error_json) },
        "final-reads": final_values,
        "acceptable": ranges,
    });
    let mut check = WorkloadCheck::new(valid, result);
    check
        .counts
        .insert("error-count".into(), errors.len() as f64);
    check
        .counts
        .insert("final-read-count".into(), final_reads.len() as f64);
    if !errors.is_empty() {
        check.anomalies.push("final-read-not-acceptable".into());
    }
    check.notes = notes;
    check
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::history::Process;
    use rand_chacha::ChaCha8Rng;
    use std::time::Duration;

    fn op(index: usize, kind: OpType, f: &str, value: Value, is_final: bool) -> Op {
        Op {
            index,
            time: index as u64,
            kind,
            process: Process::Client(index as u64 % 3),
            f: f.into(),
            value,
            error: None,
            is_final,
        }
    }

    #[test]
    fn acceptable_set_is_definite_plus_any_subset_of_indeterminate() {
        let mut s = RangeSet::single(10);
        s.maybe_add(3);
        assert_eq!(s.ranges(), [(10, 10), (13, 13)]);
        s.maybe_add(1);
        assert_eq!(s.ranges(), [(10, 11), (13, 14)]);
        s.maybe_add(2);
        assert_eq!(s.ranges(), [(10, 16)]);
        s.maybe_add(0);
        assert_eq!(s.ranges(), [(10, 16)]);
    }

    #[test]
    fn final_reads_must_be_acceptable() {
        let history = vec![
            op(0, OpType::Invoke, "add", json!(3), false),
            op(1, OpType::Ok, "add", json!(3), false),
            op(2, OpType::Invoke, "add", json!(4), false),
            op(3, OpType::Info, "add", json!(4), false),
            op(4, OpType::Invoke, "add", json!(2), false),
            op(5, OpType::Fail, "add", json!(2), false),
            // Non-final reads are not judged.
            op(6, OpType::Ok, "read", json!(99), false),
            op(7, OpType::Ok, "read", json!(3), true),
            op(8, OpType::Ok, "read", json!(7), true),
        ];
        let check = check_history(&history);
        assert_eq!(check.valid, Validity::Valid, "{}", check.result);
        assert_eq!(check.result["acceptable"], json!([[3, 3], [7, 7]]));
        assert_eq!(check.result["final-reads"], json!([3, 7]));
        assert!(check.result["errors"].is_null());

        let mut bad = history.clone();
        bad.push(op(9, OpType::Ok, "read", json!(5), true));
        let check = check_history(&bad);
        assert_eq!(check.valid, Validity::Invalid);
        assert_eq!(check.result["errors"][0]["value"], json!(5));
        assert_eq!(check.counts["error-count"], 1.0);
    }

    #[test]
    fn generator_matches_maelstrom_mix() {
        use rand::SeedableRng;
        let mut rng = ChaCha8Rng::seed_from_u64(1);
        let mut model = GCounterModel;
        let client = ClientInfo {
            thread: 0,
            process: 0,
            node: "n0".into(),
        };
        let ops: Vec<Invocation> = (0..30_000)
            .filter_map(|_| {
                model.generate(Draw {
                    rng: &mut rng,
                    client: &client,
                    now: Duration::ZERO,
                })
            })
            .collect();
        let adds: Vec<i64> = ops
            .iter()
            .filter(|o| o.f == "add")
            .map(|o| o.value.as_i64().unwrap())
            .collect();
        let share = adds.len() as f64 / ops.len() as f64;
        assert!((share - 1.0 / 3.0).abs() < 0.02, "add share {share}");
        assert!(adds.iter().all(|d| (0..=4).contains(d)));
        for d in 0..=4 {
            let n = adds.iter().filter(|&&x| x == d).count() as f64 / adds.len() as f64;
            assert!((n - 0.2).abs() < 0.02, "delta {d}: {n}");
        }
    }

    #[test]
    fn replies_follow_the_strict_schema_and_errors_are_indeterminate() {
        let mut model = GCounterModel;
        let client = ClientInfo {
            thread: 0,
            process: 0,
            node: "n0".into(),
        };
        let read = Invocation::new("read", Value::Null);
        let add = Invocation::new("add", json!(2));
        let kind = |s: Step| match s {
            Step::Complete { kind, value, .. } => (kind, value),
            Step::Request { .. } => panic!("no further request expected"),
        };
        let ok = Body::new("read_ok").with("value", 5);
        assert_eq!(
            kind(model.on_reply(&client, &read, &ok)),
            (OpType::Ok, json!(5))
        );
        let float = Body::new("read_ok").with("value", 5.0);
        assert_eq!(kind(model.on_reply(&client, &read, &float)).0, OpType::Info);
        let extra = Body::new("read_ok").with("value", 5).with("extra", 1);
        assert_eq!(kind(model.on_reply(&client, &read, &extra)).0, OpType::Info);
        let add_ok = Body::new("add_ok");
        assert_eq!(
            kind(model.on_reply(&client, &add, &add_ok)),
            (OpType::Ok, json!(2))
        );
        let add_extra = Body::new("add_ok").with("value", 1);
        assert_eq!(
            kind(model.on_reply(&client, &add, &add_extra)).0,
            OpType::Info
        );
        // Even a definite error code is indeterminate for the counter client.
        let err = Body::error(&crate::protocol::RpcError::not_supported("add"));
        assert_eq!(kind(model.on_reply(&client, &add, &err)).0, OpType::Info);
    }
}
