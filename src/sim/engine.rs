//! The event loop: virtual time, an event queue ordered by (time, sequence), nodes driven
//! through the same [`Host`] as under Maelstrom, services, clients that follow Maelstrom's
//! generator (rate, concurrency, 5 s timeouts, process replacement), the partition nemesis, and
//! the final phase (heal, 10 s quiet, final operations).
//!
//! Delivery follows Maelstrom's network (`maelstrom.net/recv!`): every node and service has one
//! receiving thread that takes the message with the earliest deadline from its queue, drops it
//! if a partition separates sender and receiver *at that moment*, and otherwise sleeps until
//! the deadline and delivers it. Whatever arrives meanwhile waits, even a zero-latency client
//! request: a receiver asleep on a 100 ms message holds up the requests behind it. This
//! head-of-line blocking shapes Maelstrom's op latencies and the stable latencies reads
//! observe, so the simulator reproduces it (see the calibration tests).

use super::history::{Op, OpType, Process};
use super::model::{ClientInfo, Invocation, Step, WorkloadModel};
use super::nemesis;
use super::network::{is_client, sample_latency, Grudge, NetStats};
use super::services::Service;
use super::SimConfig;
use crate::challenge::Resolved;
use crate::node::{Host, Node};
use crate::protocol::{Body, Message, MsgId};
use rand::seq::SliceRandom;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use serde_json::Value;
use std::cmp::Reverse;
use std::collections::{BTreeMap, BinaryHeap, HashMap, VecDeque};
use std::time::Duration;

/// Virtual nanoseconds.
type Nanos = u64;

const MILLI: Nanos = 1_000_000;

fn nanos(d: Duration) -> Nanos {
    d.as_nanos().min(u128::from(u64::MAX)) as u64
}

#[derive(Debug)]
enum Event {
    /// Straight delivery, for clients (whose links have no latency).
    Deliver(Message),
    /// A node's or service's receiver takes its next message.
    Poll(String),
    /// A receiver wakes from sleeping until `msg`'s deadline and delivers it.
    Wake(Message),
    Tick(usize),
    Generate,
    Nemesis,
    /// `process` too: a replacement client reuses msg_ids from 1, and must not be timed out
    /// by its predecessor's requests.
    Timeout {
        thread: usize,
        process: u64,
        msg_id: MsgId,
    },
    StartFinal,
    FinalDeadline,
    /// A client's delayed final operation is due.
    FinalWake(usize),
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Phase {
    Main,
    Drain,
    Quiet,
    Final,
    Done,
}

/// What a node's or service's single receiving thread is doing.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Receiver {
    Idle,
    /// A `Poll` is scheduled.
    Polling,
    /// Asleep until the deadline of the message it took; a `Wake` is scheduled.
    Sleeping,
}

/// A recipient's queue: messages by (deadline, send order), and its receiver.
struct Inbox {
    queue: BTreeMap<(Nanos, u64), Message>,
    receiver: Receiver,
}

impl Inbox {
    fn new() -> Self {
        Inbox {
            queue: BTreeMap::new(),
            receiver: Receiver::Idle,
        }
    }
}

struct Client {
    info: ClientInfo,
    name: String,
    next_msg_id: MsgId,
    /// The operation in flight and the msg_id of its outstanding request.
    current: Option<(Invocation, Option<MsgId>)>,
    final_queue: VecDeque<Invocation>,
    /// The head of `final_queue` waits until this time (see `WorkloadModel::final_next`).
    final_not_before: Nanos,
}

/// What a finished simulation hands to the checkers.
pub struct Outcome {
    pub history: Vec<Op>,
    pub net: NetStats,
    pub logs: Vec<(String, String)>,
    /// Virtual time at the end of the run.
    pub end: Duration,
}

pub struct Engine<'a> {
    cfg: &'a SimConfig,
    model: &'a mut dyn WorkloadModel,
    rng: ChaCha8Rng,
    now: Nanos,
    seq: u64,
    queue: BinaryHeap<Reverse<(Nanos, u64)>>,
    events: HashMap<u64, Event>,
    node_ids: Vec<String>,
    node_index: HashMap<String, usize>,
    hosts: Vec<Host>,
    services: BTreeMap<String, Box<dyn Service>>,
    /// One per node and per service.
    inboxes: HashMap<String, Inbox>,
    clients: Vec<Client>,
    client_index: HashMap<String, usize>,
    next_client_name: u64,
    history: Vec<Op>,
    net: NetStats,
    grudge: Grudge,
    partitioned: bool,
    phase: Phase,
    gen_waiting: bool,
    /// The final phase still accepts new operations (until its limit).
    final_open: bool,
    /// Maelstrom's options with defaults applied.
    opts: Resolved,
    logs: Vec<(String, String)>,
}

impl<'a> Engine<'a> {
    pub fn new(
        cfg: &'a SimConfig,
        model: &'a mut dyn WorkloadModel,
        nodes: Vec<Box<dyn Node>>,
        services: BTreeMap<String, Box<dyn Service>>,
    ) -> anyhow::Result<Engine<'a>> {
        let node_ids: Vec<String> = (0..nodes.len()).map(|i| format!("n{i}")).collect();
        let hosts = nodes
            .into_iter()
            .enumerate()
            .map(|(i, node)| {
                Host::new(
                    node,
                    cfg.seed.wrapping_mul(1_000_003).wrapping_add(i as u64),
                )
            })
            .collect();
        let node_index = node_ids
            .iter()
            .enumerate()
            .map(|(i, id)| (id.clone(), i))
            .collect();
        let inboxes = node_ids
            .iter()
            .chain(services.keys())
            .map(|id| (id.clone(), Inbox::new()))
            .collect();
        Ok(Engine {
            opts: cfg.opts.resolve()?,
            cfg,
            model,
            rng: ChaCha8Rng::seed_from_u64(cfg.seed),
            now: 0,
            seq: 0,
            queue: BinaryHeap::new(),
            events: HashMap::new(),
            node_ids,
            node_index,
            hosts,
            services,
            inboxes,
            clients: Vec::new(),
            client_index: HashMap::new(),
            next_client_name: 0,
            history: Vec::new(),
            net: NetStats::default(),
            grudge: Grudge::default(),
            partitioned: false,
            phase: Phase::Main,
            gen_waiting: false,
            final_open: false,
            logs: Vec::new(),
        })
    }

    /// Runs the whole test and returns the history and network statistics.
    pub fn run(mut self) -> anyhow::Result<Outcome> {
        self.setup()?;
        let concurrency = self.opts.clients as usize;
        for thread in 0..concurrency {
            let node = self.node_ids[thread % self.node_ids.len()].clone();
            let name = self.fresh_client_name();
            self.client_index.insert(name.clone(), thread);
            self.clients.push(Client {
                info: ClientInfo {
                    thread,
                    process: thread as u64,
                    node,
                },
                name,
                next_msg_id: 1,
                current: None,
                final_queue: VecDeque::new(),
                final_not_before: 0,
            });
        }
        if self.rate() > 0.0 && !self.clients.is_empty() {
            self.schedule(0, Event::Generate);
        }
        if self.opts.nemesis.is_some() {
            let delay = nemesis::stagger(self.nemesis_interval(), &mut self.rng);
            self.schedule(nanos(Duration::from_secs_f64(delay)), Event::Nemesis);
        }
        while let Some(Reverse((time, seq))) = self.queue.pop() {
            let Some(event) = self.events.remove(&seq) else {
                continue;
            };
            self.now = time;
            self.handle(event);
            if self.phase == Phase::Done {
                break;
            }
            // Transitions can chain (an idle drain goes straight to the quiet period).
            loop {
                let before = self.phase;
                self.advance_phase();
                if self.phase == before {
                    break;
                }
            }
            if self.phase == Phase::Done {
                break;
            }
        }
        Ok(Outcome {
            history: self.history,
            net: self.net,
            logs: self.logs,
            end: Duration::from_nanos(self.now),
        })
    }

    fn rate(&self) -> f64 {
        self.opts.rate
    }

    fn nemesis_interval(&self) -> f64 {
        self.opts.nemesis_interval_secs
    }

    fn time_limit(&self) -> Nanos {
        u64::from(self.opts.time_limit_secs) * 1_000_000_000
    }

    fn fresh_client_name(&mut self) -> String {
        let name = format!("c{}", self.next_client_name);
        self.next_client_name += 1;
        name
    }

    fn schedule(&mut self, at: Nanos, event: Event) {
        let seq = self.seq;
        self.seq += 1;
        self.events.insert(seq, event);
        self.queue.push(Reverse((at, seq)));
    }

    /// Init (and the workload's setup message) to every node from setup clients, answered
    /// before any operation starts, as in Maelstrom's setup phase.
    fn setup(&mut self) -> anyhow::Result<()> {
        let ids = self.node_ids.clone();
        for (i, id) in ids.iter().enumerate() {
            let client = self.fresh_client_name();
            let init = Body::new("init").with("node_id", id).with("node_ids", &ids);
            let mut requests = vec![init];
            requests.extend(self.model.setup(id, &ids));
            for (k, mut body) in requests.into_iter().enumerate() {
                body.msg_id = Some(k as u64 + 1);
                self.net.on_send(&client, id);
                self.net.on_recv(&client, id);
                let out = self.hosts[i].handle(
                    Message::new(client.clone(), id.clone(), body),
                    Duration::ZERO,
                );
                let mut answered = false;
                for msg in out {
                    if msg.dest == client {
                        self.net.on_send(id, &client);
                        self.net.on_recv(id, &client);
                        let reply =
                            msg.body.in_reply_to == Some(k as u64 + 1) && msg.body.kind != "error";
                        if reply && k > 0 {
                            // Maelstrom checks the setup reply's schema and aborts on a mismatch.
                            if let Err(why) = self.model.check_setup_reply(&msg.body) {
                                anyhow::bail!("node {id} answered setup request {k} badly: {why}");
                            }
                        }
                        answered |= reply;
                    } else {
                        self.send(msg);
                    }
                }
                anyhow::ensure!(
                    answered,
                    "node {id} did not answer setup request {k} with a reply"
                );
            }
            self.collect_logs(i);
            if let Some(every) = self.hosts[i].tick_interval() {
                // A random phase per node: real nodes do not start in lockstep.
                let first = nanos(every).max(1);
                let at = self.rng.gen_range(1..=first);
                self.schedule(at, Event::Tick(i));
            }
        }
        Ok(())
    }

    fn handle(&mut self, event: Event) {
        match event {
            Event::Deliver(msg) => self.deliver(msg),
            Event::Poll(dest) => self.poll(dest),
            Event::Wake(msg) => {
                let dest = msg.dest.clone();
                if let Some(inbox) = self.inboxes.get_mut(&dest) {
                    inbox.receiver = Receiver::Idle;
                }
                self.deliver(msg);
                self.repoll(&dest);
            }
            Event::Tick(i) => {
                let out = self.hosts[i].tick(Duration::from_nanos(self.now));
                self.collect_logs(i);
                for msg in out {
                    self.send(msg);
                }
                if let Some(every) = self.hosts[i].tick_interval() {
                    self.schedule(self.now + nanos(every).max(1), Event::Tick(i));
                }
            }
            Event::Generate => self.generate(),
            Event::Nemesis => self.nemesis(),
            Event::Timeout {
                thread,
                process,
                msg_id,
            } => {
                if self.clients[thread].info.process == process {
                    self.timeout(thread, msg_id)
                }
            }
            Event::StartFinal => {
                self.phase = Phase::Final;
                self.final_open = true;
                if let Some(limit) = self.model.final_phase_limit() {
                    self.schedule(self.now + nanos(limit), Event::FinalDeadline);
                }
                for t in 0..self.clients.len() {
                    let info = self.clients[t].info.clone();
                    let ops = self.model.final_ops(&info);
                    self.clients[t].final_queue = ops.into();
                    self.next_final(t);
                }
            }
            Event::FinalDeadline => {
                self.final_open = false;
                for c in &mut self.clients {
                    c.final_queue.clear();
                }
            }
            Event::FinalWake(thread) => self.next_final(thread),
        }
    }

    /// Moves between phases once the clients are idle.
    fn advance_phase(&mut self) {
        let idle = self.clients.iter().all(|c| c.current.is_none());
        match self.phase {
            Phase::Main if self.now >= self.time_limit() => self.phase = Phase::Drain,
            Phase::Drain if idle => {
                if self.model.has_final_phase() {
                    self.heal();
                    self.phase = Phase::Quiet;
                    self.schedule(self.now + nanos(self.cfg.final_quiet), Event::StartFinal);
                } else {
                    self.phase = Phase::Done;
                }
            }
            Phase::Final if idle && self.clients.iter().all(|c| c.final_queue.is_empty()) => {
                self.phase = Phase::Done;
            }
            _ => {}
        }
    }

    fn send(&mut self, msg: Message) {
        self.net.on_send(&msg.src, &msg.dest);
        let client_link = is_client(&msg.src) || is_client(&msg.dest);
        let delay = if client_link {
            0
        } else {
            nanos(sample_latency(
                self.opts.latency_ms,
                self.opts.latency_dist,
                &mut self.rng,
            ))
        };
        let deadline = self.now + delay;
        let seq = self.seq;
        self.seq += 1;
        match self.inboxes.get_mut(&msg.dest) {
            Some(inbox) => {
                let dest = msg.dest.clone();
                inbox.queue.insert((deadline, seq), msg);
                if inbox.receiver == Receiver::Idle {
                    inbox.receiver = Receiver::Polling;
                    self.schedule(self.now, Event::Poll(dest));
                }
            }
            None => self.schedule(deadline, Event::Deliver(msg)),
        }
    }

    /// A receiver takes the earliest-deadline message: dropped if a partition blocks it now,
    /// delivered at once if due, else the receiver sleeps until its deadline.
    fn poll(&mut self, dest: String) {
        let Some(inbox) = self.inboxes.get_mut(&dest) else {
            return;
        };
        inbox.receiver = Receiver::Idle;
        let Some(((deadline, _), msg)) = inbox.queue.pop_first() else {
            return;
        };
        // Partitions cut node-to-node links only, checked when the receiver takes the message.
        if self.partitioned && self.grudge.blocks(&msg.src, &msg.dest) {
            self.repoll(&dest);
        } else if deadline >= self.now + MILLI {
            // Maelstrom sleeps `(long dt)` whole milliseconds, so it wakes up to 1 ms early.
            inbox.receiver = Receiver::Sleeping;
            let wake = self.now + (deadline - self.now) / MILLI * MILLI;
            self.schedule(wake, Event::Wake(msg));
        } else {
            self.deliver(msg);
            self.repoll(&dest);
        }
    }

    /// Schedules the receiver's next take if it is idle and has work.
    fn repoll(&mut self, dest: &str) {
        let Some(inbox) = self.inboxes.get_mut(dest) else {
            return;
        };
        if inbox.receiver == Receiver::Idle && !inbox.queue.is_empty() {
            inbox.receiver = Receiver::Polling;
            self.schedule(self.now, Event::Poll(dest.to_string()));
        }
    }

    fn deliver(&mut self, msg: Message) {
        self.net.on_recv(&msg.src, &msg.dest);
        if let Some(&i) = self.node_index.get(&msg.dest) {
            let out = self.hosts[i].handle(msg, Duration::from_nanos(self.now));
            self.collect_logs(i);
            for reply in out {
                self.send(reply);
            }
        } else if let Some(&thread) = self.client_index.get(&msg.dest) {
            self.client_reply(thread, msg);
        } else if let Some(service) = self.services.get_mut(&msg.dest) {
            if let Some(mut body) = service.handle(&msg, &mut self.rng) {
                body.in_reply_to = msg.body.msg_id;
                let reply = Message::new(msg.dest.clone(), msg.src.clone(), body);
                self.send(reply);
            }
        } else {
            self.logs.push((
                "network".into(),
                format!("dropped message to unknown node {:?}", msg.dest),
            ));
        }
    }

    fn collect_logs(&mut self, i: usize) {
        let lines = self.hosts[i].take_logs();
        if self.cfg.keep_logs {
            let id = &self.node_ids[i];
            self.logs.extend(lines.into_iter().map(|l| (id.clone(), l)));
        }
    }

    fn generate(&mut self) {
        if self.phase != Phase::Main || self.now >= self.time_limit() {
            return;
        }
        let free: Vec<usize> = (0..self.clients.len())
            .filter(|&t| self.clients[t].current.is_none())
            .collect();
        match free.choose(&mut self.rng) {
            None => self.gen_waiting = true,
            Some(&thread) => {
                self.gen_waiting = false;
                let info = self.clients[thread].info.clone();
                self.model.set_time(Duration::from_nanos(self.now));
                if let Some(op) = self.model.generate(&mut self.rng, &info) {
                    self.invoke(thread, op, false);
                }
                // Jepsen's stagger: the next op comes after a uniform delay in [0, 2/rate).
                let dt = self.rng.gen_range(0.0..2.0 / self.rate());
                self.schedule(self.now + (dt * 1e9) as Nanos, Event::Generate);
            }
        }
    }

    fn invoke(&mut self, thread: usize, op: Invocation, is_final: bool) {
        let info = self.clients[thread].info.clone();
        self.record(
            Process::Client(info.process),
            OpType::Invoke,
            &op.f,
            op.value.clone(),
            None,
            is_final,
        );
        self.clients[thread].current = Some((op.clone(), None));
        let step = self.model.begin(&info, &op);
        self.step(thread, step);
    }

    fn step(&mut self, thread: usize, step: Step) {
        match step {
            Step::Request { dest, body } => {
                let client = &mut self.clients[thread];
                let msg_id = client.next_msg_id;
                client.next_msg_id += 1;
                let mut body = body;
                body.msg_id = Some(msg_id);
                let dest = dest.unwrap_or_else(|| client.info.node.clone());
                let msg = Message::new(client.name.clone(), dest, body);
                if let Some((_, pending)) = client.current.as_mut() {
                    *pending = Some(msg_id);
                }
                self.send(msg);
                let timeout = self.now + nanos(self.cfg.client_timeout);
                let process = self.clients[thread].info.process;
                self.schedule(
                    timeout,
                    Event::Timeout {
                        thread,
                        process,
                        msg_id,
                    },
                );
            }
            Step::Complete { kind, value, error } => self.complete(thread, kind, value, error),
        }
    }

    fn client_reply(&mut self, thread: usize, msg: Message) {
        let client = &self.clients[thread];
        let Some((op, Some(pending))) = client.current.clone() else {
            return;
        };
        if msg.dest != client.name || msg.body.in_reply_to != Some(pending) {
            return; // late reply to a timed-out request, or not a reply at all
        }
        let info = client.info.clone();
        let step = self.model.on_reply(&info, &op, &msg.body);
        self.step(thread, step);
    }

    fn timeout(&mut self, thread: usize, msg_id: MsgId) {
        let client = &self.clients[thread];
        let Some((op, Some(pending))) = client.current.clone() else {
            return;
        };
        if pending != msg_id {
            return;
        }
        let kind = if self.model.idempotent(&op.f) {
            OpType::Fail
        } else {
            OpType::Info
        };
        self.complete(
            thread,
            kind,
            op.value.clone(),
            Some(serde_json::json!(["net-timeout"])),
        );
    }

    fn complete(&mut self, thread: usize, kind: OpType, value: Value, error: Option<Value>) {
        let Some((op, _)) = self.clients[thread].current.take() else {
            return;
        };
        let is_final = self.phase == Phase::Final;
        let process = self.clients[thread].info.process;
        self.record(
            Process::Client(process),
            kind,
            &op.f,
            value,
            error,
            is_final,
        );
        if kind == OpType::Info {
            // Jepsen retires a process whose last operation is indeterminate and opens a new
            // client with a fresh process id (and Maelstrom a fresh client node id).
            let concurrency = self.clients.len() as u64;
            let name = self.fresh_client_name();
            let client = &mut self.clients[thread];
            self.client_index.remove(&client.name);
            client.info.process += concurrency;
            client.name = name.clone();
            client.next_msg_id = 1;
            self.client_index.insert(name, thread);
            let info = self.clients[thread].info.clone();
            self.model.on_new_process(&info);
        }
        match self.phase {
            Phase::Final => self.next_final(thread),
            Phase::Main if self.gen_waiting => self.generate(),
            _ => {}
        }
    }

    fn next_final(&mut self, thread: usize) {
        if self.clients[thread].current.is_some() {
            return;
        }
        if self.clients[thread].final_queue.is_empty() && self.final_open {
            let info = self.clients[thread].info.clone();
            self.model.set_time(Duration::from_nanos(self.now));
            if let Some((delay, op)) = self.model.final_next(&mut self.rng, &info) {
                self.clients[thread].final_queue.push_back(op);
                let due = self.now + nanos(delay);
                if due > self.now {
                    self.clients[thread].final_not_before = due;
                    self.schedule(due, Event::FinalWake(thread));
                }
            }
        }
        if self.now < self.clients[thread].final_not_before {
            return;
        }
        if let Some(op) = self.clients[thread].final_queue.pop_front() {
            self.invoke(thread, op, true);
        }
    }

    fn nemesis(&mut self) {
        if self.phase != Phase::Main || self.now >= self.time_limit() {
            return;
        }
        if self.partitioned {
            self.heal();
        } else {
            let (target, grudge) = nemesis::random_grudge(&self.node_ids, &mut self.rng);
            let desc: BTreeMap<String, Vec<String>> = grudge
                .0
                .iter()
                .map(|(k, v)| (k.clone(), v.iter().cloned().collect()))
                .collect();
            let value = serde_json::json!({ "target": target.name(), "grudge": desc });
            self.record_nemesis("start-partition", value);
            self.grudge = grudge;
            self.partitioned = true;
        }
        let delay = nemesis::stagger(self.nemesis_interval(), &mut self.rng);
        self.schedule(
            self.now + nanos(Duration::from_secs_f64(delay)),
            Event::Nemesis,
        );
    }

    /// A nemesis operation: Jepsen logs an invoke and an info completion at the same instant.
    fn record_nemesis(&mut self, f: &str, value: Value) {
        self.record(
            Process::Nemesis,
            OpType::Invoke,
            f,
            Value::Null,
            None,
            false,
        );
        self.record(Process::Nemesis, OpType::Info, f, value, None, false);
    }

    fn heal(&mut self) {
        if !self.partitioned {
            return;
        }
        self.record_nemesis("stop-partition", serde_json::json!("network-healed"));
        self.partitioned = false;
        self.grudge = Grudge::default();
    }

    fn record(
        &mut self,
        process: Process,
        kind: OpType,
        f: &str,
        value: Value,
        error: Option<Value>,
        is_final: bool,
    ) {
        let index = self.history.len();
        self.history.push(Op {
            index,
            time: self.now,
            kind,
            process,
            f: f.to_string(),
            value,
            error,
            is_final,
        });
    }
}
