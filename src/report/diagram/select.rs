//! Which messages a diagram draws: those in a time window, or those that followed one value
//! (every message whose body carries it) or served one operation (its client's request and
//! reply, and for a broadcast the value it carried).

use crate::history::{Op, OpType, Process};
use crate::sim::journal::{Entry, Fate};
use serde_json::Value;

/// Body keys that are the protocol's own bookkeeping, never a value a message carries.
const BOOKKEEPING: [&str; 3] = ["type", "msg_id", "in_reply_to"];

/// The window of time a message occupies: sent, to delivered or dropped (or `end`).
pub fn span(e: &Entry, end: u64) -> (u64, u64) {
    let last = match &e.fate {
        Fate::Delivered(t) | Fate::Dropped(t, _) => *t,
        Fate::InFlight => end,
    };
    (e.sent, last.max(e.sent))
}

/// Whether `e` overlaps `[from, to]` (ns).
pub fn in_window(e: &Entry, from: u64, to: u64, end: u64) -> bool {
    let (a, b) = span(e, end);
    a <= to && b >= from
}

/// Whether two JSON scalars are the same value (numbers by value: `42` is `42.0`).
fn same(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::Number(x), Value::Number(y)) => match (x.as_i64(), y.as_i64()) {
            (Some(x), Some(y)) => x == y,
            _ => x.as_f64() == y.as_f64(),
        },
        _ => a == b,
    }
}

/// Whether `value` appears anywhere in `body` outside its bookkeeping keys.
fn holds(body: &Value, value: &Value, top: bool) -> bool {
    match body {
        Value::Object(map) => map
            .iter()
            .filter(|(k, _)| !(top && BOOKKEEPING.contains(&k.as_str())))
            .any(|(_, v)| holds(v, value, false)),
        Value::Array(items) => items.iter().any(|v| holds(v, value, false)),
        scalar => same(scalar, value),
    }
}

/// Whether message `e` carries `value`. A body cut short is searched as text: a number must
/// stand alone (not inside a longer number), anything else must appear as its JSON.
pub fn carries(e: &Entry, value: &Value) -> bool {
    if let Some(body) = e.body_json() {
        return holds(&body, value, true);
    }
    let needle = value.to_string();
    if !value.is_number() {
        return e.body.contains(&needle);
    }
    let bytes = e.body.as_bytes();
    let number_byte = |b: u8| b.is_ascii_digit() || b == b'.' || b == b'-';
    e.body.match_indices(&needle).any(|(at, _)| {
        let before = at.checked_sub(1).map(|i| bytes[i]);
        let after = bytes.get(at + needle.len()).copied();
        !before.is_some_and(number_byte) && !after.is_some_and(number_byte)
    })
}

/// The replies to the requests among `chosen`: a message from a request's recipient back to
/// its sender with `in_reply_to` its `msg_id` (a broadcast's `broadcast_ok` carries no value,
/// but shows the value was acknowledged).
pub fn replies<'a>(entries: &'a [Entry], chosen: &[&Entry]) -> Vec<&'a Entry> {
    use std::collections::HashSet;
    let requests: HashSet<(&str, &str, u64)> = chosen
        .iter()
        .filter_map(|e| {
            let id = e.body_json()?.get("msg_id")?.as_u64()?;
            Some((e.dest.as_str(), e.src.as_str(), id))
        })
        .collect();
    let pairs: HashSet<(&str, &str)> = requests.iter().map(|(a, b, _)| (*a, *b)).collect();
    entries
        .iter()
        .filter(|e| pairs.contains(&(e.src.as_str(), e.dest.as_str())))
        .filter(|e| {
            let to = e
                .body_json()
                .and_then(|b| b.get("in_reply_to").and_then(Value::as_u64));
            to.is_some_and(|id| requests.contains(&(e.src.as_str(), e.dest.as_str(), id)))
        })
        .collect()
}

/// One client operation: its invocation and completion (if any) from the history.
#[derive(Clone, Debug)]
pub struct Operation {
    pub invoke: Op,
    pub complete: Option<Op>,
}

impl Operation {
    /// The operation that history entry `index` belongs to (its invocation or completion),
    /// from a history in order.
    pub fn find(history: impl Iterator<Item = Op>, index: usize) -> Option<Operation> {
        let mut open: std::collections::HashMap<u64, Op> = Default::default();
        let mut found: Option<Operation> = None;
        for op in history {
            let Process::Client(p) = op.process else {
                continue;
            };
            if let Some(f) = &mut found {
                if f.invoke.process == op.process && f.complete.is_none() {
                    f.complete = Some(op);
                    break;
                }
                continue;
            }
            if op.kind == OpType::Invoke {
                let hit = op.index == index;
                open.insert(p, op);
                if hit {
                    found = open.remove(&p).map(|invoke| Operation {
                        invoke,
                        complete: None,
                    });
                }
            } else if let Some(invoke) = open.remove(&p) {
                if op.index == index {
                    return Some(Operation {
                        invoke,
                        complete: Some(op),
                    });
                }
            }
        }
        found
    }

    /// The value the operation carried, if it is one a message would carry whole (a
    /// broadcast's integer).
    pub fn carried_value(&self) -> Option<&Value> {
        let v = &self.invoke.value;
        (v.is_number() && self.invoke.f == "broadcast").then_some(v)
    }

    /// The client (`c3`) that sent the operation's request: the client message sent at the
    /// invocation's instant, preferring one whose type is the operation's `:f`.
    pub fn client<'a>(&self, entries: &'a [Entry]) -> Option<&'a str> {
        let at = self.invoke.time;
        let candidates = entries
            .iter()
            .filter(|e| e.sent == at && e.src.starts_with('c'));
        let mut best = None;
        for e in candidates {
            if e.kind == self.invoke.f {
                return Some(&e.src);
            }
            best = best.or(Some(e.src.as_str()));
        }
        best
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn entry(body: &str, whole: bool) -> Entry {
        Entry {
            id: 0,
            src: "n0".into(),
            dest: "n1".into(),
            kind: "gossip".into(),
            body: body.into(),
            whole,
            sent: 0,
            fate: Fate::InFlight,
        }
    }

    #[test]
    fn a_value_is_found_in_any_field_but_bookkeeping() {
        let e = entry(r#"{"type":"gossip","msg_id":42,"messages":[1,42]}"#, true);
        assert!(carries(&e, &json!(42)));
        assert!(carries(&e, &json!(1)));
        let e = entry(r#"{"type":"gossip","msg_id":42,"messages":[1,420]}"#, true);
        assert!(!carries(&e, &json!(42)), "msg_id is not a value");
        let cut = entry(r#"{"type":"gossip","messages":[1,420,42,"#, false);
        assert!(carries(&cut, &json!(42)));
        assert!(!carries(&cut, &json!(4)));
        assert!(!carries(&cut, &json!(20)));
    }

    #[test]
    fn an_operation_is_found_by_either_of_its_indexes() {
        let op = |index, time, kind, process, value: Value| Op {
            index,
            time,
            kind,
            process: Process::Client(process),
            f: "broadcast".into(),
            value,
            error: None,
            is_final: false,
        };
        let history = vec![
            op(0, 5, OpType::Invoke, 0, json!(7)),
            op(1, 6, OpType::Invoke, 1, json!(8)),
            op(2, 9, OpType::Ok, 1, json!(8)),
            op(3, 12, OpType::Ok, 0, json!(7)),
        ];
        for index in [0, 3] {
            let found = Operation::find(history.clone().into_iter(), index).unwrap();
            assert_eq!(found.invoke.index, 0);
            assert_eq!(found.complete.unwrap().index, 3);
        }
        let found = Operation::find(history.into_iter(), 1).unwrap();
        assert_eq!(found.carried_value(), Some(&json!(8)));
    }
}
