//! The engine's part that only external nodes need: setup over the network in real time, and
//! what to do with what a node prints (a message, an invalid line, the end of its stdout).
//!
//! Setup follows `maelstrom.db`: every node gets `init` from its own client at once (Jepsen
//! sets nodes up in parallel), must answer `init_ok` within 10 s, then gets the workload's
//! setup requests one at a time; the test's main phase starts when every node is done. Messages
//! that nodes send each other meanwhile travel the network as usual.

use super::{Engine, Event, Phase};
use crate::protocol::{Body, Message};
use crate::sim::clock::{nanos, Nanos, MILLI};
use crate::sim::external::{LiveClock, Said, INIT_DEADLINE};

/// One node's progress through setup.
struct Setup {
    /// The setup client's node id (`c…`), open until the node's setup is done.
    client: String,
    requests: Vec<Body>,
    /// The request awaiting its reply; `requests.len()` once done.
    step: usize,
    /// Which setup of the node this is: 0 at the start, one more for each restart after a
    /// kill (an earlier setup's deadline is no longer this one's).
    attempt: u32,
}

/// The live clock and the state that exists only with external nodes.
pub(super) struct Live {
    pub(super) clock: Box<dyn LiveClock>,
    setup: Vec<Setup>,
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
            setup: Vec::new(),
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
}

impl Engine<'_> {
    fn live_mut(&mut self) -> Option<&mut Live> {
        self.live.as_mut()
    }

    /// Sends `init` to every node, each from its own setup client.
    pub(super) fn begin_live_setup(&mut self) {
        let ids = self.node_ids.clone();
        let mut setup = Vec::with_capacity(ids.len());
        for id in &ids {
            let init = Body::new("init").with("node_id", id).with("node_ids", &ids);
            let mut requests = vec![init];
            requests.extend(self.model.setup(id, &ids));
            setup.push(Setup {
                client: self.clients.fresh_name(),
                requests,
                step: 0,
                attempt: 0,
            });
        }
        if let Some(live) = self.live_mut() {
            live.setup = setup;
        }
        for node in 0..ids.len() {
            self.send_setup_request(node);
        }
    }

    fn send_setup_request(&mut self, node: usize) {
        let Some(setup) = self.live.as_ref().and_then(|l| l.setup.get(node)) else {
            return;
        };
        let Some(body) = setup.requests.get(setup.step) else {
            return;
        };
        let (step, attempt) = (setup.step, setup.attempt);
        let mut body = body.clone();
        body.msg_id = Some(step as u64 + 1);
        let msg = Message::new(setup.client.clone(), self.node_ids[node].clone(), body);
        self.send(msg);
        let at = self.now + nanos(INIT_DEADLINE);
        self.schedule(
            at,
            Event::SetupDeadline {
                node,
                step,
                attempt,
            },
        );
    }

    /// A node started again after a kill gets `init` alone, over the network as at setup,
    /// from a fresh client and with the same deadline; its output is read afresh.
    pub(super) fn restart_live(&mut self, node: usize) {
        let ids = self.node_ids.clone();
        let init = Body::new("init")
            .with("node_id", &ids[node])
            .with("node_ids", &ids);
        let client = self.clients.fresh_name();
        let Some(live) = self.live_mut() else {
            return;
        };
        live.deaf[node] = false;
        let Some(setup) = live.setup.get_mut(node) else {
            return;
        };
        *setup = Setup {
            client,
            requests: vec![init],
            step: 0,
            attempt: setup.attempt + 1,
        };
        self.send_setup_request(node);
    }

    /// Whether `msg` went to a setup client (and was dealt with as setup).
    pub(super) fn setup_reply(&mut self, msg: &Message) -> bool {
        let Some(live) = self.live.as_ref() else {
            return false;
        };
        let Some(node) = live.setup.iter().position(|s| s.client == msg.dest) else {
            return false;
        };
        let setup = &live.setup[node];
        let step = setup.step;
        if step >= setup.requests.len() || msg.body.in_reply_to != Some(step as u64 + 1) {
            // Not the reply being waited for: Maelstrom's client skips it.
            return true;
        }
        let id = self.node_ids[node].clone();
        let failed = if msg.body.kind == "error" {
            Some(format!(
                "node {id} answered setup request {step} with an error: {}",
                body_json(&msg.body)
            ))
        } else if step == 0 && msg.body.kind != "init_ok" {
            Some(format!(
                "Expected an init_ok message, but node {id} responded with {}",
                body_json(&msg.body)
            ))
        } else if step > 0 {
            self.model
                .check_setup_reply(&msg.body)
                .err()
                .map(|why| format!("node {id} answered setup request {step} badly: {why}"))
        } else {
            None
        };
        if let Some(why) = failed {
            self.failure = Some(crate::exit::harness(why));
            return true;
        }
        let done = {
            let Some(live) = self.live_mut() else {
                return true;
            };
            live.setup[node].step += 1;
            live.setup.iter().all(|s| s.step >= s.requests.len())
        };
        self.send_setup_request(node);
        if done && self.phase == Phase::Setup {
            self.begin_main();
        }
        true
    }

    pub(super) fn setup_deadline(&mut self, node: usize, step: usize, attempt: u32) {
        let waiting = self
            .live
            .as_ref()
            .and_then(|l| l.setup.get(node))
            .is_some_and(|s| s.step == step && s.attempt == attempt);
        if waiting {
            let id = &self.node_ids[node];
            let what = if step == 0 {
                "an init message".to_string()
            } else {
                format!("setup request {step}")
            };
            self.failure = Some(crate::exit::harness(format!(
                "Expected node {id} to respond to {what}, but node did not respond within {} s.",
                INIT_DEADLINE.as_secs()
            )));
        }
    }

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
            || self.live.as_ref().is_some_and(|l| {
                l.setup
                    .iter()
                    .any(|s| s.client == name && s.step < s.requests.len())
            })
    }

    /// Maelstrom's stdout reader stops at the first line it cannot put on the network (it logs
    /// the error and reads nothing more from that node); so does this engine, so that the two
    /// reach the same verdict.
    fn deafen(&mut self, node: usize, why: String) {
        let id = self.node_ids[node].clone();
        if let Some(live) = self.live_mut() {
            if !live.deaf[node] {
                live.deaf[node] = true;
                live.problems.push(format!(
                    "{why}\n(As Maelstrom does, nothing more from {id} was read.)"
                ));
            }
        }
    }
}

fn body_json(body: &Body) -> String {
    crate::sim::external::wire::quote(&serde_json::to_string(body).unwrap_or_default())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn live() -> Live {
        let (clock, _) = crate::sim::external::virtual_clock::VirtualClock::new(Box::new(|_| None));
        Live::new(Box::new(clock), 2)
    }

    #[test]
    fn an_engine_that_fell_behind_says_so() {
        let mut late = live();
        late.worst_lag = 250 * MILLI;
        let notes = late.into_problems();
        assert!(
            notes
                .iter()
                .any(|n| n.contains("an event ran 250 ms after")),
            "{notes:?}"
        );
        let mut on_time = live();
        on_time.worst_lag = 3 * MILLI;
        assert!(on_time.into_problems().is_empty());
    }
}
