//! What a person looks at: every run folder glomers writes gets its plots and `index.html`,
//! and `glomers report --html` writes them for Maelstrom's own folders. The page needs
//! nothing outside the folder (no script, no network address) and every file it points at
//! exists.

use crate::support::binary::{glomers, ran};
use crate::support::fixtures;
use std::path::Path;

/// Every `src` and `href` of a page that is not a `file://` address or an anchor.
fn local_links(page: &str) -> Vec<String> {
    let mut links = Vec::new();
    for attr in ["src=\"", "href=\"", "data=\""] {
        for part in page.split(attr).skip(1) {
            let link = &part[..part.find('"').unwrap()];
            if !link.starts_with("file://") && !link.starts_with('#') {
                links.push(link.to_string());
            }
        }
    }
    links
}

/// The page in `dir` is whole and self-contained, and every link resolves in `dir`.
fn check_page(dir: &Path) -> String {
    let page = std::fs::read_to_string(dir.join("index.html")).unwrap();
    assert!(page.starts_with("<!DOCTYPE html>") && page.trim_end().ends_with("</html>"));
    for banned in ["http://", "https://", "<script", "<link "] {
        assert!(!page.contains(banned), "{banned} in {}", dir.display());
    }
    for link in local_links(&page) {
        let path = link.replace("%20", " ");
        assert!(
            dir.join(&path).exists(),
            "{link} missing in {}",
            dir.display()
        );
    }
    page
}

#[test]
fn report_html_writes_plots_and_a_page_for_maelstrom_folders() {
    let temp = tempfile::tempdir().unwrap();
    for (name, plots) in [
        ("broadcast-20261121T112556.282Z", 4),
        ("broadcast-20261121T112625.949Z", 4),
        ("echo-20261121T112534.331Z", 3),
        ("lin-kv-20261121T112653.280Z", 3),
        ("txn-rw-register-20261121T112710.966Z", 3),
    ] {
        let dir = temp.path().join(name);
        std::fs::create_dir(&dir).unwrap();
        for entry in std::fs::read_dir(fixtures::store_run(name)).unwrap() {
            let entry = entry.unwrap();
            std::fs::copy(entry.path(), dir.join(entry.file_name())).unwrap();
        }
        let out = ran(glomers().args(["report", "--html"]).arg(&dir));
        assert!(matches!(out.code, Some(0..=1)), "{name}: {}", out.stderr);
        let page_line = out
            .stdout
            .lines()
            .find(|l| l.trim_start().starts_with("page "))
            .unwrap_or_else(|| panic!("{name}: no page line in {}", out.stdout));
        assert!(page_line.ends_with("index.html"), "{page_line}");
        let page = check_page(&dir);
        let svgs = std::fs::read_dir(&dir)
            .unwrap()
            .filter(|e| {
                e.as_ref()
                    .unwrap()
                    .file_name()
                    .to_string_lossy()
                    .ends_with(".svg")
            })
            .count();
        assert_eq!(svgs, plots, "{name}");
        assert!(page.contains("results.edn") && page.contains("history.edn"));
        if name == "broadcast-20261121T112556.282Z" {
            assert!(
                page.contains("INVALID") || page.contains("invalid"),
                "{name}"
            );
            assert!(page.contains("45 lost") || page.contains("lost-count"));
        }
        // Without --html the page is only named.
        let again = ran(glomers().arg("report").arg(&dir));
        assert!(again.stdout.contains("index.html"));
    }
}

#[test]
fn report_html_can_write_elsewhere_and_links_back() {
    let out_dir = tempfile::tempdir().unwrap();
    let run = fixtures::store_run("echo-20261121T112534.331Z");
    let out = ran(glomers()
        .args(["report", "--html", "--out"])
        .arg(out_dir.path())
        .arg(&run));
    assert_eq!(out.code, Some(0), "{}", out.stderr);
    let page = std::fs::read_to_string(out_dir.path().join("index.html")).unwrap();
    assert!(page.contains("file://"), "links to the run folder's files");
    assert!(out_dir.path().join("latency-raw.svg").is_file());
    assert!(
        !run.join("index.html").exists(),
        "the fixture is left alone"
    );
}

#[test]
fn a_simulated_run_folder_has_its_page() {
    let store = tempfile::tempdir().unwrap();
    let out = ran(glomers()
        .args(["run", "3b", "--engine", "sim", "--seed", "2", "--store"])
        .arg(store.path()));
    assert_eq!(out.code, Some(0), "{}", out.stderr);
    let dir = store.path().join("store/latest");
    let page = check_page(&dir);
    for file in [
        "latency-raw.svg",
        "latency-quantiles.svg",
        "rate.svg",
        "stable-latency.svg",
    ] {
        assert!(dir.join(file).is_file(), "{file}");
        assert!(page.contains(file), "{file} on the page");
    }
    assert!(page.contains("PASS"));
    assert!(page.contains("node-logs/n0.log"));
}

// ---------------------------------------------------------------------------------------------
// The message diagram of a failing broadcast run.

mod lost_values {
    use super::*;
    use crate::support::sim::profile;
    use glomers::challenge::{Profiles, TestOpts};
    use glomers::node::{Ctx, Node};
    use glomers::protocol::{Body, Message, RpcError};
    use glomers::report::{run_dir, view, write_history, write_results};
    use glomers::sim::{self, journal, SimConfig};
    use std::io::Write;

    /// Gossips each client value once, at once, and never again: a partition loses values.
    struct GossipOnce(Vec<u64>);

    impl Node for GossipOnce {
        fn on_message(&mut self, msg: Message, ctx: &mut Ctx) -> Result<(), RpcError> {
            match msg.body.kind.as_str() {
                "topology" => ctx.reply(&msg, Body::new("topology_ok")),
                "read" => ctx.reply(&msg, Body::new("read_ok").with("messages", &self.0)),
                "broadcast" => {
                    let v: u64 = msg.body.get("message")?;
                    self.0.push(v);
                    let peers: Vec<String> = ctx.peers().cloned().collect();
                    for p in peers {
                        ctx.send(&p, Body::new("gossip").with("message", v));
                    }
                    ctx.reply(&msg, Body::new("broadcast_ok"));
                }
                "gossip" => self.0.push(msg.body.get("message")?),
                other => return Err(RpcError::not_supported(other)),
            }
            Ok(())
        }
    }

    /// A 3c run of [`GossipOnce`] written as a run folder with its journal; the first lost
    /// value.
    fn failing_run(dir: &Path) -> serde_json::Value {
        let p = profile("3c");
        let mut cfg = SimConfig::new(p.workload, p.opts.merged(&TestOpts::default()), 1);
        cfg.journal = Some(journal::DEFAULT_LIMIT);
        let run = sim::run_with(&cfg, &mut |_| Ok(Box::new(GossipOnce(Vec::new())))).unwrap();
        let mut out = std::fs::File::create(dir.join("history.edn")).unwrap();
        write_history::write(
            &write_history::maelstrom_form(&run.outcome.history),
            &mut out,
        )
        .unwrap();
        std::fs::write(
            dir.join("results.edn"),
            write_results::results_edn(&run.results, "broadcast"),
        )
        .unwrap();
        let mut out = std::fs::File::create(dir.join(journal::FILE)).unwrap();
        run.outcome.journal.unwrap().write(&mut out).unwrap();
        out.flush().unwrap();
        run.results["workload"]["lost"][0].clone()
    }

    #[test]
    fn the_diagram_of_a_failing_broadcast_run_follows_a_lost_value() {
        let temp = tempfile::tempdir().unwrap();
        let dir = temp.path().join("broadcast-run");
        std::fs::create_dir(&dir).unwrap();
        let lost = failing_run(&dir);
        assert!(lost.is_u64(), "the run lost a value: {lost}");
        let report = run_dir::load(&dir, &Profiles::builtin(), Some("3c")).unwrap();
        assert!(!report.verdict.pass);
        view::write(&report, &dir, &view::Options::default()).unwrap();
        let page = check_page(&dir);
        let file = format!("message-diagram-value-{lost}.svg");
        assert!(
            page.contains(&file),
            "the page shows the lost value's diagram"
        );
        assert!(
            page.contains("message-diagram.svg"),
            "and the first seconds"
        );
        let svg = std::fs::read_to_string(dir.join(&file)).unwrap();
        crate::report::pages::assert_svg(&svg);
        assert!(svg.contains(&format!("Messages carrying value {lost}")));
        // The client's broadcast and the gossip carrying it, some of it dropped by the
        // partition: that is why it was lost.
        let arrows: Vec<&str> = svg.split("<g class=\"msg ").skip(1).collect();
        assert!(
            arrows
                .iter()
                .any(|a| a.contains(" broadcast ·") && a.contains(&format!("message&quot;:{lost}"))),
            "the client's broadcast of {lost}"
        );
        let dropped = arrows
            .iter()
            .filter(|a| a.starts_with("dropped") && a.contains(" gossip ·"))
            .count();
        assert!(dropped > 0, "dropped gossip of {lost} is marked");
        assert!(svg.contains("class=\"fault\""), "the partition is shaded");
    }

    #[test]
    fn report_draws_a_window_a_value_or_an_operation_on_request() {
        let temp = tempfile::tempdir().unwrap();
        let dir = temp.path().join("broadcast-run");
        std::fs::create_dir(&dir).unwrap();
        let lost = failing_run(&dir);
        let out = ran(glomers()
            .args([
                "report",
                "--challenge",
                "3c",
                "--from",
                "1000",
                "--to",
                "1500",
            ])
            .arg(&dir));
        assert_eq!(out.code, Some(1), "{}", out.stderr);
        let svg = std::fs::read_to_string(dir.join("message-diagram-1000-1500ms.svg")).unwrap();
        assert!(svg.contains("Messages, 1000–1500 ms"));
        check_page(&dir);
        let out = ran(glomers()
            .args(["report", "--challenge", "3c", "--value"])
            .arg(lost.to_string())
            .arg(&dir));
        assert_eq!(out.code, Some(1), "{}", out.stderr);
        assert!(dir
            .join(format!("message-diagram-value-{lost}.svg"))
            .is_file());
        // Operation 10 of the history: its client's request and reply are drawn.
        let out = ran(glomers()
            .args(["report", "--challenge", "3c", "--op", "10"])
            .arg(&dir));
        assert_eq!(out.code, Some(1), "{}", out.stderr);
        let svg = std::fs::read_to_string(dir.join("message-diagram-op-10.svg")).unwrap();
        assert!(svg.contains("Messages of operation 10"), "{}", &svg[..600]);
        assert!(svg.matches("<g class=\"msg delivered\"").count() >= 2);
        let out = ran(glomers()
            .args(["report", "--challenge", "3c", "--op", "999999"])
            .arg(&dir));
        assert_eq!(out.code, Some(2), "an operation the history lacks");
        assert!(
            out.stderr.contains("no client operation with index 999999"),
            "{}",
            out.stderr
        );
    }
}

/// The checks every SVG of a run folder passes: one root element, every tag closed.
pub fn assert_svg(svg: &str) {
    let svg = svg.trim();
    assert!(svg.starts_with("<svg") && svg.ends_with("</svg>"));
    let mut depth: i64 = 0;
    let mut rest = svg;
    while let Some(at) = rest.find('<') {
        rest = &rest[at + 1..];
        let end = rest.find('>').expect("an unclosed tag");
        let tag = &rest[..end];
        rest = &rest[end + 1..];
        if tag.starts_with('/') {
            depth -= 1;
        } else if !tag.ends_with('/') {
            depth += 1;
        }
        assert!(depth >= 0, "a closing tag too many");
    }
    assert_eq!(depth, 0, "unclosed tags");
}

#[test]
fn sweep_draws_the_frontier_with_the_published_points() {
    let out = tempfile::tempdir().unwrap();
    let ran_sweep = ran(glomers()
        .args([
            "sweep",
            "3d",
            "--flag",
            "period-ms=300,365",
            "--flag",
            "burst-ms=0,135",
            "--seeds",
            "2",
            "--jobs",
            "2",
            "--out",
        ])
        .arg(out.path()));
    assert_eq!(ran_sweep.code, Some(0), "{}", ran_sweep.stderr);
    let table = &ran_sweep.stdout;
    for row in [
        "| 1 | `--period-ms 300 --burst-ms 0`",
        "| 4 | `--period-ms 365 --burst-ms 135` (profile)",
    ] {
        assert!(table.contains(row), "{row} in {table}");
    }
    assert!(
        table.contains("| — | best published | 24 | 165–174 | 205–239 |"),
        "{table}"
    );
    assert!(table.contains("| yes |"), "some point is on the frontier");
    let svg = std::fs::read_to_string(out.path().join("frontier.svg")).unwrap();
    assert_svg(&svg);
    assert!(svg.contains("best published (24 msgs/op, 165–174 ms)"));
    assert!(svg.contains("best published (24 msgs/op, 205–239 ms)"));
    assert!(svg.contains("Pareto frontier"));
    for file in ["sweep.md", "sweep.json"] {
        assert!(out.path().join(file).is_file(), "{file}");
    }
    let bad = ran(glomers().args(["sweep", "3d", "--flag", "period-ms"]));
    assert_eq!(bad.code, Some(2), "{}", bad.stderr);
}
