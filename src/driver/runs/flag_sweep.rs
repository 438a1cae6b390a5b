//! `glomers sweep <challenge>`: the challenge's node over a grid of node flags (each `--flag
//! NAME=LIST` gives one flag's values; the grid is every combination), each point over the
//! same seeds in the simulator ([`crate::driver::runs::sweep::run`]), the points spread over the cores. Out
//! come a table (median servers msgs-per-op, stable latency p50 and max, worst max, passes),
//! the Pareto frontier of messages against latency, and `frontier.svg` with the published
//! solutions' figures drawn beside our points.

use crate::challenge::{Profile, TestOpts};
use crate::driver::output::say;
use crate::driver::runs::challenge_plan::ChallengePlan;
use crate::driver::runs::sweep::{self, Sweep};
use crate::exit;
use crate::report::plots::frontier::{self, Point, Reference};
use serde_json::json;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Mutex;

/// The most points one sweep runs.
const MAX_POINTS: usize = 2000;

/// The best published solutions' figures, measured on real Maelstrom (see
/// `challenges/3-broadcast.md`): servers msgs-per-op, stable p50 and max as ranges over runs.
fn published(challenge: &str) -> Vec<Reference> {
    match challenge {
        "3d" => vec![Reference {
            label: "best published".into(),
            msgs_per_op: 24.0,
            p50: (165.0, 174.0),
            max: (205.0, 239.0),
        }],
        "3e" => vec![Reference {
            label: "best published".into(),
            msgs_per_op: 1.71,
            p50: (744.0, 744.0),
            max: (1112.0, 1112.0),
        }],
        _ => Vec::new(),
    }
}

/// One flag and the values it takes.
#[derive(Clone, Debug, PartialEq)]
pub struct Axis {
    /// Without the leading dashes (`period-ms`).
    pub name: String,
    pub values: Vec<String>,
}

/// Parses `NAME=V1,V2,…` or `NAME=LO..HI:STEP` (integers, both ends included).
pub fn parse_axis(spec: &str) -> anyhow::Result<Axis> {
    let bad = |why: &str| exit::setup(format!("--flag {spec:?}: {why}"));
    let (name, values) = spec
        .split_once('=')
        .ok_or_else(|| bad("expected NAME=V1,V2 or NAME=LO..HI:STEP"))?;
    let name = name.trim_start_matches('-').to_string();
    if name.is_empty() {
        return Err(bad("no flag name"));
    }
    let values: Vec<String> = match values.split_once("..") {
        Some((lo, rest)) => {
            let (hi, step) = rest.split_once(':').unwrap_or((rest, "1"));
            let num = |s: &str| {
                s.trim()
                    .parse::<i64>()
                    .map_err(|_| bad("a range takes integers"))
            };
            let (lo, hi, step) = (num(lo)?, num(hi)?, num(step)?);
            if step <= 0 || hi < lo {
                return Err(bad("a range needs LO <= HI and a positive STEP"));
            }
            let count = (hi - lo) / step + 1;
            if count as usize > MAX_POINTS {
                return Err(bad("too many values"));
            }
            (0..count).map(|i| (lo + i * step).to_string()).collect()
        }
        None => values.split(',').map(|v| v.trim().to_string()).collect(),
    };
    if values.iter().any(String::is_empty) {
        return Err(bad("an empty value"));
    }
    Ok(Axis { name, values })
}

/// Every combination of the axes' values, as (name, value) settings, first axis slowest.
pub fn grid(axes: &[Axis]) -> anyhow::Result<Vec<Vec<(String, String)>>> {
    let mut points: Vec<Vec<(String, String)>> = vec![Vec::new()];
    for axis in axes {
        if points.len() * axis.values.len() > MAX_POINTS {
            return Err(exit::setup(format!(
                "the grid has more than {MAX_POINTS} points; sweep fewer values"
            )));
        }
        points = points
            .into_iter()
            .flat_map(|p| {
                axis.values.iter().map(move |v| {
                    let mut p = p.clone();
                    p.push((axis.name.clone(), v.clone()));
                    p
                })
            })
            .collect();
    }
    Ok(points)
}

/// `base` node arguments with each setting applied: an existing `--name value` is replaced,
/// else `--name value` is appended.
pub fn apply(base: &[String], settings: &[(String, String)]) -> Vec<String> {
    let mut args = base.to_vec();
    for (name, value) in settings {
        let flag = format!("--{name}");
        match args.iter().position(|a| *a == flag) {
            Some(i) if i + 1 < args.len() => args[i + 1] = value.clone(),
            _ => {
                args.push(flag);
                args.push(value.clone());
            }
        }
    }
    args
}

/// What the user asked the sweep to do.
#[derive(Clone, Debug)]
pub struct SweepPlan {
    pub axes: Vec<Axis>,
    pub opts: TestOpts,
    pub first_seed: u64,
    pub seeds: u64,
    /// Worker threads (default: the machine's cores).
    pub jobs: Option<usize>,
    /// Where the table and the plot go.
    pub out: PathBuf,
    pub json: bool,
}

/// One point's result.
struct Row {
    settings: Vec<(String, String)>,
    sweep: Sweep,
}

/// Runs every point of the grid on `jobs` threads; results in grid order.
fn run_points(profile: &Profile, plan: &SweepPlan) -> anyhow::Result<Vec<Row>> {
    let points = grid(&plan.axes)?;
    let jobs = plan
        .jobs
        .unwrap_or_else(|| std::thread::available_parallelism().map_or(1, |n| n.get()))
        .clamp(1, points.len().max(1));
    let next = AtomicUsize::new(0);
    let results: Mutex<Vec<Option<anyhow::Result<Sweep>>>> =
        Mutex::new((0..points.len()).map(|_| None).collect());
    let done = AtomicUsize::new(0);
    std::thread::scope(|scope| {
        for _ in 0..jobs {
            scope.spawn(|| loop {
                let i = next.fetch_add(1, Ordering::Relaxed);
                let Some(settings) = points.get(i) else { break };
                let mut point = profile.clone();
                point.node_args = apply(&profile.node_args, settings);
                let result = ChallengePlan::own(&point, &plan.opts)
                    .and_then(|own| sweep::run(&own, plan.first_seed, plan.seeds));
                let n = done.fetch_add(1, Ordering::Relaxed) + 1;
                eprintln!("glomers: sweep point {n}/{} done", points.len());
                if let Ok(mut r) = results.lock() {
                    r[i] = Some(result);
                }
            });
        }
    });
    let results = results
        .into_inner()
        .map_err(|_| anyhow::anyhow!("a sweep worker panicked"))?;
    points
        .into_iter()
        .zip(results)
        .map(|(settings, r)| {
            let sweep = r.ok_or_else(|| anyhow::anyhow!("a sweep point was not run"))??;
            Ok(Row { settings, sweep })
        })
        .collect()
}

fn describe(settings: &[(String, String)]) -> String {
    if settings.is_empty() {
        return "(profile)".into();
    }
    settings
        .iter()
        .map(|(n, v)| format!("--{n} {v}"))
        .collect::<Vec<_>>()
        .join(" ")
}

/// The table, as text (Markdown, readable as it is).
fn table(profile: &Profile, rows: &[Row], points: &[Point], on_frontier: &[bool]) -> String {
    let mut out = String::from(
        "| # | node flags | servers msgs-per-op | stable p50 ms | stable max ms | worst max ms | passed | frontier |\n\
         |---|---|---|---|---|---|---|---|\n",
    );
    let fmt = |v: Option<f64>, d: usize| v.map_or("—".to_string(), |v| format!("{v:.d$}"));
    for ((row, point), front) in rows.iter().zip(points).zip(on_frontier) {
        let (seeds, passed) = row.sweep.tally();
        out.push_str(&format!(
            "| {} | `{}`{} | {} | {} | {} | {} | {passed}/{seeds} | {} |\n",
            point.number,
            describe(&row.settings),
            if point.is_profile { " (profile)" } else { "" },
            fmt(row.sweep.median("servers-msgs-per-op"), 3),
            fmt(row.sweep.median("stable-latency-p50"), 0),
            fmt(row.sweep.median("stable-latency-max"), 0),
            fmt(row.sweep.worst("stable-latency-max"), 0),
            if *front { "yes" } else { "" }
        ));
    }
    for r in published(&profile.id) {
        out.push_str(&format!(
            "| — | {} | {} | {:.0}–{:.0} | {:.0}–{:.0} | | | |\n",
            r.label, r.msgs_per_op, r.p50.0, r.p50.1, r.max.0, r.max.1
        ));
    }
    out
}

/// Runs the sweep, writes `frontier.svg`, `sweep.md` and `sweep.json` into the plan's folder,
/// and prints the table. Exit 0 when every point passed on every seed, else 1.
pub fn command(profile: &Profile, plan: &SweepPlan) -> anyhow::Result<u8> {
    let rows = run_points(profile, plan)?;
    let points: Vec<Point> = rows
        .iter()
        .enumerate()
        .map(|(i, row)| Point {
            number: i + 1,
            msgs_per_op: row.sweep.median("servers-msgs-per-op").unwrap_or(0.0),
            p50: row.sweep.median("stable-latency-p50").unwrap_or(0.0),
            max: row.sweep.median("stable-latency-max").unwrap_or(0.0),
            is_profile: apply(&profile.node_args, &row.settings) == profile.node_args,
        })
        .collect();
    let mut on_frontier = vec![false; points.len()];
    for panel in [|p: &Point| p.p50, |p: &Point| p.max] {
        let xy: Vec<(f64, f64)> = points.iter().map(|p| (p.msgs_per_op, panel(p))).collect();
        for i in frontier::pareto(&xy) {
            on_frontier[i] = true;
        }
    }
    let text = table(profile, &rows, &points, &on_frontier);
    write_outputs(profile, plan, &rows, &points, &text)?;
    if plan.json {
        let json = json!({
            "challenge": profile.id,
            "seeds": [plan.first_seed, plan.first_seed + plan.seeds - 1],
            "points": rows.iter().zip(&points).zip(&on_frontier).map(|((row, p), f)| json!({
                "number": p.number,
                "node-args": apply(&profile.node_args, &row.settings),
                "frontier": f,
                "sweep": row.sweep,
            })).collect::<Vec<_>>(),
            "out": plan.out.display().to_string(),
        });
        say(&(serde_json::to_string_pretty(&json)? + "\n"))?;
    } else {
        say(&format!(
            "challenge {} over seeds {}..={}, {} point(s); a point's figures are medians over its seeds\n{text}\nfrontier plot: {}\n",
            profile.id,
            plan.first_seed,
            plan.first_seed + plan.seeds - 1,
            rows.len(),
            plan.out.join(frontier::FILE).display()
        ))?;
    }
    let all_passed = rows.iter().all(|r| {
        let (seeds, passed) = r.sweep.tally();
        seeds == passed
    });
    Ok(if all_passed { 0 } else { 1 })
}

fn write_outputs(
    profile: &Profile,
    plan: &SweepPlan,
    rows: &[Row],
    points: &[Point],
    table: &str,
) -> anyhow::Result<()> {
    let out: &Path = &plan.out;
    std::fs::create_dir_all(out)
        .map_err(|e| exit::setup(format!("creating {}: {e}", out.display())))?;
    let title = format!(
        "{} sweep: servers msgs-per-op against stable latency (medians over seeds {}..={})",
        profile.id,
        plan.first_seed,
        plan.first_seed + plan.seeds - 1
    );
    let svg = frontier::draw(&title, points, &published(&profile.id))?;
    crate::report::plots::write(&out.join(frontier::FILE), &svg)?;
    crate::report::plots::write(&out.join("sweep.md"), table)?;
    let json: Vec<_> = rows
        .iter()
        .map(|r| json!({"node-args": apply(&profile.node_args, &r.settings), "sweep": r.sweep}))
        .collect();
    crate::report::plots::write(
        &out.join("sweep.json"),
        &serde_json::to_string_pretty(&json)?,
    )?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn axes_take_lists_and_ranges() {
        let a = parse_axis("period-ms=300,350").unwrap();
        assert_eq!((a.name.as_str(), a.values.len()), ("period-ms", 2));
        let r = parse_axis("--burst-ms=100..160:20").unwrap();
        assert_eq!(r.values, ["100", "120", "140", "160"]);
        for bad in ["x", "=1", "a=1..0", "a=1..5:0", "a=1,,2", "a=x..y"] {
            assert!(parse_axis(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn the_grid_is_every_combination_applied_over_the_profile() {
        let axes = [parse_axis("a=1,2").unwrap(), parse_axis("b=x,y,z").unwrap()];
        let g = grid(&axes).unwrap();
        assert_eq!(g.len(), 6);
        assert_eq!(g[1], [("a".into(), "1".into()), ("b".into(), "y".into())]);
        let base: Vec<String> = ["--a", "9", "--c", "3"].map(String::from).to_vec();
        assert_eq!(apply(&base, &g[5]), ["--a", "2", "--c", "3", "--b", "z"]);
        assert_eq!(grid(&[]).unwrap(), [Vec::<(String, String)>::new()]);
    }
}
