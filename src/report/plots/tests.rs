//! The plots' structure on real Maelstrom runs: well-formed SVG, the expected series and
//! one mark per operation, never pixels.

use super::*;
use crate::report::plots::ops::OpEnd;

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/store")
        .join(name)
}

/// Checks what any SVG file of ours must be: one root element, every tag closed, text
/// escaped (no stray `<` inside `<text>`).
pub(crate) fn assert_well_formed(svg: &str) {
    let svg = svg.trim();
    assert!(svg.starts_with("<svg"), "{}", &svg[..svg.len().min(80)]);
    assert!(svg.ends_with("</svg>"));
    let mut stack: Vec<String> = Vec::new();
    let mut rest = svg;
    while let Some(at) = rest.find('<') {
        rest = &rest[at + 1..];
        let end = rest.find('>').expect("an unclosed tag");
        let tag = &rest[..end];
        rest = &rest[end + 1..];
        if tag.starts_with('?') || tag.starts_with('!') {
            continue;
        }
        if let Some(name) = tag.strip_prefix('/') {
            assert_eq!(
                stack.pop().as_deref(),
                Some(name.trim()),
                "mismatched </{name}>"
            );
        } else if !tag.ends_with('/') {
            let name = tag.split_whitespace().next().unwrap_or_default();
            stack.push(name.to_string());
        }
    }
    assert!(stack.is_empty(), "unclosed: {stack:?}");
}

/// The trimmed contents of every `<text>` element.
pub(crate) fn texts(svg: &str) -> Vec<String> {
    svg.split("<text")
        .skip(1)
        .filter_map(|t| {
            let body = &t[t.find('>')? + 1..];
            Some(body[..body.find("</text>")?].trim().to_string())
        })
        .collect()
}

fn has_text(svg: &str, text: &str) -> bool {
    texts(svg).iter().any(|t| t == text)
}

fn count(svg: &str, needle: &str) -> usize {
    svg.matches(needle).count()
}

#[test]
fn latency_raw_draws_one_mark_per_operation_by_f_and_outcome() {
    let ops = Ops::of_file(&fixture("lin-kv-20261121T112653.280Z/history.edn")).unwrap();
    let svg = latency_raw::draw(&ops).unwrap();
    assert_well_formed(&svg);
    let ok = ops.points.iter().filter(|p| p.outcome == OpEnd::Ok).count();
    let fail = ops
        .points
        .iter()
        .filter(|p| p.outcome == OpEnd::Fail)
        .count();
    assert!(ok > 0 && fail > 0, "the lin-kv run has both");
    // One circle per ok operation, plus one per ok series in the legend.
    let ok_series = ops
        .fs
        .iter()
        .enumerate()
        .filter(|(i, _)| {
            ops.points
                .iter()
                .any(|p| p.f == *i && p.outcome == OpEnd::Ok)
        })
        .count();
    assert_eq!(count(&svg, "<circle"), ok + ok_series);
    for label in ["read ok", "read fail", "write ok", "cas fail"] {
        assert!(has_text(&svg, label), "legend {label}");
    }
    assert!(svg.contains("latency (ms)"));
}

#[test]
fn quantiles_have_a_panel_per_f_and_four_lines_each() {
    let ops = Ops::of_file(&fixture("broadcast-20261121T112625.949Z/history.edn")).unwrap();
    let svg = latency_quantiles::draw(&ops).unwrap();
    assert_well_formed(&svg);
    assert_eq!(ops.fs, ["broadcast", "read"]);
    for f in ["broadcast", "read"] {
        assert!(has_text(&svg, f), "panel {f}");
    }
    for q in &["p50", "p95", "p99", "max"] {
        assert_eq!(
            texts(&svg).iter().filter(|t| t == q).count(),
            2,
            "{q} in both legends"
        );
    }
    let s = latency_quantiles::series(&ops, 0, 1.0);
    assert!(s
        .values()
        .all(|v| v[0] <= v[1] && v[1] <= v[2] && v[2] <= v[3]));
}

#[test]
fn rate_counts_every_completion() {
    let ops = Ops::of_file(&fixture("echo-20261121T112534.331Z/history.edn")).unwrap();
    let svg = rate::draw(&ops).unwrap();
    assert_well_formed(&svg);
    assert!(has_text(&svg, "echo ok"));
    let bucket = ops::bucket_secs(ops.span_secs());
    let s = rate::series(&ops, 0, OpEnd::Ok, bucket);
    let total: f64 = s.iter().map(|p| p.1 * bucket).sum();
    assert_eq!(total.round() as usize, ops.points.len());
}

#[test]
fn stable_latency_plot_marks_the_lost_values() {
    let dir = fixture("broadcast-20261121T112556.282Z");
    let history = crate::report::history::read(&dir.join("history.edn")).unwrap();
    let fates = crate::sim::workloads::broadcast::set_full_fates(&history);
    let lost = fates.iter().filter(|f| f.lost).count();
    assert_eq!(lost, 45, "the no-gossip run lost 45 values");
    let svg = stable::draw(&fates, &[], 10.0).unwrap();
    assert_well_formed(&svg);
    assert!(texts(&svg).iter().any(|t| t.contains("45 lost")));
    assert!(has_text(&svg, "lost (when known)"));
    let (_, counts) = stable::histogram(&fates);
    let stable = fates.iter().filter(|f| f.stable_ms.is_some()).count();
    assert_eq!(counts.iter().sum::<u64>() as usize, stable);
}

#[test]
fn every_fixture_folder_gets_its_plots() {
    let temp = tempfile::tempdir().unwrap();
    let out = temp.path();
    for (name, workload, n) in [
        ("broadcast-20261121T112625.949Z", "broadcast", 4),
        ("echo-20261121T112534.331Z", "echo", 3),
        ("txn-rw-register-20261121T112710.966Z", "txn-rw-register", 3),
    ] {
        let plots = write_all(&fixture(name), Some(workload), out).unwrap();
        assert_eq!(plots.len(), n, "{name}");
        for p in plots {
            let svg = std::fs::read_to_string(out.join(p.file)).unwrap();
            assert_well_formed(&svg);
        }
    }
}

#[test]
fn faults_are_shaded_and_labelled() {
    let ops = Ops {
        fs: vec!["read".into()],
        points: vec![ops::Point {
            invoked: 1_000_000_000,
            latency: 5_000_000,
            f: 0,
            outcome: OpEnd::Ok,
        }],
        faults: vec![ops::Fault {
            what: "partition".into(),
            from: 500_000_000,
            to: None,
        }],
        end: 2_000_000_000,
    };
    let svg = latency_raw::draw(&ops).unwrap();
    assert_well_formed(&svg);
    assert!(has_text(&svg, "partition (nemesis)"));
}

#[test]
fn log_ticks_are_distinct_in_range_and_never_fewer_than_three() {
    for (lo, hi) in [
        (1.0 / 1.5, 10.0 * 1.5),
        (0.01, 5000.0),
        (2.0, 9.0),
        (0.3, 700.0),
    ] {
        let ticks = super::style::log_ticks(lo, hi);
        assert!(ticks.len() >= 3, "{lo}..{hi}: {ticks:?}");
        assert!(ticks.windows(2).all(|w| w[0] < w[1]), "{ticks:?}");
        assert!(ticks.iter().all(|t| *t >= lo && *t <= hi), "{ticks:?}");
    }
    assert!(super::style::log_ticks(0.0, 1.0).is_empty());
}
