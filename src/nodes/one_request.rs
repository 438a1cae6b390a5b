//! What the nodes that serve a single request type share (echo, unique ids): answering that
//! type and refusing every other one as not supported.

use crate::node::Ctx;
use crate::protocol::{Body, Message, RpcError};

/// Replies to `msg` with the body `answer` makes of it when it is a `request`; any other type
/// is not supported (error 10). An error from `answer` is the reply instead.
pub(crate) fn serve(
    msg: &Message,
    ctx: &mut Ctx,
    request: &str,
    answer: impl FnOnce(&Message, &Ctx) -> Result<Body, RpcError>,
) -> Result<(), RpcError> {
    if msg.body.kind != request {
        return Err(RpcError::not_supported(&msg.body.kind));
    }
    let reply = answer(msg, ctx)?;
    ctx.reply(msg, reply);
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::node::testing::Harness;
    use crate::node::Node;
    use crate::protocol::ErrorCode;

    /// Answers `ping` with `pong`, or with the error a `ping` carrying `fail` asks for.
    struct Ping;

    impl Node for Ping {
        fn on_message(&mut self, msg: Message, ctx: &mut Ctx) -> Result<(), RpcError> {
            serve(&msg, ctx, "ping", |msg, _| {
                match msg.body.fields.get("fail") {
                    Some(_) => Err(RpcError::new(ErrorCode::Crash, "asked to fail")),
                    None => Ok(Body::new("pong")),
                }
            })
        }
    }

    #[test]
    fn the_request_is_answered_other_types_are_not_supported_and_errors_are_the_reply() {
        let mut h = Harness::new(Box::new(Ping), "n0", 1);
        let out = h.request("c1", Body::new("ping"));
        assert_eq!(out.len(), 1);
        assert_eq!(out[0].body.kind, "pong");
        assert!(out[0].body.in_reply_to.is_some());
        let out = h.request("c1", Body::new("pong"));
        assert_eq!(out.len(), 1);
        assert_eq!(out[0].body.as_error().map(|e| e.code), Some(10));
        let out = h.request("c1", Body::new("ping").with("fail", true));
        assert_eq!(out.len(), 1);
        assert_eq!(out[0].body.as_error().map(|e| e.code), Some(13));
    }
}
