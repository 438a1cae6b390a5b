//! Guards on the source tree, read as text: the floor rule of `src/lib.rs` (a top-level module
//! imports only from its own floor or below), no source file over 600 lines, no `#[path]`
//! attribute (the file tree is the module tree), and every test of `tests/wall_clock` taking
//! the machine (alone or shared) before anything else.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// Each top-level module's floor, as `src/lib.rs` lists them.
const FLOORS: &[(&str, u32)] = &[
    ("protocol", 1),
    ("challenge", 1),
    ("history", 1),
    ("exit", 1),
    ("child", 1),
    ("budget", 1),
    ("node", 2),
    ("verdict", 2),
    ("nodes", 3),
    ("sim", 4),
    ("report", 5),
    ("driver", 6),
    ("cli", 7),
];

fn src() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("src")
}

/// Every `.rs` file below `dir`.
fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).expect("a readable source folder") {
        let path = entry.expect("an entry").path();
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

/// The top-level module a file of `src/` belongs to (None for `lib.rs` and `main.rs`).
fn top_module(file: &Path) -> Option<String> {
    let rel = file.strip_prefix(src()).ok()?;
    let first = rel.components().next()?.as_os_str().to_str()?;
    let name = first.strip_suffix(".rs").unwrap_or(first);
    (name != "lib" && name != "main").then(|| name.to_string())
}

/// The top-level modules `text` names as `crate::<module>`.
fn crate_paths(text: &str) -> Vec<String> {
    let mut found = Vec::new();
    let mut rest = text;
    while let Some(i) = rest.find("crate::") {
        let after = &rest[i + "crate::".len()..];
        let name: String = after
            .chars()
            .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
            .collect();
        // `$crate::` in a macro and `glomers::crate::` never occur; a word that ends in
        // `crate::` (e.g. `my_crate::`) is not ours.
        let before = rest[..i].chars().last();
        let ours = !before.is_some_and(|c| c.is_ascii_alphanumeric() || c == '_');
        if ours && !name.is_empty() {
            found.push(name);
        } else if ours && after.starts_with('{') {
            // `crate::{a, b::c}`: the first word of each item at the outer level.
            let mut depth = 0;
            let mut items = vec![String::new()];
            for c in after[1..].chars() {
                match c {
                    '{' => depth += 1,
                    '}' if depth == 0 => break,
                    '}' => depth -= 1,
                    ',' if depth == 0 => items.push(String::new()),
                    c if depth == 0 => items.last_mut().expect("an item").push(c),
                    _ => {}
                }
            }
            for item in items {
                let word: String = item
                    .trim_start()
                    .chars()
                    .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
                    .collect();
                if !word.is_empty() {
                    found.push(word);
                }
            }
        }
        rest = after;
    }
    found
}

#[test]
fn every_module_imports_only_from_its_floor_or_below() {
    let floors: BTreeMap<&str, u32> = FLOORS.iter().copied().collect();
    let mut files = Vec::new();
    rust_files(&src(), &mut files);
    let mut upward = Vec::new();
    for file in &files {
        let Some(module) = top_module(file) else {
            continue;
        };
        let Some(&floor) = floors.get(module.as_str()) else {
            panic!(
                "{}: module {module} has no floor in src/lib.rs",
                file.display()
            );
        };
        // Code only: a comment may name a module of any floor.
        let text: String = std::fs::read_to_string(file)
            .expect("a readable file")
            .lines()
            .filter(|l| !l.trim_start().starts_with("//"))
            .collect::<Vec<_>>()
            .join("\n");
        for used in crate_paths(&text) {
            if let Some(&theirs) = floors.get(used.as_str()) {
                if theirs > floor {
                    upward.push(format!(
                        "{}: {module} (floor {floor}) uses crate::{used} (floor {theirs})",
                        file.display()
                    ));
                }
            }
        }
    }
    assert!(upward.is_empty(), "\n  {}", upward.join("\n  "));
}

#[test]
fn grouped_imports_are_read_too() {
    assert_eq!(
        crate_paths("use crate::{sim::Engine, verdict, report::{a, b}};"),
        ["sim", "verdict", "report"]
    );
    assert_eq!(crate_paths("use crate::nodes::x; my_crate::y"), ["nodes"]);
}

#[test]
fn the_floors_here_are_those_of_lib_rs() {
    let lib = std::fs::read_to_string(src().join("lib.rs")).expect("lib.rs");
    for (module, floor) in FLOORS {
        let line = lib
            .lines()
            .find(|l| l.contains(&format!("[`{module}`]")))
            .unwrap_or_else(|| panic!("lib.rs names no floor for {module}"));
        // The floor's line opens with `//! N.`; a module listed on a continuation line
        // belongs to the nearest numbered line above it.
        let numbered = lib
            .lines()
            .take_while(|l| !std::ptr::eq(*l, line))
            .chain(std::iter::once(line))
            .filter_map(|l| {
                let t = l.trim_start_matches("//!").trim_start();
                t.split_once(". ")?.0.parse::<u32>().ok()
            })
            .last();
        assert_eq!(numbered, Some(*floor), "{module}: {line}");
    }
}

#[test]
fn no_source_file_is_over_600_lines_and_none_has_a_path_attribute() {
    let mut files = Vec::new();
    rust_files(&src(), &mut files);
    let mut problems = Vec::new();
    for file in &files {
        let text = std::fs::read_to_string(file).expect("a readable file");
        let lines = text.lines().count();
        if lines > 600 {
            problems.push(format!("{}: {lines} lines", file.display()));
        }
        if text.lines().any(|l| l.trim_start().starts_with("#[path")) {
            problems.push(format!("{}: #[path]", file.display()));
        }
    }
    assert!(problems.is_empty(), "\n  {}", problems.join("\n  "));
}

/// A wall-clock test measures while the machine is quiet only if every other test of its
/// binary takes the machine too: one unguarded CPU-heavy test beside it skews its figures.
#[test]
fn every_wall_clock_test_takes_the_machine_first() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/wall_clock");
    let mut files = Vec::new();
    rust_files(&dir, &mut files);
    let mut unguarded = Vec::new();
    let mut tests = 0;
    for file in &files {
        let text = std::fs::read_to_string(file).expect("a readable file");
        let lines: Vec<&str> = text.lines().collect();
        for (i, line) in lines.iter().enumerate() {
            if line.trim() != "#[test]" {
                continue;
            }
            tests += 1;
            // The first statement after the `fn` line (attributes and comments may sit between).
            let Some(open) = (i..lines.len()).find(|&k| lines[k].starts_with("fn ")) else {
                unguarded.push(format!("{}:{}: no fn after #[test]", file.display(), i + 1));
                continue;
            };
            let first = lines[open + 1..]
                .iter()
                .map(|l| l.trim())
                .find(|l| !l.is_empty() && !l.starts_with("//"))
                .unwrap_or("");
            let guarded = first.starts_with("let _machine = crate::support::machine::alone();")
                || first.starts_with("let _machine = crate::support::machine::shared();");
            if !guarded {
                unguarded.push(format!("{}: {}", file.display(), lines[open]));
            }
        }
    }
    assert!(tests > 10, "found only {tests} tests in tests/wall_clock");
    assert!(unguarded.is_empty(), "\n  {}", unguarded.join("\n  "));
}
