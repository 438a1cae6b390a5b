//! Maelstrom 0.2.4's kafka client (`maelstrom.workload.kafka/Client`): the RPCs each
//! operation makes, their strict reply schemas, and the per-client poll positions.
//!
//! - `send` → `send {key, msg}` → `send_ok {offset}`; completes as `[["send", k, [offset, msg]]]`.
//! - `poll` → `poll {offsets}` with the client's positions → `poll_ok {msgs}`; positions move
//!   past the highest offset returned per key (a key returned with no messages moves to 0 if
//!   it was not there yet); then, if any messages came back, `commit_offsets` with the highest
//!   offset per key → `commit_offsets_ok`. Completes as `[["poll", msgs]]`. An error from
//!   either RPC completes the operation with its invocation value `[["poll"]]`.
//! - `assign [keys]` → `list_committed_offsets {keys}` → `list_committed_offsets_ok
//!   {offsets}`, then the positions become exactly the assigned keys, each keeping its current
//!   position or starting at 0. Maelstrom means to resume from the committed offset, but it
//!   looks the key up in the reply *body* (`(committed k)`) instead of in its `offsets`, so a
//!   committed offset is never used: we do the same. Assign is idempotent (errors → `fail`).
//!   The final phase's assign (`:seek-to-beginning? true`) sends nothing and starts every key
//!   at 0.
//! - `crash` completes as `info` at once; the process is then replaced, and the new client
//!   starts with no positions.

use super::super::expect_reply;
use crate::protocol::Body;
use crate::sim::model::Step;
use serde_json::{json, Map, Value};
use std::collections::BTreeMap;

/// One worker thread's client.
#[derive(Debug, Default)]
pub(crate) struct Client {
    /// Assigned keys and the next offset to poll from.
    offsets: BTreeMap<String, i64>,
    /// The operation's progress between RPCs.
    stage: Stage,
}

#[derive(Debug, Default)]
enum Stage {
    #[default]
    Idle,
    Listing(Vec<String>),
    Polling,
    /// The poll's messages, returned once the commit succeeds.
    Committing(Value),
    Sending(String, Value),
}

/// What a completed poll tells the generator: the highest offset per key (−1 when empty).
type PollMax = BTreeMap<String, i64>;

/// The outcome of a reply: the next step, plus what an `ok` completion saw.
pub(crate) struct Reply {
    pub(crate) step: Step,
    pub(crate) sent: Option<(String, i64)>,
    pub(crate) polled: Option<PollMax>,
}

impl Reply {
    fn step(step: Step) -> Reply {
        Reply {
            step,
            sent: None,
            polled: None,
        }
    }
}

impl Client {
    pub(crate) fn begin_send(&mut self, key: &str, msg: &Value) -> Step {
        self.stage = Stage::Sending(key.to_string(), msg.clone());
        Step::request(Body::new("send").with("key", key).with("msg", msg))
    }

    pub(crate) fn begin_poll(&mut self) -> Step {
        self.stage = Stage::Polling;
        Step::request(Body::new("poll").with("offsets", &self.offsets))
    }

    pub(crate) fn begin_assign(
        &mut self,
        keys: &[String],
        seek_to_beginning: bool,
        value: &Value,
    ) -> Step {
        if seek_to_beginning {
            self.stage = Stage::Idle;
            self.offsets = keys.iter().map(|k| (k.clone(), 0)).collect();
            return Step::ok(value.clone());
        }
        self.stage = Stage::Listing(keys.to_vec());
        Step::request(Body::new("list_committed_offsets").with("keys", keys))
    }

    /// A reply to the operation's outstanding RPC. `value` is the invocation's value.
    pub(crate) fn on_reply(&mut self, reply: &Body, value: &Value) -> Reply {
        match std::mem::take(&mut self.stage) {
            Stage::Idle => Reply::step(Step::malformed(value.clone(), "unexpected reply".into())),
            Stage::Sending(key, msg) => {
                match expect_reply(reply, "send_ok", &["offset"], &[], value, false) {
                    Err(step) => Reply::step(step),
                    Ok(fields) => match as_int(&fields["offset"]) {
                        None => Reply::step(Step::malformed(
                            value.clone(),
                            "send_ok offset is not an integer".into(),
                        )),
                        Some(offset) => Reply {
                            step: Step::ok(json!([["send", key, [offset, msg]]])),
                            sent: Some((key, offset)),
                            polled: None,
                        },
                    },
                }
            }
            Stage::Polling => {
                let fields = match expect_reply(reply, "poll_ok", &["msgs"], &[], value, false) {
                    Err(step) => return Reply::step(step),
                    Ok(fields) => fields,
                };
                let msgs = match parse_msgs(&fields["msgs"]) {
                    Ok(m) => m,
                    Err(why) => return Reply::step(Step::malformed(value.clone(), why)),
                };
                let mut polled = PollMax::new();
                let mut commit = BTreeMap::new();
                for (key, pairs) in &msgs {
                    let max = pairs.iter().map(|(o, _)| *o).max();
                    polled.insert(key.clone(), max.unwrap_or(-1));
                    // Positions advance before the commit, and stay advanced if it fails.
                    let next = max.map_or(0, |m| m.saturating_add(1));
                    let entry = self.offsets.entry(key.clone()).or_insert(next);
                    *entry = (*entry).max(next);
                    if let Some(m) = max {
                        // Maelstrom's txn-offsets folds from 0: `(max (get offsets k 0) o)`.
                        commit.insert(key.clone(), m.max(0));
                    }
                }
                let result = json!([["poll", fields["msgs"].clone()]]);
                if commit.is_empty() {
                    return Reply {
                        step: Step::ok(result),
                        sent: None,
                        polled: Some(polled),
                    };
                }
                // Only `ok` operations reach the generator, so `polled` waits for the commit.
                self.stage = Stage::Committing(result);
                Reply::step(Step::request(
                    Body::new("commit_offsets").with("offsets", commit),
                ))
            }
            Stage::Committing(result) => {
                match expect_reply(reply, "commit_offsets_ok", &[], &[], value, false) {
                    Err(step) => Reply::step(step),
                    Ok(_) => {
                        let polled = poll_max(&result);
                        Reply {
                            step: Step::ok(result),
                            sent: None,
                            polled: Some(polled),
                        }
                    }
                }
            }
            Stage::Listing(keys) => {
                let fields = match expect_reply(
                    reply,
                    "list_committed_offsets_ok",
                    &["offsets"],
                    &[],
                    value,
                    true,
                ) {
                    Err(step) => return Reply::step(step),
                    Ok(fields) => fields,
                };
                if let Err(why) = parse_offsets(&fields["offsets"]) {
                    return Reply::step(Step::malformed(value.clone(), why));
                }
                // See the module header: the committed offsets are fetched but never used.
                self.offsets = keys
                    .iter()
                    .map(|k| (k.clone(), self.offsets.get(k).copied().unwrap_or(0)))
                    .collect();
                Reply::step(Step::ok(value.clone()))
            }
        }
    }

    /// The committed offsets a `list_committed_offsets_ok` carried, for the glomers-only
    /// commit check (None unless the reply was well-formed).
    pub(crate) fn listed_offsets(reply: &Body) -> Option<BTreeMap<String, i64>> {
        if reply.kind != "list_committed_offsets_ok" {
            return None;
        }
        parse_offsets(reply.fields.get("offsets")?).ok()
    }
}

/// A JSON integer (Prismatic's `s/Int`): floats, even integral ones, are not integers.
fn as_int(v: &Value) -> Option<i64> {
    match v {
        Value::Number(n) => n.as_i64(),
        _ => None,
    }
}

/// `{Key [[Offset Msg]]}`: string keys, lists of exactly-two-element pairs, integer offsets.
fn parse_msgs(v: &Value) -> Result<BTreeMap<String, Vec<(i64, Value)>>, String> {
    let Value::Object(map) = v else {
        return Err("poll_ok msgs is not a map".into());
    };
    let mut out = BTreeMap::new();
    for (key, pairs) in map {
        let Value::Array(pairs) = pairs else {
            return Err(format!("poll_ok msgs[{key:?}] is not a list"));
        };
        let mut list = Vec::with_capacity(pairs.len());
        for pair in pairs {
            match pair.as_array().map(Vec::as_slice) {
                Some([offset, msg]) => match as_int(offset) {
                    Some(o) => list.push((o, msg.clone())),
                    None => return Err(format!("poll_ok msgs[{key:?}] has a non-integer offset")),
                },
                _ => {
                    return Err(format!(
                        "poll_ok msgs[{key:?}] has an entry that is not [offset, msg]"
                    ))
                }
            }
        }
        out.insert(key.clone(), list);
    }
    Ok(out)
}

/// `{Key Offset}`.
fn parse_offsets(v: &Value) -> Result<BTreeMap<String, i64>, String> {
    let Value::Object(map) = v else {
        return Err("offsets is not a map".into());
    };
    map.iter()
        .map(|(k, o)| {
            as_int(o)
                .map(|o| (k.clone(), o))
                .ok_or_else(|| format!("offset of {k:?} is not an integer"))
        })
        .collect()
}

/// The highest offset per key in a completed poll value `[["poll", msgs]]`.
fn poll_max(result: &Value) -> PollMax {
    let msgs = result
        .get(0)
        .and_then(|m| m.get(1))
        .and_then(Value::as_object)
        .cloned()
        .unwrap_or_else(Map::new);
    msgs.iter()
        .map(|(k, pairs)| {
            let max = pairs
                .as_array()
                .map(|ps| ps.iter().filter_map(|p| p.get(0).and_then(as_int)).max())
                .unwrap_or(None);
            (k.clone(), max.unwrap_or(-1))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::history::OpType;

    fn ok_value(step: &Step) -> Option<&Value> {
        match step {
            Step::Complete {
                kind: OpType::Ok,
                value,
                ..
            } => Some(value),
            _ => None,
        }
    }

    #[test]
    fn poll_advances_positions_then_commits() {
        let mut c = Client::default();
        c.offsets.insert("1".into(), 0);
        let inv = json!([["poll"]]);
        let Step::Request { body, .. } = c.begin_poll() else {
            panic!()
        };
        assert_eq!(body.fields["offsets"], json!({"1": 0}));
        let reply = Body::new("poll_ok").with("msgs", json!({"1": [[0, 5], [1, 6]], "2": []}));
        let r = c.on_reply(&reply, &inv);
        let Step::Request { body, .. } = r.step else {
            panic!("expected a commit")
        };
        assert_eq!(body.kind, "commit_offsets");
        assert_eq!(body.fields["offsets"], json!({"1": 1}));
        assert_eq!(
            c.offsets,
            BTreeMap::from([("1".into(), 2), ("2".into(), 0)])
        );
        let r = c.on_reply(&Body::new("commit_offsets_ok"), &inv);
        assert_eq!(
            ok_value(&r.step),
            Some(&json!([["poll", {"1": [[0, 5], [1, 6]], "2": []}]]))
        );
        assert_eq!(
            r.polled.unwrap(),
            BTreeMap::from([("1".into(), 1), ("2".into(), -1)])
        );
    }

    #[test]
    fn schemas_are_strict() {
        let inv = json!([["send", "1", 3]]);
        let mut c = Client::default();
        c.begin_send("1", &json!(3));
        let r = c.on_reply(&Body::new("send_ok").with("offset", 1.0), &inv);
        assert!(ok_value(&r.step).is_none(), "a float offset is malformed");
        c.begin_send("1", &json!(3));
        let r = c.on_reply(
            &Body::new("send_ok").with("offset", 1).with("extra", 1),
            &inv,
        );
        assert!(ok_value(&r.step).is_none(), "extra keys are malformed");
        c.begin_poll();
        let r = c.on_reply(
            &Body::new("poll_ok").with("msgs", json!({"1": [[0, 5, 6]]})),
            &json!([["poll"]]),
        );
        assert!(ok_value(&r.step).is_none(), "triples are malformed");
    }

    #[test]
    fn assign_ignores_committed_offsets_like_maelstrom() {
        let mut c = Client::default();
        c.offsets.insert("1".into(), 7);
        c.offsets.insert("2".into(), 3);
        let keys = vec!["1".to_string(), "3".to_string()];
        let inv = json!(["1", "3"]);
        c.begin_assign(&keys, false, &inv);
        let reply = Body::new("list_committed_offsets_ok").with("offsets", json!({"3": 9}));
        let r = c.on_reply(&reply, &inv);
        assert_eq!(ok_value(&r.step), Some(&inv));
        assert_eq!(
            c.offsets,
            BTreeMap::from([("1".into(), 7), ("3".into(), 0)])
        );
    }
}
