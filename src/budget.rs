//! Back-pressure for programs that write faster than a run can carry: each external node gets a
//! byte [`Budget`] for the messages it has sent that are still on their way (read from its
//! stdout but not yet written to their recipient's stdin, handed to a client or service, or
//! dropped). Its stdout reader takes a [`Share`] before it passes a line on and waits while the
//! budget is spent, so a flooding node blocks on its own pipe, as it would under Maelstrom's
//! single reader per node, instead of growing glomers' memory without bound.
//!
//! The share travels with the message and is given back when the message is dropped, wherever
//! that happens, so no path can leak it. A copy of a message carries no share.

use std::sync::{Arc, Condvar, Mutex};
use std::time::Duration;

/// How often a waiting reader looks again whether the budget was closed.
const RECHECK: Duration = Duration::from_millis(100);

#[derive(Debug, Default)]
struct State {
    used: usize,
    closed: bool,
}

/// One sender's bytes in flight, at most `cap` (a single larger message is let through alone).
#[derive(Debug)]
pub struct Budget {
    cap: usize,
    state: Mutex<State>,
    freed: Condvar,
}

impl Budget {
    pub fn new(cap: usize) -> Arc<Budget> {
        Arc::new(Budget {
            cap: cap.max(1),
            state: Mutex::new(State::default()),
            freed: Condvar::new(),
        })
    }

    /// Takes `bytes`, waiting while they would overrun the cap; `None` once the budget is closed
    /// (the run is over: the reader should stop).
    pub fn take(self: &Arc<Self>, bytes: usize) -> Option<Share> {
        let mut state = self.state.lock().ok()?;
        loop {
            if state.closed {
                return None;
            }
            if state.used == 0 || state.used.saturating_add(bytes) <= self.cap {
                state.used = state.used.saturating_add(bytes);
                return Some(Share(Some((self.clone(), bytes))));
            }
            state = self.freed.wait_timeout(state, RECHECK).ok()?.0;
        }
    }

    /// Takes `bytes` if that needs no wait; `None` if it would (or the budget is closed).
    pub fn try_take(self: &Arc<Self>, bytes: usize) -> Option<Share> {
        let mut state = self.state.lock().ok()?;
        if state.closed || (state.used != 0 && state.used.saturating_add(bytes) > self.cap) {
            return None;
        }
        state.used = state.used.saturating_add(bytes);
        Some(Share(Some((self.clone(), bytes))))
    }

    /// Bytes in flight now.
    pub fn used(&self) -> usize {
        self.state.lock().map(|s| s.used).unwrap_or(0)
    }

    /// Blocks until the budget is closed: a reader that must stop reading (as Maelstrom's does
    /// after a line it cannot carry) keeps its pipe open meanwhile, so the node is not told.
    pub fn wait_closed(&self) {
        let Ok(mut state) = self.state.lock() else {
            return;
        };
        while !state.closed {
            match self.freed.wait_timeout(state, RECHECK) {
                Ok((next, _)) => state = next,
                Err(_) => return,
            }
        }
    }

    /// Ends every wait, now and later: the run is over.
    pub fn close(&self) {
        if let Ok(mut state) = self.state.lock() {
            state.closed = true;
        }
        self.freed.notify_all();
    }

    fn give_back(&self, bytes: usize) {
        if let Ok(mut state) = self.state.lock() {
            state.used = state.used.saturating_sub(bytes);
        }
        self.freed.notify_all();
    }
}

/// Bytes taken from a [`Budget`], given back when dropped. The default share holds nothing.
#[derive(Debug, Default)]
pub struct Share(Option<(Arc<Budget>, usize)>);

impl Share {
    /// Whether this share holds bytes of some budget.
    pub fn is_held(&self) -> bool {
        self.0.is_some()
    }
}

impl Drop for Share {
    fn drop(&mut self) {
        if let Some((budget, bytes)) = self.0.take() {
            budget.give_back(bytes);
        }
    }
}

impl Clone for Share {
    /// A copy holds nothing: the bytes are given back once, by the original.
    fn clone(&self) -> Share {
        Share(None)
    }
}

impl PartialEq for Share {
    /// Shares are bookkeeping, not content: two messages are equal whatever they hold.
    fn eq(&self, _: &Share) -> bool {
        true
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_spent_budget_waits_until_a_share_is_dropped() {
        let budget = Budget::new(100);
        let first = budget.take(60).expect("open");
        let waiter = {
            let budget = budget.clone();
            std::thread::spawn(move || budget.take(60).map(|s| s.is_held()))
        };
        std::thread::sleep(Duration::from_millis(50));
        assert_eq!(budget.used(), 60, "the second take is still waiting");
        drop(first);
        assert_eq!(waiter.join().expect("joins"), Some(true));
        assert_eq!(budget.used(), 0, "given back when the second share dropped");
    }

    #[test]
    fn a_take_that_would_wait_is_refused_at_once() {
        let budget = Budget::new(100);
        let first = budget.try_take(60).expect("room");
        assert!(budget.try_take(60).is_none(), "it would overrun the cap");
        assert_eq!(budget.used(), 60);
        drop(first);
        assert!(
            budget.try_take(1_000).is_some_and(|s| s.is_held()),
            "alone, it passes"
        );
        budget.close();
        assert!(budget.try_take(1).is_none(), "closed");
    }

    #[test]
    fn one_oversized_message_passes_alone_and_closing_ends_waits() {
        let budget = Budget::new(10);
        let big = budget.take(1_000).expect("alone, it passes");
        let waiter = {
            let budget = budget.clone();
            std::thread::spawn(move || budget.take(1).is_none())
        };
        std::thread::sleep(Duration::from_millis(20));
        budget.close();
        assert!(waiter.join().expect("joins"), "closed: the wait ends empty");
        drop(big);
        assert_eq!(budget.used(), 0);
    }

    #[test]
    fn a_copy_holds_nothing() {
        let budget = Budget::new(10);
        let share = budget.take(5).expect("open");
        let copy = share.clone();
        assert!(!copy.is_held());
        drop(copy);
        assert_eq!(budget.used(), 5);
        drop(share);
        assert_eq!(budget.used(), 0);
    }
}
