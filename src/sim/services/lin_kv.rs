//! `lin-kv`: a linearizable key-value store, one map updated in delivery order (Maelstrom wraps
//! a `PersistentKV` in an atom).

use super::kv::{answer, canonical_key};
use super::Service;
use crate::protocol::{Body, Message};
use rand_chacha::ChaCha8Rng;
use serde_json::Value;
use std::collections::BTreeMap;

#[derive(Default)]
pub(crate) struct LinKv {
    map: BTreeMap<String, Value>,
}

impl Service for LinKv {
    fn handle(&mut self, msg: &Message, _rng: &mut ChaCha8Rng) -> Option<Body> {
        answer(&msg.body, |op| {
            let key = canonical_key(op.key());
            let (reply, new) = op.apply(self.map.get(&key), true);
            if let Some(value) = new {
                self.map.insert(key, value);
            }
            reply
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;
    use serde_json::json;

    fn call(kv: &mut LinKv, src: &str, body: Body) -> Body {
        let mut rng = ChaCha8Rng::seed_from_u64(0);
        kv.handle(&Message::new(src, "lin-kv", body), &mut rng)
            .expect("lin-kv always answers")
    }

    #[test]
    fn every_caller_sees_the_latest_write() {
        let mut kv = LinKv::default();
        let read = || Body::new("read").with("key", "x");
        assert_eq!(
            call(&mut kv, "n0", read()).as_error().map(|e| e.code),
            Some(20)
        );
        assert_eq!(
            call(
                &mut kv,
                "n0",
                Body::new("write").with("key", "x").with("value", 1)
            )
            .kind,
            "write_ok"
        );
        for node in ["n0", "n1", "n2"] {
            let reply = call(&mut kv, node, read());
            assert_eq!(reply.kind, "read_ok");
            assert_eq!(reply.fields.get("value"), Some(&json!(1)));
        }
        let cas = Body::new("cas")
            .with("key", "x")
            .with("from", 1)
            .with("to", 2);
        assert_eq!(call(&mut kv, "n1", cas.clone()).kind, "cas_ok");
        assert_eq!(
            call(&mut kv, "n2", cas).as_error().map(|e| e.code),
            Some(22)
        );
        assert_eq!(
            call(&mut kv, "n2", read()).fields.get("value"),
            Some(&json!(2))
        );
        assert_eq!(
            call(&mut kv, "n0", Body::new("ts"))
                .as_error()
                .map(|e| e.code),
            Some(10)
        );
    }
}
