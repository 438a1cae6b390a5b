//! The stdio runtime under bad input: it must never crash, answer what can be answered with the
//! right Maelstrom error, skip what cannot, handle huge lines, and exit cleanly on EOF. Driven
//! through in-memory pipes, and once through the real binary.

use crate::support::binary::glomers;
use crate::support::node_io::{after_init, current_thread, json_lines, line, INIT};
use glomers::challenge::Workload;
use glomers::node::lines::LineReader;
use glomers::node::{runtime, Host};
use glomers::nodes::build;
use serde_json::{json, Value};
use std::io::Write;
use std::process::Stdio;

/// Feeds `input` to an echo node; returns (replies as JSON, stderr text).
fn run_echo(input: &[u8]) -> (Vec<Value>, String) {
    let node = build(Workload::Echo, &[]).expect("echo builds");
    let mut out: Vec<u8> = Vec::new();
    let mut logs: Vec<u8> = Vec::new();
    current_thread()
        .block_on(runtime::run(Host::new(node, 1), input, &mut out, &mut logs))
        .expect("runtime ends cleanly at EOF");
    (
        json_lines(&out),
        String::from_utf8_lossy(&logs).into_owned(),
    )
}

/// An echo node's session: `init`, then these bodies from a client.
fn echo_session(bodies: &[Value]) -> (Vec<Value>, String) {
    run_echo(after_init(bodies).as_bytes())
}

#[test]
fn init_then_echo() {
    let (out, _) = echo_session(&[json!({"type": "echo", "msg_id": 2, "echo": "Please echo 35"})]);
    assert_eq!(out.len(), 2);
    assert_eq!(out[0]["body"], json!({"type": "init_ok", "in_reply_to": 1}));
    assert_eq!(
        out[1],
        json!({"src": "n0", "dest": "c1", "body": {"type": "echo_ok", "in_reply_to": 2, "echo": "Please echo 35"}})
    );
}

#[test]
fn a_line_that_is_not_json_is_logged_and_skipped() {
    let input = format!(
        "{INIT}\nthis is not json\n{{\"src\":1}}\n\u{0}\u{ff}\n{}\n",
        line(json!({"type": "echo", "msg_id": 2, "echo": 7}))
    );
    let (out, logs) = run_echo(input.as_bytes());
    assert_eq!(
        out.len(),
        2,
        "the bad lines produce nothing, the good one is answered"
    );
    assert_eq!(out[1]["body"]["echo"], 7);
    assert_eq!(logs.matches("not a Maelstrom message").count(), 3, "{logs}");
}

#[test]
fn invalid_utf8_is_skipped() {
    let mut input = after_init(&[]).into_bytes();
    input.extend_from_slice(b"{\"src\":\"c1\",\"dest\":\"n0\",\"body\":{\"type\":\"echo\",\"msg_id\":2,\"echo\":\"\xff\xfe\"}}\n");
    input.extend_from_slice(line(json!({"type": "echo", "msg_id": 3, "echo": "ok"})).as_bytes());
    let (out, logs) = run_echo(&input);
    assert_eq!(out.len(), 2);
    assert_eq!(out[1]["body"]["in_reply_to"], 3);
    assert!(logs.contains("not a Maelstrom message"), "{logs}");
}

#[test]
fn unknown_type_gets_error_10() {
    let (out, _) = echo_session(&[json!({"type": "frobnicate", "msg_id": 9})]);
    assert_eq!(out[1]["body"]["type"], "error");
    assert_eq!(out[1]["body"]["code"], 10);
    assert_eq!(out[1]["body"]["in_reply_to"], 9);
}

#[test]
fn known_type_with_bad_body_gets_error_12() {
    let (out, _) = echo_session(&[json!({"type": "echo", "msg_id": 4})]);
    assert_eq!(out[1]["body"]["code"], 12);
    assert_eq!(out[1]["body"]["in_reply_to"], 4);
}

#[test]
fn bad_init_gets_error_12_and_node_stays_usable() {
    let bad_init = r#"{"src":"c0","dest":"n0","body":{"type":"init","msg_id":1,"node_id":5}}"#;
    let input = format!(
        "{bad_init}\n{}",
        after_init(&[json!({"type": "echo", "msg_id": 2, "echo": 1})])
    );
    let (out, _) = run_echo(input.as_bytes());
    assert_eq!(out[0]["body"]["code"], 12);
    assert_eq!(out[1]["body"]["type"], "init_ok");
    assert_eq!(out[2]["body"]["type"], "echo_ok");
}

#[test]
fn request_before_init_gets_error_11() {
    let input = format!(
        "{}\n",
        line(json!({"type": "echo", "msg_id": 2, "echo": 1}))
    );
    let (out, _) = run_echo(input.as_bytes());
    assert_eq!(out.len(), 1);
    assert_eq!(out[0]["body"]["code"], 11);
}

#[test]
fn messages_without_msg_id_are_never_answered_with_errors() {
    let (out, logs) = echo_session(&[
        json!({"type": "frobnicate"}),
        json!({"type": "echo_ok", "in_reply_to": 77}),
    ]);
    assert_eq!(out.len(), 1, "only init_ok: {out:?}");
    assert!(logs.contains("frobnicate"), "{logs}");
}

#[test]
fn a_ten_megabyte_line_round_trips() {
    let payload = "x".repeat(10 * 1024 * 1024);
    let (out, _) = echo_session(&[json!({"type": "echo", "msg_id": 2, "echo": payload})]);
    assert_eq!(
        out[1]["body"]["echo"].as_str().map(str::len),
        Some(payload.len())
    );
}

#[test]
fn last_line_without_newline_is_handled_then_eof_exits() {
    let input = after_init(&[]) + &line(json!({"type": "echo", "msg_id": 2, "echo": "tail"}));
    let (out, _) = run_echo(input.as_bytes());
    assert_eq!(out.len(), 2);
    assert_eq!(out[1]["body"]["echo"], "tail");
}

#[test]
fn empty_input_exits_cleanly() {
    let (out, logs) = run_echo(b"");
    assert!(out.is_empty());
    assert!(logs.is_empty());
}

#[test]
fn the_binary_serves_stdio_and_exits_zero_on_eof() {
    let mut child = glomers()
        .args(["node", "echo"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn glomers");
    {
        let mut stdin = child.stdin.take().expect("stdin");
        writeln!(stdin, "{INIT}").expect("write");
        writeln!(stdin, "garbage").expect("write");
        writeln!(
            stdin,
            "{}",
            line(json!({"type": "echo", "msg_id": 2, "echo": [1, 2]}))
        )
        .expect("write");
    }
    let output = child.wait_with_output().expect("wait");
    assert!(output.status.success());
    let lines = json_lines(&output.stdout);
    assert_eq!(lines.len(), 2);
    assert_eq!(lines[1]["body"]["echo"], json!([1, 2]));
    assert!(String::from_utf8_lossy(&output.stderr).contains("garbage"));
}

#[test]
fn unknown_node_flag_is_a_clear_error() {
    let output = glomers()
        .args(["node", "echo", "--no-such-flag"])
        .stdin(Stdio::null())
        .output()
        .expect("run");
    assert_eq!(output.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&output.stderr).contains("--no-such-flag"));
}

/// A node that sends one `beat` to n1 per tick, to check the runtime fires ticks.
struct Beating;

impl glomers::node::Node for Beating {
    fn on_message(
        &mut self,
        msg: glomers::protocol::Message,
        _ctx: &mut glomers::node::Ctx,
    ) -> Result<(), glomers::protocol::RpcError> {
        Err(glomers::protocol::RpcError::not_supported(&msg.body.kind))
    }

    fn on_tick(&mut self, ctx: &mut glomers::node::Ctx) {
        ctx.send("n1", glomers::protocol::Body::new("beat"));
    }

    fn tick_interval(&self) -> Option<std::time::Duration> {
        Some(std::time::Duration::from_millis(10))
    }
}

#[test]
fn ticks_fire_while_input_is_idle_and_partial_lines_survive_them() {
    use tokio::io::AsyncWriteExt;
    let (out, logs) = current_thread().block_on(async {
        let (mut feed, input) = tokio::io::duplex(1 << 16);
        let mut out: Vec<u8> = Vec::new();
        let mut logs: Vec<u8> = Vec::new();
        let node = Host::new(Box::new(Beating), 1);
        let writer = async move {
            feed.write_all(after_init(&[]).as_bytes())
                .await
                .expect("write");
            // Half a line, a pause long enough for several ticks, then the rest.
            let unknown = line(json!({"type": "frobnicate", "msg_id": 5}));
            let (head, tail) = unknown.split_at(10);
            feed.write_all(head.as_bytes()).await.expect("write");
            tokio::time::sleep(std::time::Duration::from_millis(120)).await;
            feed.write_all(format!("{tail}\n").as_bytes())
                .await
                .expect("write");
            drop(feed);
        };
        let (result, ()) = tokio::join!(runtime::run(node, input, &mut out, &mut logs), writer);
        result.expect("clean exit");
        (out, logs)
    });
    let lines = json_lines(&out);
    let beats = lines.iter().filter(|m| m["body"]["type"] == "beat").count();
    assert!(beats >= 5, "only {beats} ticks in 120 ms");
    let error = lines
        .iter()
        .find(|m| m["body"]["type"] == "error")
        .expect("error reply");
    assert_eq!(
        error["body"]["code"], 10,
        "the split line was reassembled: {logs:?}"
    );
}

/// Feeds `input` to an echo node through a line reader capped at `max`; returns (replies,
/// stderr text, the line buffer's peak capacity).
fn run_echo_capped(input: &[u8], max: usize) -> (Vec<Value>, String, usize) {
    let node = build(Workload::Echo, &[]).expect("echo builds");
    let mut out: Vec<u8> = Vec::new();
    let mut logs: Vec<u8> = Vec::new();
    let mut lines = LineReader::new(input, 4096, max);
    current_thread()
        .block_on(runtime::run_lines(
            Host::new(node, 1),
            &mut lines,
            &mut out,
            &mut logs,
        ))
        .expect("runtime ends cleanly at EOF");
    (
        json_lines(&out),
        String::from_utf8_lossy(&logs).into_owned(),
        lines.peak_capacity(),
    )
}

#[test]
fn an_over_cap_line_is_skipped_in_bounded_memory_and_the_next_request_answered() {
    const CAP: usize = 1024;
    let mut input = after_init(&[]).into_bytes();
    // One megabyte with no newline for a long while: a thousand times the cap.
    input.extend(std::iter::repeat_n(b'x', 1024 * 1024));
    input.push(b'\n');
    let at_cap = line(json!({"type": "echo", "msg_id": 2, "echo": "y".repeat(900)}));
    assert!(at_cap.len() <= CAP);
    input.extend_from_slice(format!("{at_cap}\n").as_bytes());
    // An over-cap line that ends the input without a newline.
    input.extend(std::iter::repeat_n(b'z', 5000));
    let (out, logs, peak) = run_echo_capped(&input, CAP);
    assert_eq!(out.len(), 2, "{out:?}");
    assert_eq!(out[1]["body"]["type"], "echo_ok");
    assert_eq!(out[1]["body"]["in_reply_to"], 2);
    assert_eq!(
        logs.matches("longer than the 1024 byte limit").count(),
        2,
        "{logs}"
    );
    assert!(
        logs.contains("1048577 bytes"),
        "the skipped size is logged: {logs}"
    );
    assert!(peak <= CAP + 1, "the line buffer grew to {peak} bytes");
}
