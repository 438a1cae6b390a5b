//! What the live engine needs of time and of the nodes' output, as one trait: the time now,
//! and a wait until the next event falls due or a node prints something, whichever comes
//! first. [`super::WallClock`] is the one real runs use; tests use a virtual clock instead,
//! whose nodes print at instants they choose, so that every timing rule of the live engine
//! (deadlines, late lines, stop requests) runs in milliseconds.

use super::process::Said;
use crate::challenge::Phase;
use crate::sim::clock::Nanos;

/// Asked every few milliseconds with the test's current phase (setup, clients or recovery):
/// an error ends the run with it.
pub type Watch = Box<dyn FnMut(Phase) -> Option<anyhow::Error>>;

/// What [`LiveClock::wait`] found.
#[derive(Debug)]
pub enum Paced {
    /// The event the engine asked about is due.
    Due,
    /// Node `node` (as [`super::tag`] names it) printed `said`, at `at` (nanoseconds since the
    /// run began).
    Heard {
        at: Nanos,
        node: usize,
        said: Box<Said>,
    },
}

/// The clock that paces the engine when nodes are processes.
pub trait LiveClock {
    /// Nanoseconds since the run began.
    fn now(&self) -> Nanos;

    /// Waits until `due` (never, if `None`) or until a node prints something, whichever came
    /// first; what a node printed after `due` waits for the next call. Asks the run's
    /// [`Watch`], told `phase`, whether to stop, and ends the wait with its error if so.
    fn wait(&mut self, due: Option<Nanos>, phase: Phase) -> anyhow::Result<Paced>;
}
