//! The simulated network, as Maelstrom's `maelstrom.net` runs it: latency distributions,
//! one inbox and one receiving thread per node and service, partitions as grudges checked when
//! the receiver takes a message, and the `:net` message counts with Maelstrom's rules (a message
//! touching a `c*` client is client traffic, everything else, service traffic included, is
//! servers').
//!
//! Every node and service has one receiving thread that takes the message with the earliest
//! deadline from its queue, drops it if a partition separates sender and receiver *at that
//! moment*, and otherwise sleeps until the deadline and delivers it. Whatever arrives meanwhile
//! waits, even a zero-latency client request: a receiver asleep on a 100 ms message holds up
//! the requests behind it. This head-of-line blocking shapes Maelstrom's op latencies and the
//! stable latencies reads observe, so the simulator reproduces it (see the calibration tests).
//!
//! The nemesis's network faults act here too: a one-way partition is a second grudge, checked
//! with the partition's; lost, duplicated and late messages are decided when a node-to-node
//! message is sent ([`Packets`]), each draw from the nemesis's per-message stream.
//!
//! The network keeps no clock and no event queue: each call is told the time and answers what
//! the engine must schedule ([`Wakeup`], [`Take`]).
//!
//! On top of the configured latency, [`timing`] adds what a real run adds: a node's processing
//! and pipes delay what it sends (in-process nodes only), and Maelstrom's handoff to the
//! recipient delays the delivery, during which the receiver is busy (it holds up what is
//! queued behind, as the real receive thread does while it writes to the node's stdin).

pub mod timing;

use super::clock::{nanos, Nanos, MILLI};
use crate::protocol::Message;
use rand::Rng;
use rand_chacha::ChaCha8Rng;
use serde::Serialize;
use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::time::Duration;

pub use crate::challenge::values::LatencyDist;
use timing::{Clock, Endpoint, Endpoints, Thread, Timing};

/// Latency of one server↔server or server↔service hop.
pub fn sample_latency(mean_ms: u32, dist: LatencyDist, rng: &mut ChaCha8Rng) -> Duration {
    let mean = f64::from(mean_ms);
    let ms = match dist {
        LatencyDist::Constant => mean,
        LatencyDist::Uniform => rng.gen_range(0.0..=2.0 * mean.max(0.0)),
        LatencyDist::Exponential => {
            let u: f64 = rng.gen_range(f64::EPSILON..1.0);
            -mean * u.ln()
        }
    };
    Duration::from_secs_f64(ms.max(0.0) / 1000.0)
}

pub fn is_client(id: &str) -> bool {
    id.starts_with('c')
}

/// Maelstrom's node ids, `n0`, `n1`, …; services (`lin-kv`, …) live inside Maelstrom itself.
pub fn is_node(id: &str) -> bool {
    id.strip_prefix('n')
        .is_some_and(|rest| !rest.is_empty() && rest.bytes().all(|b| b.is_ascii_digit()))
}

/// Which nodes drop messages from which: `grudge[a]` holds the sources `a` will not hear.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Grudge(pub BTreeMap<String, BTreeSet<String>>);

impl Grudge {
    pub fn blocks(&self, src: &str, dest: &str) -> bool {
        self.0.get(dest).is_some_and(|s| s.contains(src))
    }

    pub fn is_empty(&self) -> bool {
        self.0.values().all(BTreeSet::is_empty)
    }

    /// Every node in one component ignores every node in the others.
    pub fn complete(components: &[Vec<String>]) -> Grudge {
        let mut g = BTreeMap::new();
        for (i, comp) in components.iter().enumerate() {
            let others: BTreeSet<String> = components
                .iter()
                .enumerate()
                .filter(|(j, _)| *j != i)
                .flat_map(|(_, c)| c.iter().cloned())
                .collect();
            for node in comp {
                g.insert(node.clone(), others.clone());
            }
        }
        Grudge(g)
    }
}

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
pub struct Counts {
    pub send_count: u64,
    pub recv_count: u64,
    pub msg_count: u64,
}

/// Maelstrom's `:net` statistics.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
pub struct NetStats {
    pub all: Counts,
    pub clients: Counts,
    pub servers: Counts,
}

impl NetStats {
    pub fn on_send(&mut self, src: &str, dest: &str) {
        for c in self.buckets(src, dest) {
            c.send_count += 1;
            c.msg_count += 1;
        }
    }

    pub fn on_recv(&mut self, src: &str, dest: &str) {
        for c in self.buckets(src, dest) {
            c.recv_count += 1;
        }
    }

    fn buckets(&mut self, src: &str, dest: &str) -> [&mut Counts; 2] {
        let class = if is_client(src) || is_client(dest) {
            &mut self.clients
        } else {
            &mut self.servers
        };
        [class, &mut self.all]
    }
}

/// What a node's or service's single receiving thread is doing.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Receiver {
    Idle,
    /// A take is scheduled ([`Wakeup::Poll`]).
    Polling,
    /// Asleep until the deadline of the message it took ([`Take::SleepUntil`]).
    Sleeping,
}

/// A recipient's queue: messages by (deadline, send order), and its receiver.
struct Inbox {
    queue: BTreeMap<(Nanos, u64), Message>,
    receiver: Receiver,
    /// The recipient, as the timing model knows its receive thread.
    endpoint: Endpoint,
}

/// Something the engine must make happen at a given virtual time.
#[derive(Debug)]
pub enum Wakeup {
    /// This inbox's receiver takes its next message ([`Network::take`]).
    Poll(String),
    /// Hand the message straight to its recipient: clients have no inbox, since their links
    /// have no latency and nothing queues ahead of them.
    Deliver(Message),
}

/// What a receiver does when it takes its next message.
#[derive(Debug)]
pub enum Take {
    /// Nothing queued: the receiver goes idle.
    Empty,
    /// A partition separates sender and receiver now: the message is lost.
    Drop(Message),
    /// Due now: deliver it, then call [`Network::next_poll`].
    Deliver(Message),
    /// Not due yet: the receiver sleeps until then, and everything behind it waits. At that
    /// time the engine calls [`Network::wake`], delivers it, then calls [`Network::next_poll`].
    SleepUntil(Nanos, Message),
}

/// The faults on node-to-node messages that are on now, and the stream their per-message
/// draws come from (the nemesis's, so the run's own draws do not depend on them).
#[derive(Default)]
struct Packets {
    rng: Option<ChaCha8Rng>,
    /// The fraction lost (0: off).
    loss: f64,
    /// The fraction delivered twice (0: off).
    duplicate: f64,
    /// Mean extra latency, exponentially distributed (0: off).
    delay_ms: u32,
}

impl Packets {
    /// Whether a draw of `p` comes up (never with no stream or `p` of 0).
    fn happens(&mut self, p: f64) -> bool {
        match self.rng.as_mut() {
            Some(rng) if p > 0.0 => rng.gen::<f64>() < p,
            _ => false,
        }
    }

    /// Extra latency for one message, while `delay` is on.
    fn extra(&mut self) -> Nanos {
        match self.rng.as_mut() {
            Some(rng) if self.delay_ms > 0 => {
                nanos(sample_latency(self.delay_ms, LatencyDist::Exponential, rng))
            }
            _ => 0,
        }
    }
}

/// Inboxes, receivers, the current partitions, the packet faults and the message counts.
pub struct Network {
    inboxes: HashMap<String, Inbox>,
    /// Send order, the tie-break between messages with the same deadline.
    sent: u64,
    latency_ms: u32,
    latency_dist: LatencyDist,
    partition: Option<Grudge>,
    /// A one-way partition, on top of any partition.
    oneway: Option<Grudge>,
    packets: Packets,
    stats: NetStats,
    timing: Clock,
    /// Every id the timing model has seen, receivers first.
    endpoints: Endpoints,
}

impl Network {
    /// A network whose `receivers` (nodes and services) each get an inbox, for nodes run
    /// in-process in virtual time: the whole [`Timing::in_process`] model applies.
    pub fn new(
        receivers: impl IntoIterator<Item = String>,
        latency_ms: u32,
        latency_dist: LatencyDist,
    ) -> Network {
        Network::with_timing(receivers, latency_ms, latency_dist, Timing::in_process())
    }

    /// As [`Network::new`] with the given timing model: [`Timing::external`] when the nodes
    /// are real processes run in real time, [`Timing::exact`] for latency alone.
    pub fn with_timing(
        receivers: impl IntoIterator<Item = String>,
        latency_ms: u32,
        latency_dist: LatencyDist,
        timing: Timing,
    ) -> Network {
        let mut endpoints = Endpoints::default();
        let inboxes = receivers
            .into_iter()
            .map(|id| {
                let inbox = Inbox {
                    queue: BTreeMap::new(),
                    receiver: Receiver::Idle,
                    endpoint: endpoints.of(&id),
                };
                (id, inbox)
            })
            .collect();
        Network {
            inboxes,
            sent: 0,
            latency_ms,
            latency_dist,
            partition: None,
            oneway: None,
            packets: Packets::default(),
            stats: NetStats::default(),
            timing: Clock::new(timing),
            endpoints,
        }
    }

    /// The timing model in use.
    pub fn timing(&self) -> Timing {
        self.timing.timing()
    }

    /// Switches to another timing model; only before the first message is sent (the external
    /// engine's nodes pay their own pipes and processing, see [`Timing::external`]).
    pub fn use_timing(&mut self, timing: Timing) {
        self.timing = timing::Clock::new(timing);
    }

    /// Sends `msg` at `now`. Client links have no latency; others draw one from `rng`. Returns
    /// what the engine must schedule, if anything: a receiver already polling or asleep will
    /// come back to its queue by itself.
    pub fn send(
        &mut self,
        now: Nanos,
        mut msg: Message,
        rng: &mut ChaCha8Rng,
    ) -> Option<(Nanos, Wakeup)> {
        self.stats.on_send(&msg.src, &msg.dest);
        self.timing.seed(rng);
        let client_link = is_client(&msg.src) || is_client(&msg.dest);
        let delay = if client_link {
            0
        } else {
            nanos(sample_latency(self.latency_ms, self.latency_dist, rng))
        };
        // Maelstrom stamps the deadline when its stdout thread has read the line the node wrote.
        let queued = if is_node(&msg.src) {
            let written = now.saturating_add(self.timing.node(now));
            let src = self.endpoints.of(&msg.src);
            self.timing.stdout(src, &msg.body.kind, written)
        } else {
            now
        };
        let deadline = queued.saturating_add(delay);
        // Maelstrom numbers every message it carries, in send order, in the envelope's `id`.
        msg.id = Some(self.sent);
        if is_node(&msg.src) && is_node(&msg.dest) {
            // The nemesis's packet faults, on node-to-node links only (as partitions).
            if self.packets.happens(self.packets.loss) {
                self.sent += 1;
                return None;
            }
            let late = deadline.saturating_add(self.packets.extra());
            if self.packets.happens(self.packets.duplicate) {
                // The copy travels on its own: with `delay` on, either may arrive first.
                let again = deadline.saturating_add(self.packets.extra());
                let copy = msg.clone();
                let first = self.enqueue(now, late, msg);
                let second = self.enqueue(now, again, copy);
                return first.or(second);
            }
            return self.enqueue(now, late, msg);
        }
        self.enqueue(now, deadline, msg)
    }

    /// Puts `msg` in its recipient's inbox for `deadline` (or hands it straight to a client);
    /// returns what the engine must schedule, if anything.
    fn enqueue(&mut self, now: Nanos, deadline: Nanos, msg: Message) -> Option<(Nanos, Wakeup)> {
        let order = self.sent;
        self.sent += 1;
        match self.inboxes.get_mut(&msg.dest) {
            Some(inbox) => {
                let dest = msg.dest.clone();
                inbox.queue.insert((deadline, order), msg);
                (inbox.receiver == Receiver::Idle).then(|| {
                    inbox.receiver = Receiver::Polling;
                    (now, Wakeup::Poll(dest))
                })
            }
            None => {
                // A client's own thread takes the reply off its queue: the same handoff.
                let client = Thread::Client(self.endpoints.of(&msg.dest));
                let handoff =
                    self.timing
                        .harness(client, &msg.body.kind, is_client(&msg.dest), deadline);
                Some((deadline.saturating_add(handoff), Wakeup::Deliver(msg)))
            }
        }
    }

    /// The envelope `id` the next message sent will carry.
    pub fn next_id(&self) -> u64 {
        self.sent
    }

    /// `dest`'s receiver takes its earliest-deadline message at `now`.
    pub fn take(&mut self, now: Nanos, dest: &str) -> Take {
        let Some(inbox) = self.inboxes.get_mut(dest) else {
            return Take::Empty;
        };
        inbox.receiver = Receiver::Idle;
        let Some(((deadline, _), msg)) = inbox.queue.pop_first() else {
            return Take::Empty;
        };
        // Partitions cut node-to-node links only, checked when the receiver takes the message.
        let blocked = [&self.partition, &self.oneway]
            .into_iter()
            .flatten()
            .any(|g| g.blocks(&msg.src, &msg.dest));
        if blocked {
            Take::Drop(msg)
        } else {
            // Maelstrom sleeps `(long dt)` whole milliseconds, so it wakes up to 1 ms early;
            // then it hands the message over, busy until it has.
            let woken = if deadline >= now.saturating_add(MILLI) {
                now + (deadline - now) / MILLI * MILLI
            } else {
                now
            };
            let queued = self.latency_ms == 0;
            let due = self.timing.receive(
                inbox.endpoint,
                &msg.body.kind,
                is_client(dest),
                (deadline, queued),
                woken,
            );
            if due > now {
                inbox.receiver = Receiver::Sleeping;
                Take::SleepUntil(due, msg)
            } else {
                Take::Deliver(msg)
            }
        }
    }

    /// `dest`'s receiver wakes from [`Take::SleepUntil`].
    pub fn wake(&mut self, dest: &str) {
        if let Some(inbox) = self.inboxes.get_mut(dest) {
            inbox.receiver = Receiver::Idle;
        }
    }

    /// After a take has been dealt with: the receiver's next take, if it is idle and has work.
    pub fn next_poll(&mut self, now: Nanos, dest: &str) -> Option<(Nanos, Wakeup)> {
        let inbox = self.inboxes.get_mut(dest)?;
        (inbox.receiver == Receiver::Idle && !inbox.queue.is_empty()).then(|| {
            inbox.receiver = Receiver::Polling;
            (now, Wakeup::Poll(dest.to_string()))
        })
    }

    /// Counts `msg` as received (it reached its recipient).
    pub fn received(&mut self, msg: &Message) {
        self.stats.on_recv(&msg.src, &msg.dest);
    }

    /// Counts a request and its reply exchanged off the modelled network, as Maelstrom's setup
    /// client does (its RPCs are answered before the test starts).
    pub fn exchanged(&mut self, src: &str, dest: &str) {
        self.stats.on_send(src, dest);
        self.stats.on_recv(src, dest);
    }

    /// The harness's own delay between issuing a client operation and the generator's next
    /// step (see [`timing::HarnessCosts::dispatch`]).
    pub fn dispatch(&mut self) -> Nanos {
        self.timing.dispatch()
    }

    /// From now on, receivers drop what `grudge` blocks.
    pub fn partition(&mut self, grudge: Grudge) {
        self.partition = Some(grudge);
    }

    /// Ends the partition; false if there was none.
    pub fn heal(&mut self) -> bool {
        self.partition.take().is_some()
    }

    pub fn is_partitioned(&self) -> bool {
        self.partition.is_some()
    }

    /// From now on, receivers also drop what the one-way `grudge` blocks.
    pub fn partition_oneway(&mut self, grudge: Grudge) {
        self.oneway = Some(grudge);
    }

    /// Ends the one-way partition; false if there was none.
    pub fn heal_oneway(&mut self) -> bool {
        self.oneway.take().is_some()
    }

    /// The stream the packet faults draw from; until it is given, none of them acts.
    pub fn use_packet_stream(&mut self, rng: ChaCha8Rng) {
        self.packets.rng = Some(rng);
    }

    /// Loses this fraction of node-to-node messages from now on (0: none).
    pub fn set_loss(&mut self, fraction: f64) {
        self.packets.loss = fraction;
    }

    /// Delivers this fraction of node-to-node messages twice from now on (0: none).
    pub fn set_duplicate(&mut self, fraction: f64) {
        self.packets.duplicate = fraction;
    }

    /// Adds this mean extra latency to node-to-node messages from now on (0: none).
    pub fn set_delay(&mut self, mean_ms: u32) {
        self.packets.delay_ms = mean_ms;
    }

    /// Empties `dest`'s inbox: what was on its way to a node that restarts is never
    /// delivered, as Maelstrom gives a restarted node a fresh queue. A message the receiver
    /// already took stays with it; the engine knows it went to the old process.
    pub fn clear_inbox(&mut self, dest: &str) {
        if let Some(inbox) = self.inboxes.get_mut(dest) {
            inbox.queue.clear();
        }
    }

    pub fn stats(&self) -> NetStats {
        self.stats
    }
}

#[cfg(test)]
mod tests;
