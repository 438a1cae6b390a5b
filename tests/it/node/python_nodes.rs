//! The reference and broken Maelstrom nodes in `tests/nodes/` (Python 3, stdlib only), driven
//! directly over stdin/stdout without any engine: flood and star acknowledge a broadcast and
//! read it back (star's leaves forward to the hub, the hub to everyone else), lossy_broadcast
//! drops every 5th value yet acknowledges it, echo echoes, crash_after_init exits with 3,
//! junk_stdout prints a non-JSON line, silent_init says nothing. Skipped, saying so, when
//! `python3` is not on PATH.

use serde_json::{json, Value};
use std::time::Duration;

use crate::support::python_session::Node;

const FIVE: [&str; 5] = ["n0", "n1", "n2", "n3", "n4"];

fn broadcast(node: &mut Node, id: &str, msg_id: u64, value: u64) -> Vec<Value> {
    node.send(
        "c1",
        id,
        json!({"type": "broadcast", "msg_id": msg_id, "message": value}),
    );
    let (gossip, reply) = node.until_reply(msg_id);
    assert_eq!(reply["body"]["type"], "broadcast_ok", "{reply}");
    gossip
}

fn read(node: &mut Node, id: &str, msg_id: u64) -> Value {
    node.send("c1", id, json!({"type": "read", "msg_id": msg_id}));
    let (_, reply) = node.until_reply(msg_id);
    assert_eq!(reply["body"]["type"], "read_ok", "{reply}");
    reply["body"]["messages"].clone()
}

fn destinations(gossip: &[Value]) -> Vec<String> {
    let mut to: Vec<String> = gossip
        .iter()
        .inspect(|m| assert_eq!(m["body"]["type"], "gossip", "{m}"))
        .filter_map(|m| m["dest"].as_str().map(str::to_string))
        .collect();
    to.sort();
    to
}

#[test]
fn flood_gossips_to_every_other_node_and_reads_back() {
    let Some(mut n) = Node::launch("flood.py") else {
        return;
    };
    n.init("n1", &FIVE);
    n.send(
        "c0",
        "n1",
        json!({"type": "topology", "msg_id": 2, "topology": {}}),
    );
    assert_eq!(n.until_reply(2).1["body"]["type"], "topology_ok");
    let gossip = broadcast(&mut n, "n1", 3, 12);
    assert_eq!(destinations(&gossip), ["n0", "n2", "n3", "n4"]);
    assert!(gossip.iter().all(|m| m["body"]["message"] == 12));
    n.send("n3", "n1", json!({"type": "gossip", "message": 40}));
    assert_eq!(read(&mut n, "n1", 4), json!([12, 40]));
    assert_eq!(n.close(), Some(0));
}

#[test]
fn star_leaves_send_to_the_hub_and_the_hub_relays_new_values_once() {
    let Some(mut leaf) = Node::launch("star.py") else {
        return;
    };
    leaf.init("n2", &FIVE);
    let gossip = broadcast(&mut leaf, "n2", 2, 7);
    assert_eq!(destinations(&gossip), ["n0"]);
    leaf.send("n0", "n2", json!({"type": "gossip", "message": 8}));
    assert_eq!(read(&mut leaf, "n2", 3), json!([7, 8]));

    let mut hub = Node::start("star.py");
    hub.init("n0", &FIVE);
    let gossip = broadcast(&mut hub, "n0", 2, 1);
    assert_eq!(destinations(&gossip), ["n1", "n2", "n3", "n4"]);
    // From a leaf: relayed to everyone but that leaf, and only the first time.
    hub.send("n2", "n0", json!({"type": "gossip", "message": 5}));
    hub.send("n2", "n0", json!({"type": "gossip", "message": 5}));
    let (relayed, _) = {
        hub.send("c1", "n0", json!({"type": "read", "msg_id": 3}));
        hub.until_reply(3)
    };
    assert_eq!(destinations(&relayed), ["n1", "n3", "n4"]);
    assert_eq!(read(&mut hub, "n0", 4), json!([1, 5]));
}

#[test]
fn lossy_broadcast_acknowledges_every_value_but_drops_every_fifth() {
    let Some(mut n) = Node::launch("lossy_broadcast.py") else {
        return;
    };
    n.init("n0", &FIVE);
    for (i, value) in (100..110).enumerate() {
        let gossip = broadcast(&mut n, "n0", 2 + i as u64, value);
        let dropped = (i + 1) % 5 == 0;
        assert_eq!(gossip.is_empty(), dropped, "value {value}");
    }
    assert_eq!(
        read(&mut n, "n0", 20),
        json!([100, 101, 102, 103, 105, 106, 107, 108])
    );
}

#[test]
fn echo_echoes() {
    let Some(mut n) = Node::launch("echo.py") else {
        return;
    };
    n.init("n0", &["n0"]);
    n.send(
        "c1",
        "n0",
        json!({"type": "echo", "msg_id": 9, "echo": "Please echo 35"}),
    );
    let reply = n.message();
    assert_eq!(reply["body"]["type"], "echo_ok");
    assert_eq!(reply["body"]["echo"], "Please echo 35");
    assert_eq!(reply["body"]["in_reply_to"], 9);
    assert_eq!(n.close(), Some(0));
}

#[test]
fn crash_after_init_exits_with_3_and_says_why() {
    let Some(mut n) = Node::launch("crash_after_init.py") else {
        return;
    };
    n.init("n0", &["n0"]);
    let mut stderr = n.child.stderr.take().expect("stderr");
    assert_eq!(n.close(), Some(3));
    let mut said = String::new();
    std::io::Read::read_to_string(&mut stderr, &mut said).unwrap();
    assert!(said.contains("status 3"), "{said:?}");
}

#[test]
fn junk_stdout_prints_a_line_that_is_not_json_on_its_first_broadcast() {
    let Some(mut n) = Node::launch("junk_stdout.py") else {
        return;
    };
    n.init("n0", &["n0"]);
    n.send(
        "c1",
        "n0",
        json!({"type": "broadcast", "msg_id": 2, "message": 3}),
    );
    let junk = n.line();
    assert!(serde_json::from_str::<Value>(&junk).is_err(), "{junk}");
    let reply = n.message();
    assert_eq!(reply["body"]["type"], "broadcast_ok");
}

#[test]
fn silent_init_prints_nothing_within_a_second() {
    let Some(mut n) = Node::launch("silent_init.py") else {
        return;
    };
    n.send(
        "c0",
        "n0",
        json!({"type": "init", "msg_id": 1, "node_id": "n0", "node_ids": ["n0"]}),
    );
    let heard = n.lines.recv_timeout(Duration::from_secs(1));
    assert!(heard.is_err(), "silent_init said {heard:?}");
    assert!(
        n.child.try_wait().expect("status").is_none(),
        "it should keep running"
    );
    assert_eq!(n.close(), Some(0));
}
