//! Consistency models and the anomalies they prohibit, as Elle (0.2.2, the version Maelstrom
//! 0.2.4 runs) relates them: model names and their canonical forms, which models imply which,
//! which anomalies each model proscribes directly, and which anomalies imply which. From these
//! come the three questions the checker asks: which anomaly types fail a run under
//! `--consistency-models`, and, for the anomalies found, which models are ruled out (`:not`, the
//! weakest of them, and `:also-not`, the rest).

use std::collections::{BTreeMap, BTreeSet, VecDeque};

/// Friendly model names and their canonical (Adya) names.
const CANONICAL: &[(&str, &str)] = &[
    ("consistent-view", "PL-2+"),
    ("conflict-serializable", "PL-3"),
    ("cursor-stability", "PL-CS"),
    ("forward-consistent-view", "PL-FCV"),
    ("monotonic-snapshot-read", "PL-MSR"),
    ("monotonic-view", "PL-2L"),
    ("read-committed", "PL-2"),
    ("read-uncommitted", "PL-1"),
    ("repeatable-read", "PL-2.99"),
    ("serializable", "PL-3"),
    ("snapshot-isolation", "PL-SI"),
    ("strict-serializable", "PL-SS"),
    ("strong-serializable", "PL-SS"),
    ("update-serializable", "PL-3U"),
    ("strong-session-read-uncommitted", "strong-session-PL-1"),
    ("strong-session-read-committed", "strong-session-PL-2"),
    ("strong-read-uncommitted", "strong-PL-1"),
    ("strong-read-committed", "strong-PL-2"),
];

/// `a → [b…]`: a history satisfying `a` also satisfies each `b` (names before canonicalising).
const MODELS: &[(&str, &[&str])] = &[
    ("causal-cerone", &["read-atomic"]),
    ("consistent-view", &["cursor-stability", "monotonic-view"]),
    ("conflict-serializable", &["view-serializable"]),
    ("cursor-stability", &["read-committed", "PL-2"]),
    ("forward-consistent-view", &["consistent-view"]),
    ("PL-2", &["PL-1"]),
    ("PL-3", &["repeatable-read", "update-serializable"]),
    ("update-serializable", &["forward-consistent-view"]),
    ("monotonic-atomic-view", &["read-committed"]),
    ("monotonic-view", &["PL-2"]),
    ("monotonic-snapshot-read", &["PL-2"]),
    (
        "parallel-snapshot-isolation",
        &["causal-cerone", "update-atomic"],
    ),
    ("prefix", &["causal-cerone"]),
    ("read-atomic", &["monotonic-atomic-view"]),
    ("read-committed", &["read-uncommitted"]),
    (
        "repeatable-read",
        &["cursor-stability", "monotonic-atomic-view"],
    ),
    ("update-atomic", &["read-atomic"]),
    (
        "serializable",
        &["repeatable-read", "snapshot-isolation", "view-serializable"],
    ),
    ("session-serializable", &["1SR"]),
    (
        "snapshot-isolation",
        &[
            "forward-consistent-view",
            "monotonic-atomic-view",
            "monotonic-snapshot-read",
            "parallel-snapshot-isolation",
            "prefix",
        ],
    ),
    (
        "strict-serializable",
        &[
            "PL-3",
            "serializable",
            "linearizable",
            "snapshot-isolation",
            "strong-snapshot-isolation",
            "strong-session-serializable",
        ],
    ),
    ("strong-session-PL-1", &["PL-1"]),
    ("strong-session-PL-2", &["PL-2", "strong-session-PL-1"]),
    ("strong-PL-1", &["strong-session-PL-1"]),
    ("strong-PL-2", &["strong-session-PL-2", "strong-PL-1"]),
    (
        "strong-session-serializable",
        &["serializable", "strong-session-snapshot-isolation"],
    ),
    (
        "strong-session-snapshot-isolation",
        &["snapshot-isolation", "strong-session-PL-2"],
    ),
    ("strong-serializable", &["session-serializable"]),
    (
        "strong-snapshot-isolation",
        &["strong-session-snapshot-isolation", "strong-PL-2"],
    ),
    ("linearizable", &["sequential"]),
    ("sequential", &["causal"]),
    ("causal", &["writes-follow-reads", "PRAM"]),
    (
        "PRAM",
        &["monotonic-reads", "monotonic-writes", "read-your-writes"],
    ),
    ("view-serializable", &[]),
];

/// The anomalies each model proscribes beyond the models it implies.
const PROSCRIBED: &[(&str, &[&str])] = &[
    ("causal-cerone", &["internal", "G1a"]),
    ("cursor-stability", &["G1", "G-cursor", "lost-update"]),
    ("monotonic-view", &["G1", "G-monotonic"]),
    ("monotonic-snapshot-read", &["G1", "G-MSR"]),
    ("consistent-view", &["G1", "G-single"]),
    ("forward-consistent-view", &["G1", "G-SIb"]),
    ("parallel-snapshot-isolation", &["internal", "G1a"]),
    (
        "PL-3",
        &["G1", "G2", "predicate-read-miss", "PL-3-cycle-exists"],
    ),
    ("PL-2", &["G1", "PL-2-cycle-exists"]),
    (
        "PL-1",
        &[
            "G0",
            "duplicate-elements",
            "cyclic-versions",
            "PL-1-cycle-exists",
        ],
    ),
    ("prefix", &["internal", "G1a"]),
    ("serializable", &["internal"]),
    (
        "snapshot-isolation",
        &[
            "internal",
            "G1",
            "G-SI",
            "G-nonadjacent",
            "PL-SI-cycle-exists",
        ],
    ),
    ("read-atomic", &["internal", "G1a", "future-read"]),
    (
        "repeatable-read",
        &["G1", "G2-item", "PL-2.99-cycle-exists", "lost-update"],
    ),
    ("update-atomic", &["lost-update"]),
    (
        "strict-serializable",
        &["G1", "G1c-realtime", "G2-realtime", "PL-SS-cycle-exists"],
    ),
    (
        "strong-session-PL-1",
        &["strong-session-PL-1-cycle-exists", "G0-process"],
    ),
    (
        "strong-session-PL-2",
        &["strong-session-PL-2-cycle-exists", "G1c-process"],
    ),
    ("strong-PL-1", &["strong-PL-1-cycle-exists", "G0-realtime"]),
    ("strong-PL-2", &["strong-PL-2-cycle-exists", "G1c-realtime"]),
    (
        "strong-session-snapshot-isolation",
        &[
            "internal",
            "G1-process",
            "G-nonadjacent-process",
            "strong-session-snapshot-isolation-cycle-exists",
        ],
    ),
    (
        "strong-snapshot-isolation",
        &[
            "internal",
            "G1-realtime",
            "G-nonadjacent-realtime",
            "strong-snapshot-isolation-cycle-exists",
        ],
    ),
    (
        "strong-session-serializable",
        &[
            "G1-process",
            "G2-process",
            "strong-session-serializable-cycle-exists",
        ],
    ),
    ("update-serializable", &["G1", "G-update"]),
    ("PL-SS", &[]),
];

/// Cycle anomalies, each found at three strengths: over dependency edges alone, with process
/// order too (`-process`), and with real-time order too (`-realtime`). An anomaly implies its
/// next strength, and each listed implication holds at every strength (`G0-process` implies
/// `G1c-process`), so the table names only the plain forms.
const TIERED: &[(&str, &[&str])] = &[
    ("G0", &["G1c"]),
    ("G1c", &["G1"]),
    ("G1", &[]),
    ("G-single-item", &["G-single", "G-nonadjacent-item"]),
    ("G-single", &["G-nonadjacent"]),
    ("G-nonadjacent-item", &["G-nonadjacent", "G2-item"]),
    ("G-nonadjacent", &["G2"]),
    ("G2-item", &["G2"]),
    ("G2", &[]),
];

/// The strengths of a [`TIERED`] anomaly, weakest order first, as name suffixes.
const TIERS: [&str; 3] = ["", "-process", "-realtime"];

/// `a → [b…]`: a history exhibiting anomaly `a` also exhibits each `b`, beyond the tiers.
const IMPLIED: &[(&str, &[&str])] = &[
    ("G1a", &["G1"]),
    ("G1b", &["G1"]),
    ("G-single", &["GSIb"]),
    ("GSIa", &["GSI"]),
    ("GSIb", &["GSI"]),
    ("incompatible-order", &["G1a"]),
    ("future-read", &["G1c"]),
    ("dirty-update", &["G1a"]),
    ("lost-update", &["write-skew", "G2-item"]),
    ("write-skew", &["G2"]),
];

/// The canonical name of a model (`read-committed` → `PL-2`); unknown names map to themselves.
pub(crate) fn canonical(model: &str) -> &str {
    CANONICAL
        .iter()
        .find(|(friendly, _)| *friendly == model)
        .map_or(model, |(_, canon)| canon)
}

/// The friendly name of a canonical model, as Elle prints it (`PL-SS` → `strong-serializable`,
/// `PL-3` → `serializable`).
pub(crate) fn friendly(model: &str) -> &str {
    match model {
        "PL-3" => "serializable",
        "PL-SS" => "strong-serializable",
        _ => CANONICAL
            .iter()
            .find(|(_, canon)| *canon == model)
            .map_or(model, |(friendly, _)| friendly),
    }
}

/// A directed graph over names.
type Graph = BTreeMap<String, Vec<String>>;

fn model_graph() -> Graph {
    let mut g = Graph::new();
    for (from, tos) in MODELS {
        let entry = g.entry(canonical(from).to_string()).or_default();
        entry.extend(tos.iter().map(|t| canonical(t).to_string()));
        for to in tos.iter() {
            g.entry(canonical(to).to_string()).or_default();
        }
    }
    g
}

fn table_graph(table: &[(&'static str, &'static [&'static str])], canon: bool) -> Graph {
    let mut g = Graph::new();
    for (from, tos) in table {
        let from = if canon { canonical(from) } else { from };
        g.entry(from.to_string())
            .or_default()
            .extend(tos.iter().map(|t| t.to_string()));
    }
    g
}

/// Which anomaly implies which: [`IMPLIED`] plus every tier of [`TIERED`].
fn anomaly_graph() -> Graph {
    let mut g = table_graph(IMPLIED, false);
    for (base, tos) in TIERED {
        for (i, tier) in TIERS.iter().enumerate() {
            let edges = g.entry(format!("{base}{tier}")).or_default();
            edges.extend(tos.iter().map(|to| format!("{to}{tier}")));
            if let Some(stronger) = TIERS.get(i + 1) {
                edges.push(format!("{base}{stronger}"));
            }
        }
    }
    g
}

fn reverse(g: &Graph) -> Graph {
    let mut r = Graph::new();
    for (from, tos) in g {
        r.entry(from.clone()).or_default();
        for to in tos {
            r.entry(to.clone()).or_default().push(from.clone());
        }
    }
    r
}

/// The names one edge of `g` away from any of `names`.
fn successors<'g>(g: &'g Graph, names: &BTreeSet<String>) -> Vec<&'g str> {
    names
        .iter()
        .filter_map(|n| g.get(n.as_str()))
        .flatten()
        .map(String::as_str)
        .collect()
}

/// Everything reachable from `start` (itself included).
fn reachable<'a>(g: &Graph, start: impl IntoIterator<Item = &'a str>) -> BTreeSet<String> {
    let mut seen: BTreeSet<String> = BTreeSet::new();
    let mut queue: VecDeque<String> = start.into_iter().map(str::to_string).collect();
    while let Some(v) = queue.pop_front() {
        if !seen.insert(v.clone()) {
            continue;
        }
        if let Some(next) = g.get(v.as_str()) {
            queue.extend(next.iter().map(|s| s.to_string()));
        }
    }
    seen
}

/// Every model name Maelstrom accepts for `--consistency-models`.
fn all_models() -> BTreeSet<String> {
    let mut all: BTreeSet<String> = model_graph().keys().map(|s| s.to_string()).collect();
    for (friendly, canon) in CANONICAL {
        all.insert(friendly.to_string());
        all.insert(canon.to_string());
    }
    all
}

/// Parses `--consistency-models` as Maelstrom does: split on a comma with whitespace on both
/// sides (`\s+,\s+`); every name must be a known model. Default: strict-serializable.
pub fn parse(arg: Option<&str>) -> Result<Vec<String>, String> {
    let Some(arg) = arg else {
        return Ok(vec!["strict-serializable".to_string()]);
    };
    let mut models = Vec::new();
    let mut rest = arg;
    loop {
        // Find the next `\s+,\s+` separator.
        let sep = rest.char_indices().find_map(|(i, c)| {
            if c != ',' {
                return None;
            }
            let before = rest[..i]
                .chars()
                .next_back()
                .is_some_and(char::is_whitespace);
            let after = rest[i + 1..]
                .chars()
                .next()
                .is_some_and(char::is_whitespace);
            (before && after).then_some(i)
        });
        match sep {
            Some(i) => {
                models.push(rest[..i].trim_end().to_string());
                rest = rest[i + 1..].trim_start();
            }
            None => {
                models.push(rest.to_string());
                break;
            }
        }
    }
    let known = all_models();
    if let Some(bad) = models.iter().find(|m| !known.contains(m.as_str())) {
        return Err(format!(
            "unknown consistency model {bad:?} (--consistency-models splits on \" , \"; known: {})",
            known.into_iter().collect::<Vec<_>>().join(", ")
        ));
    }
    Ok(models)
}

/// The anomaly types that cannot be present if all of `models` hold (Elle's
/// `anomalies-prohibited-by`).
pub(crate) fn prohibited(models: &[String]) -> BTreeSet<String> {
    let implied_models = reachable(&model_graph(), models.iter().map(|m| canonical(m)));
    let proscribed = table_graph(PROSCRIBED, true);
    let direct = successors(&proscribed, &implied_models);
    // Every anomaly that implies a proscribed one is proscribed too.
    let implied_by = reverse(&anomaly_graph());
    reachable(&implied_by, direct)
}

/// Every anomaly type implied by `anomalies` (themselves included).
pub(crate) fn implied_anomalies<'a>(
    anomalies: impl IntoIterator<Item = &'a str>,
) -> BTreeSet<String> {
    reachable(&anomaly_graph(), anomalies)
}

/// The canonical models that cannot hold given `anomalies`.
pub(crate) fn impossible_models<'a>(
    anomalies: impl IntoIterator<Item = &'a str>,
) -> BTreeSet<String> {
    let implied = implied_anomalies(anomalies);
    let proscribed_by = reverse(&table_graph(PROSCRIBED, true));
    let direct = successors(&proscribed_by, &implied);
    // A model is impossible if a model it implies is.
    reachable(&reverse(&model_graph()), direct)
}

/// The canonical models stronger than (or equal to) any of `models`.
pub(crate) fn stronger_or_equal<'a>(models: impl IntoIterator<Item = &'a str>) -> BTreeSet<String> {
    reachable(&reverse(&model_graph()), models.into_iter().map(canonical))
}

/// Elle's `friendly-boundary`: `(not, also_not)`, the weakest models the anomalies rule out and
/// the remaining ruled-out models, in friendly names.
pub(crate) fn boundary<'a>(
    anomalies: impl IntoIterator<Item = &'a str>,
) -> (BTreeSet<String>, BTreeSet<String>) {
    let impossible = impossible_models(anomalies);
    let g = model_graph();
    // Weakest: drop a model if a model it implies (a weaker one) is also impossible.
    let weakest: BTreeSet<String> = impossible
        .iter()
        .filter(|m| {
            let below = reachable(&g, [m.as_str()]);
            !below
                .iter()
                .any(|w| w != *m && impossible.contains(w.as_str()))
        })
        .cloned()
        .collect();
    let not = weakest.iter().map(|m| friendly(m).to_string()).collect();
    let also_not = impossible
        .iter()
        .filter(|m| !weakest.contains(*m))
        .map(|m| friendly(m).to_string())
        .collect();
    (not, also_not)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names(v: &[&str]) -> Vec<String> {
        v.iter().map(|s| s.to_string()).collect()
    }

    /// Asserts that each of `anomalies` is in `set` when `inside`, or is not in it otherwise.
    fn assert_each(set: &BTreeSet<String>, inside: bool, anomalies: &[&str]) {
        for a in anomalies {
            assert_eq!(
                set.contains(*a),
                inside,
                "{a} (expected inside: {inside}): {set:?}"
            );
        }
    }

    #[test]
    fn read_uncommitted_prohibits_only_write_cycles() {
        let p = prohibited(&names(&["read-uncommitted"]));
        let expected: BTreeSet<String> = [
            "G0",
            "duplicate-elements",
            "cyclic-versions",
            "PL-1-cycle-exists",
        ]
        .iter()
        .map(|s| s.to_string())
        .collect();
        assert_eq!(p, expected);
    }

    #[test]
    fn read_committed_prohibits_g1_but_not_internal_or_lost_update() {
        let p = prohibited(&names(&["read-committed"]));
        assert_each(
            &p,
            true,
            &[
                "G0",
                "G1a",
                "G1b",
                "G1c",
                "G1",
                "PL-2-cycle-exists",
                "cyclic-versions",
            ],
        );
        assert_each(
            &p,
            false,
            &[
                "internal",
                "lost-update",
                "G-single-item",
                "G1c-realtime",
                "G2-item",
            ],
        );
    }

    #[test]
    fn strict_serializable_prohibits_realtime_and_anti_dependency_cycles() {
        let p = prohibited(&names(&["strict-serializable"]));
        assert_each(
            &p,
            true,
            &[
                "internal",
                "lost-update",
                "G-single-item",
                "G-single-item-realtime",
                "G2-item-process",
                "G1c-realtime",
                "PL-SS-cycle-exists",
            ],
        );
    }

    #[test]
    fn boundary_matches_a_real_maelstrom_result() {
        // Maelstrom 0.2.4 reported these for a history whose only anomaly type was
        // G-single-item-realtime.
        let (not, also_not) = boundary(["G-single-item-realtime"]);
        assert_eq!(not, ["strong-snapshot-isolation".to_string()].into());
        assert_eq!(also_not, ["strong-serializable".to_string()].into());
    }

    #[test]
    fn g1c_rules_out_read_committed() {
        let (not, _) = boundary(["G1c"]);
        assert_eq!(not, ["read-committed".to_string()].into());
        let (not, _) = boundary(["G0"]);
        assert_eq!(not, ["read-uncommitted".to_string()].into());
    }

    #[test]
    fn tiers_imply_their_stronger_forms_and_carry_implications_along() {
        let from_process = implied_anomalies(["G-single-item-process"]);
        assert_each(
            &from_process,
            true,
            &[
                "G-single-process",
                "G-single-item-realtime",
                "G-nonadjacent-item-process",
                "G2-item-realtime",
                "G2-realtime",
            ],
        );
        // Neither the weaker plain form nor the plain-only GSIb follows from a process tier.
        assert_each(&from_process, false, &["G-single-item", "G-single", "GSIb"]);
        let g0 = implied_anomalies(["G0"]);
        assert_each(&g0, true, &["G0-realtime", "G1c-process", "G1-realtime"]);
        assert_eq!(g0.len(), 9, "three tiers each of G0, G1c and G1: {g0:?}");
        assert!(implied_anomalies(["G-single"]).contains("GSI"));
    }

    #[test]
    fn model_names_split_like_maelstrom() {
        assert_eq!(parse(None).unwrap(), names(&["strict-serializable"]));
        assert_eq!(
            parse(Some("read-committed , serializable")).unwrap(),
            names(&["read-committed", "serializable"])
        );
        assert!(parse(Some("read-committed,serializable")).is_err());
        assert!(parse(Some("nonsense")).is_err());
    }
}
