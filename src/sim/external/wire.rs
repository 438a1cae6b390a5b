//! What a line on a node's stdout must be to enter the network, checked as Maelstrom checks it
//! (`maelstrom.process/parse-msg`, `maelstrom.net/check-message` and `validate-msg`): well-formed
//! JSON, an object whose only keys are `src`, `dest`, `body` and an optional integer `id`, with
//! string `src` and `dest`. The messages quote Maelstrom's own wording, so a learner can search
//! for them.
//!
//! The body is Maelstrom's too: any JSON object goes through, and between nodes it is carried
//! as the node wrote it (`"msg_id": null`, no `type`, anything), since Maelstrom only reads
//! bodies that reach its clients and services. Like Maelstrom's parser, an absent or `null`
//! body becomes `{}` and an array of `[key, value]` pairs becomes an object; any other body
//! stops the reader, as Maelstrom's does when it fails to read one. A body for a client or a
//! service is read leniently: a `type` that is not a string, or a `msg_id` or `in_reply_to`
//! that is not a non-negative integer, reads as absent, so the client or service refuses it one
//! step later as Maelstrom's do.
//!
//! One check goes beyond Maelstrom: a node may only send as itself. Maelstrom 0.2.4 lets a node
//! put any registered name in `src`, so gossip "from" its own recipient or from a client slips
//! past partitions and message counts; here such a line is refused like any malformed one.

use crate::protocol::{Body, Message};
use crate::sim::network::is_node;
use serde_json::value::RawValue;
use serde_json::{Map, Value};
use std::collections::BTreeMap;
use std::sync::Arc;

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

/// Parses one stdout line of node `node` into a message, or says why Maelstrom would refuse it
/// (or, for a forged `src`, why glomers does).
pub fn parse(node: &str, line: &str) -> Result<Message, String> {
    let not_json = |e: serde_json::Error| {
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
    };
    let malformed = |why: &str| {
        format!(
            "Malformed network message. Node {node} tried to send the following message via \
             STDOUT:\n{}\nThis is malformed because: {why}",
            quote(line)
        )
    };
    // The envelope's fields stay raw: a body between nodes is passed on, never parsed.
    let envelope: BTreeMap<String, &RawValue> = match serde_json::from_str(line) {
        Ok(envelope) => envelope,
        Err(_) => match serde_json::from_str::<Value>(line) {
            Ok(_) => return Err(malformed("a message is a JSON object")),
            Err(e) => return Err(not_json(e)),
        },
    };
    for key in envelope.keys() {
        if !matches!(key.as_str(), "src" | "dest" | "body" | "id") {
            return Err(malformed(&format!("{key:?} is a disallowed key")));
        }
    }
    let field = |key: &str| match envelope.get(key) {
        Some(raw) => serde_json::from_str::<String>(raw.get())
            .map_err(|_| malformed(&format!("{key:?} is not a string"))),
        None => Err(malformed(&format!("{key:?} is missing"))),
    };
    let src = field("src")?;
    let dest = field("dest")?;
    if let Some(raw) = envelope.get("id") {
        let integer =
            serde_json::from_str::<Value>(raw.get()).is_ok_and(|v| v.is_i64() || v.is_u64());
        if !integer {
            return Err(malformed("\"id\" is not an integer"));
        }
    }
    if src != node {
        return Err(format!(
            "Node {node} tried to send a message as {src:?}:\n{}\n\
             A node may only send messages from its own id ({node:?}); glomers refuses a \
             forged src, which would slip past partitions and message counts.",
            quote(line)
        ));
    }
    let body = envelope.get("body").copied();
    let raw = object_body(body).map_err(|why| {
        format!(
            "Node {node} sent a message whose body Maelstrom cannot read ({why}):\n{}",
            quote(line)
        )
    })?;
    let msg = if is_node(&dest) {
        let mut msg = Message::new(src, dest, Body::default());
        msg.raw_body = Some(raw);
        msg
    } else {
        let body = lenient_body(&raw).map_err(not_json)?;
        Message::new(src, dest, body)
    };
    Ok(msg)
}

/// The body as a JSON object's text, as Maelstrom's parser leaves it.
fn object_body(body: Option<&RawValue>) -> Result<Arc<str>, String> {
    let Some(raw) = body else {
        return Ok(Arc::from("{}"));
    };
    let text = raw.get();
    match text.as_bytes().first() {
        Some(b'{') => Ok(Arc::from(text)),
        Some(b'n') => Ok(Arc::from("{}")),
        Some(b'[') => {
            let pairs: Vec<Value> =
                serde_json::from_str(text).map_err(|_| "an array it cannot read".to_string())?;
            let mut object = Map::new();
            for pair in pairs {
                match pair {
                    Value::Array(kv) if kv.len() >= 2 && kv[0].is_string() => {
                        let mut kv = kv.into_iter();
                        if let (Some(Value::String(k)), Some(v)) = (kv.next(), kv.next()) {
                            object.insert(k, v);
                        }
                    }
                    _ => return Err("an array that is not of [key, value] pairs".into()),
                }
            }
            Ok(Arc::from(Value::Object(object).to_string()))
        }
        _ => Err("it is not a JSON object".into()),
    }
}

/// A body for a client or a service: what is not a string `type` or an integer `msg_id` or
/// `in_reply_to` reads as absent (so the reply is skipped or refused, as Maelstrom's would be).
pub(crate) fn lenient_body(raw: &str) -> Result<Body, serde_json::Error> {
    let mut fields = serde_json::from_str::<Map<String, Value>>(raw)?;
    let kind = match fields.remove("type") {
        Some(Value::String(kind)) => kind,
        _ => String::new(),
    };
    let msg_id = fields.remove("msg_id").and_then(|v| v.as_u64());
    let in_reply_to = fields.remove("in_reply_to").and_then(|v| v.as_u64());
    Ok(Body {
        kind,
        msg_id,
        in_reply_to,
        fields,
    })
}

/// `msg` as the JSON line a node reads on stdin (with its newline): the body as its sender
/// wrote it when it came from another node.
pub fn encode(msg: &Message) -> Vec<u8> {
    #[derive(serde::Serialize)]
    struct Line<'a> {
        #[serde(skip_serializing_if = "Option::is_none")]
        id: Option<u64>,
        src: &'a str,
        dest: &'a str,
        body: Either<'a>,
    }
    #[derive(serde::Serialize)]
    #[serde(untagged)]
    enum Either<'a> {
        Raw(&'a RawValue),
        Typed(&'a Body),
    }
    let raw = msg
        .raw_body
        .as_deref()
        .and_then(|text| serde_json::from_str::<&RawValue>(text).ok());
    let line = Line {
        id: msg.id,
        src: &msg.src,
        dest: &msg.dest,
        body: raw.map_or(Either::Typed(&msg.body), Either::Raw),
    };
    let mut out = serde_json::to_vec(&line).unwrap_or_default();
    out.push(b'\n');
    out
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
    fn any_body_between_nodes_goes_through_as_written() {
        for (body, carried) in [
            (
                r#"{"type":"gossip","msg_id":null,"in_reply_to":null}"#,
                None,
            ),
            (r#"{"echo":1}"#, None),
            (r#"{"type":5,"msg_id":-1,"deep":[[[{"x":1.5e300}]]]}"#, None),
            ("null", Some("{}")),
            (r#"[["type","x"],["n",1]]"#, Some(r#"{"n":1,"type":"x"}"#)),
        ] {
            let line = format!(r#"{{"src":"n0","dest":"n1","body":{body}}}"#);
            let msg = parse("n0", &line).expect("Maelstrom carries it");
            let want = carried.unwrap_or(body);
            assert_eq!(msg.raw_body.as_deref(), Some(want), "{line}");
            let out: Value = serde_json::from_slice(&encode(&msg)).expect("json");
            assert_eq!(out["body"], serde_json::from_str::<Value>(want).unwrap());
        }
        let msg = parse("n0", r#"{"src":"n0","dest":"n1"}"#).expect("no body is {}");
        assert_eq!(msg.raw_body.as_deref(), Some("{}"));
    }

    #[test]
    fn bodies_for_clients_and_services_read_leniently() {
        let line = r#"{"src":"n0","dest":"c3","body":{"type":"echo_ok","msg_id":null,"in_reply_to":2,"echo":"x"}}"#;
        let msg = parse("n0", line).expect("valid");
        assert_eq!(msg.raw_body, None);
        assert_eq!(msg.body.kind, "echo_ok");
        assert_eq!((msg.body.msg_id, msg.body.in_reply_to), (None, Some(2)));
        let msg = parse(
            "n0",
            r#"{"src":"n0","dest":"lin-kv","body":{"type":7,"msg_id":"a"}}"#,
        )
        .expect("carried; the service refuses it");
        assert_eq!((msg.body.kind.as_str(), msg.body.msg_id), ("", None));
    }

    #[test]
    fn bodies_maelstrom_cannot_read_stop_the_reader() {
        for line in [
            r#"{"src":"n0","dest":"n1","body":5}"#,
            r#"{"src":"n0","dest":"n1","body":"text"}"#,
            r#"{"src":"n0","dest":"n1","body":[1,2]}"#,
        ] {
            let err = parse("n0", line).unwrap_err();
            assert!(err.contains("body Maelstrom cannot read"), "{line}: {err}");
        }
    }

    #[test]
    fn a_deep_body_between_nodes_goes_through() {
        let deep = "[".repeat(300) + &"]".repeat(300);
        let line = format!(r#"{{"src":"n0","dest":"n1","body":{{"deep":{deep}}}}}"#);
        let msg = parse("n0", &line).expect("Maelstrom reads any depth");
        assert!(msg.raw_body.is_some_and(|b| b.len() > 600));
    }

    #[test]
    fn a_forged_src_is_refused() {
        for src in ["n1", "c4", "lin-kv"] {
            let line = format!(r#"{{"src":"{src}","dest":"n1","body":{{"type":"gossip"}}}}"#);
            let err = parse("n0", &line).unwrap_err();
            assert!(
                err.contains("may only send messages from its own id"),
                "{err}"
            );
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
