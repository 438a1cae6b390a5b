//! The phases of a Maelstrom test, one vocabulary for every part of glomers that runs or shows
//! one: the real Maelstrom's console is read into them, the simulator's live engine reports
//! them to whoever watches a run, and the progress display shows them. The simulator enters
//! only the phases of the test itself ([`Phase::Setup`], [`Phase::Clients`],
//! [`Phase::Recovery`]); the others are the real harness's own.

/// A phase of a test, in the order a run goes through them.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Phase {
    /// From spawning the JVM to its first log line (≈ 2–3 s).
    JvmStart,
    /// Starting the network and services, spawning the nodes, `init` and the workload's setup
    /// requests (`topology`).
    Setup,
    /// Client operations (and the nemesis) for `--time-limit` seconds, then the drain.
    Clients,
    /// Healing, the quiet period and the final reads (workloads with a final phase).
    Recovery,
    /// Stopping the nodes and the network.
    Teardown,
    /// Checkers, plots, results.edn.
    Analysis,
    Done,
}

impl Phase {
    /// What the phase is, for a progress display.
    pub fn label(self) -> &'static str {
        match self {
            Phase::JvmStart => "starting the JVM",
            Phase::Setup => "setting up nodes",
            Phase::Clients => "running clients",
            Phase::Recovery => "quiet period and final reads",
            Phase::Teardown => "tearing down",
            Phase::Analysis => "analysing",
            Phase::Done => "done",
        }
    }
}
