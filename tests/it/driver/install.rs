//! `glomers maelstrom install` against a local HTTP server: a good tarball, a redirect, a wrong
//! checksum, a cut-short download, a truncated archive, a 404 and a tarball with no jar — and
//! hostile servers and archives: redirects to other schemes or in a loop, a trickle past the
//! deadline, absurd or endless bodies, unpack bombs, setuid bits, links out of the folder,
//! fifos, and Ctrl-C / SIGTERM mid-download — each failure with a clear error and nothing left
//! in the cache; and `--engine auto` remembering a failed download instead of retrying it on
//! every run.

use crate::support::binary::{glomers, ran, write_executable, Ran};
use crate::support::http::{serve, Reply};
use crate::support::release::{entries, serve_archive, sha256_hex, tarball, tarball_with, Extra};
use std::path::Path;
use std::time::{Duration, Instant};

fn install(cache: &Path, url: &str, sha: &str) -> (i32, String, String) {
    install_env(cache, url, sha, &[])
}

/// `install` with extra environment variables (the limits' overrides).
fn install_env(cache: &Path, url: &str, sha: &str, env: &[(&str, &str)]) -> (i32, String, String) {
    let out = ran(glomers()
        .args(["maelstrom", "install", "--url", url, "--sha256", sha])
        .env("XDG_CACHE_HOME", cache)
        .envs(env.iter().copied()));
    (out.code.unwrap_or(-1), out.stdout, out.stderr)
}

/// Installs `archive` (served with its right checksum) and expects it refused with `why`,
/// leaving nothing behind.
fn assert_archive_refused(archive: Vec<u8>, why: &str) {
    let cache = tempfile::tempdir().unwrap();
    let (code, said) = install_archive(cache.path(), archive, &[]);
    assert_eq!(code, 2, "{said}");
    assert!(said.contains(why), "{said}");
    assert_nothing_installed(cache.path());
}

fn assert_nothing_installed(cache: &Path) {
    let left = entries(&cache.join("glomers"));
    assert!(left.is_empty(), "the cache should be empty, holds {left:?}");
}

#[test]
fn good_tarball_installs_atomically_and_is_found() {
    let (url, sha) = serve_archive(tarball(true));
    let cache = tempfile::tempdir().unwrap();
    let (code, stdout, stderr) = install(cache.path(), &url, &sha);
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
    let (code, stdout, _) = install(cache.path(), &url, &sha);
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
    assert_archive_refused(cut, "unpacking");
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
    assert_archive_refused(tarball(false), "not a Maelstrom release");
}

#[test]
fn run_installs_on_demand_then_needs_java() {
    let (url, sha) = serve_archive(tarball(true));
    let cache = tempfile::tempdir().unwrap();
    let no_java = tempfile::tempdir().unwrap();
    let Ran { code, stderr, .. } = ran(glomers()
        .args(["run", "1", "--engine", "maelstrom", "--store"])
        .arg(cache.path())
        .env("XDG_CACHE_HOME", cache.path())
        .env("PATH", no_java.path())
        .env("GLOMERS_MAELSTROM_URL", &url)
        .env("GLOMERS_MAELSTROM_SHA256", &sha));
    assert_eq!(code, Some(2), "{stderr}");
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
    let Ran { code, stderr, .. } = ran(glomers()
        .args(["run", "1", "--engine", "maelstrom"])
        .env("XDG_CACHE_HOME", empty.path())
        .env("PATH", no_java.path())
        .env(
            "GLOMERS_MAELSTROM_URL",
            url.replace("/m.tar.bz2", "/gone.tar.bz2"),
        )
        .env("GLOMERS_MAELSTROM_SHA256", &sha));
    assert_eq!(code, Some(2), "{stderr}");
    assert!(
        stderr.contains("could not install Maelstrom") && stderr.contains("HTTP 404"),
        "{stderr}"
    );
    assert_nothing_installed(empty.path());
}

#[test]
fn a_redirect_to_another_scheme_is_a_clear_error() {
    let base = serve(vec![
        ("/evil", Reply::Redirect("file:///etc/passwd".into())),
        ("/loop", Reply::Redirect("/loop".into())),
    ]);
    let cache = tempfile::tempdir().unwrap();
    let (code, _, stderr) = install(cache.path(), &format!("{base}/evil"), &"a".repeat(64));
    assert_eq!(code, 2, "{stderr}");
    assert!(
        stderr.contains("redirects to file:///etc/passwd")
            && stderr.contains("only http and https"),
        "{stderr}"
    );
    assert_nothing_installed(cache.path());

    let (code, _, stderr) = install(cache.path(), &format!("{base}/loop"), &"a".repeat(64));
    assert_eq!(code, 2, "{stderr}");
    assert!(stderr.contains("more than 8 redirects"), "{stderr}");
    assert_nothing_installed(cache.path());

    // Nor is another scheme taken as the starting URL.
    let (code, _, stderr) = install(cache.path(), "file:///etc/passwd", &"a".repeat(64));
    assert_eq!(code, 2, "{stderr}");
    assert!(stderr.contains("\"file\" is not supported"), "{stderr}");
}

#[test]
fn the_whole_download_has_a_deadline() {
    // One byte every 200 ms never trips a per-read timeout; only an overall deadline stops it.
    let base = serve(vec![(
        "/slow",
        Reply::Trickle {
            length: 10_000,
            every: Duration::from_millis(200),
        },
    )]);
    let cache = tempfile::tempdir().unwrap();
    let started = Instant::now();
    let (code, _, stderr) = install_env(
        cache.path(),
        &format!("{base}/slow"),
        &"a".repeat(64),
        &[("GLOMERS_DOWNLOAD_DEADLINE_SECS", "2")],
    );
    let took = started.elapsed();
    assert_eq!(code, 2, "{stderr}");
    assert!(stderr.contains("deadline of 2 s"), "{stderr}");
    assert!(took < Duration::from_secs(8), "took {took:?}");
    assert_nothing_installed(cache.path());
}

#[test]
fn an_absurd_content_length_is_refused_before_reading() {
    let base = serve(vec![("/huge", Reply::Claims { length: 10 << 30 })]);
    let cache = tempfile::tempdir().unwrap();
    let (code, _, stderr) = install(cache.path(), &format!("{base}/huge"), &"a".repeat(64));
    assert_eq!(code, 2, "{stderr}");
    assert!(
        stderr.contains("announces 10737418240 bytes") && stderr.contains("268435456"),
        "{stderr}"
    );
    assert_nothing_installed(cache.path());
}

#[test]
fn an_endless_body_stops_at_the_cap() {
    let base = serve(vec![(
        "/endless",
        Reply::Endless {
            every: Duration::ZERO,
        },
    )]);
    let cache = tempfile::tempdir().unwrap();
    let (code, _, stderr) = install_env(
        cache.path(),
        &format!("{base}/endless"),
        &"a".repeat(64),
        &[("GLOMERS_DOWNLOAD_MAX_BYTES", "1048576")],
    );
    assert_eq!(code, 2, "{stderr}");
    assert!(
        stderr.contains("passed the cap of 1048576 bytes"),
        "{stderr}"
    );
    assert_nothing_installed(cache.path());
}

#[test]
fn a_limit_override_out_of_range_is_refused() {
    let cache = tempfile::tempdir().unwrap();
    let (code, _, stderr) = install_env(
        cache.path(),
        "http://127.0.0.1:9/never",
        &"a".repeat(64),
        &[("GLOMERS_DOWNLOAD_DEADLINE_SECS", "0")],
    );
    assert_eq!(code, 2, "{stderr}");
    assert!(
        stderr.contains("$GLOMERS_DOWNLOAD_DEADLINE_SECS is \"0\"")
            && stderr.contains("from 1 to 86400"),
        "{stderr}"
    );
    assert_nothing_installed(cache.path());
}

/// Serves `archive` with its right checksum and installs it with `env`.
fn install_archive(cache: &Path, archive: Vec<u8>, env: &[(&str, &str)]) -> (i32, String) {
    let (url, sha) = serve_archive(archive);
    let (code, stdout, stderr) = install_env(cache, &url, &sha, env);
    (code, format!("{stdout}{stderr}"))
}

#[test]
fn unpacking_stops_at_the_byte_cap() {
    // 4 MiB of zeros compress to a few hundred bytes: a small bomb.
    let bomb = tarball_with(&[Extra::File {
        path: "maelstrom/zeros",
        mode: 0o644,
        size: 4 << 20,
    }]);
    assert!(bomb.len() < 10_000, "{}", bomb.len());
    let cache = tempfile::tempdir().unwrap();
    let (code, out) = install_archive(
        cache.path(),
        bomb,
        &[("GLOMERS_UNPACK_MAX_BYTES", "1048576")],
    );
    assert_eq!(code, 2, "{out}");
    assert!(
        out.contains("more than 1048576 bytes") && out.contains("GLOMERS_UNPACK_MAX_BYTES"),
        "{out}"
    );
    assert_nothing_installed(cache.path());
}

#[test]
fn unpacking_stops_at_the_entry_cap() {
    let cache = tempfile::tempdir().unwrap();
    let (code, out) = install_archive(
        cache.path(),
        tarball(true),
        &[("GLOMERS_UNPACK_MAX_ENTRIES", "2")],
    );
    assert_eq!(code, 2, "{out}");
    assert!(out.contains("more than 2 entries"), "{out}");
    assert_nothing_installed(cache.path());
}

#[test]
fn setuid_setgid_and_sticky_bits_are_dropped() {
    use std::os::unix::fs::PermissionsExt;
    let archive = tarball_with(&[
        Extra::File {
            path: "maelstrom/bin/tool",
            mode: 0o6755,
            size: 10,
        },
        Extra::File {
            path: "maelstrom/sticky",
            mode: 0o1644,
            size: 10,
        },
        // A link that stays inside is fine.
        Extra::Symlink {
            path: "maelstrom/bin/jar",
            target: "../lib/maelstrom.jar",
        },
    ]);
    let cache = tempfile::tempdir().unwrap();
    let (code, out) = install_archive(cache.path(), archive, &[]);
    assert_eq!(code, 0, "{out}");
    let dir = cache.path().join("glomers/maelstrom-0.2.4");
    let mode = |p: &str| std::fs::metadata(dir.join(p)).unwrap().permissions().mode() & 0o7777;
    assert_eq!(mode("bin/tool"), 0o755);
    assert_eq!(mode("sticky"), 0o644);
    assert_eq!(std::fs::read(dir.join("bin/jar")).unwrap().len(), 1000);
}

#[test]
fn links_out_of_the_folder_and_fifos_are_refused() {
    let cases = [
        (
            Extra::Symlink {
                path: "maelstrom/passwd",
                target: "/etc/passwd",
            },
            "outside the install folder",
        ),
        (
            Extra::Symlink {
                path: "maelstrom/bin/up",
                target: "../../../etc",
            },
            "outside the install folder",
        ),
        (
            Extra::HardLink {
                path: "maelstrom/hard",
                target: "../outside",
            },
            "outside the install folder",
        ),
        (
            Extra::Fifo {
                path: "maelstrom/pipe",
            },
            "device or fifo",
        ),
    ];
    for (extra, expected) in cases {
        let cache = tempfile::tempdir().unwrap();
        let (code, out) = install_archive(cache.path(), tarball_with(&[extra]), &[]);
        assert_eq!(code, 2, "{out}");
        assert!(out.contains(expected), "{out}");
        assert_nothing_installed(cache.path());
    }
}

/// Starts an install from an endless server, waits until the download has written bytes, sends
/// `signal`, and checks the exit code and that the cache holds no temporaries.
fn interrupt_mid_download(signal: nix::sys::signal::Signal) {
    let base = serve(vec![(
        "/endless",
        Reply::Endless {
            every: Duration::from_millis(20),
        },
    )]);
    let cache = tempfile::tempdir().unwrap();
    let mut child = glomers()
        .args(["maelstrom", "install", "--url"])
        .arg(format!("{base}/endless"))
        .args(["--sha256", &"a".repeat(64)])
        .env("XDG_CACHE_HOME", cache.path())
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let root = cache.path().join("glomers");
    let until = Instant::now() + Duration::from_secs(15);
    let written = |root: &Path| {
        std::fs::read_dir(root)
            .into_iter()
            .flatten()
            .filter_map(Result::ok)
            .filter(|e| e.file_name().to_string_lossy().starts_with(".download-"))
            .any(|e| e.metadata().is_ok_and(|m| m.len() > 100_000))
    };
    while !written(&root) {
        assert!(Instant::now() < until, "the download never started");
        std::thread::sleep(Duration::from_millis(20));
    }
    nix::sys::signal::kill(nix::unistd::Pid::from_raw(child.id() as i32), signal).unwrap();
    let until = Instant::now() + Duration::from_secs(10);
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        if Instant::now() > until {
            let _ = child.kill();
            panic!("glomers did not stop after {signal}");
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    let mut stderr = String::new();
    std::io::Read::read_to_string(child.stderr.as_mut().unwrap(), &mut stderr).unwrap();
    assert_eq!(status.code(), Some(130), "{signal}: {status:?} {stderr}");
    assert!(stderr.contains("interrupted"), "{stderr}");
    assert_nothing_installed(cache.path());
}

#[test]
fn ctrl_c_mid_download_removes_the_partial_file() {
    interrupt_mid_download(nix::sys::signal::Signal::SIGINT);
}

#[test]
fn sigterm_mid_download_removes_the_partial_file() {
    interrupt_mid_download(nix::sys::signal::Signal::SIGTERM);
}

#[test]
fn a_relative_xdg_cache_home_is_ignored_with_a_warning() {
    let home = tempfile::tempdir().unwrap();
    let out = glomers()
        .args(["maelstrom", "path"])
        .env("XDG_CACHE_HOME", "relative/cache")
        .env("HOME", home.path())
        .env("PATH", "")
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    let fallback = home.path().join(".cache/glomers");
    assert!(
        stderr.contains("warning: $XDG_CACHE_HOME is the relative path \"relative/cache\"")
            && stderr.contains(&fallback.display().to_string()),
        "{stderr}"
    );
}

/// With Java but no Maelstrom, `auto` tries the download once, names its URL once, runs the
/// simulator, and remembers the failure: the next run does not touch the network again (no
/// DNS lookup or connection per run) and says how to retry at once.
#[test]
fn auto_remembers_a_failed_download_and_names_its_url_once() {
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::sync::Arc;
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!(
        "http://{}/maelstrom.tar.bz2",
        listener.local_addr().unwrap()
    );
    let tries = Arc::new(AtomicUsize::new(0));
    let counted = tries.clone();
    std::thread::spawn(move || {
        // Every connection is counted and closed unanswered: a transport error.
        for stream in listener.incoming() {
            counted.fetch_add(1, Ordering::SeqCst);
            drop(stream);
        }
    });
    let dir = tempfile::tempdir().unwrap();
    let bin = dir.path().join("bin");
    std::fs::create_dir(&bin).unwrap();
    write_executable(
        &bin.join("java"),
        "#!/bin/sh\necho 'openjdk version \"17.0.15\" 2025-04-15' >&2\n",
    );
    let run = || {
        ran(glomers()
            .args(["run", "1", "--time-limit", "1", "--seed", "1", "--store"])
            .arg(dir.path())
            .env("PATH", &bin)
            .env("XDG_CACHE_HOME", dir.path().join("cache"))
            .env("GLOMERS_MAELSTROM_URL", &url))
    };
    let Ran { code, stderr, .. } = run();
    assert_eq!(code, Some(0), "{stderr}");
    assert!(stderr.contains("engine sim:"), "{stderr}");
    assert_eq!(stderr.matches(url.as_str()).count(), 1, "{stderr}");
    let after_first = tries.load(Ordering::SeqCst);
    assert!(after_first >= 1, "the first run tried the download");

    let Ran { code, stderr, .. } = run();
    assert_eq!(code, Some(0), "{stderr}");
    assert_eq!(
        tries.load(Ordering::SeqCst),
        after_first,
        "no second try: {stderr}"
    );
    assert!(
        stderr.contains("installing it failed") && stderr.contains("glomers maelstrom install"),
        "{stderr}"
    );
    assert_eq!(stderr.matches(url.as_str()).count(), 1, "{stderr}");
}
