//! Where a simulated node lives. The engine drives every node through [`NodeSlot`], so a node
//! can be our own code running in-process ([`Host`] around a [`Node`]) or an external program
//! spoken to over JSON lines ([`super::external::ExternalNode`]), without the engine knowing
//! which.

use crate::node::{Host, Node};
use crate::protocol::Message;
use std::time::Duration;

/// One node as the engine sees it: messages in, messages out, at virtual times it is told.
pub trait NodeSlot {
    /// Delivers `msg` at virtual time `now`; returns what the node sends in response.
    fn handle(&mut self, msg: Message, now: Duration) -> Vec<Message>;

    /// The node's periodic timer fires at `now`; returns what it sends.
    fn tick(&mut self, now: Duration) -> Vec<Message>;

    /// How often the node wants [`NodeSlot::tick`]; `None` for never. Read after init and
    /// after each tick, since a node learns its timers from its configuration.
    fn tick_interval(&self) -> Option<Duration>;

    /// Log lines the node wrote since the last call (its stderr, under Maelstrom).
    fn take_logs(&mut self) -> Vec<String>;

    /// Whether the node's process has exited, asked without waiting (for a node whose output
    /// is no longer read, so its end cannot be heard). An in-process node never exits.
    fn exited(&mut self) -> bool {
        false
    }

    /// Once the node's output has ended: if it exited, how (status and last lines), for the
    /// error that ends the run. An in-process node never exits.
    fn ended(&mut self) -> Option<String> {
        None
    }
}

impl NodeSlot for Host {
    fn handle(&mut self, msg: Message, now: Duration) -> Vec<Message> {
        Host::handle(self, msg, now)
    }

    fn tick(&mut self, now: Duration) -> Vec<Message> {
        Host::tick(self, now)
    }

    fn tick_interval(&self) -> Option<Duration> {
        Host::tick_interval(self)
    }

    fn take_logs(&mut self) -> Vec<String> {
        Host::take_logs(self)
    }
}

/// Our own nodes, each in-process behind a [`Host`] seeded from the run's seed and its index
/// (distinct per node, fixed per run, so a run replays exactly).
pub fn in_process(nodes: Vec<Box<dyn Node>>, seed: u64) -> Vec<Box<dyn NodeSlot>> {
    nodes
        .into_iter()
        .enumerate()
        .map(|(i, node)| {
            let host_seed = seed.wrapping_mul(1_000_003).wrapping_add(i as u64);
            Box::new(Host::new(node, host_seed)) as Box<dyn NodeSlot>
        })
        .collect()
}
