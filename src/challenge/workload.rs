//! Maelstrom's workloads: the protocol a node speaks (`-w`), named as Maelstrom names them.

use clap::ValueEnum;

/// Maelstrom's workload names (the `-w` option).
#[derive(
    Clone,
    Copy,
    Debug,
    PartialEq,
    Eq,
    Hash,
    PartialOrd,
    Ord,
    ValueEnum,
    serde::Serialize,
    serde::Deserialize,
)]
#[serde(rename_all = "kebab-case")]
pub enum Workload {
    Echo,
    UniqueIds,
    Broadcast,
    GCounter,
    Kafka,
    TxnRwRegister,
}

impl Workload {
    /// The workload Maelstrom calls `name` (its `-w`).
    pub fn from_maelstrom_name(name: &str) -> Option<Workload> {
        use clap::ValueEnum;
        Workload::value_variants()
            .iter()
            .copied()
            .find(|w| w.maelstrom_name() == name)
    }

    /// The name Maelstrom uses for `-w`.
    pub fn maelstrom_name(self) -> &'static str {
        match self {
            Workload::Echo => "echo",
            Workload::UniqueIds => "unique-ids",
            Workload::Broadcast => "broadcast",
            Workload::GCounter => "g-counter",
            Workload::Kafka => "kafka",
            Workload::TxnRwRegister => "txn-rw-register",
        }
    }

    /// Whether Maelstrom runs a final phase for this workload after the clients stop: heal
    /// the network, wait 10 s, then final reads (`maelstrom.workload.*` `:final-generator`).
    /// The simulator's engine and the Maelstrom progress plan both read this one answer.
    pub fn has_final_phase(self) -> bool {
        matches!(
            self,
            Workload::Broadcast | Workload::GCounter | Workload::Kafka
        )
    }
}
