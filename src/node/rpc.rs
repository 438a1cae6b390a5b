//! Bookkeeping for outstanding RPCs: what to do when a reply arrives, bounded by deadlines so a
//! lost reply (partition, dead peer) never leaks state.

use crate::protocol::MsgId;
use std::collections::BTreeMap;
use std::time::Duration;

/// Outstanding requests keyed by `msg_id`, each with a deadline and the caller's context `T`.
#[derive(Debug)]
pub struct PendingRpcs<T> {
    pending: BTreeMap<MsgId, (Duration, T)>,
    timeout: Duration,
}

impl<T> PendingRpcs<T> {
    pub fn new(timeout: Duration) -> Self {
        PendingRpcs {
            pending: BTreeMap::new(),
            timeout,
        }
    }

    /// Records a request sent at `now`.
    pub fn insert(&mut self, id: MsgId, now: Duration, context: T) {
        self.pending.insert(id, (now + self.timeout, context));
    }

    /// Takes the context of the request a reply answers; `None` for unknown or expired ids.
    pub fn complete(&mut self, in_reply_to: MsgId) -> Option<T> {
        self.pending.remove(&in_reply_to).map(|(_, ctx)| ctx)
    }

    /// Removes and returns every request whose deadline has passed, oldest id first.
    pub fn expire(&mut self, now: Duration) -> Vec<(MsgId, T)> {
        let expired: Vec<MsgId> = self
            .pending
            .iter()
            .filter(|(_, (deadline, _))| *deadline <= now)
            .map(|(id, _)| *id)
            .collect();
        expired
            .into_iter()
            .filter_map(|id| self.pending.remove(&id).map(|(_, ctx)| (id, ctx)))
            .collect()
    }

    pub fn len(&self) -> usize {
        self.pending.len()
    }

    pub fn is_empty(&self) -> bool {
        self.pending.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn expired_requests_are_forgotten() {
        let mut rpcs = PendingRpcs::new(Duration::from_secs(1));
        rpcs.insert(1, Duration::ZERO, "a");
        rpcs.insert(2, Duration::from_millis(500), "b");
        assert_eq!(rpcs.expire(Duration::from_millis(1000)), vec![(1, "a")]);
        assert_eq!(rpcs.complete(1), None);
        assert_eq!(rpcs.complete(2), Some("b"));
        assert!(rpcs.is_empty());
    }
}
