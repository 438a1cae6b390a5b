//! Guards on what glomers compiles, read from `Cargo.lock`: one version of each crate that used
//! to come twice (nix, rustix), and no C library built for bzip2, no xattr support in tar.
//! A dependency bump that brings one of these back fails here, not silently in build times.

use serde::Deserialize;
use std::collections::BTreeMap;

#[derive(Deserialize)]
struct Lock {
    package: Vec<Package>,
}

#[derive(Deserialize)]
struct Package {
    name: String,
    version: String,
}

/// Each locked crate name with its versions.
fn locked() -> BTreeMap<String, Vec<String>> {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/Cargo.lock");
    let text = std::fs::read_to_string(path).unwrap();
    let lock: Lock = toml::from_str(&text).unwrap();
    let mut by_name: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for p in lock.package {
        by_name.entry(p.name).or_default().push(p.version);
    }
    by_name
}

#[test]
fn nix_and_rustix_each_come_once() {
    let locked = locked();
    for name in ["nix", "rustix"] {
        let versions = locked.get(name).cloned().unwrap_or_default();
        assert_eq!(versions.len(), 1, "{name}: {versions:?}");
    }
}

#[test]
fn no_c_bzip2_and_no_xattr() {
    let locked = locked();
    for name in ["bzip2-sys", "xattr", "flate2"] {
        assert!(
            !locked.contains_key(name),
            "{name} is back: {:?}",
            locked[name]
        );
    }
    assert!(
        locked.contains_key("libbz2-rs-sys"),
        "bzip2 lost its Rust backend"
    );
}

#[test]
fn plots_need_no_font_library() {
    let locked = locked();
    for name in [
        "font-kit",
        "yeslogic-fontconfig-sys",
        "freetype-sys",
        "servo-fontconfig",
        "image",
    ] {
        assert!(!locked.contains_key(name), "{name} is in the tree");
    }
    assert!(locked.contains_key("plotters-svg"));
}
