//! A Python node of `tests/nodes/` driven over its stdin and stdout, with no engine: lines in,
//! messages out, read back with a timeout.

use serde_json::{json, Value};
use std::io::{BufRead, BufReader, Write};
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::mpsc::{self, Receiver};
use std::time::Duration;

use super::python::{node_script, python_present};

/// How long a reply may take before the node counts as silent.
const PATIENCE: Duration = Duration::from_secs(10);

/// A running node: its stdin, and its stdout lines arriving on a channel.
pub struct Node {
    pub child: Child,
    stdin: Option<ChildStdin>,
    pub lines: Receiver<String>,
}

impl Node {
    /// `name` started, or None (with the skip message) when python3 is missing.
    pub fn launch(name: &str) -> Option<Node> {
        python_present().then(|| Node::start(name))
    }

    pub fn start(name: &str) -> Node {
        let path = node_script(name);
        let mut child = Command::new(&path)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap_or_else(|e| panic!("starting {}: {e}", path.display()));
        let stdout = child.stdout.take().expect("stdout");
        let (tx, lines) = mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines().map_while(Result::ok) {
                if tx.send(line).is_err() {
                    break;
                }
            }
        });
        let stdin = child.stdin.take();
        Node {
            child,
            stdin,
            lines,
        }
    }

    pub fn send(&mut self, src: &str, dest: &str, body: Value) {
        let line = json!({"src": src, "dest": dest, "body": body}).to_string();
        let stdin = self.stdin.as_mut().expect("stdin open");
        writeln!(stdin, "{line}").expect("writing to the node");
        stdin.flush().expect("flushing to the node");
    }

    pub fn init(&mut self, id: &str, nodes: &[&str]) {
        self.send(
            "c0",
            id,
            json!({"type": "init", "msg_id": 1, "node_id": id, "node_ids": nodes}),
        );
        let reply = self.message();
        assert_eq!(reply["body"]["type"], "init_ok", "{reply}");
        assert_eq!(reply["body"]["in_reply_to"], 1, "{reply}");
        assert_eq!(reply["src"], id);
        assert_eq!(reply["dest"], "c0");
    }

    pub fn line(&self) -> String {
        self.lines
            .recv_timeout(PATIENCE)
            .expect("the node answered in time")
    }

    pub fn message(&self) -> Value {
        let line = self.line();
        serde_json::from_str(&line).unwrap_or_else(|e| panic!("not JSON ({e}): {line}"))
    }

    /// Messages until the one replying to `msg_id`; the ones before it are returned too.
    pub fn until_reply(&self, msg_id: u64) -> (Vec<Value>, Value) {
        let mut before = Vec::new();
        loop {
            let m = self.message();
            if m["body"]["in_reply_to"] == msg_id {
                return (before, m);
            }
            before.push(m);
        }
    }

    /// Closes stdin and waits for the exit code.
    pub fn close(mut self) -> Option<i32> {
        drop(self.stdin.take());
        let status = self.child.wait().expect("waiting for the node");
        status.code()
    }
}

impl Drop for Node {
    fn drop(&mut self) {
        // A node still running when a test ends (or fails) is stopped, by its own id.
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
