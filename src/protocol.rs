//! Maelstrom's wire protocol: the message envelope, the body with its reserved fields, and the
//! error codes (SPEC.md §2). Everything that crosses stdin/stdout or the simulated network is a
//! [`Message`].

use crate::budget::Share;
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use std::fmt;
use std::sync::Arc;

/// A message id, unique per sender. Maelstrom uses plain JSON integers.
pub type MsgId = u64;

/// One line of Maelstrom traffic: `{"src", "dest", "body"}` plus the optional internal `id`
/// Maelstrom adds on delivery (kept so a node can log it; never required).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Message {
    pub src: String,
    pub dest: String,
    pub body: Body,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) id: Option<u64>,
    /// The body exactly as an external node wrote it, when it goes to another node: Maelstrom
    /// passes any body between nodes untouched (`null` or absent reserved fields, no `type`),
    /// so the simulator carries these bytes instead of [`Message::body`], which is then empty.
    #[serde(skip)]
    pub(crate) raw_body: Option<Arc<str>>,
    /// The sender's bytes in flight, given back when this message is dropped
    /// ([`crate::budget`]): only messages read from an external node hold any.
    #[serde(skip)]
    pub(crate) held: Share,
}

impl Message {
    pub fn new(src: impl Into<String>, dest: impl Into<String>, body: Body) -> Self {
        Message {
            src: src.into(),
            dest: dest.into(),
            body,
            id: None,
            raw_body: None,
            held: Share::default(),
        }
    }
}

/// A message body: the reserved fields Maelstrom interprets plus every other field, kept as
/// JSON so that each workload can decode exactly the shape it expects.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Body {
    #[serde(rename = "type")]
    pub kind: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub msg_id: Option<MsgId>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub in_reply_to: Option<MsgId>,
    #[serde(flatten)]
    pub fields: Map<String, Value>,
}

impl Body {
    pub fn new(kind: impl Into<String>) -> Self {
        Body {
            kind: kind.into(),
            ..Body::default()
        }
    }

    /// Adds a field. Values that fail to serialize (never the case for plain data) become null
    /// rather than panicking.
    pub fn with(mut self, key: &str, value: impl Serialize) -> Self {
        self.set(key, value);
        self
    }

    pub fn set(&mut self, key: &str, value: impl Serialize) {
        let value = serde_json::to_value(value).unwrap_or(Value::Null);
        self.fields.insert(key.to_string(), value);
    }

    /// Reads one field as `T`; a missing or mistyped field is a malformed request (code 12).
    pub fn get<T: DeserializeOwned>(&self, key: &str) -> Result<T, RpcError> {
        let Some(value) = self.fields.get(key) else {
            return Err(RpcError::new(
                ErrorCode::MalformedRequest,
                format!("{:?} is missing field {key:?}", self.kind),
            ));
        };
        T::deserialize(value).map_err(|e| {
            RpcError::new(
                ErrorCode::MalformedRequest,
                format!("field {key:?} of {:?}: {e}", self.kind),
            )
        })
    }

    /// Decodes the non-reserved fields as `T` (a struct of the fields the type expects).
    pub fn parse<T: DeserializeOwned>(&self) -> Result<T, RpcError> {
        serde_json::from_value(Value::Object(self.fields.clone())).map_err(|e| {
            RpcError::new(
                ErrorCode::MalformedRequest,
                format!("malformed {:?} body: {e}", self.kind),
            )
        })
    }

    /// An error reply body (`type: "error"`), as Maelstrom defines it.
    pub(crate) fn error(err: &RpcError) -> Self {
        let mut body = Body::new("error").with("code", err.code);
        if !err.text.is_empty() {
            body.set("text", &err.text);
        }
        body
    }

    /// If this body is an error reply, the error it carries.
    pub fn as_error(&self) -> Option<RpcError> {
        if self.kind != "error" {
            return None;
        }
        let code = self
            .fields
            .get("code")
            .and_then(Value::as_u64)
            .unwrap_or(13) as u32;
        let text = self
            .fields
            .get("text")
            .and_then(Value::as_str)
            .unwrap_or("")
            .to_string();
        Some(RpcError { code, text })
    }
}

/// Maelstrom's reserved error codes (SPEC.md §2). Codes ≥ 1000 are user-defined.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[repr(u32)]
pub enum ErrorCode {
    Timeout = 0,
    NodeNotFound = 1,
    NotSupported = 10,
    TemporarilyUnavailable = 11,
    MalformedRequest = 12,
    Crash = 13,
    Abort = 14,
    KeyDoesNotExist = 20,
    KeyAlreadyExists = 21,
    PreconditionFailed = 22,
    TxnConflict = 30,
}

impl ErrorCode {
    pub(crate) fn code(self) -> u32 {
        self as u32
    }
}

/// Whether an error code means the operation certainly did not happen. Definite errors become
/// `:fail` in a history, indefinite ones `:info` (SPEC.md §2).
pub(crate) fn is_definite(code: u32) -> bool {
    matches!(code, 1 | 10 | 11 | 12 | 14 | 20 | 21 | 22 | 30)
}

/// An error to send back to the requester, or received from a peer or service.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RpcError {
    pub code: u32,
    pub(crate) text: String,
}

impl RpcError {
    pub fn new(code: ErrorCode, text: impl Into<String>) -> Self {
        RpcError {
            code: code.code(),
            text: text.into(),
        }
    }

    pub fn not_supported(kind: &str) -> Self {
        RpcError::new(
            ErrorCode::NotSupported,
            format!("unsupported message type {kind:?}"),
        )
    }
}

impl fmt::Display for RpcError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "error {}: {}", self.code, self.text)
    }
}

impl std::error::Error for RpcError {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_a_maelstrom_line() {
        let line = r#"{"id":4,"src":"c1","dest":"n0","body":{"type":"echo","msg_id":1,"echo":"Please echo 35"}}"#;
        let msg: Message = serde_json::from_str(line).expect("valid line");
        assert_eq!(msg.body.kind, "echo");
        assert_eq!(msg.body.msg_id, Some(1));
        assert_eq!(msg.body.get::<String>("echo").unwrap(), "Please echo 35");
        let back: Value = serde_json::to_value(&msg).unwrap();
        assert_eq!(back, serde_json::from_str::<Value>(line).unwrap());
    }

    #[test]
    fn replies_omit_absent_reserved_fields() {
        let body = Body::new("init_ok");
        assert_eq!(
            serde_json::to_string(&body).unwrap(),
            r#"{"type":"init_ok"}"#
        );
    }

    #[test]
    fn missing_field_is_malformed() {
        let body = Body::new("echo");
        let err = body.get::<String>("echo").unwrap_err();
        assert_eq!(err.code, 12);
    }

    #[test]
    fn error_bodies_round_trip() {
        let err = RpcError::new(ErrorCode::TxnConflict, "busy");
        let body = Body::error(&err);
        assert_eq!(body.as_error(), Some(err));
        assert!(is_definite(30));
        assert!(!is_definite(0));
        assert!(!is_definite(1000));
    }
}
