//! The event loop: the virtual clock, the event queue ordered by (time, sequence), and the
//! phases of a test: the main phase (clients follow Maelstrom's generator: rate, concurrency,
//! the partition nemesis), the drain (waiting for operations in flight), then for workloads
//! with a final phase the heal, 10 s of quiet and the final operations.
//!
//! The parts live elsewhere and tell the engine what to schedule: the network's inboxes and
//! receivers in [`super::network`], the client threads in [`super::clients`], the nodes behind
//! [`NodeSlot`] in [`super::slot`], the services in [`super::services`] and the workload's
//! client and generator behind [`WorkloadModel`]. Setup is in `setup.rs`, the nemesis's
//! faults and each node's life (up, paused, down) in `faults.rs`, what only processes need
//! (the live clock, what they print) in `live/`.

use super::clients::{Clients, Completion, Timeout};
use super::clock::{as_duration, nanos, Nanos, SECOND};
use super::external::{LiveClock, Paced};
use super::journal::Journal;
use super::model::{Draw, Invocation, Step, WorkloadModel};
use super::nemesis;
use super::network::{NetStats, Network, Take, Wakeup};
use super::services::Service;
use super::slot::{NodeSlot, Spawn};
use super::SimConfig;
use crate::challenge::values::Fault;
use crate::challenge::Phase;
use crate::challenge::Resolved;
use crate::history::{Op, OpType, Process};
use crate::protocol::Message;
use queue::EventQueue;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use serde_json::Value;
use std::collections::{BTreeMap, HashMap};
use std::time::Duration;

#[derive(Debug)]
enum Event {
    /// The network's doing: a receiver's next take, or a straight delivery to a client.
    Net(Wakeup),
    /// A receiver wakes from sleeping until `msg`'s deadline and delivers it, if its
    /// recipient's inbox is still in the epoch it was taken in (see `faults.rs`).
    Wake(Message, u64),
    /// A node's timer, in the generation of its tick chain.
    Tick(usize, u64),
    Generate,
    /// A fault's next start or stop.
    Nemesis(Fault),
    Timeout(Timeout),
    StartFinal,
    FinalDeadline,
    /// A client's delayed final operation is due.
    FinalWake(usize),
    /// Processes only: `node` must have answered setup request `step` of its setup `attempt`
    /// (one more after each restart) by now.
    SetupDeadline {
        node: usize,
        step: usize,
        attempt: u32,
    },
}

/// Where the engine stands: the test's phases ([`Phase`]) cut finer, at the points where the
/// engine's own rules change (the drain ends the clients' phase once the nodes are idle; the
/// quiet period opens recovery before the final operations).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Period {
    /// `init` and the workload's setup requests are being answered (in-process nodes answer
    /// at once: their runs leave this phase before the first event).
    Setup,
    Main,
    Drain,
    Quiet,
    Final,
    Done,
}

impl Period {
    /// The test's phase this period belongs to, for whoever watches the run.
    fn phase(self) -> Phase {
        match self {
            Period::Setup => Phase::Setup,
            Period::Main | Period::Drain => Phase::Clients,
            Period::Quiet | Period::Final | Period::Done => Phase::Recovery,
        }
    }
}

/// What a finished simulation hands to the checkers.
pub struct Outcome {
    pub history: Vec<Op>,
    pub net: NetStats,
    pub logs: Vec<(String, String)>,
    /// Time at the end of the run, from the start of the test's main phase.
    pub end: Duration,
    /// What went wrong with external nodes without ending the run (Maelstrom logs these and
    /// goes on): invalid lines on stdout, messages to unknown nodes.
    pub problems: Vec<String>,
    /// Every message carried, when the configuration asked for a journal.
    pub journal: Option<Journal>,
}

pub struct Engine<'a> {
    cfg: &'a SimConfig,
    /// Maelstrom's options with defaults applied.
    opts: Resolved,
    model: &'a mut dyn WorkloadModel,
    rng: ChaCha8Rng,
    /// The faults' schedules, each on its own stream (a function of the seed and the nodes
    /// alone, the same in both engines and however the nodes behave), and the nodes' lives.
    faults: faults::Faults<'a>,
    now: Nanos,
    /// When the main phase began: 0 for in-process nodes, set up at time 0; later for
    /// external nodes, whose setup takes real time. History times count from here.
    start: Nanos,
    queue: EventQueue,
    period: Period,
    /// Every client was busy when an operation was due: the next completion generates it.
    gen_waiting: bool,
    /// The final phase still accepts new operations (until its limit).
    final_open: bool,
    node_ids: Vec<String>,
    node_index: HashMap<String, usize>,
    nodes: Vec<NodeSlot>,
    /// Each node's setup (see `setup.rs`).
    setups: Vec<setup::Setup>,
    services: BTreeMap<String, Box<dyn Service>>,
    network: Network,
    clients: Clients,
    history: Vec<Op>,
    logs: Vec<(String, String)>,
    /// Set when the nodes are external processes, paced by the wall clock.
    live: Option<live::Live>,
    /// An error that ends the run at the next step (a node crashed, setup failed).
    failure: Option<anyhow::Error>,
    /// The record of messages, if one is kept; it only watches.
    journal: Option<Journal>,
}

impl<'a> Engine<'a> {
    /// An engine driving whatever sits in `nodes` (in-process nodes come from
    /// [`super::slot::in_process`]), named `n0`, `n1`, … in order.
    pub fn new(
        cfg: &'a SimConfig,
        model: &'a mut dyn WorkloadModel,
        nodes: Vec<NodeSlot>,
        services: BTreeMap<String, Box<dyn Service>>,
    ) -> anyhow::Result<Engine<'a>> {
        let opts = cfg.opts.resolve()?;
        let node_ids: Vec<String> = (0..nodes.len()).map(|i| format!("n{i}")).collect();
        let node_index = node_ids
            .iter()
            .enumerate()
            .map(|(i, id)| (id.clone(), i))
            .collect();
        let receivers = node_ids.iter().chain(services.keys()).cloned();
        let mut network = Network::new(receivers, opts.latency_ms, opts.latency_dist);
        network.use_packet_stream(nemesis::schedule::packet_stream(cfg.seed));
        if let Some(timing) = cfg.timing {
            network.use_timing(timing);
        }
        let faults = faults::Faults::new(cfg.seed, &opts.faults, nodes.len());
        Ok(Engine {
            cfg,
            opts,
            model,
            rng: ChaCha8Rng::seed_from_u64(cfg.seed),
            faults,
            now: 0,
            start: 0,
            queue: EventQueue::default(),
            period: Period::Setup,
            gen_waiting: false,
            final_open: false,
            node_ids,
            node_index,
            nodes,
            setups: Vec::new(),
            services,
            network,
            clients: Clients::new(cfg.client_timeout),
            history: Vec::new(),
            logs: Vec::new(),
            live: None,
            failure: None,
            journal: cfg.journal.map(Journal::new),
        })
    }

    /// Lets the nemesis kill nodes: `spawn` builds one afresh when it is started again.
    pub fn with_spawn(mut self, spawn: Spawn<'a>) -> Self {
        self.faults.spawn = Some(spawn);
        self
    }

    /// Paces the run by `clock` instead of the event queue alone, for nodes that are external
    /// processes (see [`super::external`]): setup then happens over the network, and what the
    /// nodes print arrives on the clock. Real runs use the wall clock.
    pub fn on_live_clock(mut self, clock: Box<dyn LiveClock>) -> Self {
        self.live = Some(live::Live::new(clock, self.nodes.len()));
        // Real processes pay their own pipes and processing: only Maelstrom's costs are added.
        self.network
            .use_timing(super::network::timing::Timing::external());
        self
    }

    /// Runs the whole test and returns the history and network statistics.
    pub fn run(mut self) -> anyhow::Result<Outcome> {
        anyhow::ensure!(
            !self.opts.faults.contains(&Fault::Kill) || self.faults.spawn.is_some(),
            "--nemesis kill needs nodes that can be started again, and these cannot"
        );
        anyhow::ensure!(
            self.live.is_some()
                || !self
                    .nodes
                    .iter()
                    .any(|n| matches!(n, NodeSlot::External(_))),
            "nodes that are processes need a live clock to be heard on"
        );
        self.begin_setup();
        loop {
            if let Some(err) = self.failure.take() {
                return Err(err);
            }
            self.poll_deaf_exits();
            if let Some(live) = self.live.as_mut() {
                let paced = live
                    .clock
                    .wait(self.queue.next_due(), self.period.phase())?;
                if let Paced::Heard { at, node, said } = paced {
                    self.now = self.now.max(at);
                    self.heard(node, *said);
                    if self.settle() {
                        break;
                    }
                    continue;
                }
            }
            let Some((time, event)) = self.queue.pop() else {
                break;
            };
            self.now = self.now.max(time);
            self.note_lag(time);
            self.handle(event);
            if self.period == Period::Done || self.settle() {
                break;
            }
        }
        if let Some(err) = self.failure.take() {
            return Err(err);
        }
        let mut problems = self.faults.notes();
        problems.extend(self.live.map(live::Live::into_problems).unwrap_or_default());
        Ok(Outcome {
            history: self.history,
            net: self.network.stats(),
            logs: self.logs,
            end: as_duration(self.now.saturating_sub(self.start)),
            problems,
            journal: self.journal,
        })
    }

    /// Moves through every phase transition now due (they chain: an idle drain goes straight
    /// to the quiet period); true once the test is done.
    fn settle(&mut self) -> bool {
        loop {
            let before = self.period;
            self.advance_phase();
            if self.period == before {
                break;
            }
        }
        self.period == Period::Done
    }

    /// The test proper begins: client threads open, operations and the nemesis start.
    fn begin_main(&mut self) {
        self.period = Period::Main;
        self.start = self.now;
        if let Some(journal) = &mut self.journal {
            journal.set_start(self.start);
        }
        self.clients
            .open(self.opts.clients as usize, &self.node_ids);
        if self.opts.rate > 0.0 && !self.clients.is_empty() {
            self.schedule(self.now, Event::Generate);
        }
        // Jepsen's stagger issues each fault's first operation at once and staggers the ones
        // after it, so the first partition starts as the test does.
        self.begin_faults();
    }

    fn time_limit(&self) -> Nanos {
        self.start + u64::from(self.opts.time_limit_secs) * SECOND
    }

    fn schedule(&mut self, at: Nanos, event: Event) {
        self.queue.push(at, event);
    }

    fn handle(&mut self, event: Event) {
        match event {
            Event::Net(Wakeup::Deliver(msg)) => self.deliver(msg),
            Event::Net(Wakeup::Poll(dest)) => self.take(&dest),
            Event::Wake(msg, epoch) => {
                let dest = msg.dest.clone();
                self.network.wake(&dest);
                self.deliver_in(msg, epoch);
                self.next_poll(&dest);
            }
            Event::Tick(i, chain) => self.tick(i, chain),
            Event::Generate => self.generate(),
            Event::Nemesis(fault) => self.nemesis(fault),
            Event::Timeout(timeout) => {
                let model = &*self.model;
                if let Some(done) = self.clients.expire(timeout, |f| model.idempotent(f)) {
                    self.complete(timeout.thread, done);
                }
            }
            Event::StartFinal => self.start_final(),
            Event::FinalDeadline => {
                self.final_open = false;
                self.clients.clear_final_ops();
            }
            Event::FinalWake(thread) => self.next_final(thread),
            Event::SetupDeadline {
                node,
                step,
                attempt,
            } => self.setup_deadline(node, step, attempt),
        }
    }

    /// Moves between phases once the clients are idle.
    fn advance_phase(&mut self) {
        let idle = self.clients.all_idle();
        match self.period {
            Period::Main if self.now >= self.time_limit() => self.period = Period::Drain,
            Period::Drain if idle => {
                if self.cfg.workload.has_final_phase() {
                    self.end_faults();
                    self.period = Period::Quiet;
                    self.schedule(self.now + nanos(self.cfg.final_quiet), Event::StartFinal);
                } else {
                    self.period = Period::Done;
                }
            }
            Period::Final if idle && self.clients.all_final_ops_done() => {
                self.period = Period::Done;
            }
            _ => {}
        }
    }

    fn send(&mut self, msg: Message) {
        if let Some(journal) = &mut self.journal {
            journal.sent(self.network.next_id(), self.now, &msg);
        }
        if let Some((at, wakeup)) = self.network.send(self.now, msg, &mut self.rng) {
            self.schedule(at, Event::Net(wakeup));
        }
    }

    /// `dest`'s receiver takes its next message (see [`Take`]).
    fn take(&mut self, dest: &str) {
        match self.network.take(self.now, dest) {
            Take::Empty => {}
            Take::Drop(msg) => {
                if let Some(journal) = &mut self.journal {
                    journal.dropped(msg.id, self.now, "partition");
                }
                self.next_poll(dest)
            }
            Take::Deliver(msg) => {
                self.deliver(msg);
                self.next_poll(dest);
            }
            Take::SleepUntil(at, msg) => {
                let epoch = self.epoch_of(dest);
                self.schedule(at, Event::Wake(msg, epoch));
            }
        }
    }

    fn next_poll(&mut self, dest: &str) {
        if let Some((at, wakeup)) = self.network.next_poll(self.now, dest) {
            self.schedule(at, Event::Net(wakeup));
        }
    }

    fn deliver(&mut self, msg: Message) {
        let epoch = self.epoch_of(&msg.dest);
        self.deliver_in(msg, epoch);
    }

    /// Delivers `msg`, taken from its recipient's inbox in `epoch`.
    fn deliver_in(&mut self, mut msg: Message, epoch: u64) {
        if let Some(journal) = &mut self.journal {
            journal.delivered(msg.id, self.now);
        }
        if let Some(&i) = self.node_index.get(&msg.dest) {
            self.arrive(i, msg, epoch);
            return;
        }
        self.network.received(&msg);
        if let Some(thread) = self.clients.thread_named(&msg.dest) {
            if let Some((info, op)) = self.clients.accept_reply(thread, &msg) {
                let step = self.model.on_reply(&info, &op, &msg.body);
                self.step(thread, step);
            }
        } else if let Some(service) = self.services.get_mut(&msg.dest) {
            if let Some(mut body) = service.handle(&msg, &mut self.rng) {
                body.in_reply_to = msg.body.msg_id;
                let mut reply = Message::new(msg.dest.clone(), msg.src.clone(), body);
                // The reply stays on the requester's budget until it is read.
                reply.held = std::mem::take(&mut msg.held);
                self.send(reply);
            }
        } else if !self.setup_reply(&msg) {
            self.logs.push((
                "network".into(),
                format!("dropped message to unknown node {:?}", msg.dest),
            ));
        }
    }

    /// What in-process node `i` logged, kept if the run keeps logs. (A process's stderr goes
    /// to its own log file.)
    fn collect_logs(&mut self, i: usize) {
        let Some(node) = self.nodes[i].as_in_process() else {
            return;
        };
        let lines = node.take_logs();
        if self.cfg.keep_logs {
            let id = &self.node_ids[i];
            self.logs.extend(lines.into_iter().map(|l| (id.clone(), l)));
        }
    }
}

mod client_ops;
mod faults;

mod live;
mod queue;
mod setup;

#[cfg(test)]
mod tests;
