//! The naive column of the README's faults table: challenge 2's counting node (the Rust twin of
//! `tests/nodes/counting_ids.py`) under each fault, seeds 1–20, in virtual time. Ignored by
//! default (it only prints); run it with
//! `cargo test --test it fault_table -- --ignored --nocapture`. Glomers' own column comes from
//! `glomers run <id> --engine sim --seeds 20 --seed 1 --nemesis <fault>`.

use crate::support::naive::CountingIds;
use crate::support::sim::{profile, sweep_seeds};
use glomers::challenge::TestOpts;
use glomers::node::Node;
use glomers::sim::{self, SimConfig};

const FAULTS: [&str; 7] = [
    "partition",
    "kill",
    "pause",
    "partition-oneway",
    "loss",
    "duplicate",
    "delay",
];

#[test]
#[ignore = "prints the naive column of the faults table"]
fn counting_ids_under_every_fault() {
    let p = profile("2");
    for fault in FAULTS {
        let over = TestOpts::parse_args(&["--nemesis", fault]).expect("valid");
        let runs = sweep_seeds(20, |seed| {
            let cfg = SimConfig::new(p.workload, p.opts.merged(&over), seed);
            let run = sim::run_with(&cfg, &mut |_| {
                Ok(Box::new(CountingIds::default()) as Box<dyn Node>)
            })
            .expect("runs");
            let dup = run
                .figures
                .counts
                .get("duplicated-count")
                .copied()
                .unwrap_or(0.0);
            (
                run.figures.valid,
                dup,
                run.figures.ok_fraction.unwrap_or(0.0),
            )
        });
        let valid: Vec<u64> = (1..=20)
            .filter(|s| runs[(*s - 1) as usize].0 == Some(glomers::verdict::Validity::Valid))
            .collect();
        let duplicated: Vec<u64> = (1..=20)
            .filter(|s| runs[(*s - 1) as usize].1 > 0.0)
            .collect();
        let mut dups: Vec<f64> = runs.iter().map(|r| r.1).collect();
        dups.sort_by(f64::total_cmp);
        println!(
            "2 × {fault}: valid {}/20; duplicates on seeds {duplicated:?}; duplicated-count median {} worst {}",
            valid.len(),
            dups[10],
            dups[19]
        );
    }
}
