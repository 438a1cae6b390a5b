//! The key-value operations every kv service shares (Maelstrom's `PersistentKV`): `read`,
//! `write` and `cas` on one key each, keys and values any JSON compared structurally (as
//! Clojure's `=`: `1` and `1.0` differ, maps and arrays compare by content).

use crate::protocol::{Body, ErrorCode, RpcError};
use serde_json::Value;

/// A parsed kv request.
#[derive(Clone, Debug, PartialEq)]
pub(crate) enum KvOp {
    Read {
        key: Value,
    },
    Write {
        key: Value,
        value: Value,
    },
    Cas {
        key: Value,
        from: Value,
        to: Value,
        create_if_not_exists: bool,
    },
}

/// A JSON key as a map key: its compact serialisation. serde_json orders object keys, so two
/// structurally equal values always give the same text, and `1` / `1.0` stay distinct.
pub(crate) fn canonical_key(key: &Value) -> String {
    key.to_string()
}

fn field(body: &Body, name: &str) -> Result<Value, Body> {
    body.fields.get(name).cloned().ok_or_else(|| {
        Body::error(&RpcError::new(
            ErrorCode::MalformedRequest,
            format!("{} request is missing {name:?}", body.kind),
        ))
    })
}

/// Clojure truthiness, which is how Maelstrom reads `create_if_not_exists`: anything but
/// null/absent and `false` counts as true.
fn truthy(value: Option<&Value>) -> bool {
    !matches!(value, None | Some(Value::Null) | Some(Value::Bool(false)))
}

/// Answers a key-value request as every KV service does: `serve` gets the decoded operation,
/// and a request that does not decode gets [`KvOp::parse`]'s error reply.
pub(crate) fn answer(body: &Body, serve: impl FnOnce(KvOp) -> Body) -> Option<Body> {
    Some(KvOp::parse(body).map_or_else(|reply| reply, serve))
}

impl KvOp {
    /// Decodes a request body; the error is the reply to send (10 unknown type, 12 malformed).
    pub fn parse(body: &Body) -> Result<KvOp, Body> {
        match body.kind.as_str() {
            "read" => Ok(KvOp::Read {
                key: field(body, "key")?,
            }),
            "write" => Ok(KvOp::Write {
                key: field(body, "key")?,
                value: field(body, "value")?,
            }),
            "cas" => Ok(KvOp::Cas {
                key: field(body, "key")?,
                from: field(body, "from")?,
                to: field(body, "to")?,
                create_if_not_exists: truthy(body.fields.get("create_if_not_exists")),
            }),
            other => Err(Body::error(&RpcError::not_supported(other))),
        }
    }

    pub(crate) fn key(&self) -> &Value {
        match self {
            KvOp::Read { key } | KvOp::Write { key, .. } | KvOp::Cas { key, .. } => key,
        }
    }

    /// Runs the operation against the key's current value. Returns the reply and, when the
    /// operation writes the key, its new value (which may equal the old one).
    /// `honour_create` is false for `lww-kv`, whose cas ignores `create_if_not_exists`.
    pub(crate) fn apply(
        &self,
        current: Option<&Value>,
        honour_create: bool,
    ) -> (Body, Option<Value>) {
        match self {
            KvOp::Read { .. } => match current {
                Some(v) => (Body::new("read_ok").with("value", v), None),
                None => (missing(), None),
            },
            KvOp::Write { value, .. } => (Body::new("write_ok"), Some(value.clone())),
            KvOp::Cas {
                from,
                to,
                create_if_not_exists,
                ..
            } => match current {
                Some(v) if v == from => (Body::new("cas_ok"), Some(to.clone())),
                Some(v) => (
                    Body::error(&RpcError::new(
                        ErrorCode::PreconditionFailed,
                        format!("current value {v} is not {from}"),
                    )),
                    None,
                ),
                None if *create_if_not_exists && honour_create => {
                    (Body::new("cas_ok"), Some(to.clone()))
                }
                None => (missing(), None),
            },
        }
    }
}

fn missing() -> Body {
    Body::error(&RpcError::new(
        ErrorCode::KeyDoesNotExist,
        "key does not exist",
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn code(body: &Body) -> Option<u32> {
        body.as_error().map(|e| e.code)
    }

    #[test]
    fn cas_semantics() {
        let cas = |from: Value, to: Value, create: bool| KvOp::Cas {
            key: json!("k"),
            from,
            to,
            create_if_not_exists: create,
        };
        let (reply, new) = cas(json!(1), json!(2), false).apply(Some(&json!(1)), true);
        assert_eq!((reply.kind.as_str(), new), ("cas_ok", Some(json!(2))));
        let (reply, new) = cas(json!(1), json!(2), false).apply(Some(&json!(3)), true);
        assert_eq!((code(&reply), new), (Some(22), None));
        // 1 and 1.0 are different values, as in Clojure.
        let (reply, _) = cas(json!(1), json!(2), false).apply(Some(&json!(1.0)), true);
        assert_eq!(code(&reply), Some(22));
        let (reply, _) = cas(json!(1), json!(2), false).apply(None, true);
        assert_eq!(code(&reply), Some(20));
        let (reply, new) = cas(json!(1), json!(2), true).apply(None, true);
        assert_eq!((reply.kind.as_str(), new), ("cas_ok", Some(json!(2))));
        let (reply, _) = cas(json!(1), json!(2), true).apply(None, false);
        assert_eq!(code(&reply), Some(20));
        // Structural comparison of compound values.
        let (reply, _) =
            cas(json!({"a": [1, 2]}), json!(0), false).apply(Some(&json!({"a": [1, 2]})), true);
        assert_eq!(reply.kind, "cas_ok");
    }

    #[test]
    fn parse_errors() {
        let unknown = KvOp::parse(&Body::new("ts")).unwrap_err();
        assert_eq!(code(&unknown), Some(10));
        let no_value = KvOp::parse(&Body::new("write").with("key", "k")).unwrap_err();
        assert_eq!(code(&no_value), Some(12));
        let null_key = KvOp::parse(&Body::new("read").with("key", Value::Null)).unwrap();
        assert_eq!(null_key.key(), &Value::Null);
        let create = KvOp::parse(
            &Body::new("cas")
                .with("key", 1)
                .with("from", 0)
                .with("to", 1)
                .with("create_if_not_exists", 0),
        )
        .unwrap();
        assert!(matches!(
            create,
            KvOp::Cas {
                create_if_not_exists: true,
                ..
            }
        ));
    }

    #[test]
    fn canonical_keys_are_structural() {
        let a: Value = serde_json::from_str(r#"{"b":1,"a":[1,2]}"#).unwrap();
        let b: Value = serde_json::from_str(r#"{"a":[1,2],"b":1}"#).unwrap();
        assert_eq!(canonical_key(&a), canonical_key(&b));
        assert_ne!(canonical_key(&json!(1)), canonical_key(&json!(1.0)));
        assert_ne!(canonical_key(&json!(1)), canonical_key(&json!("1")));
    }
}
