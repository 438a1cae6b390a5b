//! Maelstrom's `test` options as one typed struct. Each option is declared once, in the table
//! at the bottom of this file: its flag, its value type (whose `FromStr` validates it) and its
//! help. From that table come the clap flags, the profiles-file reader, the merge of a profile
//! with command-line overrides, the words of a Maelstrom command line and the reader of a
//! logged one. [`TestOpts::resolve`] applies Maelstrom's defaults, once, for the simulator.

use super::values::*;
use serde::{de, Deserialize, Deserializer};
use std::fmt;
use std::marker::PhantomData;

/// Maelstrom's defaults where an option is not given (Maelstrom 0.2.4's `core.clj` and
/// jepsen.cli), written once.
pub(crate) mod defaults {
    /// Jepsen's default node list has five nodes.
    pub(crate) const NODE_COUNT: u32 = 5;
    pub(crate) const TIME_LIMIT_SECS: u32 = 60;
    pub(crate) const RATE: f64 = 5.0;
    pub(crate) const LATENCY_MS: u32 = 0;
    pub(crate) const NEMESIS_INTERVAL_SECS: f64 = 10.0;
    /// The simulator's own faults (Maelstrom has none of these): a fifth of node-to-node
    /// messages lost, a tenth delivered twice, 200 ms of extra latency on average.
    pub(crate) const NEMESIS_LOSS: f64 = 0.2;
    pub(crate) const NEMESIS_DUPLICATE: f64 = 0.1;
    pub(crate) const NEMESIS_DELAY_MS: u32 = 200;
    /// Elle's default key count.
    pub(crate) const KEY_COUNT: u32 = 10;
    pub(crate) const MAX_TXN_LENGTH: u32 = 4;
    pub(crate) const MAX_WRITES_PER_KEY: u32 = 16;
}

/// The most client operations a simulated run may plan (`--rate` × `--time-limit`), and the
/// most operation-node pairs (operations × `--node-count`): past these the history and the
/// message queue outgrow what one machine holds.
const MAX_SIM_OPS: f64 = 2_000_000.0;
const MAX_SIM_OP_NODES: f64 = 20_000_000.0;

/// Every option with Maelstrom's default applied, for the simulator.
#[derive(Clone, Debug, PartialEq)]
pub struct Resolved {
    pub node_count: u32,
    pub time_limit_secs: u32,
    pub(crate) rate: f64,
    pub(crate) clients: u32,
    pub(crate) latency_ms: u32,
    pub(crate) latency_dist: LatencyDist,
    /// The faults to inject, in declaration order; empty for none.
    pub(crate) faults: Vec<Fault>,
    pub(crate) nemesis_interval_secs: f64,
    pub(crate) nemesis_loss: f64,
    pub(crate) nemesis_duplicate: f64,
    pub(crate) nemesis_delay_ms: u32,
    pub(crate) topology: Topology,
    pub(crate) availability: Option<Availability>,
    pub(crate) consistency_models: Option<String>,
    pub(crate) key_count: u32,
    pub(crate) max_txn_length: u32,
    pub(crate) max_writes_per_key: u32,
}

impl Resolved {
    /// Client operations the run plans: the rate over the time limit.
    fn planned_ops(&self) -> f64 {
        self.rate * f64::from(self.time_limit_secs)
    }

    /// Refuses a simulated run whose planned size is beyond what one machine can hold.
    pub(crate) fn check_sim_cost(&self) -> Result<(), String> {
        let ops = self.planned_ops();
        let op_nodes = ops * f64::from(self.node_count);
        if ops > MAX_SIM_OPS || op_nodes > MAX_SIM_OP_NODES {
            return Err(format!(
                "this run plans {ops:.0} client operations (--rate {} × --time-limit {}) on {} \
                 nodes; the simulator holds at most {MAX_SIM_OPS:.0} operations and \
                 {MAX_SIM_OP_NODES:.0} operation-nodes: lower --rate, --time-limit or --node-count",
                fmt_real(self.rate),
                self.time_limit_secs,
                self.node_count
            ));
        }
        Ok(())
    }
}

/// Reads an option's value from a profiles file: a string, an integer or a float, through the
/// same parser as the command line, so both refuse the same values with the same words.
fn from_any<'de, D: Deserializer<'de>, T: OptionValue>(d: D) -> Result<Option<T>, D::Error> {
    struct Visit<T>(PhantomData<T>);
    impl<T: OptionValue> Visit<T> {
        fn parse<E: de::Error>(text: &str) -> Result<Option<T>, E> {
            text.parse::<T>()
                .map(Some)
                .map_err(|e| E::custom(format!("{}: {e}", T::FLAG)))
        }
    }
    impl<T: OptionValue> de::Visitor<'_> for Visit<T> {
        type Value = Option<T>;
        fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
            write!(f, "a value for {}", T::FLAG)
        }
        fn visit_str<E: de::Error>(self, v: &str) -> Result<Self::Value, E> {
            Self::parse(v)
        }
        fn visit_i64<E: de::Error>(self, v: i64) -> Result<Self::Value, E> {
            Self::parse(&v.to_string())
        }
        fn visit_u64<E: de::Error>(self, v: u64) -> Result<Self::Value, E> {
            Self::parse(&v.to_string())
        }
        fn visit_f64<E: de::Error>(self, v: f64) -> Result<Self::Value, E> {
            Self::parse(&v.to_string())
        }
    }
    d.deserialize_any(Visit(PhantomData))
}

macro_rules! options {
    ($( $(#[$doc:meta])* $field:ident : $ty:ty = $flag:literal ),* $(,)?) => {
        /// Maelstrom's `test` options that challenges use. Every field is optional, so a
        /// profile's values and command-line overrides merge field by field.
        #[derive(Clone, Debug, Default, PartialEq, Deserialize, clap::Args)]
        #[serde(rename_all = "kebab-case", deny_unknown_fields)]
        pub struct TestOpts {
            $(
                $(#[$doc])*
                #[arg(long = $flag, value_name = "VALUE")]
                #[serde(default, deserialize_with = "from_any")]
                pub(crate) $field: Option<$ty>,
            )*
        }

        impl TestOpts {
    /// Whether a nemesis injects faults during the run (its schedule is random).
    pub fn has_nemesis(&self) -> bool {
        self.nemesis.is_some()
    }

            /// `over` wins wherever it sets a value.
            pub fn merged(&self, over: &TestOpts) -> TestOpts {
                TestOpts { $($field: over.$field.clone().or_else(|| self.$field.clone()),)* }
            }

            /// The options as Maelstrom command-line words, in a stable order.
            pub(crate) fn to_args(&self) -> Vec<String> {
                let mut args = Vec::new();
                $(
                    if let Some(value) = &self.$field {
                        args.push(concat!("--", $flag).to_string());
                        args.push(value.to_string());
                    }
                )*
                args
            }

            /// The options in a logged Maelstrom command line. Options end at a bare `--`
            /// (the rest is the node's); unknown options and unreadable values are skipped,
            /// since a real run's log is reported on, not refused.
            pub(crate) fn from_logged_args(words: &[String]) -> TestOpts {
                let mut opts = TestOpts::default();
                let words: Vec<&String> = words.iter().take_while(|w| *w != "--").collect();
                for pair in words.windows(2) {
                    match pair[0].strip_prefix("--") {
                        $(Some($flag) => {
                            if let Ok(value) = pair[1].parse() {
                                opts.$field = Some(value);
                            }
                        })*
                        _ => {}
                    }
                }
                opts
            }
        }
    };
}

options! {
    /// Number of nodes (n0..n{N-1}); 1..=100.
    node_count: NodeCount = "node-count",
    /// Seconds of client operations; 1..=3600.
    time_limit: TimeLimit = "time-limit",
    /// Approximate total requests per second across all clients; 0.001..=100000.
    rate: Rate = "rate",
    /// Client count: N, or Kn for K × node count; at most 10000 clients.
    concurrency: Concurrency = "concurrency",
    /// Mean one-way latency in ms between servers, and between servers and services; 0..=60000.
    latency: Latency = "latency",
    /// Latency distribution: constant, uniform or exponential.
    latency_dist: LatencyDist = "latency-dist",
    /// Faults to inject, comma-separated: partition, kill, pause, partition-oneway, loss,
    /// duplicate, delay (Maelstrom itself knows only partition).
    nemesis: Nemesis = "nemesis",
    /// Mean seconds between one fault's start and its stop; 0.1..=3600.
    nemesis_interval: NemesisInterval = "nemesis-interval",
    /// Simulator only: the fraction of node-to-node messages `loss` drops; 0..=1 (0.2).
    nemesis_loss: NemesisLoss = "nemesis-loss",
    /// Simulator only: the fraction of node-to-node messages `duplicate` delivers twice;
    /// 0..=1 (0.1).
    nemesis_duplicate: NemesisDuplicate = "nemesis-duplicate",
    /// Simulator only: the mean extra latency `delay` adds to a node-to-node message, in ms;
    /// 0..=60000 (200).
    nemesis_delay: NemesisDelay = "nemesis-delay",
    /// Topology suggested to broadcast nodes: line, grid, tree, tree2, tree3, tree4, total.
    topology: Topology = "topology",
    /// `total`, or the minimum fraction (0 to 1) of operations that must succeed.
    availability: Availability = "availability",
    /// Consistency model(s) checked for transactions.
    consistency_models: ConsistencyModels = "consistency-models",
    /// Number of keys for transactional and kafka workloads; 1..=1000.
    key_count: KeyCount = "key-count",
    /// Maximum micro-operations per transaction; 1..=1000.
    max_txn_length: MaxTxnLength = "max-txn-length",
    /// Maximum writes per key; 1..=1000000.
    max_writes_per_key: MaxWritesPerKey = "max-writes-per-key",
}

/// Parses option words strictly, as the command line does.
#[derive(clap::Parser)]
#[command(no_binary_name = true)]
struct Words {
    #[command(flatten)]
    opts: TestOpts,
}

impl TestOpts {
    /// Options from command-line words (`["--rate", "10"]`), refused as the command line
    /// refuses them: an unknown option or an out-of-range value is an error naming it.
    pub fn parse_args<S: AsRef<str>>(words: &[S]) -> anyhow::Result<TestOpts> {
        use clap::Parser;
        Words::try_parse_from(words.iter().map(AsRef::as_ref))
            .map(|w| w.opts)
            .map_err(|e| anyhow::anyhow!("{}", e.to_string().trim_end()))
    }

    /// Why Maelstrom cannot run these options, in one line, if it cannot: its `--nemesis`
    /// accepts `partition` alone, and the fault knobs are the simulator's.
    pub fn needs_sim(&self) -> Option<String> {
        let faults: Vec<&str> = self
            .nemesis
            .iter()
            .flat_map(Nemesis::faults)
            .filter(|f| f.needs_sim())
            .map(Fault::word)
            .collect();
        let knobs: Vec<&str> = [
            self.nemesis_loss.map(|_| "--nemesis-loss"),
            self.nemesis_duplicate.map(|_| "--nemesis-duplicate"),
            self.nemesis_delay.map(|_| "--nemesis-delay"),
        ]
        .into_iter()
        .flatten()
        .collect();
        if faults.is_empty() && knobs.is_empty() {
            return None;
        }
        let mut what = Vec::new();
        if !faults.is_empty() {
            what.push(format!("--nemesis {}", faults.join(",")));
        }
        what.extend(knobs.iter().map(|k| k.to_string()));
        Some(format!(
            "{} need{} --engine sim: Maelstrom 0.2.4 injects only the partition fault",
            what.join(", "),
            if what.len() == 1 { "s" } else { "" }
        ))
    }

    /// Node count as Maelstrom resolves it.
    pub fn nodes(&self) -> u32 {
        self.node_count.map_or(defaults::NODE_COUNT, NodeCount::get)
    }

    /// Every option with its default applied; fails only on a client count that the node
    /// count pushes past 10 000 (`values::MAX_CLIENTS`).
    pub fn resolve(&self) -> anyhow::Result<Resolved> {
        let node_count = match self.node_count {
            Some(n) => n,
            None => NodeCount::new(defaults::NODE_COUNT).map_err(anyhow::Error::msg)?,
        };
        let clients = self
            .concurrency
            .unwrap_or(Concurrency::PerNode(1))
            .clients(node_count)
            .map_err(anyhow::Error::msg)?;
        Ok(Resolved {
            node_count: node_count.get(),
            time_limit_secs: self
                .time_limit
                .map_or(defaults::TIME_LIMIT_SECS, TimeLimit::get),
            rate: self.rate.map_or(defaults::RATE, Rate::get),
            clients,
            latency_ms: self.latency.map_or(defaults::LATENCY_MS, Latency::get),
            latency_dist: self.latency_dist.unwrap_or(LatencyDist::Constant),
            faults: self
                .nemesis
                .as_ref()
                .map(Nemesis::faults)
                .unwrap_or_default(),
            nemesis_interval_secs: self
                .nemesis_interval
                .map_or(defaults::NEMESIS_INTERVAL_SECS, NemesisInterval::get),
            nemesis_loss: self
                .nemesis_loss
                .map_or(defaults::NEMESIS_LOSS, NemesisLoss::get),
            nemesis_duplicate: self
                .nemesis_duplicate
                .map_or(defaults::NEMESIS_DUPLICATE, NemesisDuplicate::get),
            nemesis_delay_ms: self
                .nemesis_delay
                .map_or(defaults::NEMESIS_DELAY_MS, NemesisDelay::get),
            topology: self.topology.unwrap_or(Topology::Grid),
            availability: self.availability,
            consistency_models: self
                .consistency_models
                .as_ref()
                .map(|m| m.as_str().to_string()),
            key_count: self.key_count.map_or(defaults::KEY_COUNT, KeyCount::get),
            max_txn_length: self
                .max_txn_length
                .map_or(defaults::MAX_TXN_LENGTH, MaxTxnLength::get),
            max_writes_per_key: self
                .max_writes_per_key
                .map_or(defaults::MAX_WRITES_PER_KEY, MaxWritesPerKey::get),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cli(args: &[&str]) -> Result<TestOpts, String> {
        TestOpts::parse_args(args).map_err(|e| e.to_string())
    }

    #[test]
    fn overrides_win_and_args_round_trip() {
        let base = cli(&["--node-count", "25", "--rate", "100"]).unwrap();
        let over = cli(&["--rate", "12.5", "--nemesis", "partition"]).unwrap();
        let merged = base.merged(&over);
        let words = merged.to_args();
        assert_eq!(
            words,
            [
                "--node-count",
                "25",
                "--rate",
                "12.5",
                "--nemesis",
                "partition"
            ]
        );
        assert_eq!(TestOpts::from_logged_args(&words), merged);
        assert_eq!(merged.resolve().unwrap().clients, 25);
        let two_n = cli(&["--node-count", "2", "--concurrency", "2n"]).unwrap();
        assert_eq!(two_n.resolve().unwrap().clients, 4);
    }

    #[test]
    fn bad_values_name_the_option_and_the_range() {
        for args in [
            &["--rate", "inf"][..],
            &["--rate", "1e309"],
            &["--rate=-5"],
            &["--rate", "nan"],
            &["--nemesis-interval", "0"],
            &["--nemesis-interval=-1"],
            &["--nemesis-interval", "nan"],
            &["--node-count", "0"],
            &["--time-limit", "100000"],
            &["--concurrency", "100000000"],
            &["--latency-dist", "pareto"],
        ] {
            let err = cli(args).unwrap_err();
            let flag = args[0].split('=').next().unwrap();
            assert!(err.contains(flag), "{args:?}: {err}");
            assert!(err.contains("accepted"), "{args:?}: {err}");
        }
    }

    #[test]
    fn faults_beyond_partition_need_the_simulator() {
        assert_eq!(cli(&["--nemesis", "partition"]).unwrap().needs_sim(), None);
        let why = cli(&["--nemesis", "partition,kill,pause"])
            .unwrap()
            .needs_sim()
            .unwrap();
        assert_eq!(
            why,
            "--nemesis kill,pause needs --engine sim: Maelstrom 0.2.4 injects only the partition fault"
        );
        let why = cli(&["--nemesis-loss", "0.5"])
            .unwrap()
            .needs_sim()
            .unwrap();
        assert!(
            why.starts_with("--nemesis-loss needs --engine sim"),
            "{why}"
        );
        let r = cli(&["--nemesis", "delay,loss"])
            .unwrap()
            .resolve()
            .unwrap();
        assert_eq!(r.faults, [Fault::Loss, Fault::Delay]);
        assert_eq!(
            (r.nemesis_loss, r.nemesis_duplicate, r.nemesis_delay_ms),
            (0.2, 0.1, 200)
        );
    }

    #[test]
    fn concurrency_times_nodes_is_checked() {
        let opts = cli(&["--node-count", "25", "--concurrency", "9000n"]).unwrap();
        let err = opts.resolve().unwrap_err().to_string();
        assert!(err.contains("--concurrency 9000n"), "{err}");
    }

    #[test]
    fn defaults_are_maelstrom_s() {
        let r = TestOpts::default().resolve().unwrap();
        assert_eq!(
            (r.node_count, r.time_limit_secs, r.rate, r.clients),
            (5, 60, 5.0, 5)
        );
        assert_eq!(r.topology, Topology::Grid);
        assert_eq!(r.nemesis_interval_secs, 10.0);
    }

    #[test]
    fn oversized_simulated_runs_are_refused() {
        let big = cli(&["--rate", "100000", "--time-limit", "3600"]).unwrap();
        let err = big.resolve().unwrap().check_sim_cost().unwrap_err();
        assert!(err.contains("--rate 100000"), "{err}");
        let official_3d = cli(&["--node-count", "25", "--rate", "100", "--time-limit", "20"]);
        assert!(official_3d
            .unwrap()
            .resolve()
            .unwrap()
            .check_sim_cost()
            .is_ok());
    }

    #[test]
    fn profiles_file_values_go_through_the_same_parser() {
        let ok: TestOpts =
            toml::from_str("node-count = 3\nrate = 12.5\nconcurrency = \"2n\"").unwrap();
        assert_eq!(
            ok.to_args(),
            ["--node-count", "3", "--rate", "12.5", "--concurrency", "2n"]
        );
        let err = toml::from_str::<TestOpts>("rate = nan")
            .unwrap_err()
            .to_string();
        assert!(err.contains("rate") && err.contains("accepted"), "{err}");
        let err = toml::from_str::<TestOpts>("node-count = 0")
            .unwrap_err()
            .to_string();
        assert!(err.contains("node-count"), "{err}");
    }
}
