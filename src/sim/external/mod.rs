//! Nodes as external programs, driven in real time: anyone's node binary, under the same
//! network, nemesis, services, clients and checkers as the virtual-time engine.
//!
//! A foreign process keeps its own time, so this mode runs on the wall clock: the engine sleeps
//! until each scheduled event is due and takes what the nodes print as it arrives. The seed
//! still fixes the network's and the clients' choices (latencies, partitions, operations), but
//! not the node's own timing, so two runs with one seed can differ as two Maelstrom runs do.
//!
//! What follows Maelstrom's source (`maelstrom.process`, `maelstrom.db`, `maelstrom.net`): each
//! node runs in the system's temporary folder; `init` must be answered with `init_ok` within
//! 10 s; a stdout line that is not a valid message is reported in Maelstrom's words and, as
//! in Maelstrom, nothing that node prints afterwards is read; a node that exits ends the run with
//! its exit status and the last lines it wrote; stderr is kept as `node-logs/<id>.log`.

pub mod process;
pub mod wall_clock;
pub mod wire;

pub use process::{ExternalNode, Heard, Program, Said};
pub use wall_clock::{Paced, Stage, WallClock, Watch};

use super::slot::NodeSlot;
use std::path::Path;
use std::sync::mpsc;

/// How long a node has to answer `init` (and each setup request), as in `maelstrom.db`.
pub const INIT_DEADLINE: std::time::Duration = std::time::Duration::from_secs(10);

/// The bytes all nodes together may have on their way at once (see [`crate::budget`]): far
/// above what any working node keeps in flight, low enough that a flood cannot grow memory.
pub const IN_FLIGHT_BYTES: usize = 32 << 20;

/// One node's share of [`IN_FLIGHT_BYTES`], never under 1 MiB.
pub fn node_budget(nodes: usize) -> usize {
    (IN_FLIGHT_BYTES / nodes.max(1)).max(1 << 20)
}

/// Starts `count` copies of `program` as nodes `n0…`, their stderr in `log_dir/<id>.log` when
/// given; returns the slots and the clock that hears them, asking `watch` whether to stop.
/// Every process started is stopped when its slot is dropped, including on an error here.
pub fn spawn_all(
    program: &Program,
    count: usize,
    log_dir: Option<&Path>,
    watch: Watch,
) -> anyhow::Result<(Vec<Box<dyn NodeSlot>>, WallClock)> {
    let (tx, rx) = mpsc::channel();
    let budget = node_budget(count);
    let mut slots: Vec<Box<dyn NodeSlot>> = Vec::with_capacity(count);
    for i in 0..count {
        let id = format!("n{i}");
        let log = log_dir.map(|dir| dir.join(format!("{id}.log")));
        let node = ExternalNode::spawn(program, &id, i, log.as_deref(), tx.clone(), budget)?;
        slots.push(Box::new(node));
    }
    Ok((slots, WallClock::new(rx, watch)))
}
