//! The four client requests of Maelstrom's kafka workload, decoded strictly (a body that does
//! not fit is a malformed request, code 12), and the replies they take.

use crate::protocol::{Body, RpcError};
use serde::Deserialize;
use serde_json::Value;
use std::collections::BTreeMap;

/// `send {key, msg}` → `send_ok {offset}`.
#[derive(Debug, Deserialize)]
pub(crate) struct Send {
    pub(crate) key: String,
    pub(crate) msg: Value,
}

/// `poll {offsets}` → `poll_ok {msgs}`; also the shape of `commit_offsets {offsets}`.
#[derive(Debug, Deserialize)]
pub(crate) struct Offsets {
    pub(crate) offsets: BTreeMap<String, i64>,
}

/// `list_committed_offsets {keys}` → `list_committed_offsets_ok {offsets}`.
#[derive(Debug, Deserialize)]
pub(crate) struct Keys {
    pub(crate) keys: Vec<String>,
}

pub(crate) fn send(body: &Body) -> Result<Send, RpcError> {
    body.parse()
}

pub(crate) fn offsets(body: &Body) -> Result<Offsets, RpcError> {
    body.parse()
}

pub(crate) fn keys(body: &Body) -> Result<Keys, RpcError> {
    body.parse()
}

pub(crate) fn send_ok(offset: i64) -> Body {
    Body::new("send_ok").with("offset", offset)
}

pub(crate) fn poll_ok(msgs: BTreeMap<String, Vec<(i64, Value)>>) -> Body {
    Body::new("poll_ok").with("msgs", msgs)
}

pub(crate) fn commit_offsets_ok() -> Body {
    Body::new("commit_offsets_ok")
}

pub(crate) fn list_committed_offsets_ok(offsets: BTreeMap<String, i64>) -> Body {
    Body::new("list_committed_offsets_ok").with("offsets", offsets)
}
