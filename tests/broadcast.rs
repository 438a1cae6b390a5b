//! Broadcast (3a–3e): the set-full checker against real Maelstrom runs, the node in the
//! simulator over many seeds (validity, partitions, the 3d/3e goals), and nodes that must fail
//! (one that never relays, one that relays too slowly) to prove the checker bites.

use glomers::report::{edn, history};
use glomers::sim::workloads::broadcast::set_full_check;
use glomers::verdict::Validity;
use serde_json::Value;
use std::path::Path;

fn fixture(dir: &str) -> (Vec<glomers::sim::history::Op>, Value) {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(dir);
    let ops = history::read(&root.join("history.edn")).expect("history.edn");
    let text = std::fs::read_to_string(root.join("results.edn")).expect("results.edn");
    let results = edn::to_json(&edn::parse(&text).expect("results.edn parses"));
    (ops, results)
}

/// Our set-full on a real history must report what Jepsen reported on the same history.
fn checker_agrees_with_jepsen(dir: &str) {
    let (ops, results) = fixture(dir);
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
    let (ops, _) = fixture("store/broadcast-20261121T112556.282Z");
    let ours = set_full_check(&ops);
    assert_eq!(ours.valid, Validity::Invalid);
    assert_eq!(ours.counts["lost-count"], 45.0);
    assert_eq!(ours.anomalies, vec!["lost".to_string()]);
}
