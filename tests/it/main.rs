//! Every integration test of glomers in one test binary (one link of the library instead of
//! one per file), one module per area, with the helpers they share in `support`.
//! Run them all with `cargo test`, or one area with e.g. `cargo test --test it report::`.

mod support;

mod broadcast;
mod calibration;
mod cli_options;
mod containment;
mod dependency_tree;
mod driver_completions;
mod driver_doctor;
mod driver_install;
mod driver_run;
mod fault_table;
mod faults;
mod faults_live;
mod fidelity;
mod floods;
mod fuzz_nodes;
mod g_counter;
mod hostile_input;
mod kafka;
mod learner_nodes;
mod pages;
mod python_nodes;
mod report;
mod report_limits;
mod run_folders;
mod runtime;
mod services;
mod sim_echo_unique_ids;
mod source_layout;
mod txn;
