//! Where a simulated node lives. The engine drives every node through its [`NodeSlot`]: our own
//! code running in-process ([`InProcess`], a [`Host`] around a [`Node`]), an external program
//! spoken to over JSON lines ([`External`], [`super::external::ExternalNode`]), or nothing while
//! a killed node is down, until a [`Spawn`] builds it afresh.
//!
//! The two kinds differ in what the engine can ask of them, so each has a trait of its own: an
//! in-process node answers at once and keeps its timers and logs with the engine; a process
//! answers whenever it prints (its output arrives on the live clock), and can be signalled and
//! can exit.

use crate::node::{Host, Node};
use crate::protocol::Message;
use std::time::Duration;

/// A node run in-process: messages in, messages out, at virtual times it is told.
pub trait InProcess {
    /// Delivers `msg` at virtual time `now`; returns what the node sends in response.
    fn handle(&mut self, msg: Message, now: Duration) -> Vec<Message>;

    /// The node's periodic timer fires at `now`; returns what it sends.
    fn tick(&mut self, now: Duration) -> Vec<Message>;

    /// How often the node wants [`InProcess::tick`]; `None` for never. Read after init and
    /// after each tick, since a node learns its timers from its configuration.
    fn tick_interval(&self) -> Option<Duration>;

    /// Log lines the node wrote since the last call (its stderr, under Maelstrom).
    fn take_logs(&mut self) -> Vec<String>;
}

/// A node run as a process of its own: what it is sent is written to it, and what it prints
/// reaches the engine on the live clock (see [`super::external`]).
pub trait External {
    /// Writes `msg` to the node's stdin.
    fn deliver(&mut self, msg: Message);

    /// The nemesis pauses the node (SIGSTOP to its group).
    fn pause(&mut self);

    /// The nemesis resumes a paused node (SIGCONT).
    fn resume(&mut self);

    /// The nemesis kills the node (SIGKILL to its group), just before its slot is emptied
    /// (which stops everything it started).
    fn kill(&mut self);

    /// Whether the node's process has exited, asked without waiting (for a node whose output
    /// is no longer read, so its end cannot be heard).
    fn exited(&mut self) -> bool;

    /// Once the node's output has ended: if it exited, how (status and last lines), for the
    /// error that ends the run.
    fn ended(&mut self) -> Option<String>;
}

/// One node as the engine holds it.
pub enum NodeSlot {
    InProcess(Box<dyn InProcess>),
    External(Box<dyn External>),
    /// A killed node, until it is started again: what reaches it is lost, and it sends
    /// nothing.
    Down,
}

impl NodeSlot {
    /// The in-process node in the slot, if that is what it holds.
    pub fn as_in_process(&mut self) -> Option<&mut dyn InProcess> {
        match self {
            NodeSlot::InProcess(node) => Some(node.as_mut()),
            _ => None,
        }
    }

    /// The process in the slot, if that is what it holds.
    pub fn as_external(&mut self) -> Option<&mut dyn External> {
        match self {
            NodeSlot::External(node) => Some(node.as_mut()),
            _ => None,
        }
    }

    /// How often the engine must tick the slot's node: only an in-process node has timers the
    /// engine keeps (a process keeps its own).
    pub fn tick_interval(&self) -> Option<Duration> {
        match self {
            NodeSlot::InProcess(node) => node.tick_interval(),
            _ => None,
        }
    }
}

impl InProcess for Host {
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
pub type Spawn<'a> = Box<dyn FnMut(usize, u32) -> anyhow::Result<NodeSlot> + 'a>;

/// The seed of node `index`'s [`Host`] in its `start`-th start: distinct per node and per
/// start (a restarted node draws afresh, as a new process would), fixed per run, so a run
/// replays exactly. A first start keeps the seed runs have always had.
fn host_seed(seed: u64, index: usize, start: u32) -> u64 {
    let first = seed.wrapping_mul(1_000_003).wrapping_add(index as u64);
    first ^ u64::from(start).wrapping_mul(0x9E37_79B9_7F4A_7C15)
}

/// Our own nodes, each in-process behind a [`Host`] seeded from the run's seed and its index
/// (distinct per node, fixed per run, so a run replays exactly).
pub fn in_process(nodes: Vec<Box<dyn Node>>, seed: u64) -> Vec<NodeSlot> {
    nodes
        .into_iter()
        .enumerate()
        .map(|(i, node)| NodeSlot::InProcess(Box::new(Host::new(node, host_seed(seed, i, 0)))))
        .collect()
}

/// Builds in-process nodes with `make_node` (given the node's index), for every start.
pub fn in_process_spawn<'a>(
    make_node: &'a mut dyn FnMut(usize) -> anyhow::Result<Box<dyn Node>>,
    seed: u64,
) -> Spawn<'a> {
    Box::new(move |index, start| {
        let node = make_node(index)?;
        let host = Host::new(node, host_seed(seed, index, start));
        Ok(NodeSlot::InProcess(Box::new(host)))
    })
}
