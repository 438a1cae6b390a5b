//! Talking to a node over its stdio protocol in a test: the lines a session is made of, a
//! runtime to drive the node in memory, and the node's output read back as JSON.

use serde_json::{json, Value};

/// Maelstrom's `init` for a one-node cluster: the node is n0.
pub const INIT: &str = r#"{"src":"c0","dest":"n0","body":{"type":"init","msg_id":1,"node_id":"n0","node_ids":["n0"]}}"#;

/// One message from client c1 to n0 carrying `body`, as a line without its newline.
pub fn line(body: Value) -> String {
    json!({"src": "c1", "dest": "n0", "body": body}).to_string()
}

/// A session's input: [`INIT`], then one line per body from c1, each ending in a newline.
pub fn after_init(bodies: &[Value]) -> String {
    let mut input = format!("{INIT}\n");
    for body in bodies {
        input.push_str(&line(body.clone()));
        input.push('\n');
    }
    input
}

/// A single-threaded async runtime with timers, as the node binary uses.
pub fn current_thread() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime")
}

/// Every line of a node's stdout as JSON (output that is not UTF-8, or a line that is not
/// JSON, fails the test).
pub fn json_lines(out: &[u8]) -> Vec<Value> {
    std::str::from_utf8(out)
        .expect("stdout is UTF-8")
        .lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("not JSON ({e}): {l}")))
        .collect()
}
