//! Bookkeeping for outstanding RPCs: what to do when a reply arrives, bounded by deadlines so a
//! lost reply (partition, dead peer) never leaks state. Each request remembers whom it was sent
//! to, and only that node or service may answer it: `in_reply_to` alone is a small integer any
//! client could guess.

use crate::protocol::MsgId;
use std::collections::BTreeMap;
use std::fmt;
use std::time::Duration;

#[derive(Debug)]
struct Outstanding<T> {
    dest: String,
    deadline: Duration,
    context: T,
}

/// Outstanding requests keyed by `msg_id`, each with its destination, a deadline and the
/// caller's context `T`.
#[derive(Debug)]
pub struct PendingRpcs<T> {
    pending: BTreeMap<MsgId, Outstanding<T>>,
    timeout: Duration,
}

/// Why a reply matched no outstanding request.
#[derive(Debug, PartialEq, Eq)]
pub enum Stray {
    /// No request with that id is outstanding (never sent, answered already, or expired).
    Unknown,
    /// The id is outstanding, but the request went to `expected`, not to the sender; the
    /// request stays outstanding for its real answer.
    WrongSender { expected: String },
}

impl fmt::Display for Stray {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Stray::Unknown => write!(f, "answers no outstanding request"),
            Stray::WrongSender { expected } => {
                write!(f, "answers a request sent to {expected}, not to the sender")
            }
        }
    }
}

impl<T> PendingRpcs<T> {
    pub fn new(timeout: Duration) -> Self {
        PendingRpcs {
            pending: BTreeMap::new(),
            timeout,
        }
    }

    /// Records request `id`, sent to `dest` at `now`.
    pub fn insert(&mut self, id: MsgId, dest: &str, now: Duration, context: T) {
        let outstanding = Outstanding {
            dest: dest.to_string(),
            deadline: now.saturating_add(self.timeout),
            context,
        };
        self.pending.insert(id, outstanding);
    }

    /// Takes the context of the request that a reply from `src` answers. A reply from anyone
    /// but the request's destination is refused and the request stays outstanding.
    pub fn complete(&mut self, src: &str, in_reply_to: MsgId) -> Result<T, Stray> {
        match self.pending.get(&in_reply_to) {
            None => Err(Stray::Unknown),
            Some(o) if o.dest != src => Err(Stray::WrongSender {
                expected: o.dest.clone(),
            }),
            Some(_) => self
                .pending
                .remove(&in_reply_to)
                .map(|o| o.context)
                .ok_or(Stray::Unknown),
        }
    }

    /// Removes and returns every request whose deadline has passed, oldest id first.
    pub fn expire(&mut self, now: Duration) -> Vec<(MsgId, T)> {
        let expired: Vec<MsgId> = self
            .pending
            .iter()
            .filter(|(_, o)| o.deadline <= now)
            .map(|(id, _)| *id)
            .collect();
        expired
            .into_iter()
            .filter_map(|id| self.pending.remove(&id).map(|o| (id, o.context)))
            .collect()
    }

    #[cfg(test)]
    pub(crate) fn len(&self) -> usize {
        self.pending.len()
    }

    #[cfg(test)]
    fn is_empty(&self) -> bool {
        self.pending.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn expired_requests_are_forgotten() {
        let mut rpcs = PendingRpcs::new(Duration::from_secs(1));
        rpcs.insert(1, "n1", Duration::ZERO, "a");
        rpcs.insert(2, "n1", Duration::from_millis(500), "b");
        assert_eq!(rpcs.expire(Duration::from_millis(1000)), vec![(1, "a")]);
        assert_eq!(rpcs.complete("n1", 1), Err(Stray::Unknown));
        assert_eq!(rpcs.complete("n1", 2), Ok("b"));
        assert!(rpcs.is_empty());
    }

    #[test]
    fn only_the_destination_may_answer() {
        let mut rpcs = PendingRpcs::new(Duration::from_secs(1));
        rpcs.insert(7, "seq-kv", Duration::ZERO, "read");
        assert_eq!(
            rpcs.complete("c666", 7),
            Err(Stray::WrongSender {
                expected: "seq-kv".into()
            })
        );
        assert_eq!(
            rpcs.len(),
            1,
            "a forged reply leaves the request outstanding"
        );
        assert_eq!(rpcs.complete("seq-kv", 7), Ok("read"));
    }

    #[test]
    fn a_huge_timeout_saturates_instead_of_panicking() {
        let mut rpcs = PendingRpcs::new(Duration::MAX);
        rpcs.insert(1, "n1", Duration::from_secs(5), ());
        assert!(rpcs.expire(Duration::from_secs(3600)).is_empty());
    }
}
