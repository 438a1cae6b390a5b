//! Where a simulated node lives. The engine drives every node through [`NodeSlot`], so a node
//! can be our own code running in-process ([`Host`] around a [`Node`]) or an external program
//! spoken to over JSON lines ([`super::external::ExternalNode`]), without the engine knowing
//! which. A killed node sits in a [`Down`] slot until a [`Spawn`] builds it afresh.

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

    /// The nemesis pauses the node (an external process gets SIGSTOP); an in-process node is
    /// held by the engine instead.
    fn pause(&mut self) {}

    /// The nemesis resumes a paused node (SIGCONT).
    fn resume(&mut self) {}

    /// The nemesis kills the node (SIGKILL to an external process's group), just before its
    /// slot is dropped (which stops everything it started).
    fn kill(&mut self) {}

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

/// Builds node `index`'s slot for its `start`-th start (0: the first; more after kills): a
/// fresh node that knows nothing of its earlier lives and waits for `init`.
pub type Spawn<'a> = Box<dyn FnMut(usize, u32) -> anyhow::Result<Box<dyn NodeSlot>> + 'a>;

/// A killed node, until it is started again: what reaches it is lost, and it sends nothing.
pub struct Down;

impl NodeSlot for Down {
    fn handle(&mut self, _msg: Message, _now: Duration) -> Vec<Message> {
        Vec::new()
    }

    fn tick(&mut self, _now: Duration) -> Vec<Message> {
        Vec::new()
    }

    fn tick_interval(&self) -> Option<Duration> {
        None
    }

    fn take_logs(&mut self) -> Vec<String> {
        Vec::new()
    }
}

/// The seed of node `index`'s [`Host`] in its `start`-th start: distinct per node and per
/// start (a restarted node draws afresh, as a new process would), fixed per run, so a run
/// replays exactly. A first start keeps the seed runs have always had.
fn host_seed(seed: u64, index: usize, start: u32) -> u64 {
    let first = seed.wrapping_mul(1_000_003).wrapping_add(index as u64);
    first ^ u64::from(start).wrapping_mul(0x9E37_79B9_7F4A_7C15)
}

/// Our own nodes, each in-process behind a [`Host`] seeded from the run's seed and its index
/// (distinct per node, fixed per run, so a run replays exactly).
pub fn in_process(nodes: Vec<Box<dyn Node>>, seed: u64) -> Vec<Box<dyn NodeSlot>> {
    nodes
        .into_iter()
        .enumerate()
        .map(|(i, node)| Box::new(Host::new(node, host_seed(seed, i, 0))) as Box<dyn NodeSlot>)
        .collect()
}

/// Builds in-process nodes with `make_node` (given the node's index), for every start.
pub fn in_process_spawn<'a>(
    make_node: &'a mut dyn FnMut(usize) -> anyhow::Result<Box<dyn Node>>,
    seed: u64,
) -> Spawn<'a> {
    Box::new(move |index, start| {
        let node = make_node(index)?;
        Ok(Box::new(Host::new(node, host_seed(seed, index, start))) as Box<dyn NodeSlot>)
    })
}
