//! The shell completions committed in `completions/` must match the CLI: regenerated in-process
//! and compared. Run with `GLOMERS_BLESS_COMPLETIONS=1` to rewrite them after changing the CLI.

use crate::support::binary::glomers;
use glomers::cli::{completion_script, COMPLETION_FILES};
use std::path::Path;

#[test]
fn committed_completions_are_current() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("completions");
    let bless = std::env::var_os("GLOMERS_BLESS_COMPLETIONS").is_some();
    let mut stale = Vec::new();
    for (shell, file) in COMPLETION_FILES {
        let fresh = completion_script(shell);
        assert!(!fresh.is_empty(), "{file}");
        let path = dir.join(file);
        if bless {
            std::fs::create_dir_all(&dir).unwrap();
            std::fs::write(&path, &fresh).unwrap();
        } else if std::fs::read(&path).ok().as_deref() != Some(&fresh[..]) {
            stale.push(file);
        }
    }
    assert!(
        stale.is_empty(),
        "stale completions {stale:?}: run `GLOMERS_BLESS_COMPLETIONS=1 cargo test --test it completions`"
    );
}

#[test]
fn the_binary_prints_the_same_scripts() {
    let out = glomers().args(["completions", "zsh"]).output().unwrap();
    assert!(out.status.success());
    assert_eq!(out.stdout, completion_script(clap_complete::Shell::Zsh));
    assert!(String::from_utf8_lossy(&out.stdout).contains("maelstrom"));
}
