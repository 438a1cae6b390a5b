//! Maelstrom's built-in services as the simulator runs them (SPEC.md §2; Maelstrom 0.2.4's
//! `maelstrom.service`): `lin-kv`, `seq-kv`, `lww-kv` and `lin-tso`. Each takes a request
//! addressed to its id and answers at once with a reply body; the engine adds network latency
//! both ways, counts the traffic as servers' traffic and never partitions a service.
//!
//! One deliberate difference from Maelstrom: a request of an unknown type (or a kv request
//! without its `key`/`value`/`from`/`to`) makes Maelstrom's service thread throw and answer
//! nothing, so the caller waits for its own timeout; here it gets a definite error 10 (or 12),
//! which only changes how fast a buggy node learns of its bug.

mod kv;
pub(crate) mod lin_kv;
pub(crate) mod lin_tso;
pub(crate) mod lww_kv;
pub(crate) mod seq_kv;

use crate::protocol::{Body, Message};
use rand_chacha::ChaCha8Rng;
use std::collections::BTreeMap;

pub(crate) use lin_kv::LinKv;
pub(crate) use lin_tso::LinTso;
pub(crate) use lww_kv::LwwKv;
pub(crate) use seq_kv::SeqKv;

/// A service node. It sees every request in delivery order and answers each one at once; the
/// network adds latency both ways.
pub trait Service {
    fn handle(&mut self, msg: &Message, rng: &mut ChaCha8Rng) -> Option<Body>;
}

/// Every service Maelstrom starts for a test, by node id (Maelstrom's `default-services`).
pub fn all() -> BTreeMap<String, Box<dyn Service>> {
    let mut services: BTreeMap<String, Box<dyn Service>> = BTreeMap::new();
    services.insert("lin-kv".into(), Box::new(LinKv::default()));
    services.insert("seq-kv".into(), Box::new(SeqKv::default()));
    services.insert("lww-kv".into(), Box::new(LwwKv::default()));
    services.insert("lin-tso".into(), Box::new(LinTso::default()));
    services
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn maelstrom_starts_four_services() {
        let names: Vec<String> = all().into_keys().collect();
        assert_eq!(names, ["lin-kv", "lin-tso", "lww-kv", "seq-kv"]);
    }
}
