//! The former reader, built on the `edn-format` crate, kept only to check that [`super::reader`]
//! reads every real file to the same JSON. It read Maelstrom's EDN with `edn-format`, plus the two things real Maelstrom
//! output needs beyond strict EDN: Clojure record literals (`#jepsen.history.Op{…}`, read as
//! tagged values whose tag is dropped) and keywords ending in a quote (`:value'`, which Elle
//! prints and strict EDN forbids), and a conversion to JSON for the rest of glomers.

use anyhow::Context;
use edn_format::{ParserOptions, Value};
use serde_json::{json, Map, Value as Json};

/// Parses one EDN form.
pub fn parse(text: &str) -> anyhow::Result<Value> {
    let cleaned = quote_primes(text);
    let opts = ParserOptions {
        allow_namespaced_map_syntax: false,
    };
    edn_format::parse_str_with_options(&cleaned, opts)
        .map_err(|e| {
            anyhow::anyhow!(
                "invalid EDN at line {}, column {}: {:?}",
                e.row,
                e.col,
                e.error
            )
        })
        .context("parsing EDN")
}

/// Rewrites `:name'` keywords to `:name_prime`, leaving strings untouched.
fn quote_primes(text: &str) -> std::borrow::Cow<'_, str> {
    if !text.contains('\'') {
        return std::borrow::Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len() + 64);
    let mut in_string = false;
    let mut escaped = false;
    let mut in_keyword = false;
    for ch in text.chars() {
        if in_string {
            out.push(ch);
            if escaped {
                escaped = false;
            } else if ch == '\\' {
                escaped = true;
            } else if ch == '"' {
                in_string = false;
            }
            continue;
        }
        match ch {
            '"' => {
                in_string = true;
                in_keyword = false;
                out.push(ch);
            }
            ':' => {
                in_keyword = true;
                out.push(ch);
            }
            '\'' if in_keyword => out.push_str("_prime"),
            c if c.is_whitespace() || ",{}[]()#".contains(c) => {
                in_keyword = false;
                out.push(c);
            }
            c => out.push(c),
        }
    }
    std::borrow::Cow::Owned(out)
}

/// A keyword or symbol's text without the colon (`:net-timeout` → `net-timeout`).
pub fn name_of(value: &Value) -> Option<String> {
    match value {
        Value::Keyword(k) => Some(match k.namespace() {
            Some(ns) => format!("{ns}/{}", k.name()),
            None => k.name().to_string(),
        }),
        Value::Symbol(s) => Some(s.to_string()),
        Value::String(s) => Some(s.clone()),
        _ => None,
    }
}

/// Converts to JSON: keywords become strings, lists/vectors/sets arrays, tagged values their
/// content, and map keys that are not strings or keywords their EDN text (`0.5`, `[1 2]`).
pub fn to_json(value: &Value) -> Json {
    match value {
        Value::Nil => Json::Null,
        Value::Boolean(b) => json!(b),
        Value::Character(c) => json!(c.to_string()),
        Value::String(s) => json!(s),
        Value::Symbol(_) | Value::Keyword(_) => json!(name_of(value)),
        Value::Integer(i) => json!(i),
        Value::Float(f) => json!(f.into_inner()),
        Value::BigInt(b) => json!(b.to_string()),
        Value::BigDec(d) => json!(d.to_string()),
        Value::List(items) | Value::Vector(items) => {
            Json::Array(items.iter().map(to_json).collect())
        }
        Value::Set(items) => Json::Array(items.iter().map(to_json).collect()),
        Value::Map(map) => {
            let mut out = Map::new();
            for (k, v) in map {
                let key = name_of(k).unwrap_or_else(|| edn_format::emit_str(k));
                out.insert(key, to_json(v));
            }
            Json::Object(out)
        }
        Value::Inst(t) => json!(t.to_string()),
        Value::Uuid(u) => json!(u.to_string()),
        Value::TaggedElement(_, inner) => to_json(inner),
    }
}
