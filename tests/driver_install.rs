//! `glomers maelstrom install` against a local HTTP server: a good tarball, a redirect, a wrong
//! checksum, a cut-short download, a truncated archive, a 404 and a tarball with no jar — each
//! failure with a clear error and nothing left in the cache.

mod support;

use std::path::Path;
use support::{entries, glomers, serve, sha256_hex, tarball, Reply};

fn install(cache: &Path, url: &str, sha: &str) -> (i32, String, String) {
    let out = glomers()
        .args(["maelstrom", "install", "--url", url, "--sha256", sha])
        .env("XDG_CACHE_HOME", cache)
        .output()
        .unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

fn assert_nothing_installed(cache: &Path) {
    let left = entries(&cache.join("glomers"));
    assert!(left.is_empty(), "the cache should be empty, holds {left:?}");
}

#[test]
fn good_tarball_installs_atomically_and_is_found() {
    let good = tarball(true);
    let sha = sha256_hex(&good);
    let base = serve(vec![("/m.tar.bz2", Reply::Body(good))]);
    let cache = tempfile::tempdir().unwrap();
    let (code, stdout, stderr) = install(cache.path(), &format!("{base}/m.tar.bz2"), &sha);
    assert_eq!(code, 0, "{stdout}{stderr}");
    assert!(stdout.contains("installed Maelstrom 0.2.4"), "{stdout}");
    let dir = cache.path().join("glomers/maelstrom-0.2.4");
    assert_eq!(
        std::fs::metadata(dir.join("lib/maelstrom.jar"))
            .unwrap()
            .len(),
        300_000
    );
    let marker = std::fs::read_to_string(dir.join(".glomers-release")).unwrap();
    assert!(marker.contains(&format!("sha256={sha}")), "{marker}");
    // Only the install itself is left: no download or unpack temporaries.
    assert_eq!(entries(&cache.path().join("glomers")), ["maelstrom-0.2.4"]);

    // `path` finds it in the cache, with its version.
    let out = glomers()
        .args(["maelstrom", "path"])
        .env("XDG_CACHE_HOME", cache.path())
        .env("PATH", "")
        .output()
        .unwrap();
    assert!(out.status.success());
    assert_eq!(
        String::from_utf8_lossy(&out.stdout).trim(),
        dir.join("lib/maelstrom.jar").display().to_string()
    );
    assert!(String::from_utf8_lossy(&out.stderr).contains("0.2.4 at"));

    // A second install is a no-op.
    let (code, stdout, _) = install(cache.path(), &format!("{base}/m.tar.bz2"), &sha);
    assert_eq!(code, 0);
    assert!(stdout.contains("already installed"), "{stdout}");
}

#[test]
fn redirects_are_followed_and_env_overrides_work() {
    let good = tarball(true);
    let sha = sha256_hex(&good);
    let base = serve(vec![
        (
            "/latest",
            Reply::Redirect("/releases/v0.2.4/m.tar.bz2".into()),
        ),
        ("/releases/v0.2.4/m.tar.bz2", Reply::Body(good)),
    ]);
    let cache = tempfile::tempdir().unwrap();
    let out = glomers()
        .args(["maelstrom", "install"])
        .env("XDG_CACHE_HOME", cache.path())
        .env("GLOMERS_MAELSTROM_URL", format!("{base}/latest"))
        .env("GLOMERS_MAELSTROM_SHA256", &sha)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(cache
        .path()
        .join("glomers/maelstrom-0.2.4/lib/maelstrom.jar")
        .is_file());
}

#[test]
fn wrong_checksum_installs_nothing() {
    let base = serve(vec![("/m.tar.bz2", Reply::Body(tarball(true)))]);
    let cache = tempfile::tempdir().unwrap();
    let (code, _, stderr) = install(cache.path(), &format!("{base}/m.tar.bz2"), &"0".repeat(64));
    assert_eq!(code, 2, "{stderr}");
    assert!(
        stderr.contains("checksum mismatch") && stderr.contains(&"0".repeat(64)),
        "{stderr}"
    );
    assert_nothing_installed(cache.path());
}

#[test]
fn a_download_cut_short_installs_nothing() {
    let good = tarball(true);
    let sha = sha256_hex(&good);
    let sent = good.len() / 2;
    let base = serve(vec![("/m.tar.bz2", Reply::CutShort { body: good, sent })]);
    let cache = tempfile::tempdir().unwrap();
    let (code, _, stderr) = install(cache.path(), &format!("{base}/m.tar.bz2"), &sha);
    assert_eq!(code, 2, "{stderr}");
    assert!(
        stderr.contains("broke off") || stderr.contains("truncated"),
        "{stderr}"
    );
    assert_nothing_installed(cache.path());
}

#[test]
fn a_truncated_archive_installs_nothing() {
    // The checksum matches what is served, so the failure is found while unpacking.
    let mut cut = tarball(true);
    cut.truncate(cut.len() * 2 / 3);
    let sha = sha256_hex(&cut);
    let base = serve(vec![("/m.tar.bz2", Reply::Body(cut))]);
    let cache = tempfile::tempdir().unwrap();
    let (code, _, stderr) = install(cache.path(), &format!("{base}/m.tar.bz2"), &sha);
    assert_eq!(code, 2, "{stderr}");
    assert!(stderr.contains("unpacking"), "{stderr}");
    assert_nothing_installed(cache.path());
}

#[test]
fn not_found_installs_nothing() {
    let base = serve(vec![]);
    let cache = tempfile::tempdir().unwrap();
    let (code, _, stderr) = install(
        cache.path(),
        &format!("{base}/missing.tar.bz2"),
        &"a".repeat(64),
    );
    assert_eq!(code, 2, "{stderr}");
    assert!(stderr.contains("HTTP 404"), "{stderr}");
    assert_nothing_installed(cache.path());
}

#[test]
fn a_tarball_without_the_jar_is_refused() {
    let bad = tarball(false);
    let sha = sha256_hex(&bad);
    let base = serve(vec![("/m.tar.bz2", Reply::Body(bad))]);
    let cache = tempfile::tempdir().unwrap();
    let (code, _, stderr) = install(cache.path(), &format!("{base}/m.tar.bz2"), &sha);
    assert_eq!(code, 2, "{stderr}");
    assert!(stderr.contains("not a Maelstrom release"), "{stderr}");
    assert_nothing_installed(cache.path());
}

#[test]
fn run_installs_on_demand_then_needs_java() {
    let good = tarball(true);
    let sha = sha256_hex(&good);
    let base = serve(vec![("/m.tar.bz2", Reply::Body(good))]);
    let cache = tempfile::tempdir().unwrap();
    let no_java = tempfile::tempdir().unwrap();
    let out = glomers()
        .args(["run", "1", "--engine", "maelstrom", "--store"])
        .arg(cache.path())
        .env("XDG_CACHE_HOME", cache.path())
        .env("PATH", no_java.path())
        .env("GLOMERS_MAELSTROM_URL", format!("{base}/m.tar.bz2"))
        .env("GLOMERS_MAELSTROM_SHA256", &sha)
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains("is not installed; installing it"),
        "{stderr}"
    );
    assert!(
        stderr.contains("java is not on PATH") && stderr.contains("openjdk"),
        "{stderr}"
    );
    assert!(cache
        .path()
        .join("glomers/maelstrom-0.2.4/lib/maelstrom.jar")
        .is_file());

    // A failed on-demand install is a setup error that says why.
    let empty = tempfile::tempdir().unwrap();
    let out = glomers()
        .args(["run", "1", "--engine", "maelstrom"])
        .env("XDG_CACHE_HOME", empty.path())
        .env("PATH", no_java.path())
        .env("GLOMERS_MAELSTROM_URL", format!("{base}/gone.tar.bz2"))
        .env("GLOMERS_MAELSTROM_SHA256", &sha)
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains("could not install Maelstrom") && stderr.contains("HTTP 404"),
        "{stderr}"
    );
    assert_nothing_installed(empty.path());
}
