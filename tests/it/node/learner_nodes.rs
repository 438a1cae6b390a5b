//! The nodes of `tests/nodes/` written in the styles learners use, driven over stdin/stdout
//! with no engine, so that what `learner_fidelity` holds to real Maelstrom runs is known to be
//! the style it claims: the Go demo-library broadcast relays one RPC per value per neighbour and
//! resends it each second until acknowledged; the Go-style txn node answers from its own
//! registers, then replicates the writes with pauses that grow; the serde-style node writes
//! `"msg_id": null, "in_reply_to": null` on its gossip; the batching node sends one batch per
//! neighbour per period. Skipped, saying so, when `python3` is not on PATH.

use serde_json::{json, Value};
use std::collections::{BTreeMap, BTreeSet};
use std::time::{Duration, Instant};

use crate::support::python_session::Node;

const FIVE: [&str; 5] = ["n0", "n1", "n2", "n3", "n4"];

/// Every message the node writes within `window`.
fn messages_within(node: &Node, window: Duration) -> Vec<Value> {
    let until = Instant::now() + window;
    let mut out = Vec::new();
    while let Some(left) = until.checked_duration_since(Instant::now()) {
        match node.lines.recv_timeout(left) {
            Ok(line) => out.push(serde_json::from_str(&line).expect("a JSON line")),
            Err(_) => break,
        }
    }
    out
}

fn dests(msgs: &[Value]) -> Vec<&str> {
    let mut to: Vec<&str> = msgs.iter().filter_map(|m| m["dest"].as_str()).collect();
    to.sort();
    to
}

fn ack(node: &mut Node, relay: &Value, kind: &str) {
    let from = relay["dest"].as_str().expect("dest");
    let to = relay["src"].as_str().expect("src");
    let id = relay["body"]["msg_id"].clone();
    node.send(from, to, json!({"type": kind, "in_reply_to": id}));
}

#[test]
fn go_style_broadcast_relays_by_rpc_and_resends_each_second_until_acknowledged() {
    let Some(mut hub) = Node::launch("go_style_broadcast.py") else {
        return;
    };
    hub.init("n0", &FIVE);
    hub.send(
        "c1",
        "n0",
        json!({"type": "broadcast", "msg_id": 2, "message": 7}),
    );
    let (relays, reply) = hub.until_reply(2);
    assert_eq!(reply["body"]["type"], "broadcast_ok");
    assert_eq!(dests(&relays), ["n1", "n2", "n3", "n4"]);
    let ids: BTreeSet<u64> = relays
        .iter()
        .map(|r| {
            assert_eq!(r["body"]["type"], "broadcast", "{r}");
            assert_eq!(r["body"]["message"], 7, "{r}");
            r["body"]["msg_id"].as_u64().expect("an RPC has a msg_id")
        })
        .collect();
    assert_eq!(ids.len(), 4, "one RPC each");
    let sent = Instant::now();
    for r in relays.iter().filter(|r| r["dest"] != "n3") {
        ack(&mut hub, r, "broadcast_ok");
    }
    // n3 never answered: the same value again, in a fresh RPC, once its 1 s timeout is over.
    let again = hub.message();
    let waited = sent.elapsed();
    assert_eq!(again["dest"], "n3", "{again}");
    assert_eq!(again["body"]["message"], 7);
    assert!(!ids.contains(&again["body"]["msg_id"].as_u64().unwrap()));
    assert!(
        waited >= Duration::from_millis(900) && waited < Duration::from_millis(2500),
        "{waited:?}"
    );
    ack(&mut hub, &again, "broadcast_ok");
    assert!(messages_within(&hub, Duration::from_millis(1300)).is_empty());

    // A value relayed by a leaf goes to every other leaf; the leaf gets its broadcast_ok.
    hub.send(
        "n2",
        "n0",
        json!({"type": "broadcast", "msg_id": 1, "message": 9}),
    );
    let (relays, reply) = hub.until_reply(1);
    assert_eq!(
        (&reply["dest"], &reply["body"]["type"]),
        (&json!("n2"), &json!("broadcast_ok"))
    );
    assert_eq!(dests(&relays), ["n1", "n3", "n4"]);

    let mut leaf = Node::start("go_style_broadcast.py");
    leaf.init("n2", &FIVE);
    leaf.send(
        "c1",
        "n2",
        json!({"type": "broadcast", "msg_id": 2, "message": 3}),
    );
    let (relays, _) = leaf.until_reply(2);
    assert_eq!(dests(&relays), ["n0"]);
}

#[test]
fn go_style_txn_answers_locally_then_replicates_with_growing_pauses() {
    let Some(mut n) = Node::launch("go_style_txn.py") else {
        return;
    };
    n.init("n0", &["n0", "n1"]);
    n.send(
        "c1",
        "n0",
        json!({"type": "txn", "msg_id": 2, "txn": [["r", 1, null], ["w", 1, 5], ["r", 1, null]]}),
    );
    let (_, reply) = n.until_reply(2);
    assert_eq!(reply["body"]["type"], "txn_ok");
    assert_eq!(
        reply["body"]["txn"],
        json!([["r", 1, null], ["w", 1, 5], ["r", 1, 5]])
    );
    let mut sends = vec![(Instant::now(), n.message())];
    for _ in 0..2 {
        let m = n.message();
        sends.push((Instant::now(), m));
    }
    for (_, m) in &sends {
        assert_eq!(m["dest"], "n1", "{m}");
        assert_eq!(m["body"]["type"], "replicate", "{m}");
        assert_eq!(m["body"]["writes"], json!([["w", 1, 5]]), "{m}");
    }
    let ids: BTreeSet<u64> = sends
        .iter()
        .filter_map(|(_, m)| m["body"]["msg_id"].as_u64())
        .collect();
    assert_eq!(ids.len(), 3, "a fresh RPC each time");
    // 1 s timeout, then a 0.1 s and a 0.2 s pause.
    let gaps: Vec<u128> = sends
        .windows(2)
        .map(|w| (w[1].0 - w[0].0).as_millis())
        .collect();
    assert!((1000..1700).contains(&gaps[0]), "{gaps:?}");
    assert!((1100..1800).contains(&gaps[1]), "{gaps:?}");
    ack(&mut n, &sends[2].1, "replicate_ok");
    assert!(messages_within(&n, Duration::from_millis(1500)).is_empty());

    n.send(
        "n1",
        "n0",
        json!({"type": "replicate", "msg_id": 4, "writes": [["w", 2, 8]]}),
    );
    assert_eq!(n.until_reply(4).1["body"]["type"], "replicate_ok");
    n.send(
        "c1",
        "n0",
        json!({"type": "txn", "msg_id": 3, "txn": [["r", 2, null]]}),
    );
    let (_, reply) = n.until_reply(3);
    assert_eq!(reply["body"]["txn"], json!([["r", 2, 8]]));
}

#[test]
fn serde_null_broadcast_writes_absent_ids_as_null_on_its_gossip() {
    let Some(mut n) = Node::launch("serde_null_broadcast.py") else {
        return;
    };
    n.init("n1", &FIVE);
    n.send(
        "c0",
        "n1",
        json!({"type": "topology", "msg_id": 2, "topology": {"n1": ["n0", "n2", "n4"]}}),
    );
    assert_eq!(n.until_reply(2).1["body"]["type"], "topology_ok");
    n.send(
        "c1",
        "n1",
        json!({"type": "broadcast", "msg_id": 3, "message": 5}),
    );
    let (gossip, reply) = n.until_reply(3);
    assert!(reply["body"]["msg_id"].is_u64(), "{reply}");
    assert_eq!(dests(&gossip), ["n0", "n2", "n4"]);
    for g in &gossip {
        let body = g["body"].as_object().expect("an object");
        assert_eq!(body.get("msg_id"), Some(&Value::Null), "{g}");
        assert_eq!(body.get("in_reply_to"), Some(&Value::Null), "{g}");
        assert_eq!(body["message"], 5);
    }
    n.send(
        "n0",
        "n1",
        json!({"type": "gossip", "msg_id": null, "in_reply_to": null, "message": 6}),
    );
    n.send("c1", "n1", json!({"type": "read", "msg_id": 4}));
    let (relayed, reply) = n.until_reply(4);
    assert_eq!(dests(&relayed), ["n2", "n4"]);
    assert_eq!(reply["body"]["messages"], json!([5, 6]));
}

#[test]
fn batching_gossip_sends_each_neighbour_one_batch_of_what_is_new() {
    let Some(mut hub) = Node::launch("batching_gossip.py") else {
        return;
    };
    hub.init("n0", &FIVE);
    for (msg_id, value) in [(2, 1), (3, 2)] {
        hub.send(
            "c1",
            "n0",
            json!({"type": "broadcast", "msg_id": msg_id, "message": value}),
        );
    }
    let mut batches = hub.until_reply(3).0;
    batches.extend(messages_within(&hub, Duration::from_millis(400)));
    let batches: Vec<&Value> = batches
        .iter()
        .filter(|m| m["body"]["type"] == "gossip")
        .collect();
    // The two values may straddle a period: then a leaf gets two batches, never more.
    let mut got: BTreeMap<&str, Vec<u64>> = BTreeMap::new();
    for b in &batches {
        let values = b["body"]["messages"].as_array().expect("a batch");
        got.entry(b["dest"].as_str().unwrap())
            .or_default()
            .extend(values.iter().map(|v| v.as_u64().unwrap()));
    }
    assert_eq!(
        got.keys().copied().collect::<Vec<_>>(),
        ["n1", "n2", "n3", "n4"]
    );
    assert!(got.values().all(|v| v == &[1, 2]), "{got:?}");
    assert!(batches.len() <= 8, "{batches:?}");
    // Nothing new, nothing sent; a leaf's value goes to every leaf but that one.
    assert!(messages_within(&hub, Duration::from_millis(300)).is_empty());
    hub.send("n3", "n0", json!({"type": "gossip", "messages": [3, 1]}));
    let batches = messages_within(&hub, Duration::from_millis(400));
    assert_eq!(dests(&batches), ["n1", "n2", "n4"]);
    assert!(batches.iter().all(|b| b["body"]["messages"] == json!([3])));

    let mut leaf = Node::start("batching_gossip.py");
    leaf.init("n2", &FIVE);
    leaf.send(
        "c1",
        "n2",
        json!({"type": "broadcast", "msg_id": 2, "message": 4}),
    );
    let mut batches = leaf.until_reply(2).0;
    batches.extend(messages_within(&leaf, Duration::from_millis(400)));
    assert_eq!(dests(&batches), ["n0"]);
    assert_eq!(batches[0]["body"]["messages"], json!([4]));
}
