//! The simulated network: Maelstrom's latency distributions, partitions as grudges (a node
//! drops what arrives from the nodes it holds a grudge against, checked at delivery as
//! Maelstrom does), and the `:net` message counts with Maelstrom's rules (a message touching a
//! `c*` client is client traffic, everything else, service traffic included, is servers').

use rand::Rng;
use rand_chacha::ChaCha8Rng;
use serde::Serialize;
use std::collections::{BTreeMap, BTreeSet};
use std::time::Duration;

pub use crate::challenge::values::LatencyDist;

/// Latency of one server↔server or server↔service hop.
pub fn sample_latency(mean_ms: u32, dist: LatencyDist, rng: &mut ChaCha8Rng) -> Duration {
    let mean = f64::from(mean_ms);
    let ms = match dist {
        LatencyDist::Constant => mean,
        LatencyDist::Uniform => rng.gen_range(0.0..=2.0 * mean.max(0.0)),
        LatencyDist::Exponential => {
            let u: f64 = rng.gen_range(f64::EPSILON..1.0);
            -mean * u.ln()
        }
    };
    Duration::from_secs_f64(ms.max(0.0) / 1000.0)
}

pub fn is_client(id: &str) -> bool {
    id.starts_with('c')
}

/// Which nodes drop messages from which: `grudge[a]` holds the sources `a` will not hear.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Grudge(pub BTreeMap<String, BTreeSet<String>>);

impl Grudge {
    pub fn blocks(&self, src: &str, dest: &str) -> bool {
        self.0.get(dest).is_some_and(|s| s.contains(src))
    }

    pub fn is_empty(&self) -> bool {
        self.0.values().all(BTreeSet::is_empty)
    }

    /// Every node in one component ignores every node in the others.
    pub fn complete(components: &[Vec<String>]) -> Grudge {
        let mut g = BTreeMap::new();
        for (i, comp) in components.iter().enumerate() {
            let others: BTreeSet<String> = components
                .iter()
                .enumerate()
                .filter(|(j, _)| *j != i)
                .flat_map(|(_, c)| c.iter().cloned())
                .collect();
            for node in comp {
                g.insert(node.clone(), others.clone());
            }
        }
        Grudge(g)
    }
}

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
pub struct Counts {
    pub send_count: u64,
    pub recv_count: u64,
    pub msg_count: u64,
}

/// Maelstrom's `:net` statistics.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
pub struct NetStats {
    pub all: Counts,
    pub clients: Counts,
    pub servers: Counts,
}

impl NetStats {
    pub fn on_send(&mut self, src: &str, dest: &str) {
        for c in self.buckets(src, dest) {
            c.send_count += 1;
            c.msg_count += 1;
        }
    }

    pub fn on_recv(&mut self, src: &str, dest: &str) {
        for c in self.buckets(src, dest) {
            c.recv_count += 1;
        }
    }

    fn buckets(&mut self, src: &str, dest: &str) -> [&mut Counts; 2] {
        let class = if is_client(src) || is_client(dest) {
            &mut self.clients
        } else {
            &mut self.servers
        };
        [class, &mut self.all]
    }
}
