//! Jepsen 0.3.7's `set-full` checker, with broadcast as the add: per element, the operation
//! that made it *known* (the add's `ok`, or the first read that saw it), the latest read
//! invocation that saw it and the latest that missed it. From those: stable (a read saw it after
//! the last miss), lost (known, and missed after the last sighting and after it was known) or
//! never read; stable latency = last miss's invocation time + 1 ns − known time, floored to ms.
//! Latencies are measured from the history, exactly as Jepsen does, never from deliveries.

use crate::history::{Op, OpType, Process};
use crate::sim::model::WorkloadCheck;
use crate::verdict::{quantiles, Validity};
use serde_json::{json, Value};
use std::cmp::Ordering;
use std::collections::{BTreeMap, HashMap, HashSet};

/// An element as a map key: JSON integers order numerically and come first (Clojure's
/// `compare` on the broadcast's longs), anything else by its JSON text. Equality is the JSON
/// text, so `1` and `1.0` are different elements, as they are for Clojure's `=`.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
struct Element {
    text: String,
    int: Option<i128>,
}

impl Element {
    fn of(value: &Value) -> Element {
        let int = match value {
            Value::Number(n) => n
                .as_i64()
                .map(i128::from)
                .or_else(|| n.as_u64().map(i128::from)),
            _ => None,
        };
        Element {
            text: value.to_string(),
            int,
        }
    }
}

impl Ord for Element {
    fn cmp(&self, other: &Self) -> Ordering {
        match (self.int, other.int) {
            (Some(a), Some(b)) => a.cmp(&b),
            (Some(_), None) => Ordering::Less,
            (None, Some(_)) => Ordering::Greater,
            (None, None) => self.text.cmp(&other.text),
        }
    }
}

impl PartialOrd for Element {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

/// One element's timeline (Jepsen's `SetFullElement`).
struct State<'a> {
    value: Value,
    known: Option<&'a Op>,
    last_present: Option<&'a Op>,
    last_absent: Option<&'a Op>,
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum ElementFate {
    Stable,
    Lost,
    NeverRead,
}

struct Result<'a> {
    value: Value,
    outcome: ElementFate,
    stable_latency: Option<u64>,
    lost_latency: Option<u64>,
    known: Option<&'a Op>,
    last_absent: Option<&'a Op>,
}

/// Whole milliseconds of a non-negative nanosecond span, as `(long (nanos->ms x))`.
fn ms(nanos: i128) -> u64 {
    u64::try_from(nanos.max(0) / 1_000_000).unwrap_or(u64::MAX)
}

fn result<'a>(e: &State<'a>) -> Result<'a> {
    let idx = |o: Option<&Op>| o.map_or(-1i128, |o| o.index as i128);
    let stable = e.last_present.is_some() && idx(e.last_absent) < idx(e.last_present);
    let lost = match (e.known, e.last_absent) {
        (Some(known), Some(absent)) => {
            idx(e.last_present) < absent.index as i128
                && (known.index as i128) < absent.index as i128
        }
        _ => false,
    };
    let known_time = e.known.map_or(0, |k| k.time as i128);
    let stable_latency = stable.then(|| {
        let stable_time = e.last_absent.map_or(0, |a| a.time as i128 + 1);
        ms(stable_time - known_time)
    });
    let lost_latency = lost.then(|| {
        let lost_time = e.last_present.map_or(0, |p| p.time as i128 + 1);
        ms(lost_time - known_time)
    });
    Result {
        value: e.value.clone(),
        outcome: if stable {
            ElementFate::Stable
        } else if lost {
            ElementFate::Lost
        } else {
            ElementFate::NeverRead
        },
        stable_latency,
        lost_latency,
        known: e.known,
        last_absent: e.last_absent,
    }
}

/// An op as Jepsen prints it inside `:worst-stale` (broadcast shown as `:add`).
fn op_json(op: &Op) -> Value {
    let mut v = json!({
        "index": op.index,
        "time": op.time,
        "type": serde_json::to_value(op.kind).unwrap_or(Value::Null),
        "process": match op.process { Process::Client(p) => json!(p), Process::Nemesis => json!("nemesis") },
        "f": if op.f == "broadcast" { "add" } else { op.f.as_str() },
        "value": op.value,
    });
    if op.is_final {
        v["final?"] = json!(true);
    }
    v
}

/// What became of one broadcast element, for plots: when it became known, and its stable
/// latency or whether it was lost (neither: never read).
#[derive(Clone, Debug, PartialEq)]
pub struct Fate {
    pub value: Value,
    /// The history time (ns) of the operation that made it known.
    pub known: Option<u64>,
    /// Stable latency in whole milliseconds, as Jepsen reports it.
    pub stable_ms: Option<u64>,
    pub lost: bool,
}

/// Every element's [`Fate`], in element order.
pub fn fates(history: &[Op]) -> Vec<Fate> {
    let (elements, _) = timelines(history);
    elements
        .values()
        .map(result)
        .map(|r| Fate {
            value: r.value,
            known: r.known.map(|k| k.time),
            stable_ms: r.stable_latency,
            lost: r.outcome == ElementFate::Lost,
        })
        .collect()
}

/// Runs set-full over a broadcast history (simulated or read from `history.edn`).
pub fn check(history: &[Op]) -> WorkloadCheck {
    let (elements, duplicate_reads) = timelines(history);
    summarise(elements.values().map(result).collect(), duplicate_reads)
}

/// Each element's timeline, and how many reads returned an element twice.
fn timelines(history: &[Op]) -> (BTreeMap<Element, State<'_>>, u64) {
    let mut elements: BTreeMap<Element, State<'_>> = BTreeMap::new();
    let mut open: HashMap<u64, &Op> = HashMap::new();
    let mut duplicate_reads = 0u64;
    for op in history {
        let Process::Client(process) = op.process else {
            continue;
        };
        if op.kind == OpType::Invoke {
            open.insert(process, op);
        }
        let invocation = if op.kind == OpType::Invoke {
            None
        } else {
            open.remove(&process)
        };
        match op.f.as_str() {
            "broadcast" | "add" => {
                if op.kind == OpType::Invoke {
                    elements.insert(
                        Element::of(&op.value),
                        State {
                            value: op.value.clone(),
                            known: None,
                            last_present: None,
                            last_absent: None,
                        },
                    );
                } else if op.kind == OpType::Ok {
                    if let Some(e) = elements.get_mut(&Element::of(&op.value)) {
                        e.known = e.known.or(Some(op));
                    }
                }
            }
            "read" if op.kind == OpType::Ok => {
                // A read without an invocation cannot happen in a well-formed history; Jepsen
                // would fail on it, we skip it.
                let Some(inv) = invocation else { continue };
                let items: &[Value] = op.value.as_array().map_or(&[], Vec::as_slice);
                let seen: HashSet<Element> = items.iter().map(Element::of).collect();
                if seen.len() < items.len() {
                    duplicate_reads += 1;
                }
                for (key, e) in elements.iter_mut() {
                    if seen.contains(key) {
                        e.known = e.known.or(Some(op));
                        if e.last_present.is_none_or(|p| p.index < inv.index) {
                            e.last_present = Some(inv);
                        }
                    } else if e.last_absent.is_none_or(|a| a.index < inv.index) {
                        e.last_absent = Some(inv);
                    }
                }
            }
            _ => {}
        }
    }
    (elements, duplicate_reads)
}

fn summarise(results: Vec<Result<'_>>, duplicate_reads: u64) -> WorkloadCheck {
    let of = |o: ElementFate| results.iter().filter(move |r| r.outcome == o);
    let values = |o: ElementFate| of(o).map(|r| r.value.clone()).collect::<Vec<_>>();
    let stable_count = of(ElementFate::Stable).count();
    let lost_count = of(ElementFate::Lost).count();
    let never_read_count = of(ElementFate::NeverRead).count();
    let stale: Vec<&Result<'_>> = of(ElementFate::Stable)
        .filter(|r| r.stable_latency.unwrap_or(0) > 0)
        .collect();
    // sort-by latency (stable), then reverse, then the first 8.
    let mut by_latency = stale.clone();
    by_latency.sort_by_key(|r| r.stable_latency);
    let worst_stale: Vec<Value> = by_latency
        .iter()
        .rev()
        .take(8)
        .map(|r| {
            json!({
                "element": r.value,
                "outcome": "stable",
                "stable-latency": r.stable_latency,
                "lost-latency": Value::Null,
                "known": r.known.map(op_json),
                "last-absent": r.last_absent.map(op_json),
            })
        })
        .collect();
    let stable_ms: Vec<f64> = results
        .iter()
        .filter_map(|r| r.stable_latency)
        .map(|l| l as f64)
        .collect();
    let lost_ms: Vec<f64> = results
        .iter()
        .filter_map(|r| r.lost_latency)
        .map(|l| l as f64)
        .collect();
    let valid = if lost_count > 0 {
        Validity::Invalid
    } else if stable_count == 0 {
        Validity::Unknown
    } else {
        Validity::Valid
    };
    let mut result = json!({
        "valid?": match valid { Validity::Valid => json!(true), Validity::Invalid => json!(false), Validity::Unknown => json!("unknown") },
        "attempt-count": results.len(),
        "stable-count": stable_count,
        "lost-count": lost_count,
        "lost": values(ElementFate::Lost),
        "never-read-count": never_read_count,
        "never-read": values(ElementFate::NeverRead),
        "stale-count": stale.len(),
        "stale": stale.iter().map(|r| r.value.clone()).collect::<Vec<_>>(),
        "worst-stale": worst_stale,
        // Jepsen 0.3.7 keeps only multiplicities below 1, which never occur: always empty.
        "duplicated-count": 0,
        "duplicated": {},
    });
    if !stable_ms.is_empty() {
        result["stable-latencies"] = json!(quantiles(&stable_ms));
    }
    if !lost_ms.is_empty() {
        result["lost-latencies"] = json!(quantiles(&lost_ms));
    }
    let mut check = WorkloadCheck::new(valid, result);
    for (name, n) in [
        ("attempt-count", results.len()),
        ("stable-count", stable_count),
        ("lost-count", lost_count),
        ("never-read-count", never_read_count),
        ("stale-count", stale.len()),
    ] {
        check.counts.insert(name.into(), n as f64);
    }
    if lost_count > 0 {
        check.anomalies.push("lost".into());
    }
    if stable_count == 0 {
        check
            .notes
            .push("no element became stable, so set-full cannot judge the run (:unknown)".into());
    }
    if duplicate_reads > 0 {
        check.notes.push(format!(
            "{duplicate_reads} read(s) returned an element more than once; Jepsen 0.3.7's \
             set-full never flags duplicates, so neither does this checker"
        ));
    }
    check
}

#[cfg(test)]
mod tests {
    use super::*;

    fn op(index: usize, time_ms: u64, kind: OpType, process: u64, f: &str, value: Value) -> Op {
        Op {
            index,
            time: time_ms * 1_000_000,
            kind,
            process: Process::Client(process),
            f: f.into(),
            value,
            error: None,
            is_final: false,
        }
    }

    /// A history of operations that each succeed before the next is invoked, one per
    /// `(invoked at ms, completed at ms, process, f, value invoked, value returned)`.
    fn succeeded(ops: &[(u64, u64, u64, &str, Value, Value)]) -> Vec<Op> {
        let mut history = Vec::new();
        for (invoked_ms, completed_ms, p, f, invoked, returned) in ops {
            let steps = [
                (invoked_ms, OpType::Invoke, invoked),
                (completed_ms, OpType::Ok, returned),
            ];
            for (time_ms, kind, value) in steps {
                history.push(op(history.len(), *time_ms, kind, *p, f, value.clone()));
            }
        }
        history
    }

    #[test]
    fn stable_latency_counts_from_ack_to_the_last_miss() {
        let h = succeeded(&[
            (0, 10, 0, "broadcast", json!(7), json!(7)),
            (50, 51, 1, "read", Value::Null, json!([])),
            (80, 81, 1, "read", Value::Null, json!([7])),
        ]);
        let c = check(&h);
        assert_eq!(c.valid, Validity::Valid);
        assert_eq!(c.result["stable-latencies"]["0.5"], json!(40.0));
        assert_eq!(c.counts["stale-count"], 1.0);
    }

    #[test]
    fn an_element_missing_from_the_last_reads_is_lost() {
        let h = succeeded(&[
            (0, 1, 0, "broadcast", json!(1), json!(1)),
            (2, 3, 1, "read", Value::Null, json!([1])),
            (4, 5, 1, "read", Value::Null, json!([])),
        ]);
        let c = check(&h);
        assert_eq!(c.valid, Validity::Invalid);
        assert_eq!(c.counts["lost-count"], 1.0);
        assert_eq!(c.anomalies, vec!["lost".to_string()]);
        assert_eq!(c.result["lost"], json!([1]));
    }

    #[test]
    fn a_miss_concurrent_with_the_add_is_never_read_not_lost() {
        use OpType::*;
        // The read that misses 1 was invoked before the add completed.
        let h = vec![
            op(0, 0, Invoke, 0, "broadcast", json!(1)),
            op(1, 1, Invoke, 1, "read", Value::Null),
            op(2, 2, Ok, 0, "broadcast", json!(1)),
            op(3, 3, Ok, 1, "read", json!([])),
        ];
        let c = check(&h);
        assert_eq!(c.valid, Validity::Unknown);
        assert_eq!(c.counts["never-read-count"], 1.0);
    }
}
