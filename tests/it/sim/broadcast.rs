//! Broadcast (3a–3e): the set-full checker against real Maelstrom runs, the node in the
//! simulator over many seeds (validity, partitions, the 3d/3e goals), and nodes that must fail
//! (one that never relays, one that relays too slowly) to prove the checker bites.

use crate::support::fixtures;
use crate::support::sim::{profile, sweep_seeds};
use glomers::challenge::TestOpts;
use glomers::node::{Ctx, Node};
use glomers::protocol::{Body, Message, RpcError};
use glomers::report::{edn, history};
use glomers::sim::workloads::broadcast::set_full_check;
use glomers::sim::{self, SimConfig};
use glomers::verdict::{Figures, Validity, Verdict};
use serde_json::Value;
use std::collections::BTreeSet;
use std::time::Duration;

/// The history and results of the recorded Maelstrom run in `tests/fixtures/<dir>`.
fn jepsen_run(dir: &str) -> (Vec<glomers::history::Op>, Value) {
    let root = fixtures::path(dir);
    let ops = history::read(&root.join("history.edn")).expect("history.edn");
    let text = std::fs::read_to_string(root.join("results.edn")).expect("results.edn");
    let results = edn::to_json(&edn::parse(&text).expect("results.edn parses"));
    (ops, results)
}

/// Our set-full on a real history must report what Jepsen reported on the same history.
fn checker_agrees_with_jepsen(dir: &str) {
    let (ops, results) = jepsen_run(dir);
    let theirs = &results["workload"];
    let ours = set_full_check(&ops);
    for key in [
        "valid?",
        "attempt-count",
        "stable-count",
        "lost-count",
        "never-read-count",
        "stale-count",
        "lost",
        "never-read",
        "stale",
        "duplicated-count",
    ] {
        assert_eq!(ours.result[key], theirs[key], "{dir}: {key}");
    }
    assert!(
        theirs["attempt-count"].as_u64().is_some_and(|n| n > 0),
        "{dir}: no attempt-count in results.edn"
    );
    for key in ["stable-latencies", "lost-latencies"] {
        let q = |v: &Value| -> Vec<(String, f64)> {
            v.as_object()
                .map(|m| {
                    m.iter()
                        .map(|(k, v)| (k.clone(), v.as_f64().unwrap_or(f64::NAN)))
                        .collect()
                })
                .unwrap_or_default()
        };
        assert_eq!(q(&ours.result[key]), q(&theirs[key]), "{dir}: {key}");
    }
    let worst = |v: &Value| -> Vec<(Value, Value)> {
        v.as_array()
            .map(|a| {
                a.iter()
                    .map(|w| (w["element"].clone(), w["stable-latency"].clone()))
                    .collect()
            })
            .unwrap_or_default()
    };
    assert_eq!(
        worst(&ours.result["worst-stale"]),
        worst(&theirs["worst-stale"]),
        "{dir}: worst-stale"
    );
    // What the verdict table shows comes from the same numbers.
    assert_eq!(
        ours.counts["lost-count"],
        theirs["lost-count"].as_f64().unwrap_or(-1.0)
    );
}

#[test]
fn checker_matches_jepsen_on_the_flood_calibration_run() {
    checker_agrees_with_jepsen("calibration/broadcast-3d-flood");
}

#[test]
fn checker_matches_jepsen_on_the_star_calibration_run() {
    checker_agrees_with_jepsen("calibration/broadcast-3d-star");
}

#[test]
fn checker_matches_jepsen_on_a_valid_store_run() {
    checker_agrees_with_jepsen("store/broadcast-20261121T112625.949Z");
}

#[test]
fn checker_matches_jepsen_on_a_run_that_lost_45_values() {
    checker_agrees_with_jepsen("store/broadcast-20261121T112556.282Z");
    let (ops, _) = jepsen_run("store/broadcast-20261121T112556.282Z");
    let ours = set_full_check(&ops);
    assert_eq!(ours.valid, Validity::Invalid);
    assert_eq!(ours.counts["lost-count"], 45.0);
    assert_eq!(ours.anomalies, vec!["lost".to_string()]);
}

// ---------------------------------------------------------------------------------------------
// The node in the simulator, over many seeds.

/// Every sweep covers seeds 1..=SEEDS.
const SEEDS: u64 = 20;

fn partitions() -> TestOpts {
    TestOpts::parse_args(&["--nemesis", "partition"]).expect("valid options")
}

/// Runs `f` on seeds 1..=SEEDS over the machine's cores; results in seed order.
fn sweep<T: Send>(f: impl Fn(u64) -> T + Sync) -> Vec<T> {
    sweep_seeds(SEEDS, f)
}

fn verdict(id: &str, overrides: &TestOpts, seed: u64) -> Verdict {
    crate::support::sim::simulate_own(&profile(id), overrides, seed)
        .expect("simulated run")
        .1
}

fn shown(id: &str, seed: u64, f: &Figures) -> String {
    let q = f.stable_latencies.clone().unwrap_or_default();
    format!(
        "{id} seed {seed}: valid {:?}, msgs/op {:.3}, stable p50 {:?} max {:?}, lost {:?}, anomalies {:?}",
        f.valid,
        f.servers_msgs_per_op.unwrap_or(f64::NAN),
        q.get("0.5"),
        q.get("1"),
        f.counts.get("lost-count"),
        f.anomalies
    )
}

/// Valid, nothing lost, and every value became stable.
fn assert_valid(id: &str, seed: u64, v: &Verdict) {
    let f = &v.figures;
    let line = shown(id, seed, f);
    assert_eq!(f.valid, Some(Validity::Valid), "{line}");
    assert_eq!(f.counts.get("lost-count"), Some(&0.0), "{line}");
    assert_eq!(f.counts.get("never-read-count"), Some(&0.0), "{line}");
    assert_eq!(
        f.counts.get("stable-count"),
        f.counts.get("attempt-count"),
        "{line}"
    );
}

#[test]
fn the_small_profiles_are_valid_on_every_seed() {
    for id in ["3a", "3b", "3c"] {
        for (i, v) in sweep(|seed| verdict(id, &TestOpts::default(), seed))
            .iter()
            .enumerate()
        {
            assert_valid(id, i as u64 + 1, v);
            assert!(v.pass, "{}", shown(id, i as u64 + 1, &v.figures));
        }
    }
}

#[test]
fn the_efficient_profiles_meet_their_goals_on_every_seed() {
    for id in ["3d", "3d-fast", "3e"] {
        for (i, v) in sweep(|seed| verdict(id, &TestOpts::default(), seed))
            .iter()
            .enumerate()
        {
            let seed = i as u64 + 1;
            let line = shown(id, seed, &v.figures);
            eprintln!("{line}");
            assert_valid(id, seed, v);
            assert!(v.pass, "criteria: {line}");
            for goal in &v.goals {
                assert!(goal.met, "goal {} missed: {line}", goal.criterion);
            }
        }
    }
}

#[test]
fn the_efficient_profiles_lose_nothing_under_partitions() {
    for id in ["3d", "3d-fast", "3e"] {
        for (i, v) in sweep(|seed| verdict(id, &partitions(), seed))
            .iter()
            .enumerate()
        {
            assert_valid(id, i as u64 + 1, v);
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Nodes that must fail: the checker has to notice.

/// Answers clients from local state; `relay_after` (if any) later sends each client's value to
/// every other node, which stores it.
struct Naive {
    seen: BTreeSet<u64>,
    relay_after: Option<Duration>,
    due: Vec<(Duration, u64)>,
}

impl Naive {
    fn boxed(relay_after: Option<Duration>) -> Box<dyn Node> {
        Box::new(Naive {
            seen: BTreeSet::new(),
            relay_after,
            due: Vec::new(),
        })
    }
}

impl Node for Naive {
    fn on_message(&mut self, msg: Message, ctx: &mut Ctx) -> Result<(), RpcError> {
        match msg.body.kind.as_str() {
            "topology" => ctx.reply(&msg, Body::new("topology_ok")),
            "read" => ctx.reply(&msg, Body::new("read_ok").with("messages", &self.seen)),
            "broadcast" => {
                let v: u64 = msg.body.get("message")?;
                ctx.reply(&msg, Body::new("broadcast_ok"));
                if self.seen.insert(v) {
                    if let Some(after) = self.relay_after {
                        self.due.push((ctx.now + after, v));
                    }
                }
            }
            "gossip" => {
                self.seen.insert(msg.body.get("message")?);
            }
            other => return Err(RpcError::not_supported(other)),
        }
        Ok(())
    }

    fn on_tick(&mut self, ctx: &mut Ctx) {
        let now = ctx.now;
        let (ready, later): (Vec<_>, Vec<_>) = self.due.drain(..).partition(|(t, _)| *t <= now);
        self.due = later;
        let peers: Vec<String> = ctx.peers().cloned().collect();
        for (_, v) in ready {
            for p in &peers {
                ctx.send(p, Body::new("gossip").with("message", v));
            }
        }
    }

    fn tick_interval(&self) -> Option<Duration> {
        Some(Duration::from_millis(10))
    }
}

fn run_naive(id: &str, seed: u64, relay_after: Option<Duration>) -> Verdict {
    let p = profile(id);
    let cfg = SimConfig::new(p.workload, p.opts.merged(&TestOpts::default()), seed);
    let run = sim::run_with(&cfg, &mut |_| Ok(Naive::boxed(relay_after))).expect("simulated run");
    Verdict::new(&p.id, "sim", run.figures, &p.criteria, &p.goals)
}

#[test]
fn a_node_that_never_relays_is_found_losing_values() {
    for seed in [1, 2] {
        let v = run_naive("3b", seed, None);
        let f = &v.figures;
        let line = shown("3b", seed, f);
        assert_eq!(f.valid, Some(Validity::Invalid), "{line}");
        assert!(
            f.counts.get("lost-count").is_some_and(|n| *n > 0.0),
            "{line}"
        );
        assert!(f.anomalies.contains(&"lost".to_string()), "{line}");
        assert!(
            f.failing_checkers.contains(&"workload".to_string()),
            "{line}"
        );
        assert!(!v.pass, "{line}");
    }
}

#[test]
fn a_node_that_relays_after_700_ms_is_valid_but_fails_the_3d_latency_criteria() {
    let v = run_naive("3d", 1, Some(Duration::from_millis(700)));
    let line = shown("3d", 1, &v.figures);
    assert_eq!(v.figures.valid, Some(Validity::Valid), "{line}");
    let met = |name: &str| {
        v.criteria
            .iter()
            .find(|c| c.criterion.starts_with(name))
            .map(|c| c.met)
    };
    assert_eq!(met("servers-msgs-per-op"), Some(true), "{line}");
    assert_eq!(met("stable-latency-p50"), Some(false), "{line}");
    assert_eq!(met("stable-latency-max"), Some(false), "{line}");
    assert!(!v.pass, "{line}");
}

/// Replies `topology_ok` with a field Maelstrom's schema does not allow.
struct ChattyTopology;

impl Node for ChattyTopology {
    fn on_message(&mut self, msg: Message, ctx: &mut Ctx) -> Result<(), RpcError> {
        ctx.reply(&msg, Body::new("topology_ok").with("note", "thanks"));
        Ok(())
    }
}

#[test]
fn a_topology_reply_outside_the_schema_aborts_the_run() {
    let p = profile("3b");
    let cfg = SimConfig::new(p.workload, p.opts.merged(&TestOpts::default()), 1);
    let err = sim::run_with(&cfg, &mut |_| Ok(Box::new(ChattyTopology) as Box<dyn Node>))
        .err()
        .expect("the run must fail");
    assert!(format!("{err:#}").contains("note"), "{err:#}");
}
