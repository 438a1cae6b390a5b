//! Challenge profiles: `maelstrom.toml`, compiled into the binary and overridable by a file in
//! the current folder or `--profiles FILE`. A profile is a workload plus Maelstrom's options
//! (the official command), the node flags that tune our node, the official pass criteria and our
//! own tighter goals. [`TestOpts`] is Maelstrom's option set, shared by the real harness (as
//! command-line words) and the simulator (as parameters).

use crate::verdict::Criterion;
use crate::workloads::Workload;
use anyhow::{bail, Context};
use serde::Deserialize;
use std::path::{Path, PathBuf};

/// The profiles shipped with the binary.
pub const BUILTIN: &str = include_str!("../../maelstrom.toml");

/// Maelstrom's `test` options that challenges use. Every field is optional so that a profile's
/// values and command-line overrides can be merged field by field.
#[derive(Clone, Debug, Default, PartialEq, Deserialize, clap::Args)]
#[serde(rename_all = "kebab-case", deny_unknown_fields)]
pub struct TestOpts {
    /// Number of nodes (n0..n{N-1}).
    #[arg(long)]
    pub node_count: Option<u32>,
    /// Seconds of client operations.
    #[arg(long)]
    pub time_limit: Option<u32>,
    /// Approximate total requests per second across all clients.
    #[arg(long)]
    pub rate: Option<f64>,
    /// Client count: an integer, or `<k>n` for k × node count.
    #[arg(long)]
    pub concurrency: Option<String>,
    /// Mean one-way latency in ms between servers, and between servers and services.
    #[arg(long)]
    pub latency: Option<u32>,
    /// Latency distribution.
    #[arg(long, value_parser = ["constant", "uniform", "exponential"])]
    pub latency_dist: Option<String>,
    /// Faults to inject (only `partition` exists).
    #[arg(long, value_parser = ["partition"])]
    pub nemesis: Option<String>,
    /// Mean seconds between partition start and stop.
    #[arg(long)]
    pub nemesis_interval: Option<f64>,
    /// Topology suggested to broadcast nodes.
    #[arg(long, value_parser = ["line", "grid", "tree", "tree2", "tree3", "tree4", "total"])]
    pub topology: Option<String>,
    /// `total`, or the minimum fraction of operations that must succeed.
    #[arg(long)]
    pub availability: Option<String>,
    /// Consistency model(s) checked for transactions.
    #[arg(long)]
    pub consistency_models: Option<String>,
    /// Number of keys for transactional workloads.
    #[arg(long)]
    pub key_count: Option<u32>,
    /// Maximum micro-operations per transaction.
    #[arg(long)]
    pub max_txn_length: Option<u32>,
    /// Maximum writes per key.
    #[arg(long)]
    pub max_writes_per_key: Option<u32>,
}

macro_rules! merge_fields {
    ($base:expr, $over:expr, $($field:ident),*) => {
        TestOpts { $($field: $over.$field.clone().or_else(|| $base.$field.clone()),)* }
    };
}

impl TestOpts {
    /// `over` wins wherever it sets a value.
    pub fn merged(&self, over: &TestOpts) -> TestOpts {
        merge_fields!(
            self,
            over,
            node_count,
            time_limit,
            rate,
            concurrency,
            latency,
            latency_dist,
            nemesis,
            nemesis_interval,
            topology,
            availability,
            consistency_models,
            key_count,
            max_txn_length,
            max_writes_per_key
        )
    }

    /// The options as Maelstrom command-line words, in a stable order.
    pub fn to_args(&self) -> Vec<String> {
        let mut args = Vec::new();
        let mut push = |name: &str, value: Option<String>| {
            if let Some(v) = value {
                args.push(format!("--{name}"));
                args.push(v);
            }
        };
        push("node-count", self.node_count.map(|v| v.to_string()));
        push("time-limit", self.time_limit.map(|v| v.to_string()));
        push("rate", self.rate.map(fmt_number));
        push("concurrency", self.concurrency.clone());
        push("latency", self.latency.map(|v| v.to_string()));
        push("latency-dist", self.latency_dist.clone());
        push("nemesis", self.nemesis.clone());
        push("nemesis-interval", self.nemesis_interval.map(fmt_number));
        push("topology", self.topology.clone());
        push("availability", self.availability.clone());
        push("consistency-models", self.consistency_models.clone());
        push("key-count", self.key_count.map(|v| v.to_string()));
        push("max-txn-length", self.max_txn_length.map(|v| v.to_string()));
        push(
            "max-writes-per-key",
            self.max_writes_per_key.map(|v| v.to_string()),
        );
        args
    }

    /// Node count as Maelstrom resolves it (its default node list has 5 nodes).
    pub fn nodes(&self) -> u32 {
        self.node_count.unwrap_or(5)
    }

    /// Client count: `--concurrency` as an integer or `<k>n`; Maelstrom's default is `1n`.
    pub fn clients(&self) -> anyhow::Result<u32> {
        let nodes = self.nodes();
        match self.concurrency.as_deref() {
            None => Ok(nodes),
            Some(c) => {
                let parsed = match c.strip_suffix('n') {
                    Some("") => Some(nodes),
                    Some(k) => k.parse::<u32>().ok().map(|k| k * nodes),
                    None => c.parse::<u32>().ok(),
                };
                parsed.with_context(|| format!("--concurrency {c:?}: expected N or Kn"))
            }
        }
    }
}

fn fmt_number(v: f64) -> String {
    if v.fract() == 0.0 && v.abs() < 1e15 {
        format!("{}", v as i64)
    } else {
        v.to_string()
    }
}

/// The pinned Maelstrom release.
#[derive(Clone, Debug, Deserialize)]
#[serde(rename_all = "kebab-case", deny_unknown_fields)]
pub struct Release {
    pub version: String,
    pub url: String,
    pub sha256: String,
}

/// One challenge.
#[derive(Clone, Debug, Deserialize)]
#[serde(rename_all = "kebab-case", deny_unknown_fields)]
pub struct Profile {
    /// Fly.io's number: `1`, `2`, `3a` … `6c`.
    pub id: String,
    pub title: String,
    #[serde(default)]
    pub aliases: Vec<String>,
    pub workload: Workload,
    /// Maelstrom options of the official command.
    pub opts: TestOpts,
    /// Flags for `glomers node <workload>`.
    #[serde(default)]
    pub node_args: Vec<String>,
    /// Fly.io's pass criteria beyond Maelstrom's own `:valid?`.
    #[serde(default)]
    pub criteria: Vec<Criterion>,
    /// Our own, tighter targets: reported alongside, and held by the test suite.
    #[serde(default)]
    pub goals: Vec<Criterion>,
}

/// The whole file.
#[derive(Clone, Debug, Deserialize)]
#[serde(rename_all = "kebab-case", deny_unknown_fields)]
pub struct Profiles {
    pub maelstrom: Release,
    #[serde(rename = "challenge")]
    pub challenges: Vec<Profile>,
}

impl Profiles {
    pub fn parse(text: &str, origin: &str) -> anyhow::Result<Profiles> {
        let profiles: Profiles = toml::from_str(text).map_err(|e| {
            let line = e
                .span()
                .map(|s| text[..s.start.min(text.len())].lines().count().max(1));
            match line {
                Some(line) => anyhow::anyhow!("{origin}, line {line}: {}", e.message()),
                None => anyhow::anyhow!("{origin}: {}", e.message()),
            }
        })?;
        let mut seen = std::collections::BTreeSet::new();
        for p in &profiles.challenges {
            for name in std::iter::once(&p.id).chain(&p.aliases) {
                if !seen.insert(name.clone()) {
                    bail!("{origin}: challenge name {name:?} is used twice");
                }
            }
        }
        Ok(profiles)
    }

    /// The built-in profiles.
    pub fn builtin() -> Profiles {
        // The shipped file is checked by a unit test, so this cannot fail in a release.
        Profiles::parse(BUILTIN, "built-in maelstrom.toml").expect("built-in maelstrom.toml")
    }

    /// `explicit` (from `--profiles`) if given, else `./maelstrom.toml` if present, else the
    /// built-in file. Returns the profiles and where they came from.
    pub fn load(explicit: Option<&Path>) -> anyhow::Result<(Profiles, String)> {
        let candidate: Option<PathBuf> = match explicit {
            Some(p) => Some(p.to_path_buf()),
            None => Some(PathBuf::from("maelstrom.toml")).filter(|p| p.is_file()),
        };
        match candidate {
            Some(path) => {
                let text = std::fs::read_to_string(&path)
                    .with_context(|| format!("reading {}", path.display()))?;
                let origin = path.display().to_string();
                Ok((Profiles::parse(&text, &origin)?, origin))
            }
            None => Ok((Profiles::builtin(), "built-in".to_string())),
        }
    }

    /// Finds a challenge by number or alias.
    pub fn find(&self, name: &str) -> anyhow::Result<&Profile> {
        self.challenges
            .iter()
            .find(|p| p.id == name || p.aliases.iter().any(|a| a == name))
            .with_context(|| {
                let known: Vec<&str> = self.challenges.iter().map(|p| p.id.as_str()).collect();
                format!("unknown challenge {name:?}; known: {}", known.join(", "))
            })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn builtin_file_parses_and_covers_every_challenge() {
        let p = Profiles::parse(BUILTIN, "maelstrom.toml").unwrap();
        let ids: Vec<&str> = p.challenges.iter().map(|c| c.id.as_str()).collect();
        assert_eq!(
            ids,
            ["1", "2", "3a", "3b", "3c", "3d", "3e", "4", "5a", "5b", "5c", "6a", "6b", "6c"]
        );
        assert_eq!(p.find("broadcast-efficient-1").unwrap().id, "3d");
    }

    #[test]
    fn malformed_file_names_the_line() {
        let text = "[maelstrom]\nversion = \"0.2.4\"\nurl = \"u\"\nsha256 = \"s\"\n\n[[challenge]]\nid = \"1\"\ntitle = \"t\"\nworkload = \"echo\"\nopts = { node-count = \"one\" }\n";
        let err = Profiles::parse(text, "m.toml").unwrap_err().to_string();
        assert!(err.contains("m.toml, line 10"), "{err}");
    }

    #[test]
    fn overrides_win_and_args_round_trip() {
        let base = TestOpts {
            node_count: Some(25),
            rate: Some(100.0),
            ..TestOpts::default()
        };
        let over = TestOpts {
            rate: Some(12.5),
            nemesis: Some("partition".into()),
            ..TestOpts::default()
        };
        let merged = base.merged(&over);
        assert_eq!(
            merged.to_args(),
            [
                "--node-count",
                "25",
                "--rate",
                "12.5",
                "--nemesis",
                "partition"
            ]
        );
        assert_eq!(merged.clients().unwrap(), 25);
        let two_n = TestOpts {
            node_count: Some(2),
            concurrency: Some("2n".into()),
            ..TestOpts::default()
        };
        assert_eq!(two_n.clients().unwrap(), 4);
    }
}
