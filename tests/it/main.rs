//! Every integration test of glomers in one test binary (one link of the library instead of
//! one per file), one folder per part of `src/`, with the helpers they share in `support`.
//! Run them all with `cargo test`, or one part with e.g. `cargo test --test it report::`.

mod support;

// Grouped as `src/` is: nodes, the simulator, foreign nodes as processes, the driver, the
// report; and guards on the repository itself.
mod dependency_tree;
mod driver;
mod external;
mod node;
mod report;
mod sim;
mod source_layout;
