//! Unit tests of the broadcast node through the sans-IO harness: the client protocol, what a
//! leaf and the hub send and when, silence when idle, acknowledgements and retransmission.

use super::*;
use crate::node::testing::Harness;
use serde_json::json;

fn node(args: &[&str]) -> Box<Broadcast> {
    let argv = std::iter::once("broadcast").chain(args.iter().copied());
    Box::new(Broadcast::new(Flags::parse_from(argv)))
}

fn harness(id: &str, count: usize, args: &[&str]) -> Harness {
    Harness::new(node(args), id, count)
}

fn broadcast(v: Value) -> Body {
    Body::new("broadcast").with("message", v)
}

fn gossip(from: u64, values: Value, ack: u64) -> Body {
    Body::new("gossip")
        .with("from", from)
        .with("values", values)
        .with("ack", ack)
}

fn from_peer(h: &mut Harness, src: &str, body: Body) -> Vec<Message> {
    let dest = h.host.id().unwrap_or("n0").to_string();
    h.deliver(Message::new(src, dest, body))
}

fn read(h: &mut Harness) -> Vec<Value> {
    let out = h.request("c1", Body::new("read"));
    assert_eq!(out.len(), 1);
    assert_eq!(out[0].body.kind, "read_ok");
    out[0].body.get("messages").expect("messages")
}

/// Ticks for `total`, `step` at a time; returns everything sent.
fn run_for(h: &mut Harness, total: u64, step: u64) -> Vec<Message> {
    let mut out = Vec::new();
    for _ in 0..total / step {
        out.extend(h.tick_after(Duration::from_millis(step)));
    }
    out
}

#[test]
fn a_single_node_answers_from_local_state_and_sends_nothing() {
    let mut h = harness("n0", 1, &[]);
    assert_eq!(read(&mut h), Vec::<Value>::new());
    for v in [json!(3), json!(1), json!(3)] {
        let out = h.request("c1", broadcast(v));
        assert_eq!(out.len(), 1, "only the reply");
        assert_eq!(out[0].body.kind, "broadcast_ok");
        assert!(out[0].body.fields.is_empty(), "broadcast_ok has no fields");
    }
    // Each value once, in arrival order.
    assert_eq!(read(&mut h), vec![json!(3), json!(1)]);
    assert_eq!(h.host.tick_interval(), None);
}

#[test]
fn topology_is_acknowledged_and_bad_requests_are_refused() {
    let mut h = harness("n1", 3, &[]);
    let topo = json!({"n0": ["n1"], "n1": ["n0", "n2"], "n2": ["n1"]});
    let out = h.request("c0", Body::new("topology").with("topology", topo));
    assert_eq!(out[0].body.kind, "topology_ok");
    let out = h.request("c0", Body::new("topology").with("topology", json!([1])));
    assert_eq!(out[0].body.as_error().map(|e| e.code), Some(12));
    let out = h.request("c0", Body::new("broadcast"));
    assert_eq!(out[0].body.as_error().map(|e| e.code), Some(12));
    let out = h.request("c0", Body::new("frobnicate"));
    assert_eq!(out[0].body.as_error().map(|e| e.code), Some(10));
    let out = h.request("n2", Body::new("gossip").with("from", 0));
    assert_eq!(out[0].body.as_error().map(|e| e.code), Some(12));
    // Gossip from outside the cluster is refused.
    let out = h.request("c9", gossip(0, json!([1]), 0));
    assert_eq!(out[0].body.as_error().map(|e| e.code), Some(12));
    assert_eq!(read(&mut h), Vec::<Value>::new());
}

#[test]
fn a_leaf_sends_each_value_to_the_hub_once() {
    let mut h = harness("n3", 5, &[]);
    let out = h.request("c1", broadcast(json!(42)));
    assert_eq!(out.len(), 2);
    assert_eq!(
        out[0].body.kind, "broadcast_ok",
        "acknowledged before anything else"
    );
    let up = &out[1];
    assert_eq!((up.dest.as_str(), up.body.kind.as_str()), ("n0", "gossip"));
    assert_eq!(up.body.get::<u64>("from").ok(), Some(0));
    assert_eq!(
        up.body.get::<Vec<Value>>("values").ok(),
        Some(vec![json!(42)])
    );
    // A repeat of the same value costs nothing.
    let out = h.request("c1", broadcast(json!(42)));
    assert_eq!(out.len(), 1);
    // Values from the hub are stored, not relayed.
    let out = from_peer(&mut h, "n0", gossip(0, json!([7, 8]), 1));
    assert!(out.is_empty());
    assert_eq!(read(&mut h), vec![json!(42), json!(7), json!(8)]);
}

#[test]
fn a_flat_node_sends_its_values_to_every_peer_and_forwards_nothing() {
    let mut h = harness("n2", 4, &["--flat", "true"]);
    let out = h.request("c1", broadcast(json!(5)));
    assert_eq!(out[0].body.kind, "broadcast_ok");
    let mut dests: Vec<&str> = out[1..].iter().map(|m| m.dest.as_str()).collect();
    dests.sort_unstable();
    assert_eq!(dests, ["n0", "n1", "n3"], "straight to every peer");
    assert!(out[1..].iter().all(|m| m.body.kind == "gossip"));
    // A value heard from a peer is stored, not passed on.
    let out = from_peer(&mut h, "n0", gossip(0, json!([9]), 0));
    assert!(out.is_empty());
    assert!(run_for(&mut h, 200, 5)
        .iter()
        .all(|m| m.body.get::<Vec<Value>>("values").ok() != Some(vec![json!(9)])));
    assert_eq!(read(&mut h), vec![json!(5), json!(9)]);
}

#[test]
fn the_hub_relays_in_bursts_to_everyone_but_the_origin() {
    let mut h = harness("n0", 4, &["--period-ms", "350", "--burst-ms", "105"]);
    // The first value opens a burst at once.
    let out = from_peer(&mut h, "n1", gossip(0, json!([5]), 0));
    let dests: Vec<&str> = out.iter().map(|m| m.dest.as_str()).collect();
    assert_eq!(
        dests,
        ["n2", "n3"],
        "n1 sent it, so n1 does not get it back"
    );
    // The hub's own value waits for the burst's second relay, 105 ms after the first.
    let out = h.request("c1", broadcast(json!(6)));
    assert_eq!(out.len(), 1);
    assert!(run_for(&mut h, 100, 5).is_empty());
    let out = run_for(&mut h, 10, 5);
    let dests: Vec<&str> = out.iter().map(|m| m.dest.as_str()).collect();
    assert_eq!(dests, ["n1", "n2", "n3"]);
    // n1's copy carries the acknowledgement of n1's value.
    let to_n1 = out.iter().find(|m| m.dest == "n1").expect("to n1");
    assert_eq!(to_n1.body.get::<u64>("ack").ok(), Some(1));
    assert_eq!(
        to_n1.body.get::<Vec<Value>>("values").ok(),
        Some(vec![json!(6)])
    );
    // A value after the burst waits for the next one, 350 ms after the first relay.
    h.request("c1", broadcast(json!(9)));
    assert!(run_for(&mut h, 200, 5).is_empty());
    let out = run_for(&mut h, 50, 5);
    assert_eq!(out.len(), 3);
}

#[test]
fn with_burst_all_a_bursts_first_relay_reaches_every_leaf() {
    let args = [
        "--period-ms",
        "350",
        "--burst-ms",
        "105",
        "--burst-all",
        "true",
    ];
    let mut h = harness("n0", 4, &args);
    // n1's value opens a burst: n1 gets an empty message (carrying its acknowledgement) so
    // that its clients wait out the same window as everyone else's.
    let out = from_peer(&mut h, "n1", gossip(0, json!([5]), 0));
    let dests: Vec<&str> = out.iter().map(|m| m.dest.as_str()).collect();
    assert_eq!(dests, ["n1", "n2", "n3"]);
    let to_n1 = out.iter().find(|m| m.dest == "n1").expect("to n1");
    assert_eq!(to_n1.body.get::<Vec<Value>>("values").ok(), Some(vec![]));
    assert_eq!(to_n1.body.get::<u64>("ack").ok(), Some(1));
    // The burst's second relay goes only where something is new.
    from_peer(&mut h, "n2", gossip(0, json!([6]), 0));
    let out = run_for(&mut h, 110, 5);
    let dests: Vec<&str> = out.iter().map(|m| m.dest.as_str()).collect();
    assert_eq!(dests, ["n1", "n3"]);
    // Later flags win, so a profile's setting can be switched off again.
    let mut h = harness("n0", 4, &[&args[..], &["--burst-all", "false"]].concat());
    assert_eq!(from_peer(&mut h, "n1", gossip(0, json!([5]), 0)).len(), 2);
}

#[test]
fn an_idle_cluster_sends_nothing_once_acknowledged() {
    let mut leaf = harness("n1", 3, &[]);
    leaf.request("c1", broadcast(json!(1)));
    // The hub acknowledges by relaying something else to the leaf.
    assert!(from_peer(&mut leaf, "n0", gossip(0, json!([2]), 1)).is_empty());
    // The leaf owes an acknowledgement: one message after --ack-ms, then silence.
    let out = run_for(&mut leaf, 20_000, 5);
    assert_eq!(out.len(), 1);
    assert_eq!(out[0].body.get::<Vec<Value>>("values").ok(), Some(vec![]));
    assert_eq!(out[0].body.get::<u64>("ack").ok(), Some(1));
    // A hub alone sends nothing either, hellos aside (they have a test of their own).
    let mut hub = harness("n0", 3, &["--hello-ms", "0"]);
    assert!(run_for(&mut hub, 20_000, 5).is_empty());
}

#[test]
fn a_node_says_hello_to_links_it_has_not_heard_from_until_it_hears_from_them() {
    let mut hub = harness("n0", 3, &["--hello-ms", "1000"]);
    assert!(run_for(&mut hub, 995, 5).is_empty());
    let out = run_for(&mut hub, 10, 5);
    let dests: Vec<&str> = out.iter().map(|m| m.dest.as_str()).collect();
    assert_eq!(dests, ["n1", "n2"]);
    assert!(out.iter().all(|m| m.body.get::<u64>("to") == Ok(0)));
    // n1 speaks; only n2 is greeted again, 2 s later, then 4 s.
    from_peer(&mut hub, "n1", gossip(0, json!([]), 0).with("inc", 11));
    assert!(run_for(&mut hub, 1990, 5).is_empty());
    let out = run_for(&mut hub, 10, 5);
    assert_eq!(
        out.iter().map(|m| m.dest.as_str()).collect::<Vec<_>>(),
        ["n2"]
    );
    assert!(run_for(&mut hub, 3990, 5).is_empty());
    assert_eq!(run_for(&mut hub, 10, 5).len(), 1);
}

#[test]
fn a_restarted_peer_gets_everything_back_and_a_stale_link_is_started_afresh() {
    // The hub knows leaf n1 as incarnation 5 and holds three values.
    let mut hub = harness(
        "n0",
        3,
        &["--period-ms", "0", "--burst-ms", "0", "--hello-ms", "0"],
    );
    from_peer(&mut hub, "n1", gossip(0, json!([1, 2]), 0).with("inc", 5));
    from_peer(&mut hub, "n2", gossip(0, json!([3]), 0).with("inc", 9));
    // n1 comes back as incarnation 6 (its first words: a hello, knowing nobody).
    let out = from_peer(&mut hub, "n1", gossip(0, json!([]), 0).with("inc", 6));
    let to_n1: Vec<&Message> = out.iter().filter(|m| m.dest == "n1").collect();
    let everything = to_n1
        .iter()
        .find(|m| {
            m.body
                .get::<Vec<Value>>("values")
                .is_ok_and(|v| v.len() == 3)
        })
        .expect("everything the hub holds, on a fresh link");
    assert_eq!(everything.body.get::<u64>("from").ok(), Some(0));
    assert_eq!(everything.body.get::<u64>("to").ok(), Some(6));

    // The other side: a restarted leaf gets gossip meant for its earlier start.
    let mut leaf = harness("n1", 3, &["--hello-ms", "5000"]);
    let mine: u64 = {
        let out = run_for(&mut leaf, 5000, 5);
        out[0].body.get("inc").expect("an incarnation")
    };
    let stale = gossip(40, json!([7]), 12)
        .with("inc", 3)
        .with("to", mine + 1);
    let out = from_peer(&mut leaf, "n0", stale);
    // The value is kept; the answer says who n1 is now, acknowledging nothing of the old link.
    assert_eq!(read(&mut leaf), vec![json!(7)]);
    assert_eq!(out.len(), 1);
    assert_eq!(out[0].body.get::<u64>("inc").ok(), Some(mine));
    assert_eq!(out[0].body.get::<u64>("ack").ok(), Some(0));
}

#[test]
fn unacknowledged_values_are_retransmitted_until_acknowledged() {
    let mut h = harness(
        "n2",
        3,
        &[
            "--rto-ms",
            "1000",
            "--rto-max-ms",
            "2000",
            "--hello-ms",
            "0",
        ],
    );
    h.request("c1", broadcast(json!("a")));
    h.request("c1", broadcast(json!("b")));
    // Nothing for the timeout, then everything unacknowledged in one message.
    assert!(run_for(&mut h, 995, 5).is_empty());
    let out = run_for(&mut h, 10, 5);
    assert_eq!(out.len(), 1);
    assert_eq!(out[0].body.get::<u64>("from").ok(), Some(0));
    assert_eq!(
        out[0].body.get::<Vec<Value>>("values").ok(),
        Some(vec![json!("a"), json!("b")])
    );
    // Backed off to 2 s.
    assert!(run_for(&mut h, 1990, 5).is_empty());
    assert_eq!(run_for(&mut h, 10, 5).len(), 1);
    // The hub acknowledges the first value only: the second keeps being sent.
    from_peer(&mut h, "n0", gossip(0, json!([]), 1));
    let out = run_for(&mut h, 1100, 5);
    assert_eq!(out.len(), 1);
    assert_eq!(out[0].body.get::<u64>("from").ok(), Some(1));
    from_peer(&mut h, "n0", gossip(0, json!([]), 2));
    assert!(run_for(&mut h, 10_000, 5).is_empty());
}

#[test]
fn a_repeated_segment_is_acknowledged_again_but_not_relayed_again() {
    let mut h = harness("n0", 3, &["--period-ms", "0", "--burst-ms", "0"]);
    let first = from_peer(&mut h, "n1", gossip(0, json!([10]), 0));
    assert_eq!(first.len(), 1, "relayed to n2 only");
    let again = from_peer(&mut h, "n1", gossip(0, json!([10]), 0));
    assert!(again.is_empty());
    // The acknowledgement goes out alone after --ack-ms (nothing else is headed to n1).
    let out = run_for(&mut h, 3100, 5);
    let to_n1: Vec<&Message> = out.iter().filter(|m| m.dest == "n1").collect();
    assert_eq!(to_n1.len(), 1);
    assert_eq!(to_n1[0].body.get::<u64>("ack").ok(), Some(1));
    assert_eq!(read(&mut h), vec![json!(10)]);
}

#[test]
fn values_of_any_json_type_are_kept_distinct() {
    let mut h = harness("n0", 1, &[]);
    for v in [
        json!(1),
        json!(1.0),
        json!("1"),
        json!({"a": [1]}),
        json!(1),
    ] {
        h.request("c1", broadcast(v));
    }
    assert_eq!(read(&mut h).len(), 4);
}

#[test]
fn hostile_sequence_numbers_and_huge_flags_do_not_panic() {
    let mut h = harness(
        "n0",
        3,
        &[
            "--rto-ms",
            "18446744073709551615",
            "--hold-ms",
            "18446744073709551615",
        ],
    );
    let out = from_peer(&mut h, "n1", gossip(u64::MAX, json!([1, 2, 3]), u64::MAX));
    assert!(out.is_empty() || out.iter().all(|m| m.body.kind == "gossip"));
    let big = Body::new("gossip")
        .with("from", 0)
        .with("values", json!([4]))
        .with("ack", 0)
        .with("wait", u64::MAX);
    from_peer(&mut h, "n2", big);
    run_for(&mut h, 100, 5);
    assert_eq!(read(&mut h).len(), 4);
}
