//! Anyone's node as real processes under `--engine sim --bin`: faults on real processes, nodes
//! that flood the engine, and containment (nothing a node starts outlives glomers, and every
//! way a node ends is reported).

mod containment;
mod faults_live;
mod floods;
