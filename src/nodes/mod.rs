//! The nodes, one file per Maelstrom workload, and the registry that builds one from a workload
//! name and its node flags (the words after `glomers node <workload>`).

pub mod broadcast;
pub(crate) mod echo;
pub mod g_counter;
pub(crate) mod kafka;
mod one_request;
pub mod txn;
pub(crate) mod unique_ids;

use crate::challenge::Workload;
use crate::node::Node;
use clap::Parser;

/// Parses a workload's node flags with clap, so `glomers node X --help` documents them and a
/// bad flag is a clear error.
fn parse_flags<F: Parser>(workload: Workload, args: &[String]) -> anyhow::Result<F> {
    let argv = std::iter::once(format!("glomers node {}", workload.maelstrom_name()))
        .chain(args.iter().cloned());
    // Kept as a clap::Error so `main` can let clap print help (exit 0) or usage (exit 2).
    F::try_parse_from(argv).map_err(anyhow::Error::from)
}

/// Builds the node for `workload` from its node flags.
pub fn build(workload: Workload, args: &[String]) -> anyhow::Result<Box<dyn Node>> {
    Ok(match workload {
        Workload::Echo => Box::new(echo::Echo::new(parse_flags(workload, args)?)),
        Workload::UniqueIds => Box::new(unique_ids::UniqueIds::new(parse_flags(workload, args)?)),
        Workload::Broadcast => Box::new(broadcast::Broadcast::new(parse_flags(workload, args)?)),
        Workload::GCounter => Box::new(g_counter::GCounter::new(parse_flags(workload, args)?)),
        Workload::Kafka => Box::new(kafka::Kafka::new(parse_flags(workload, args)?)),
        Workload::TxnRwRegister => Box::new(txn::Txn::new(parse_flags(workload, args)?)),
    })
}
