//! The engine's part that only processes need: the live clock they are heard on, and what to
//! do with what a node prints (a message, an invalid line, the end of its stdout). Their setup
//! goes over the network, in `setup.rs` with every node's.

use super::Engine;
use crate::sim::clock::{Nanos, MILLI};
use crate::sim::external::{LiveClock, Said};

/// The live clock and the state that exists only with external nodes.
pub(super) struct Live {
    pub(super) clock: Box<dyn LiveClock>,
    /// Nodes whose stdout is no longer read: as in Maelstrom, after an invalid line.
    deaf: Vec<bool>,
    problems: Vec<String>,
    /// When the deaf nodes were last asked whether they exited.
    exits_polled: Nanos,
    /// How late the engine ran its most overdue event, and which phase it was in then: a
    /// busy machine shows in the run's notes instead of silently stretching its latencies.
    worst_lag: Nanos,
}

/// An event run later than this after it fell due is reported in the run's notes.
const LAG_NOTED: Nanos = 100 * MILLI;

/// How often a node that is no longer read is asked whether it exited.
const EXIT_POLL: Nanos = 100 * MILLI;

impl Live {
    pub(super) fn new(clock: Box<dyn LiveClock>, nodes: usize) -> Live {
        Live {
            clock,
            deaf: vec![false; nodes],
            problems: Vec::new(),
            exits_polled: 0,
            worst_lag: 0,
        }
    }

    pub(super) fn into_problems(mut self) -> Vec<String> {
        if self.worst_lag > LAG_NOTED {
            self.problems.push(format!(
                "The engine fell behind the wall clock: an event ran {} ms after it fell due \
                 (the machine was busy, or the nodes flooded it). Latencies and timeouts in \
                 this run may be longer than Maelstrom's.",
                self.worst_lag / MILLI
            ));
        }
        self.problems
    }

    /// Node `node` was started again after a kill: its new process is read afresh.
    pub(super) fn hear_again(&mut self, node: usize) {
        if let Some(deaf) = self.deaf.get_mut(node) {
            *deaf = false;
        }
    }
}

impl Engine<'_> {
    /// The node heard as `tag` (see [`crate::sim::external::tag`]) printed `said`.
    pub(super) fn heard(&mut self, tag: usize, said: Said) {
        let (node, start) = crate::sim::external::untag(tag, self.node_ids.len());
        let life = &self.faults.lives[node];
        if start != life.restarts || life.state == super::faults::State::Down {
            // A killed process's last words: its successor (if any) speaks for itself.
            return;
        }
        let id = self.node_ids[node].clone();
        let deaf = self.live.as_ref().is_some_and(|l| l.deaf[node]);
        match said {
            Said::Closed => match self.nodes[node].as_external().and_then(|p| p.ended()) {
                Some(report) => self.failure = Some(crate::exit::harness(report)),
                None => self.deafen(
                    node,
                    format!("Node {id} closed its STDOUT but kept running; nothing it sends can be heard."),
                ),
            },
            _ if deaf => {}
            Said::Line(Err(why)) => self.deafen(node, why),
            Said::Oversized(bytes) => self.deafen(
                node,
                format!(
                    "Node {id} printed a line of {bytes} bytes to STDOUT, past the {} MiB a line may have.",
                    crate::sim::external::process::MAX_LINE_BYTES >> 20
                ),
            ),
            Said::Line(Ok(msg)) => {
                let unknown = [&msg.src, &msg.dest]
                    .into_iter()
                    .find(|name| !self.is_on_network(name))
                    .cloned();
                match unknown {
                    Some(name) => {
                        let role = if name == msg.src { "source" } else { "dest" };
                        self.deafen(
                            node,
                            format!(
                                "Node {id} sent a message with an invalid {role} {name:?} (no such node, service or open client): {}",
                                crate::sim::external::wire::quote(String::from_utf8_lossy(
                                    &crate::sim::external::wire::encode(&msg)
                                ).trim_end())
                            ),
                        )
                    }
                    None => self.send(msg),
                }
            }
        }
    }

    /// Records how late the event due at `due` runs (real time only).
    pub(super) fn note_lag(&mut self, due: Nanos) {
        if let Some(live) = self.live.as_mut() {
            let lag = live.clock.now().saturating_sub(due);
            live.worst_lag = live.worst_lag.max(lag);
        }
    }

    /// A node whose output is no longer read cannot be heard to end, so its process is asked:
    /// its exit ends the run as any node's does.
    pub(super) fn poll_deaf_exits(&mut self) {
        let Some(live) = self.live.as_mut() else {
            return;
        };
        let now = live.clock.now();
        if now < live.exits_polled + EXIT_POLL || !live.deaf.contains(&true) {
            return;
        }
        live.exits_polled = now;
        let deaf: Vec<usize> = (0..live.deaf.len()).filter(|&i| live.deaf[i]).collect();
        for node in deaf {
            let Some(process) = self.nodes[node].as_external() else {
                continue;
            };
            if self.failure.is_none() && process.exited() {
                if let Some(report) = process.ended() {
                    self.failure = Some(crate::exit::harness(report));
                }
            }
        }
    }

    /// Whether `name` is a node, a service, or a client open right now.
    fn is_on_network(&self, name: &str) -> bool {
        self.node_index.contains_key(name)
            || self.services.contains_key(name)
            || self.clients.thread_named(name).is_some()
            || self.setups.iter().any(|s| s.is_open_client(name))
    }

    /// Maelstrom's stdout reader stops at the first line it cannot put on the network (it logs
    /// the error and reads nothing more from that node); so does this engine, so that the two
    /// reach the same verdict.
    fn deafen(&mut self, node: usize, why: String) {
        let id = self.node_ids[node].clone();
        if let Some(live) = self.live.as_mut() {
            if !live.deaf[node] {
                live.deaf[node] = true;
                live.problems.push(format!(
                    "{why}\n(As Maelstrom does, nothing more from {id} was read.)"
                ));
            }
        }
    }
}

#[cfg(test)]
mod tests;
