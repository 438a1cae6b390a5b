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
//!
//! Under the nemesis, a kill is SIGKILL to the node's process group and the end of everything
//! it started; the node is started again as a fresh process (its stderr appended to the same
//! log) and gets `init` again. A pause is SIGSTOP to the group, its resume SIGCONT; what is
//! sent to a paused node waits in its pipe, as under Maelstrom.

pub mod live_clock;
pub mod process;
mod stdin_feed;
mod stdout_tail;
#[cfg(test)]
pub mod virtual_clock;
pub mod wall_clock;
pub mod wire;

pub use live_clock::{LiveClock, Paced, Watch};
pub use process::{ExternalNode, Heard, Program, Said};
pub use wall_clock::WallClock;

use super::slot::{NodeSlot, Spawn};
use std::io::Write;
use std::path::{Path, PathBuf};
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

/// What node `index` is heard as in its `start`-th start (0: the first), so that what a killed
/// process printed last is never taken for its successor's words.
pub fn tag(index: usize, start: u32, count: usize) -> usize {
    (start as usize)
        .saturating_mul(count.max(1))
        .saturating_add(index)
}

/// The node index and start a [`tag`] stands for.
pub fn untag(tag: usize, count: usize) -> (usize, u32) {
    let count = count.max(1);
    (tag % count, u32::try_from(tag / count).unwrap_or(u32::MAX))
}

/// What [`spawn_all`] hands back: the nodes' slots, the clock that hears them, and what starts a
/// node again after a kill.
pub type Started = (Vec<NodeSlot>, WallClock, Spawn<'static>);

/// Starts `count` copies of `program` as nodes `n0…`, their stderr in `log_dir/<id>.log` when
/// given; returns the slots, the clock that hears them (asking `watch` whether to stop), and
/// what starts a node again after a kill. Every process started is stopped when its slot is
/// dropped, including on an error here.
pub fn spawn_all(
    program: &Program,
    count: usize,
    log_dir: Option<&Path>,
    watch: Watch,
) -> anyhow::Result<Started> {
    let (tx, rx) = mpsc::channel();
    let budget = node_budget(count);
    let program = program.clone();
    let log_dir: Option<PathBuf> = log_dir.map(Path::to_path_buf);
    let mut spawn: Spawn<'static> = Box::new(move |index, start| {
        let id = format!("n{index}");
        let log = log_dir.as_ref().map(|dir| dir.join(format!("{id}.log")));
        if let (Some(path), true) = (&log, start > 0) {
            // The same log goes on, with a line that says where the new process begins.
            let mut file = std::fs::OpenOptions::new()
                .append(true)
                .create(true)
                .open(path)?;
            writeln!(
                file,
                "[glomers: {id} started again after a kill (start {start})]"
            )?;
        }
        let heard_as = tag(index, start, count);
        let node =
            ExternalNode::spawn(&program, &id, heard_as, log.as_deref(), tx.clone(), budget)?;
        Ok(NodeSlot::External(Box::new(node)))
    });
    let mut slots: Vec<NodeSlot> = Vec::with_capacity(count);
    for i in 0..count {
        slots.push(spawn(i, 0)?);
    }
    Ok((slots, WallClock::new(rx, watch), spawn))
}
