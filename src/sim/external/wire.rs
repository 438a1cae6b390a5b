//! What a line on a node's stdout must be to enter the network, checked as Maelstrom checks it
//! (`maelstrom.process/parse-msg` and `maelstrom.net/check-message`): well-formed JSON, an object
//! whose only keys are `src`, `dest`, `body` and an optional integer `id`, with string `src` and
//! `dest`. The messages quote Maelstrom's own wording, so a learner can search for them.
//!
//! One deliberate difference: Maelstrom carries any `body`, but the simulator's messages have a
//! typed body, so a body that is not an object with a string `type` (and integer `msg_id` /
//! `in_reply_to` when present) is refused here with a message that says so. Every Maelstrom
//! client and service refuses such a body too, one step later.

use crate::protocol::{Body, Message};
use serde_json::Value;

/// How much of an offending line a message quotes.
const QUOTE_CHARS: usize = 300;

/// The start of `line`, for messages.
pub fn quote(line: &str) -> String {
    let mut quoted: String = line.chars().take(QUOTE_CHARS).collect();
    if quoted.len() < line.len() {
        quoted.push_str(&format!("… ({} bytes in all)", line.len()));
    }
    quoted
}

/// Parses one stdout line of node `node` into a message, or says why Maelstrom would refuse it.
pub fn parse(node: &str, line: &str) -> Result<Message, String> {
    let value: Value = serde_json::from_str(line).map_err(|e| {
        // serde_json stops at 128 levels: such a line may be well-formed, only too deep to read.
        if e.to_string().starts_with("recursion limit exceeded") {
            return format!(
                "Node {node} printed a line to STDOUT which was nested too deep (more than 128 \
                 levels of arrays and objects) to be read:\n{}",
                quote(line)
            );
        }
        format!(
            "Node {node} printed a line to STDOUT which was not well-formed JSON:\n{}\n\
             Did you mean to encode this line as JSON? Or was this line intended for STDERR?",
            quote(line)
        )
    })?;
    let malformed = |why: &str| {
        format!(
            "Malformed network message. Node {node} tried to send the following message via \
             STDOUT:\n{}\nThis is malformed because: {why}",
            quote(line)
        )
    };
    let Value::Object(envelope) = value else {
        return Err(malformed("a message is a JSON object"));
    };
    for key in envelope.keys() {
        if !matches!(key.as_str(), "src" | "dest" | "body" | "id") {
            return Err(malformed(&format!("{key:?} is a disallowed key")));
        }
    }
    let field = |key: &str| match envelope.get(key) {
        Some(Value::String(s)) => Ok(s.clone()),
        Some(_) => Err(malformed(&format!("{key:?} is not a string"))),
        None => Err(malformed(&format!("{key:?} is missing"))),
    };
    let src = field("src")?;
    let dest = field("dest")?;
    let id = match envelope.get("id") {
        None => None,
        Some(v) => Some(
            v.as_u64()
                .ok_or_else(|| malformed("\"id\" is not an integer"))?,
        ),
    };
    let body = envelope
        .get("body")
        .ok_or_else(|| malformed("\"body\" is missing"))?;
    let body = typed_body(body).map_err(|why| {
        format!(
            "Node {node} sent a message the simulator cannot carry ({why}):\n{}\n\
             Maelstrom would pass it on, but its clients and services would refuse it.",
            quote(line)
        )
    })?;
    Ok(Message {
        src,
        dest,
        body,
        id,
    })
}

fn typed_body(body: &Value) -> Result<Body, String> {
    let Value::Object(fields) = body else {
        return Err("its body is not a JSON object".into());
    };
    match fields.get("type") {
        Some(Value::String(_)) => {}
        Some(_) => return Err("its body's \"type\" is not a string".into()),
        None => return Err("its body has no \"type\"".into()),
    }
    for key in ["msg_id", "in_reply_to"] {
        if fields.get(key).is_some_and(|v| !v.is_u64()) {
            return Err(format!("its body's {key:?} is not a non-negative integer"));
        }
    }
    serde_json::from_value(body.clone()).map_err(|e| e.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_well_formed_message_parses() {
        let line = r#"{"src":"n1","dest":"c3","body":{"type":"echo_ok","echo":5,"in_reply_to":2}}"#;
        let msg = parse("n1", line).expect("valid");
        assert_eq!((msg.src.as_str(), msg.dest.as_str()), ("n1", "c3"));
        assert_eq!(msg.body.kind, "echo_ok");
        assert_eq!(msg.body.in_reply_to, Some(2));
    }

    #[test]
    fn junk_is_reported_in_maelstroms_words() {
        let err = parse("n0", "hello from my node").unwrap_err();
        assert!(err.contains("Node n0 printed a line to STDOUT which was not well-formed JSON"));
        assert!(err.contains("hello from my node"));
    }

    #[test]
    fn envelopes_maelstrom_refuses_are_refused() {
        for (line, why) in [
            (r#"[1,2]"#, "JSON object"),
            (r#"{"src":"n0","body":{"type":"x"}}"#, "\"dest\" is missing"),
            (
                r#"{"src":"n0","dest":3,"body":{"type":"x"}}"#,
                "\"dest\" is not a string",
            ),
            (r#"{"src":"n0","dest":"n1"}"#, "\"body\" is missing"),
            (
                r#"{"src":"n0","dest":"n1","body":{"type":"x"},"extra":1}"#,
                "\"extra\" is a disallowed key",
            ),
            (
                r#"{"src":"n0","dest":"n1","body":{"type":"x"},"id":"7"}"#,
                "\"id\"",
            ),
        ] {
            let err = parse("n0", line).unwrap_err();
            assert!(
                err.starts_with("Malformed network message"),
                "{line}: {err}"
            );
            assert!(err.contains(why), "{line}: {err}");
        }
    }

    #[test]
    fn bodies_the_simulator_cannot_carry_say_so() {
        for line in [
            r#"{"src":"n0","dest":"n1","body":5}"#,
            r#"{"src":"n0","dest":"n1","body":{"echo":1}}"#,
            r#"{"src":"n0","dest":"n1","body":{"type":"x","msg_id":-1}}"#,
        ] {
            let err = parse("n0", line).unwrap_err();
            assert!(err.contains("cannot carry"), "{line}: {err}");
        }
    }

    #[test]
    fn long_lines_are_quoted_in_part() {
        let line = "x".repeat(10_000);
        let err = parse("n0", &line).unwrap_err();
        assert!(err.len() < 1_000, "{}", err.len());
        assert!(err.contains("10000 bytes in all"));
    }
}
