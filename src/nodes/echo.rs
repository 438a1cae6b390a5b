//! Challenge 1: `echo {echo}` → `echo_ok {echo}`, the payload returned untouched.

use super::one_request;
use crate::node::{Ctx, Node};
use crate::protocol::{Body, Message, RpcError};
use serde_json::Value;

/// The echo node (challenge 1). It takes no flags.
#[derive(clap::Parser, Debug, Default)]
pub(crate) struct Flags {}

pub(crate) struct Echo;

impl Echo {
    pub(crate) fn new(_flags: Flags) -> Self {
        Echo
    }
}

impl Node for Echo {
    fn on_message(&mut self, msg: Message, ctx: &mut Ctx) -> Result<(), RpcError> {
        one_request::serve(&msg, ctx, "echo", |msg, _| {
            // Any JSON is a valid payload, so it is copied as a raw value, never re-typed.
            let payload: Value = msg.body.get("echo")?;
            Ok(Body::new("echo_ok").with("echo", payload))
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::node::testing::Harness;

    #[test]
    fn echoes_any_json_payload() {
        let mut h = Harness::new(Box::new(Echo), "n0", 1);
        let payload = serde_json::json!({"nested": [1, "two", null]});
        let out = h.request("c1", Body::new("echo").with("echo", payload.clone()));
        assert_eq!(out.len(), 1);
        assert_eq!(out[0].body.kind, "echo_ok");
        assert_eq!(out[0].body.fields["echo"], payload);
        assert_eq!(out[0].dest, "c1");
    }

    #[test]
    fn missing_payload_is_malformed() {
        let mut h = Harness::new(Box::new(Echo), "n0", 1);
        let out = h.request("c1", Body::new("echo"));
        assert_eq!(out[0].body.as_error().map(|e| e.code), Some(12));
    }
}
