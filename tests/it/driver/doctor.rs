//! `glomers maelstrom doctor` with controlled PATHs: nothing at all (java missing, named with
//! how to install it, non-zero exit), an old Java, and a complete fake set-up.

use crate::support::binary::{glomers, write_executable};
use std::path::Path;

fn script(dir: &Path, name: &str, body: &str) {
    write_executable(&dir.join(name), &format!("#!/bin/sh\n{body}\n"));
}

fn doctor(path: &Path, env: &[(&str, &Path)]) -> (i32, String) {
    let cache = tempfile::tempdir().unwrap();
    let out = glomers()
        .args(["maelstrom", "doctor"])
        .env("PATH", path)
        .env("XDG_CACHE_HOME", cache.path())
        .envs(env.iter().copied())
        .output()
        .unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned() + &String::from_utf8_lossy(&out.stderr),
    )
}

#[test]
fn without_java_it_says_what_to_install_and_fails() {
    let empty = tempfile::tempdir().unwrap();
    let (code, out) = doctor(empty.path(), &[]);
    assert_eq!(code, 2, "{out}");
    assert!(
        out.contains("java       MISSING  java is not on PATH"),
        "{out}"
    );
    assert!(
        out.contains("sudo apt-get install openjdk-17-jre-headless"),
        "{out}"
    );
    assert!(out.contains("brew install openjdk"), "{out}");
    assert!(out.contains("gnuplot    MISSING"), "{out}");
    assert!(out.contains("glomers maelstrom install"), "{out}");
}

#[test]
fn an_old_java_is_too_old() {
    let bin = tempfile::tempdir().unwrap();
    script(bin.path(), "java", "echo 'java version \"1.8.0_381\"' >&2");
    let (code, out) = doctor(bin.path(), &[]);
    assert_eq!(code, 2, "{out}");
    assert!(out.contains("java 1.8.0_381 is too old"), "{out}");
}

#[test]
fn a_complete_setup_passes() {
    let bin = tempfile::tempdir().unwrap();
    script(
        bin.path(),
        "java",
        "echo 'openjdk version \"17.0.15\" 2025-04-15' >&2",
    );
    script(bin.path(), "gnuplot", "echo 'gnuplot 5.4 patchlevel 4'");
    script(
        bin.path(),
        "dot",
        "echo 'dot - graphviz version 2.43.0 (0)' >&2",
    );
    let install = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(install.path().join("lib")).unwrap();
    std::fs::write(install.path().join("lib/maelstrom.jar"), b"jar").unwrap();
    std::fs::write(install.path().join(".glomers-release"), "version=0.2.4\n").unwrap();
    let (code, out) = doctor(bin.path(), &[("GLOMERS_MAELSTROM", install.path())]);
    assert_eq!(code, 0, "{out}");
    assert!(out.contains("java       ok       17.0.15"), "{out}");
    assert!(
        out.contains("gnuplot    ok       gnuplot 5.4 patchlevel 4"),
        "{out}"
    );
    assert!(
        out.contains("dot        ok       dot - graphviz version 2.43.0"),
        "{out}"
    );
    assert!(out.contains("maelstrom  ok       0.2.4 at"), "{out}");
    assert!(out.contains("everything Maelstrom needs is here"), "{out}");
}
