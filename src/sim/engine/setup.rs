//! Setup, one routine for both kinds of node, as `maelstrom.db` runs it: every node gets `init`
//! from a setup client of its own, then the workload's setup requests (broadcast's `topology`)
//! one at a time, each answered before the next; the test's main phase starts once every node
//! is done. A node started again after a kill gets `init` alone, from a fresh client. Answers
//! are judged alike for both kinds, in Maelstrom's words.
//!
//! Only the way the requests travel differs. An in-process node is handed each request and
//! answers as it handles it, at the instant setup begins: the exchange is counted but takes no
//! time, so a run stays a pure function of its seed. A process gets its requests over the
//! network and has 10 s ([`INIT_DEADLINE`]) to answer each, as under Maelstrom, while the
//! messages nodes send each other meanwhile travel as usual.

use super::{Engine, Event, Period};
use crate::protocol::{Body, Message};
use crate::sim::clock::{as_duration, nanos};
use crate::sim::external::INIT_DEADLINE;
use crate::sim::slot::NodeSlot;
use rand::Rng;

/// How a node's setup requests reach it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Route {
    /// Handed to an in-process node, which answers as it handles them.
    Direct,
    /// Sent over the network to a process, which has [`INIT_DEADLINE`] to answer each.
    Network,
}

/// One node's progress through setup.
pub(super) struct Setup {
    /// The setup client's node id (`c…`), open until the node's setup is done.
    client: String,
    requests: Vec<Body>,
    /// The request awaiting its answer; `requests.len()` once done.
    step: usize,
    /// Which setup of the node this is: 0 at the start, one more for each restart after a
    /// kill (an earlier setup's deadline is no longer this one's).
    attempt: u32,
    route: Route,
}

impl Setup {
    /// Whether `name` is this setup's client and it still waits for an answer (a node may
    /// write to it until then).
    pub(super) fn is_open_client(&self, name: &str) -> bool {
        self.client == name && self.step < self.requests.len()
    }
}

fn init(node: &str, nodes: &[String]) -> Body {
    Body::new("init")
        .with("node_id", node)
        .with("node_ids", nodes)
}

impl Engine<'_> {
    /// Every node's setup begins, in order: each in-process node is set up at once, each
    /// process gets `init`. The main phase begins as the last node is done.
    pub(super) fn begin_setup(&mut self) {
        self.period = Period::Setup;
        let ids = self.node_ids.clone();
        let mut setups = Vec::with_capacity(ids.len());
        for (node, id) in ids.iter().enumerate() {
            let mut requests = vec![init(id, &ids)];
            requests.extend(self.model.setup(id, &ids));
            setups.push(Setup {
                client: self.clients.fresh_name(),
                requests,
                step: 0,
                attempt: 0,
                route: self.route_to(node),
            });
        }
        self.setups = setups;
        for node in 0..ids.len() {
            if self.failure.is_some() {
                break;
            }
            self.send_setup_request(node);
        }
        self.begin_main_once_set_up();
    }

    /// Node `node`, started again after a kill, gets `init` alone from a fresh client.
    pub(super) fn restart_setup(&mut self, node: usize) {
        let init = init(&self.node_ids[node], &self.node_ids);
        let client = self.clients.fresh_name();
        let route = self.route_to(node);
        let Some(setup) = self.setups.get_mut(node) else {
            return;
        };
        *setup = Setup {
            client,
            requests: vec![init],
            step: 0,
            attempt: setup.attempt + 1,
            route,
        };
        self.send_setup_request(node);
    }

    fn route_to(&self, node: usize) -> Route {
        match self.nodes.get(node) {
            Some(NodeSlot::External(_)) => Route::Network,
            _ => Route::Direct,
        }
    }

    /// Sends node `node` the setup request it is at, if any.
    fn send_setup_request(&mut self, node: usize) {
        let Some(setup) = self.setups.get(node) else {
            return;
        };
        let Some(body) = setup.requests.get(setup.step) else {
            return;
        };
        let (step, attempt, route) = (setup.step, setup.attempt, setup.route);
        let mut body = body.clone();
        body.msg_id = Some(step as u64 + 1);
        let request = Message::new(setup.client.clone(), self.node_ids[node].clone(), body);
        match route {
            Route::Direct => self.hand_setup_request(node, request),
            Route::Network => {
                self.send(request);
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
        }
    }

    /// In-process node `node` handles `request`: what it sends its setup client is its answer
    /// (counted as exchanged, never carried), anything else goes on the network.
    fn hand_setup_request(&mut self, node: usize, request: Message) {
        let (client, id) = (request.src.clone(), request.dest.clone());
        let (step, attempt) = self.setup_position(node);
        self.network.exchanged(&client, &id);
        let now = as_duration(self.now);
        let out = match self.nodes[node].as_in_process() {
            Some(host) => host.handle(request, now),
            None => Vec::new(),
        };
        let mut answers = Vec::new();
        for msg in out {
            if msg.dest == client {
                self.network.exchanged(&id, &client);
                answers.push(msg);
            } else {
                self.send(msg);
            }
        }
        for answer in &answers {
            self.setup_answer(node, answer);
        }
        if self.failure.is_none() && self.setup_position(node) == (step, attempt) {
            self.failure = Some(unanswered(&id, step, "while handling it"));
        }
    }

    /// The request node `node` is at, and in which setup.
    fn setup_position(&self, node: usize) -> (usize, u32) {
        self.setups
            .get(node)
            .map_or((0, 0), |s| (s.step, s.attempt))
    }

    /// Whether `msg` went to the client of a setup over the network (and was dealt with as
    /// setup).
    pub(super) fn setup_reply(&mut self, msg: &Message) -> bool {
        let node = self
            .setups
            .iter()
            .position(|s| s.route == Route::Network && s.client == msg.dest);
        let Some(node) = node else {
            return false;
        };
        self.setup_answer(node, msg);
        true
    }

    /// Node `node` answered its setup client with `msg`: judged, then the next request.
    fn setup_answer(&mut self, node: usize, msg: &Message) {
        let setup = &self.setups[node];
        let step = setup.step;
        if step >= setup.requests.len() || msg.body.in_reply_to != Some(step as u64 + 1) {
            // Not the answer being waited for: Maelstrom's client skips it.
            return;
        }
        if let Some(why) = self.setup_fault(node, step, &msg.body) {
            self.failure = Some(crate::exit::harness(why));
            return;
        }
        let setup = &mut self.setups[node];
        setup.step += 1;
        if setup.step < setup.requests.len() {
            self.send_setup_request(node);
        } else {
            self.setup_done(node);
        }
    }

    /// What is wrong with node `node`'s answer `body` to setup request `step`, if anything.
    fn setup_fault(&self, node: usize, step: usize, body: &Body) -> Option<String> {
        let id = &self.node_ids[node];
        if body.kind == "error" {
            Some(format!(
                "node {id} answered setup request {step} with an error: {}",
                body_json(body)
            ))
        } else if step == 0 && body.kind != "init_ok" {
            Some(format!(
                "Expected an init_ok message, but node {id} responded with {}",
                body_json(body)
            ))
        } else if step > 0 {
            self.model
                .check_setup_reply(body)
                .err()
                .map(|why| format!("node {id} answered setup request {step} badly: {why}"))
        } else {
            None
        }
    }

    /// Node `node` answered its last setup request. An in-process node's timer starts: at a
    /// random phase on its first start (real nodes do not start in lockstep), at once after
    /// a restart.
    fn setup_done(&mut self, node: usize) {
        let Some(setup) = self.setups.get(node) else {
            return;
        };
        if setup.route == Route::Direct {
            let first_start = setup.attempt == 0;
            self.collect_logs(node);
            if !first_start {
                self.start_ticks(node, self.now);
            } else if let Some(every) = self.nodes[node].tick_interval() {
                let first = nanos(every).max(1);
                let at = self.now + self.rng.gen_range(1..=first);
                let chain = self.faults.lives[node].ticks;
                self.schedule(at, Event::Tick(node, chain));
            }
        }
        self.begin_main_once_set_up();
    }

    /// The main phase begins once every node is set up (and none failed).
    fn begin_main_once_set_up(&mut self) {
        let done = self.setups.iter().all(|s| s.step >= s.requests.len());
        if done && self.period == Period::Setup && self.failure.is_none() {
            self.begin_main();
        }
    }

    /// Node `node` must have answered setup request `step` of its setup `attempt` by now,
    /// unless it was killed meanwhile: the process that owed the answer is gone, and the next
    /// one is set up afresh. (Maelstrom's nemesis never kills a node during its setup, since it
    /// waits for each start to finish; this engine's nemesis keeps its own schedule.)
    pub(super) fn setup_deadline(&mut self, node: usize, step: usize, attempt: u32) {
        let down = self
            .faults
            .lives
            .get(node)
            .is_some_and(|life| life.state == super::faults::State::Down);
        if self.setup_position(node) == (step, attempt) && !down && self.failure.is_none() {
            let within = format!("within {} s", INIT_DEADLINE.as_secs());
            self.failure = Some(unanswered(&self.node_ids[node], step, &within));
        }
    }
}

/// A setup request node `id` never answered, in Maelstrom's words.
fn unanswered(id: &str, step: usize, when: &str) -> anyhow::Error {
    let what = if step == 0 {
        "an init message".to_string()
    } else {
        format!("setup request {step}")
    };
    crate::exit::harness(format!(
        "Expected node {id} to respond to {what}, but node did not respond {when}."
    ))
}

fn body_json(body: &Body) -> String {
    crate::sim::external::wire::quote(&serde_json::to_string(body).unwrap_or_default())
}
