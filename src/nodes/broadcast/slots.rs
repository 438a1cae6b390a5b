//! Uplink slots (`--slots`): a leaf sends its clients' values to the hub once per hub period,
//! timed to reach the hub just before its next relay, instead of one message per value.
//!
//! A value the leaf sends at once waits at the hub for the next relay anyway; sent in the slot,
//! it makes the same relay, so its latency is the same, and every value the leaf got in that
//! period travels in one message. The hub relays every `--period-ms` and tells each leaf, in
//! the relay, how long before it the leaf's last batch arrived (`slack`). From that the leaf
//! learns the round trip (`send → arrival → relay → here` less the slack is two one-way
//! trips) and places its next slot `period − round trip − margin` after each relay reaches
//! it, by the slowest of its last few round trips. Until it has a measurement, after a long silence from the hub, and for a value that
//! comes just after a slot (it can still make the same relay), it sends at once.

use std::collections::VecDeque;
use std::time::Duration;

/// How early a slot aims to reach the hub before its relay: the harness's jitter and the
/// tick's resolution.
const MARGIN: Duration = Duration::from_millis(30);

/// How many recent round trips the slot is placed by.
const ROUNDS_KEPT: usize = 4;

/// A leaf's slot clock.
#[derive(Debug)]
pub struct LeafSlots {
    period: Duration,
    /// The last few round trips measured (send to relay, less the slack).
    rounds: VecDeque<Duration>,
    /// When the next slot opens.
    next: Option<Duration>,
    /// When the last slot opened: values in the `MARGIN` after it still make its relay.
    last: Option<Duration>,
}

impl LeafSlots {
    pub fn new(period: Duration) -> LeafSlots {
        LeafSlots {
            period,
            rounds: VecDeque::new(),
            next: None,
            last: None,
        }
    }

    /// A relay from the hub reached this leaf at `now`. `measured`, when the hub had a batch
    /// from this leaf since its last relay: how long before this relay it arrived, and when
    /// (ms on this leaf's clock) the leaf sent it.
    pub fn relay(&mut self, now: Duration, measured: Option<(u64, u64)>) {
        if let Some((slack, sent)) = measured {
            let round = now
                .saturating_sub(Duration::from_millis(sent))
                .saturating_sub(Duration::from_millis(slack));
            // A round trip longer than a period is a retransmission or a partition's
            // leftover, not the network's latency.
            if round < self.period {
                if self.rounds.len() == ROUNDS_KEPT {
                    self.rounds.pop_front();
                }
                self.rounds.push_back(round);
            }
        }
        // The slowest recent round trip: a batch that misses its relay waits a whole period.
        if let Some(round) = self.rounds.iter().max() {
            let lead = round.saturating_add(MARGIN);
            self.next = Some(now.saturating_add(self.period.saturating_sub(lead)));
        }
    }

    /// Whether a pending batch goes at `now`.
    pub fn ready(&self, now: Duration) -> bool {
        let Some(next) = self.next else {
            return true;
        };
        let in_fill = self
            .last
            .is_some_and(|last| now < last.saturating_add(MARGIN / 2));
        // No relay for a whole period after the slot: the hub is away or idle.
        let stale = now > next.saturating_add(self.period);
        now >= next || in_fill || stale
    }

    /// When a pending batch is next due (None: now).
    pub fn due(&self, now: Duration) -> Option<Duration> {
        (!self.ready(now)).then_some(self.next).flatten()
    }

    /// A batch left at `now`.
    pub fn sent(&mut self, now: Duration) {
        if let Some(next) = self.next {
            if now >= next {
                // Until the next relay says better, the slot after this one is a period on.
                self.last = Some(next);
                self.next = Some(next.saturating_add(self.period));
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ms(n: u64) -> Duration {
        Duration::from_millis(n)
    }

    #[test]
    fn a_leaf_sends_at_once_until_it_has_measured_the_latency() {
        let mut slots = LeafSlots::new(ms(600));
        assert!(slots.ready(ms(10)));
        slots.sent(ms(10));
        // Relay at the hub at 400 (our batch arrived at 110: slack 290), here at 500.
        slots.relay(ms(500), Some((290, 10)));
        // 500 − 10 − 290 = 200: 100 each way; next slot 500 + 600 − 230 = 870.
        assert!(!slots.ready(ms(600)));
        assert_eq!(slots.due(ms(600)), Some(ms(870)));
        assert!(slots.ready(ms(870)));
    }

    #[test]
    fn a_value_just_after_a_slot_still_goes_and_a_later_one_waits_a_period() {
        let mut slots = LeafSlots::new(ms(600));
        slots.sent(ms(0));
        slots.relay(ms(400), Some((200, 0))); // 100 each way; slot at 770
        slots.sent(ms(770));
        assert!(slots.ready(ms(780)), "within the margin after the slot");
        assert!(!slots.ready(ms(800)));
        assert_eq!(slots.due(ms(800)), Some(ms(1370)));
    }

    #[test]
    fn silence_from_the_hub_or_an_implausible_round_trip_never_holds_values_back() {
        let mut slots = LeafSlots::new(ms(600));
        slots.sent(ms(0));
        slots.relay(ms(400), Some((200, 0)));
        assert!(
            slots.ready(ms(770 + 601)),
            "no relay for a period after the slot"
        );
        let mut fresh = LeafSlots::new(ms(600));
        fresh.sent(ms(0));
        fresh.relay(ms(5000), Some((0, 0))); // a retransmission's round trip
        assert!(fresh.ready(ms(5001)), "no measurement: at once");
    }
}
