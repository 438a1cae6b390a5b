//! Maelstrom's built-in services (`lin-kv`, `seq-kv`, `lww-kv`, `lin-tso`) as the simulator
//! runs them: each takes a request addressed to its id and answers with a reply body.

use crate::protocol::{Body, Message};
use rand_chacha::ChaCha8Rng;
use std::collections::BTreeMap;

/// A service node. It sees every request in delivery order and answers each one at once; the
/// network adds latency both ways.
pub trait Service {
    fn handle(&mut self, msg: &Message, rng: &mut ChaCha8Rng) -> Option<Body>;
}

/// Every service Maelstrom starts for a test, by node id.
pub fn all() -> BTreeMap<String, Box<dyn Service>> {
    BTreeMap::new()
}
