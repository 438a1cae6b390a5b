//! Guards on the source tree, read as text: the floor rule of `src/lib.rs` (a top-level module
//! imports only from its own floor or below), no source file over 600 lines, no `#[path]`
//! attribute (the file tree is the module tree), and every test of `tests/wall_clock` taking
//! the machine (alone or shared) before anything else; and no circle among the modules of
//! `src/` (a module and its own submodules are one place).

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

/// The module a file of `src/` is (`["driver", "runs", "sim_run"]`; a folder's `mod.rs` is
/// the folder, `lib.rs` and `main.rs` the crate).
fn module_of(file: &Path) -> Vec<String> {
    let rel = file.strip_prefix(src()).expect("a file of src/");
    let mut words: Vec<String> = rel
        .iter()
        .map(|w| w.to_string_lossy().trim_end_matches(".rs").to_string())
        .collect();
    if matches!(
        words.last().map(String::as_str),
        Some("mod" | "lib" | "main")
    ) {
        words.pop();
    }
    words
}

/// Every path `text` names from `crate::` or `super::`, made absolute from module `here`,
/// with `{…}` groups expanded. Only the file's own code: comments (doc links are not imports)
/// and what follows its `#[cfg(test)]` test module (whose `super` is the file itself) are
/// left out.
fn named_paths(text: &str, here: &[String]) -> Vec<Vec<String>> {
    let code = text.split("#[cfg(test)]\nmod tests").next().unwrap_or(text);
    let code: String = code
        .lines()
        .filter(|l| !l.trim_start().starts_with("//"))
        .collect::<Vec<_>>()
        .join("\n");
    let text = code.as_str();
    let bytes = text.as_bytes();
    let word_char = |c: u8| c.is_ascii_alphanumeric() || c == b'_';
    let mut found = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        if !text.is_char_boundary(i) {
            i += 1;
            continue;
        }
        let starts_word = i == 0 || !word_char(bytes[i - 1]);
        let (base, skip) = if starts_word && text[i..].starts_with("crate::") {
            (Vec::new(), "crate::".len())
        } else if starts_word && text[i..].starts_with("super::") {
            let mut base = here.to_vec();
            let mut at = i;
            while text[at..].starts_with("super::") {
                base.pop();
                at += "super::".len();
            }
            (base, at - i)
        } else {
            i += 1;
            continue;
        };
        let (paths, used) = parse_tree(&text[i + skip..]);
        for path in paths {
            found.push(base.iter().cloned().chain(path).collect());
        }
        i += skip + used.max(1);
    }
    found
}

/// Parses `a::b::{c, d::e}` at the start of `s` into its paths; returns them and the bytes used.
fn parse_tree(s: &str) -> (Vec<Vec<String>>, usize) {
    let mut words = Vec::new();
    let mut at = 0;
    loop {
        let word: String = s[at..]
            .chars()
            .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
            .collect();
        if word.is_empty() {
            break;
        }
        at += word.len();
        words.push(word);
        if s[at..].starts_with("::") {
            at += 2;
        } else {
            return (vec![words], at);
        }
    }
    if !s[at..].starts_with('{') {
        return (vec![words], at);
    }
    at += 1;
    let mut paths = Vec::new();
    loop {
        at += s[at..].len() - s[at..].trim_start().len();
        if s[at..].starts_with('}') || at >= s.len() {
            return (paths, (at + 1).min(s.len()));
        }
        let (items, used) = parse_tree(&s[at..]);
        for item in items {
            paths.push(words.iter().cloned().chain(item).collect());
        }
        // Past what was parsed, or past one character that is not part of a path.
        at += used.max(s[at..].chars().next().map_or(1, char::len_utf8));
        at += s[at..].len() - s[at..].trim_start().len();
        if s[at..].starts_with(',') {
            at += 1;
        }
    }
}

/// The cycles of a directed graph, one per strongly connected set of more than one node.
fn circles(edges: &BTreeMap<String, Vec<String>>) -> Vec<Vec<String>> {
    // Kosaraju: finishing order on the graph, then the sets on its reverse.
    fn finish(
        n: &str,
        edges: &BTreeMap<String, Vec<String>>,
        seen: &mut std::collections::BTreeSet<String>,
        order: &mut Vec<String>,
    ) {
        if !seen.insert(n.to_string()) {
            return;
        }
        for m in edges.get(n).into_iter().flatten() {
            finish(m, edges, seen, order);
        }
        order.push(n.to_string());
    }
    let mut reverse: BTreeMap<String, Vec<String>> = BTreeMap::new();
    let mut nodes = std::collections::BTreeSet::new();
    for (from, tos) in edges {
        nodes.insert(from.clone());
        for to in tos {
            nodes.insert(to.clone());
            reverse.entry(to.clone()).or_default().push(from.clone());
        }
    }
    let (mut seen, mut order) = (std::collections::BTreeSet::new(), Vec::new());
    for n in &nodes {
        finish(n, edges, &mut seen, &mut order);
    }
    let mut placed = std::collections::BTreeSet::new();
    let mut out = Vec::new();
    for n in order.iter().rev() {
        let mut set = Vec::new();
        finish(n, &reverse, &mut placed, &mut set);
        if set.len() > 1 {
            set.sort();
            out.push(set);
        }
    }
    out
}

#[test]
fn paths_and_circles_are_read_as_rust_names_them() {
    let here = vec![
        "driver".to_string(),
        "runs".to_string(),
        "sim_run".to_string(),
    ];
    let paths = named_paths(
        "use crate::sim::{self, external::Program};\nuse super::progress::Display;\nlet x = my_crate::y;",
        &here,
    );
    let joined: Vec<String> = paths.iter().map(|p| p.join("::")).collect();
    assert_eq!(
        joined,
        [
            "sim::self",
            "sim::external::Program",
            "driver::runs::progress::Display"
        ]
    );
    let edges: BTreeMap<String, Vec<String>> = [
        ("a", vec!["b"]),
        ("b", vec!["c"]),
        ("c", vec!["a"]),
        ("d", vec!["a"]),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_string(), v.into_iter().map(String::from).collect()))
    .collect();
    assert_eq!(circles(&edges), [["a", "b", "c"]]);
}

/// No two modules of `src/` import each other, directly or around a circle (a module using its
/// own submodules, or a submodule its parent, is one place and does not count).
#[test]
fn no_modules_import_each_other_in_a_circle() {
    let mut files = Vec::new();
    rust_files(&src(), &mut files);
    let modules: std::collections::BTreeSet<Vec<String>> =
        files.iter().map(|f| module_of(f)).collect();
    let mut edges: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for file in &files {
        let here = module_of(file);
        let text = std::fs::read_to_string(file).expect("a readable file");
        for path in named_paths(&text, &here) {
            // The longest prefix of the path that is a module of its own.
            let target = (1..=path.len())
                .rev()
                .map(|n| path[..n].to_vec())
                .find(|p| modules.contains(p));
            let Some(target) = target else { continue };
            let nested = target.starts_with(&here) || here.starts_with(&target);
            if !nested {
                let list = edges.entry(here.join("::")).or_default();
                let to = target.join("::");
                if !list.contains(&to) {
                    list.push(to);
                }
            }
        }
    }
    assert!(
        edges.len() > 50,
        "read only {} modules' imports",
        edges.len()
    );
    let found = circles(&edges);
    assert!(found.is_empty(), "modules in a circle: {found:?}");
}
