//! Nodes driven directly over stdin/stdout, no engine: glomers' stdio runtime and every node
//! under bad and hostile input, and the nodes of `tests/nodes/` (reference, broken and
//! learner-style) shown to behave as they claim.

mod fuzz_nodes;
mod hostile_input;
mod learner_nodes;
mod python_nodes;
mod runtime;
