//! `lin-tso`: a linearizable timestamp oracle. `ts` → `ts_ok {ts}`, counting up from 0.

use super::Service;
use crate::protocol::{Body, Message, RpcError};
use rand_chacha::ChaCha8Rng;

#[derive(Default)]
pub(crate) struct LinTso {
    next: u64,
}

impl Service for LinTso {
    fn handle(&mut self, msg: &Message, _rng: &mut ChaCha8Rng) -> Option<Body> {
        if msg.body.kind != "ts" {
            return Some(Body::error(&RpcError::not_supported(&msg.body.kind)));
        }
        let ts = self.next;
        self.next += 1;
        Some(Body::new("ts_ok").with("ts", ts))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;

    #[test]
    fn timestamps_count_up_from_zero() {
        let mut tso = LinTso::default();
        let mut rng = ChaCha8Rng::seed_from_u64(0);
        let mut ts = |src: &str, kind: &str| {
            tso.handle(&Message::new(src, "lin-tso", Body::new(kind)), &mut rng)
                .expect("lin-tso always answers")
        };
        let seen: Vec<u64> = ["n0", "n1", "n0", "n2"]
            .iter()
            .map(|n| ts(n, "ts").get::<u64>("ts").expect("ts_ok carries ts"))
            .collect();
        assert_eq!(seen, [0, 1, 2, 3]);
        assert_eq!(ts("n0", "read").as_error().map(|e| e.code), Some(10));
        assert_eq!(ts("n0", "ts").get::<u64>("ts").ok(), Some(4));
    }
}
