//! Helpers shared by the integration tests, one module per purpose: the glomers binary, the
//! fixture runs, assertions on a run's figures, the simulator's profiles and seed sweeps, a
//! node's stdio session, a local HTTP server, fake Maelstrom releases and launcher, /proc
//! checks, the Python reference nodes and a session with one over its stdio, running a test
//! alone in its own process, and the machine shared between timing tests and process-heavy
//! ones.

pub mod alone;
pub mod binary;
pub mod figures;
pub mod fixtures;
pub mod hostile_scene;
pub mod http;
pub mod launcher;
pub mod machine;
pub mod naive;
pub mod node_io;
pub mod processes;
pub mod python;
pub mod python_session;
pub mod refit;
pub mod release;
pub mod sim;
