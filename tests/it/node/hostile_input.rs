//! Every node, with every profile's flags, under hostile input: each message type any node
//! knows, from clients, peers and services, as requests and as replies, with every field set to
//! junk (nulls, wrong types, huge and negative numbers, nested garbage), interleaved with ticks.
//! Nothing may panic, and every reply to a client must answer a request that client sent. The
//! other way round, a foreign node's stdout line the simulator cannot read is named for what it
//! is.

use glomers::challenge::Profiles;
use glomers::node::testing::Harness;
use glomers::protocol::{Body, Message};
use serde_json::{json, Value};
use std::collections::BTreeSet;
use std::time::Duration;

const TYPES: &[&str] = &[
    "echo",
    "generate",
    "broadcast",
    "read",
    "topology",
    "gossip",
    "add",
    "send",
    "poll",
    "commit_offsets",
    "list_committed_offsets",
    "txn",
    "replicate",
    "kafka_sync",
    "kafka_committed",
    "kafka_committed_ok",
    "read_ok",
    "write_ok",
    "cas_ok",
    "error",
    "init",
    "echo_ok",
    "broadcast_ok",
    "poll_ok",
    "send_ok",
    "txn_ok",
    "frobnicate",
];

const FIELDS: &[&str] = &[
    "echo", "message", "messages", "topology", "delta", "value", "key", "keys", "msg", "msgs",
    "offset", "offsets", "txn", "txns", "ack", "batches", "entries", "marks", "first", "from",
    "to", "values", "lamport", "node", "id", "code", "text", "node_id", "node_ids", "wait",
];

fn junk() -> Vec<Value> {
    vec![
        Value::Null,
        json!(true),
        json!(-1),
        json!(0),
        json!(1),
        json!(1.5),
        json!(1e300),
        json!(u64::MAX),
        json!(i64::MIN),
        json!("x"),
        json!(""),
        json!([]),
        json!([null]),
        json!([[1, 2]]),
        json!([["r", 1, null], ["w", 1, 2]]),
        json!([["w", "k", {}]]),
        json!({}),
        json!({"0": 1}),
        json!({"0": [[1, 2], [-5, null]]}),
        json!({"n1": ["n0", 7]}),
    ]
}

/// Sends one junk message from a rotating set of sources (client request, peer request, peer
/// and service replies), recording client requests in `asked`.
fn deliver(
    h: &mut Harness,
    k: u64,
    kind: &str,
    body_fields: &[(&str, Value)],
    asked: &mut BTreeSet<u64>,
) {
    let mut body = Body::new(kind);
    for (f, v) in body_fields {
        body.set(f, v);
    }
    let (src, msg_id, in_reply_to) = match k % 5 {
        0 => ("c1", Some(1_000 + k), None),
        1 => ("n1", Some(k), None),
        2 => ("n2", None, Some(k % 7)),
        3 => ("seq-kv", None, Some(k % 11)),
        _ => ("lin-kv", None, Some(k % 13)),
    };
    body.msg_id = msg_id;
    body.in_reply_to = in_reply_to;
    if src == "c1" {
        if let Some(id) = msg_id {
            asked.insert(id);
        }
    }
    let out = h.deliver(Message::new(src, "n0", body));
    for msg in out {
        if msg.dest == "c1" {
            let answered = msg
                .body
                .in_reply_to
                .expect("a reply to a client names its request");
            assert!(
                asked.contains(&answered),
                "reply to a request never sent: {msg:?}"
            );
        }
    }
}

#[test]
fn no_node_panics_on_hostile_input() {
    let profiles = Profiles::builtin();
    let mut seen = BTreeSet::new();
    let values = junk();
    for profile in &profiles.challenges {
        let key = (profile.workload, profile.node_args.clone());
        if !seen.insert(key) {
            continue;
        }
        let node = glomers::nodes::build(profile.workload, &profile.node_args)
            .expect("profile flags parse");
        let mut h = Harness::new(node, "n0", 3);
        let mut asked = BTreeSet::new();
        let mut k = 0u64;
        for kind in TYPES {
            for value in &values {
                // Every field at once set to the same junk…
                let all: Vec<(&str, Value)> = FIELDS.iter().map(|f| (*f, value.clone())).collect();
                deliver(&mut h, k, kind, &all, &mut asked);
                k += 1;
                // …and each field alone, so a node cannot reject early on the first bad one.
                for field in FIELDS {
                    deliver(&mut h, k, kind, &[(*field, value.clone())], &mut asked);
                    k += 1;
                }
                h.tick_after(Duration::from_millis(37));
            }
        }
        // Long silences let retry and expiry paths run on whatever state the junk left.
        for _ in 0..50 {
            h.tick_after(Duration::from_secs(1));
        }
        assert!(k > 10_000, "{} sent only {k} messages", profile.id);
    }
    assert!(
        seen.len() >= 6,
        "covered only {} node configurations",
        seen.len()
    );
}

/// A node's stdout line nested deeper than serde_json reads (128 levels) may be well-formed
/// JSON; the run's note says it is too deep rather than calling it malformed.
#[test]
fn a_stdout_line_nested_too_deep_is_called_that_not_malformed() {
    use glomers::sim::external::wire;
    let depth = 130;
    let body = "[".repeat(depth) + &"]".repeat(depth);
    let line = format!(r#"{{"src":"n0","dest":"c1","body":{{"type":"x","deep":{body}}}}}"#);
    let why = wire::parse("n0", &line).unwrap_err();
    assert!(why.contains("nested too deep"), "{why}");
    assert!(!why.contains("not well-formed"), "{why}");
    let why = wire::parse("n0", "{not json").unwrap_err();
    assert!(why.contains("not well-formed JSON"), "{why}");
}
