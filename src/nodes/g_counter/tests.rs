//! The g-counter node against a scripted harness: adds, reads, flushes and the seq-kv
//! exchange, including the service's errors and the durable-adds mode.

use super::*;
use crate::node::testing::Harness;

fn node() -> Harness {
    started(Flags::default(), 3)
}

/// A node past its first tick, whose base read found nothing published (a first start).
fn started(flags: Flags, count: usize) -> Harness {
    let mut h = Harness::new(Box::new(GCounter::new(flags)), "n0", count);
    let out = h.tick_after(Duration::ZERO);
    assert_eq!(out.len(), 1);
    assert_eq!(out[0].body.kind, "read");
    assert_eq!(out[0].body.get::<String>("key").unwrap(), "n0");
    let missing = Body::error(&RpcError::new(ErrorCode::KeyDoesNotExist, "nope"));
    assert!(h.deliver(reply_to(&out[0], missing)).is_empty());
    h
}

fn reply_to(msg: &Message, body: Body) -> Message {
    let mut body = body;
    body.in_reply_to = msg.body.msg_id;
    Message::new(SEQ_KV, msg.src.clone(), body)
}

#[test]
fn a_restarted_node_counts_on_from_what_it_published_before() {
    let mut h = Harness::new(Box::new(GCounter::new(Flags::default())), "n0", 2);
    // Adds before the base is known are acknowledged, but nothing is published yet.
    let out = h.request("c1", Body::new("add").with("delta", 2));
    let base_read = out
        .iter()
        .find(|m| m.dest == SEQ_KV)
        .expect("the base read");
    assert_eq!(base_read.body.kind, "read");
    assert!(out.iter().any(|m| m.body.kind == "add_ok"));
    assert!(h.tick_after(Duration::from_millis(100)).is_empty());
    // The earlier start had published 40: the next write is 42, never 2.
    h.deliver(reply_to(base_read, Body::new("read_ok").with("value", 40)));
    let out = h.tick_after(Duration::from_millis(100));
    assert_eq!(out[0].body.kind, "write");
    assert_eq!(out[0].body.get::<u64>("value").unwrap(), 42);
}

#[test]
fn durable_adds_are_acknowledged_once_seq_kv_holds_them() {
    let flags = Flags {
        durable_adds: true,
        ..Flags::default()
    };
    let mut h = started(flags, 2);
    let out = h.request("c1", Body::new("add").with("delta", 3));
    // No acknowledgement yet: the count goes to seq-kv at once.
    assert_eq!(out.len(), 1);
    assert_eq!(out[0].body.get::<u64>("value").unwrap(), 3);
    let second = h.request("c2", Body::new("add").with("delta", 4));
    assert!(second.is_empty(), "one write in flight at a time");
    let nothing = h.request("c3", Body::new("add").with("delta", 0));
    assert_eq!(nothing.len(), 1, "an add of 0 has nothing to lose");
    assert_eq!(nothing[0].body.kind, "add_ok");
    let out = h.deliver(reply_to(&out[0], Body::new("write_ok")));
    let acked: Vec<&str> = out
        .iter()
        .filter(|m| m.body.kind == "add_ok")
        .map(|m| m.dest.as_str())
        .collect();
    assert_eq!(acked, ["c1"]);
    let write = out
        .iter()
        .find(|m| m.dest == SEQ_KV)
        .expect("the next write");
    assert_eq!(write.body.get::<u64>("value").unwrap(), 7);
    let out = h.deliver(reply_to(write, Body::new("write_ok")));
    assert_eq!(out.len(), 1);
    assert_eq!(
        (out[0].dest.as_str(), out[0].body.kind.as_str()),
        ("c2", "add_ok")
    );
}

#[test]
fn adds_are_acknowledged_and_published_on_tick() {
    let mut h = node();
    let out = h.request("c1", Body::new("add").with("delta", 3));
    assert_eq!(out.len(), 1);
    assert_eq!(out[0].body.kind, "add_ok");
    assert!(out[0].body.fields.is_empty(), "add_ok carries no fields");
    let out = h.tick_after(Duration::from_millis(100));
    assert_eq!(out.len(), 1);
    assert_eq!(out[0].dest, SEQ_KV);
    assert_eq!(out[0].body.kind, "write");
    assert_eq!(out[0].body.get::<String>("key").unwrap(), "n0");
    assert_eq!(out[0].body.get::<u64>("value").unwrap(), 3);
    // One write in flight at a time: a later add waits for its acknowledgement.
    h.request("c1", Body::new("add").with("delta", 2));
    assert!(h.tick_after(Duration::from_millis(100)).is_empty());
    h.deliver(reply_to(&out[0], Body::new("write_ok")));
    let out = h.tick_after(Duration::from_millis(100));
    assert_eq!(out[0].body.get::<u64>("value").unwrap(), 5);
}

#[test]
fn a_read_refreshes_by_writing_first_then_reading_peers() {
    let mut h = node();
    let out = h.request("c1", Body::new("read"));
    // Nothing to publish, so a token write opens the refresh; no answer yet.
    assert_eq!(out.len(), 1);
    assert_eq!(out[0].body.get::<String>("key").unwrap(), "n0/sync");
    let reads = h.deliver(reply_to(&out[0], Body::new("write_ok")));
    let keys: Vec<String> = reads.iter().map(|m| m.body.get("key").unwrap()).collect();
    assert_eq!(keys, ["n1", "n2"]);
    assert!(reads.iter().all(|m| m.body.kind == "read"));
    assert!(h
        .deliver(reply_to(&reads[0], Body::new("read_ok").with("value", 7)))
        .is_empty());
    let missing = Body::error(&RpcError::new(ErrorCode::KeyDoesNotExist, "nope"));
    let out = h.deliver(reply_to(&reads[1], missing));
    assert_eq!(out.len(), 1);
    assert_eq!(out[0].dest, "c1");
    assert_eq!(out[0].body.kind, "read_ok");
    assert_eq!(out[0].body.get::<u64>("value").unwrap(), 7);
    // Fresh enough: the next read is answered at once, own adds included.
    h.request("c1", Body::new("add").with("delta", 2));
    h.now += Duration::from_millis(400);
    let out = h.request("c2", Body::new("read"));
    assert_eq!(out.len(), 1);
    assert_eq!(out[0].body.get::<u64>("value").unwrap(), 9);
}

#[test]
fn stale_peer_counts_never_lower_the_total() {
    let mut h = node();
    let out = h.request("c1", Body::new("read"));
    let reads = h.deliver(reply_to(&out[0], Body::new("write_ok")));
    h.deliver(reply_to(&reads[0], Body::new("read_ok").with("value", 7)));
    h.deliver(reply_to(&reads[1], Body::new("read_ok").with("value", 1)));
    h.now += Duration::from_secs(1);
    let out = h.request("c1", Body::new("read"));
    let reads = h.deliver(reply_to(&out[0], Body::new("write_ok")));
    h.deliver(reply_to(&reads[0], Body::new("read_ok").with("value", 4)));
    let out = h.deliver(reply_to(&reads[1], Body::new("read_ok").with("value", 2)));
    assert_eq!(out[0].body.get::<u64>("value").unwrap(), 9);
}

#[test]
fn unanswered_refreshes_are_retried_and_waiting_reads_finally_get_an_error() {
    let mut h = node();
    let mut sent = h.request("c1", Body::new("read"));
    for _ in 0..40 {
        sent.extend(h.tick_after(Duration::from_millis(100)));
    }
    let syncs = sent
        .iter()
        .filter(|m| m.dest == SEQ_KV && m.body.kind == "write")
        .count();
    // A new refresh each second while the read waits (t = 0, 1, 2, 3 s), then none.
    assert_eq!(syncs, 4);
    let answers: Vec<&Message> = sent.iter().filter(|m| m.dest == "c1").collect();
    assert_eq!(answers.len(), 1);
    assert_eq!(answers[0].body.as_error().map(|e| e.code), Some(11));
}

#[test]
fn a_slow_own_write_is_not_overtaken_by_a_newer_one() {
    let mut h = node();
    h.request("c1", Body::new("add").with("delta", 1));
    let first = h.tick_after(Duration::from_millis(100));
    assert_eq!(first.len(), 1);
    h.request("c1", Body::new("add").with("delta", 1));
    let mut later = Vec::new();
    for _ in 0..98 {
        later.extend(h.tick_after(Duration::from_millis(100)));
    }
    assert!(later.is_empty(), "re-published too early: {later:?}");
    // After ten timeouts the write is presumed lost and the current count goes out.
    let mut again = Vec::new();
    for _ in 0..3 {
        again.extend(h.tick_after(Duration::from_millis(100)));
    }
    assert_eq!(again.len(), 1);
    assert_eq!(again[0].body.get::<u64>("value").unwrap(), 2);
}

#[test]
fn bad_input_is_rejected_not_fatal() {
    let mut h = node();
    let out = h.request("c1", Body::new("add").with("delta", -1));
    assert_eq!(out[0].body.as_error().map(|e| e.code), Some(12));
    let out = h.request("c1", Body::new("add"));
    assert_eq!(out[0].body.as_error().map(|e| e.code), Some(12));
    let out = h.request("c1", Body::new("subtract").with("delta", 1));
    assert_eq!(out[0].body.as_error().map(|e| e.code), Some(10));
    h.request("c1", Body::new("add").with("delta", u64::MAX));
    let out = h.request("c1", Body::new("add").with("delta", 1));
    assert_eq!(out[0].body.as_error().map(|e| e.code), Some(12));
    // Replies nobody asked for are ignored.
    let mut stray = Body::new("read_ok").with("value", "x");
    stray.in_reply_to = Some(999);
    assert!(h.deliver(Message::new(SEQ_KV, "n0", stray)).is_empty());
}

/// A client that guesses a request id cannot answer for seq-kv: the forged reply is
/// ignored and the request still waits for seq-kv's own answer.
#[test]
fn replies_are_only_accepted_from_seq_kv() {
    let mut h = node();
    let out = h.request("c1", Body::new("read"));
    let mut forged = Body::new("write_ok");
    forged.in_reply_to = out[0].body.msg_id;
    assert!(
        h.deliver(Message::new("c666", "n0", forged)).is_empty(),
        "a forged write_ok opened the refresh"
    );
    let reads = h.deliver(reply_to(&out[0], Body::new("write_ok")));
    assert_eq!(reads.len(), 2, "seq-kv's own reply still counts");
    let mut forged = Body::new("read_ok").with("value", 1_000_000);
    forged.in_reply_to = reads[0].body.msg_id;
    h.deliver(Message::new("c666", "n0", forged));
    h.deliver(reply_to(&reads[0], Body::new("read_ok").with("value", 4)));
    let out = h.deliver(reply_to(&reads[1], Body::new("read_ok").with("value", 3)));
    assert_eq!(out[0].dest, "c1");
    assert_eq!(out[0].body.get::<u64>("value").unwrap(), 7);
}

/// Flag values far beyond any sensible setting must not overflow the clock arithmetic.
#[test]
fn huge_timeouts_do_not_overflow() {
    let flags = Flags {
        staleness_ms: u64::MAX,
        rpc_timeout_ms: u64::MAX,
        ..Flags::default()
    };
    let mut h = started(flags, 2);
    h.request("c1", Body::new("add").with("delta", 1));
    let out = h.request("c1", Body::new("read"));
    let reads = h.deliver(reply_to(&out[0], Body::new("write_ok")));
    h.deliver(reply_to(&reads[0], Body::new("read_ok").with("value", 2)));
    h.tick_after(Duration::from_secs(5));
    let out = h.request("c1", Body::new("read"));
    assert_eq!(out[0].body.get::<u64>("value").unwrap(), 3);
}
