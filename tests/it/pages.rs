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
