//! A seeded fuzz test of every node configuration of every built-in profile: random bytes and
//! mutated valid messages (bit flips, truncation, huge numbers, deep nesting, wrong types,
//! forged senders and reply ids) go through the same line parser the stdio runtime uses,
//! interleaved with ticks. Nothing may panic, no input may make a node send more than a bounded
//! amount (per message and per tick), and afterwards the node must still answer a valid request
//! correctly.
//!
//! The seed is printed; `GLOMERS_FUZZ_SEED=<n> cargo test --test fuzz_nodes` replays a run.

use glomers::challenge::Profiles;
use glomers::challenge::Workload;
use glomers::node::testing::Harness;
use glomers::nodes::build;
use glomers::protocol::{Body, Message};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use serde_json::{json, Value};
use std::collections::BTreeSet;
use std::time::Duration;

/// Inputs per node configuration.
const ROUNDS: usize = 10_000;
/// The largest single message a node may send while fuzzed (inputs are a few kB at most).
const MAX_MESSAGE_BYTES: usize = 1024 * 1024;
/// The most a node may send in reply to one input or on one tick.
const MAX_STEP_BYTES: usize = 4 * 1024 * 1024;
const MAX_STEP_MESSAGES: usize = 2000;

const DEFAULT_SEED: u64 = 0x5eed_2026;

fn seed() -> u64 {
    match std::env::var("GLOMERS_FUZZ_SEED") {
        Ok(text) => text.trim().parse().unwrap_or_else(|_| {
            panic!("GLOMERS_FUZZ_SEED must be an unsigned integer, got {text:?}")
        }),
        Err(_) => DEFAULT_SEED,
    }
}

/// Valid messages of every kind any node understands: (src, body).
fn corpus() -> Vec<(&'static str, Value)> {
    vec![
        ("c1", json!({"type": "echo", "msg_id": 1, "echo": "hi"})),
        ("c1", json!({"type": "generate", "msg_id": 2})),
        (
            "c1",
            json!({"type": "broadcast", "msg_id": 3, "message": 5}),
        ),
        ("c1", json!({"type": "read", "msg_id": 4})),
        (
            "c1",
            json!({"type": "topology", "msg_id": 5, "topology": {"n0": ["n1"], "n1": ["n0"]}}),
        ),
        (
            "n1",
            json!({"type": "gossip", "from": 0, "values": [1, 2], "ack": 0, "wait": 3}),
        ),
        ("c1", json!({"type": "add", "msg_id": 6, "delta": 3})),
        (
            "seq-kv",
            json!({"type": "read_ok", "in_reply_to": 1, "value": 5}),
        ),
        ("seq-kv", json!({"type": "write_ok", "in_reply_to": 1})),
        (
            "c1",
            json!({"type": "send", "msg_id": 7, "key": "k", "msg": 1}),
        ),
        (
            "c1",
            json!({"type": "poll", "msg_id": 8, "offsets": {"k": 0}}),
        ),
        (
            "c1",
            json!({"type": "commit_offsets", "msg_id": 9, "offsets": {"k": 0}}),
        ),
        (
            "c1",
            json!({"type": "list_committed_offsets", "msg_id": 10, "keys": ["k"]}),
        ),
        (
            "n1",
            json!({"type": "kafka_sync", "first": 1, "ack": 0,
                      "batches": [{"entries": [["k", 1, 2]], "marks": {"k": 2}}]}),
        ),
        (
            "n1",
            json!({"type": "kafka_committed", "msg_id": 11, "keys": ["k"]}),
        ),
        (
            "n1",
            json!({"type": "kafka_committed_ok", "in_reply_to": 1, "offsets": {"k": 0}}),
        ),
        ("lin-kv", json!({"type": "cas_ok", "in_reply_to": 1})),
        (
            "lin-kv",
            json!({"type": "read_ok", "in_reply_to": 2, "value": 3}),
        ),
        (
            "lin-kv",
            json!({"type": "error", "in_reply_to": 3, "code": 22, "text": "no"}),
        ),
        (
            "c1",
            json!({"type": "txn", "msg_id": 12, "txn": [["r", 1, null], ["w", 1, 2]]}),
        ),
        (
            "n1",
            json!({"type": "replicate", "txns": [[1, 2, [[1, 3]]]], "ack": 0}),
        ),
        (
            "c0",
            json!({"type": "init", "msg_id": 13, "node_id": "n0", "node_ids": ["n0", "n1", "n2"]}),
        ),
    ]
}

/// Raw JSON that cannot be built as a `Value` safely (too deep) or at all (out of range).
fn hostile_raw() -> Vec<String> {
    vec![
        format!("{}1{}", "[".repeat(5000), "]".repeat(5000)),
        format!("{}1{}", "{\"a\":".repeat(300), "}".repeat(300)),
        "18446744073709551616".into(),
        "-9223372036854775809".into(),
        "1e400".into(),
        "-1e400".into(),
        "123456789012345678901234567890".into(),
    ]
}

/// A value of a random type or an extreme number.
fn wrong_value(rng: &mut ChaCha8Rng) -> Value {
    match rng.gen_range(0..12) {
        0 => Value::Null,
        1 => json!(rng.gen::<bool>()),
        2 => json!(u64::MAX),
        3 => json!(i64::MIN),
        4 => json!(i64::MAX),
        5 => json!(f64::MAX),
        6 => json!(-1),
        7 => json!("x".repeat(rng.gen_range(0..64))),
        8 => json!([]),
        9 => json!({}),
        10 => json!([[u64::MAX, i64::MIN, [[null, {}]]]]),
        _ => json!({"k": i64::MAX, "n1": [u64::MAX]}),
    }
}

/// One fuzzed input line.
fn fuzz_line(rng: &mut ChaCha8Rng, corpus: &[(&str, Value)], raw: &[String]) -> Vec<u8> {
    let (src, body) = &corpus[rng.gen_range(0..corpus.len())];
    let mut body = body.clone();
    let mut src = src.to_string();
    // Forged senders and reply ids reach the reply-matching paths.
    if rng.gen_bool(0.2) {
        src = ["c1", "c666", "n1", "n2", "n9", "seq-kv", "lin-kv"][rng.gen_range(0..7)].into();
    }
    if rng.gen_bool(0.3) {
        body["in_reply_to"] = json!(rng.gen_range(0..20));
    }
    let kind = rng.gen_range(0..6);
    if kind == 0 {
        // Random bytes, sometimes with newlines and quotes mixed in.
        let len = rng.gen_range(0..300);
        return (0..len).map(|_| rng.gen()).collect();
    }
    let mut placeholder = None;
    if kind == 1 || kind == 2 {
        if let Some(fields) = body.as_object_mut() {
            let keys: Vec<String> = fields.keys().cloned().collect();
            let key = if rng.gen_bool(0.8) {
                keys[rng.gen_range(0..keys.len())].clone()
            } else {
                "extra".into()
            };
            if kind == 1 {
                fields.insert(key, wrong_value(rng));
            } else {
                fields.insert(key, json!("\u{1}RAW"));
                placeholder = Some(raw[rng.gen_range(0..raw.len())].clone());
            }
        }
    }
    let text = json!({"src": src, "dest": "n0", "body": body}).to_string();
    let text = match placeholder {
        Some(raw) => text.replace("\"\\u0001RAW\"", &raw),
        None => text,
    };
    let mut bytes = text.into_bytes();
    match kind {
        3 => {
            for _ in 0..rng.gen_range(1..8) {
                let i = rng.gen_range(0..bytes.len());
                bytes[i] ^= 1 << rng.gen_range(0..8);
            }
        }
        4 => bytes.truncate(rng.gen_range(0..bytes.len())),
        _ => {}
    }
    bytes
}

/// Checks what one step sent; returns its size in bytes.
fn check_step(out: &[Message], what: &str) -> usize {
    assert!(
        out.len() <= MAX_STEP_MESSAGES,
        "{what}: {} messages",
        out.len()
    );
    let mut total = 0;
    for msg in out {
        let len = serde_json::to_vec(msg).map_or(0, |v| v.len());
        assert!(
            len <= MAX_MESSAGE_BYTES,
            "{what}: a message of {len} bytes to {}",
            msg.dest
        );
        total += len;
    }
    assert!(total <= MAX_STEP_BYTES, "{what}: {total} bytes in one step");
    total
}

/// A request the node must answer at once, and the reply type it must get.
fn probe(workload: Workload) -> (Body, &'static str) {
    match workload {
        Workload::Echo => (Body::new("echo").with("echo", "still here"), "echo_ok"),
        Workload::UniqueIds => (Body::new("generate"), "generate_ok"),
        Workload::Broadcast => (Body::new("read"), "read_ok"),
        Workload::GCounter => (Body::new("add").with("delta", 1), "add_ok"),
        Workload::Kafka => (
            Body::new("poll").with("offsets", json!({"k": 0})),
            "poll_ok",
        ),
        Workload::TxnRwRegister => (
            Body::new("txn").with("txn", json!([["r", 1, null]])),
            "txn_ok",
        ),
    }
}

#[test]
fn every_node_survives_fuzzed_input_in_bounded_output_and_still_answers() {
    let seed = seed();
    println!("fuzz seed {seed} (replay with GLOMERS_FUZZ_SEED={seed})");
    let corpus = corpus();
    let raw = hostile_raw();
    let mut configs = BTreeSet::new();
    for profile in &Profiles::builtin().challenges {
        if !configs.insert((profile.workload, profile.node_args.clone())) {
            continue;
        }
        let what = format!("profile {} (seed {seed})", profile.id);
        let mut rng = ChaCha8Rng::seed_from_u64(seed ^ configs.len() as u64);
        let node = build(profile.workload, &profile.node_args).expect("profile flags parse");
        let mut h = Harness::new(node, "n0", 3);
        let mut peak_tick = 0;
        for round in 0..ROUNDS {
            let line = fuzz_line(&mut rng, &corpus, &raw);
            let out = h.host.handle_line(&line, h.now);
            check_step(&out, &format!("{what}, input {round}"));
            h.host.take_logs();
            if round % 10 == 0 {
                let out = h.tick_after(Duration::from_millis(rng.gen_range(1..300)));
                peak_tick = peak_tick.max(check_step(&out, &format!("{what}, tick {round}")));
            }
        }
        // Long silences run every retry and expiry path on whatever state the input left.
        for i in 0..120 {
            let out = h.tick_after(Duration::from_millis(500));
            peak_tick = peak_tick.max(check_step(&out, &format!("{what}, quiet tick {i}")));
        }
        let (mut body, want) = probe(profile.workload);
        body.msg_id = Some(424_242);
        let out = h.deliver(Message::new("c9", "n0", body));
        let replies: Vec<&Message> = out.iter().filter(|m| m.dest == "c9").collect();
        assert_eq!(replies.len(), 1, "{what}: {out:?}");
        assert_eq!(replies[0].body.kind, want, "{what}: {:?}", replies[0].body);
        assert_eq!(replies[0].body.in_reply_to, Some(424_242), "{what}");
        println!("{what}: busiest tick sent {peak_tick} bytes");
    }
    assert!(
        configs.len() >= 6,
        "covered only {} configurations",
        configs.len()
    );
}
