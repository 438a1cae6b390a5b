//! The engine's part that injects faults and keeps each node's life: up, paused or down.
//!
//! Every fault in `--nemesis` runs its own flip-flop ([`crate::sim::nemesis::schedule`]):
//! - `partition` as Maelstrom does (the schedule a partition-only run has always had);
//! - `partition-oneway`: one side of a clean split stops hearing the other;
//! - `loss`, `duplicate`, `delay`: the network loses, repeats or delays node-to-node messages
//!   ([`crate::sim::network`]) while the fault is on;
//! - `kill` (`:kill`, then `:start` of every node): the node's state is gone; what is sent to
//!   it while down is never delivered, its timers stop, and at `:start` a fresh node (built by
//!   the engine's [`Spawn`]) gets `init` again and a fresh inbox;
//! - `pause` (`:pause`, then `:resume` of every node): the node keeps its state but takes no
//!   message and no tick until resumed; then everything that reached it is handed over in
//!   arrival order and its timer fires.
//!
//! With external processes, a kill is the process group's SIGKILL and a pause its SIGSTOP
//! (see [`External::pause`]); what reaches a paused process waits in its pipe.
//!
//! Workloads with a final phase end every fault before it, as Jepsen's final generators do
//! (partitions healed, paused nodes resumed, killed nodes started).

use super::{Engine, Event};
use crate::challenge::values::Fault;
use crate::protocol::Message;
use crate::sim::clock::{as_duration, nanos};
use crate::sim::nemesis::schedule::{self, Schedule};
use crate::sim::nemesis::{self, targets};
#[cfg(doc)]
use crate::sim::slot::External;
use crate::sim::slot::{NodeSlot, Spawn};
use serde_json::{json, Map, Value};
use std::collections::BTreeMap;
use std::time::Duration;

/// Where a node is in its life.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum State {
    Up,
    Paused,
    Down,
}

/// One node's life under the nemesis.
pub(super) struct Life {
    pub(super) state: State,
    /// Bumped at every restart: a message its receiver took for an earlier process is never
    /// handed to a later one.
    pub(super) epoch: u64,
    /// The generation of the node's tick chain, bumped whenever it stops (kill, pause), so
    /// that ticks of a stopped chain fall through.
    pub(super) ticks: u64,
    /// How many times the node was started after a kill.
    pub(super) restarts: u32,
    /// Messages that reached a paused in-process node, for its resume.
    held: Vec<Message>,
}

/// The nemesis's state: one schedule per fault, and every node's life.
pub(super) struct Faults<'a> {
    schedules: BTreeMap<Fault, Schedule>,
    pub(super) lives: Vec<Life>,
    /// Builds a node afresh after a kill.
    pub(super) spawn: Option<Spawn<'a>>,
    /// Client requests that reached a node while it was down: never answered.
    lost_requests: u64,
}

impl<'a> Faults<'a> {
    pub(super) fn new(seed: u64, faults: &[Fault], nodes: usize) -> Faults<'a> {
        Faults {
            schedules: faults
                .iter()
                .map(|f| (*f, Schedule::new(seed, *f)))
                .collect(),
            lives: (0..nodes)
                .map(|_| Life {
                    state: State::Up,
                    epoch: 0,
                    ticks: 0,
                    restarts: 0,
                    held: Vec::new(),
                })
                .collect(),
            spawn: None,
            lost_requests: 0,
        }
    }

    /// What the run's notes say about the faults: why availability fell, when it fell for
    /// nodes that were down.
    pub(super) fn notes(&self) -> Vec<String> {
        if self.lost_requests == 0 {
            return Vec::new();
        }
        vec![format!(
            "{} client request(s) reached a node while it was down after a kill and were never \
             answered: no node can answer while it is down",
            self.lost_requests
        )]
    }
}

impl Engine<'_> {
    /// Each fault's first operation comes at once (Jepsen's stagger), in `--nemesis` order.
    pub(super) fn begin_faults(&mut self) {
        let faults: Vec<Fault> = self.faults.schedules.keys().copied().collect();
        for fault in faults {
            self.schedule(self.now, Event::Nemesis(fault));
        }
    }

    /// `fault`'s next operation: its start or its stop, then the next one's time.
    pub(super) fn nemesis(&mut self, fault: Fault) {
        if self.period != super::Period::Main || self.now >= self.time_limit() {
            return;
        }
        if fault == Fault::Partition {
            self.flip_partition();
        } else {
            let on = self.faults.schedules.get(&fault).is_some_and(|s| s.on);
            if on {
                self.stop_fault(fault);
            } else {
                self.start_fault(fault);
            }
        }
        let interval = self.opts.nemesis_interval_secs;
        let Some(schedule) = self.faults.schedules.get_mut(&fault) else {
            return;
        };
        let delay = schedule.next_delay(interval);
        self.schedule(
            self.now + nanos(Duration::from_secs_f64(delay)),
            Event::Nemesis(fault),
        );
    }

    /// Maelstrom's partition, exactly as a partition-only run has always drawn it.
    fn flip_partition(&mut self) {
        if self.network.is_partitioned() {
            self.heal();
            return;
        }
        let Some(schedule) = self.faults.schedules.get_mut(&Fault::Partition) else {
            return;
        };
        let (target, grudge) = nemesis::random_grudge(&self.node_ids, &mut schedule.rng);
        let value = json!({ "target": target.name(), "grudge": grudge_json(&grudge) });
        self.record_nemesis("start-partition", Value::Null, value);
        self.network.partition(grudge);
    }

    fn start_fault(&mut self, fault: Fault) {
        let ids = self.node_ids.clone();
        let (name, _) = schedule::op_names(fault);
        let Some(schedule) = self.faults.schedules.get_mut(&fault) else {
            return;
        };
        schedule.on = true;
        match fault {
            Fault::Partition => {}
            Fault::PartitionOneway => {
                let (target, grudge) = targets::oneway_grudge(&ids, &mut schedule.rng);
                let value = json!({ "target": target.name(), "grudge": grudge_json(&grudge) });
                self.record_nemesis(name, Value::Null, value);
                self.network.partition_oneway(grudge);
            }
            Fault::Kill | Fault::Pause => {
                let (spec, nodes) = targets::pick_nodes(&ids, &mut schedule.rng);
                let spec = spec.name().map_or(Value::Null, Value::from);
                let mut done = Map::new();
                let mut hit = Vec::new();
                for node in nodes {
                    let Some(i) = self.index_of(&node) else {
                        continue;
                    };
                    let state = self.faults.lives[i].state;
                    // A down node is neither killed again nor paused.
                    let what = match (state, fault) {
                        (State::Down, _) => "down",
                        (_, Fault::Kill) => "killed",
                        _ => "paused",
                    };
                    if state != State::Down {
                        hit.push(i);
                    }
                    done.insert(node, Value::from(what));
                }
                self.record_nemesis(name, spec, Value::Object(done));
                for i in hit {
                    if fault == Fault::Kill {
                        self.kill(i);
                    } else {
                        self.pause(i);
                    }
                }
            }
            Fault::Loss => {
                let loss = self.opts.nemesis_loss;
                self.record_nemesis(name, Value::Null, json!({ "loss": loss }));
                self.network.set_loss(loss);
            }
            Fault::Duplicate => {
                let dup = self.opts.nemesis_duplicate;
                self.record_nemesis(name, Value::Null, json!({ "duplicate": dup }));
                self.network.set_duplicate(dup);
            }
            Fault::Delay => {
                let ms = self.opts.nemesis_delay_ms;
                self.record_nemesis(name, Value::Null, json!({ "delay-ms": ms }));
                self.network.set_delay(ms);
            }
        }
    }

    fn stop_fault(&mut self, fault: Fault) {
        let (_, name) = schedule::op_names(fault);
        let Some(schedule) = self.faults.schedules.get_mut(&fault) else {
            return;
        };
        schedule.on = false;
        let healed = || json!("network-healed");
        match fault {
            Fault::Partition => {}
            Fault::PartitionOneway => {
                self.record_nemesis(name, Value::Null, healed());
                self.network.heal_oneway();
            }
            Fault::Loss => {
                self.record_nemesis(name, Value::Null, healed());
                self.network.set_loss(0.0);
            }
            Fault::Duplicate => {
                self.record_nemesis(name, Value::Null, healed());
                self.network.set_duplicate(0.0);
            }
            Fault::Delay => {
                self.record_nemesis(name, Value::Null, healed());
                self.network.set_delay(0);
            }
            Fault::Pause => {
                let paused: Vec<usize> = self.nodes_in(State::Paused);
                let names: Vec<String> = paused.iter().map(|&i| self.node_ids[i].clone()).collect();
                self.record_nemesis(name, json!("all"), node_map(&names, "resumed"));
                for i in paused {
                    self.resume(i);
                }
            }
            Fault::Kill => {
                let down: Vec<usize> = self.nodes_in(State::Down);
                let names: Vec<String> = down.iter().map(|&i| self.node_ids[i].clone()).collect();
                self.record_nemesis(name, json!("all"), node_map(&names, "started"));
                for i in down {
                    self.restart(i);
                }
            }
        }
    }

    /// Before the final phase: every fault ends, in the order Jepsen's final generators run
    /// (the partition healed first, as it always was; then the other network faults; then
    /// paused nodes resumed and killed ones started).
    pub(super) fn end_faults(&mut self) {
        self.heal();
        let order = [
            Fault::PartitionOneway,
            Fault::Loss,
            Fault::Duplicate,
            Fault::Delay,
            Fault::Pause,
            Fault::Kill,
        ];
        for fault in order {
            if self.faults.schedules.get(&fault).is_some_and(|s| s.on) {
                self.stop_fault(fault);
            }
        }
    }

    fn index_of(&self, id: &str) -> Option<usize> {
        self.node_index.get(id).copied()
    }

    fn nodes_in(&self, state: State) -> Vec<usize> {
        (0..self.faults.lives.len())
            .filter(|&i| self.faults.lives[i].state == state)
            .collect()
    }

    /// The node's process ends: its state goes with it, and nothing reaches it until it is
    /// started again.
    fn kill(&mut self, i: usize) {
        let life = &mut self.faults.lives[i];
        if life.state == State::Down {
            return;
        }
        life.state = State::Down;
        life.ticks += 1;
        life.held.clear();
        self.collect_logs(i);
        if let Some(process) = self.nodes[i].as_external() {
            process.kill();
        }
        // Dropping an external node also stops everything it started.
        self.nodes[i] = NodeSlot::Down;
    }

    /// A killed node starts afresh, with a fresh inbox, and is initialised again.
    fn restart(&mut self, i: usize) {
        let life = &mut self.faults.lives[i];
        if life.state != State::Down {
            return;
        }
        life.restarts += 1;
        life.epoch += 1;
        life.ticks += 1;
        let start = life.restarts;
        let id = self.node_ids[i].clone();
        self.network.clear_inbox(&id);
        let Some(spawn) = self.faults.spawn.as_mut() else {
            self.failure = Some(anyhow::anyhow!(
                "node {id} was killed, and this engine cannot start it again"
            ));
            return;
        };
        match spawn(i, start) {
            Ok(slot) => self.nodes[i] = slot,
            Err(err) => {
                self.failure = Some(err.context(format!("starting node {id} again")));
                return;
            }
        }
        self.faults.lives[i].state = State::Up;
        if let Some(live) = self.live.as_mut() {
            live.hear_again(i);
        }
        self.restart_setup(i);
    }

    /// The node stops: it keeps its state but handles nothing until resumed.
    fn pause(&mut self, i: usize) {
        let life = &mut self.faults.lives[i];
        if life.state != State::Up {
            return;
        }
        life.state = State::Paused;
        life.ticks += 1;
        // An in-process node is held by the engine instead (see `arrive`).
        if let Some(process) = self.nodes[i].as_external() {
            process.pause();
        }
    }

    /// A paused node goes on: what reached it meanwhile is handed over, then its timer fires.
    fn resume(&mut self, i: usize) {
        let life = &mut self.faults.lives[i];
        if life.state != State::Paused {
            return;
        }
        life.state = State::Up;
        let held = std::mem::take(&mut life.held);
        if let Some(process) = self.nodes[i].as_external() {
            process.resume();
        }
        for msg in held {
            self.hand_over(i, msg);
        }
        self.start_ticks(i, self.now);
    }

    /// Starts node `i`'s tick chain afresh, its first tick at `at`.
    pub(super) fn start_ticks(&mut self, i: usize, at: crate::sim::clock::Nanos) {
        if self.nodes[i].tick_interval().is_some() {
            let chain = self.faults.lives[i].ticks;
            self.schedule(at, Event::Tick(i, chain));
        }
    }

    /// Node `i`'s timer fires, if its chain is still the current one.
    pub(super) fn tick(&mut self, i: usize, chain: u64) {
        let life = &self.faults.lives[i];
        if life.ticks != chain || life.state != State::Up {
            return;
        }
        let now = as_duration(self.now);
        let Some(node) = self.nodes[i].as_in_process() else {
            return;
        };
        let out = node.tick(now);
        self.collect_logs(i);
        for msg in out {
            self.send(msg);
        }
        if let Some(every) = self.nodes[i].tick_interval() {
            self.schedule(self.now + nanos(every).max(1), Event::Tick(i, chain));
        }
    }

    /// The current epoch of `dest`'s inbox (0 for services and clients, which never restart).
    pub(super) fn epoch_of(&self, dest: &str) -> u64 {
        self.index_of(dest)
            .map_or(0, |i| self.faults.lives[i].epoch)
    }

    /// `msg` reaches node `i`, whose inbox was in `epoch` when its receiver took it: a down
    /// node, or a later process than the one it was on its way to, never gets it; a paused
    /// in-process node gets it when resumed.
    pub(super) fn arrive(&mut self, i: usize, msg: Message, epoch: u64) {
        let life = &mut self.faults.lives[i];
        if life.state == State::Down || life.epoch != epoch {
            if crate::sim::network::is_client(&msg.src) {
                self.faults.lost_requests += 1;
            }
            return;
        }
        self.network.received(&msg);
        let in_process = matches!(self.nodes[i], NodeSlot::InProcess(_));
        if life.state == State::Paused && in_process {
            life.held.push(msg);
            return;
        }
        self.hand_over(i, msg);
    }

    /// Node `i` gets `msg`: an in-process node answers at once, a process is written to (and
    /// is heard on the live clock).
    fn hand_over(&mut self, i: usize, msg: Message) {
        let now = as_duration(self.now);
        match &mut self.nodes[i] {
            NodeSlot::InProcess(node) => {
                let out = node.handle(msg, now);
                self.collect_logs(i);
                for reply in out {
                    self.send(reply);
                }
            }
            NodeSlot::External(process) => process.deliver(msg),
            NodeSlot::Down => {}
        }
    }
}

/// A grudge as the history records it: each node with the nodes it ignores.
fn grudge_json(grudge: &crate::sim::network::Grudge) -> Value {
    let desc: BTreeMap<&String, Vec<&String>> = grudge
        .0
        .iter()
        .map(|(k, v)| (k, v.iter().collect()))
        .collect();
    json!(desc)
}

/// `{node: what}` for each node, as Jepsen's db nemesis records what it did on each.
fn node_map(nodes: &[String], what: &str) -> Value {
    let map: Map<String, Value> = nodes
        .iter()
        .map(|n| (n.clone(), Value::from(what)))
        .collect();
    Value::Object(map)
}
