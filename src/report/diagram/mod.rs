//! The message diagram of a simulated run: one lane per client, node and service, an arrow per
//! message from its sending to its delivery, lost messages marked where they were dropped,
//! partitions shaded. Drawn from the run's message journal (`messages.jsonl`, see
//! [`crate::sim::journal`]) and its history (for partitions and operations).
//!
//! A [`View`] picks what is drawn: a window of time (the first seconds by default), every
//! message that carried one value, or the messages that served one operation. [`select`]
//! chooses the messages, [`svg`] draws them.

pub mod select;
pub mod svg;

use crate::history::{Op, OpType, Process};
use crate::report::history as edn_history;
use crate::sim::journal::{self, Entry, Journal};
use serde_json::Value;
use std::path::Path;

/// The window drawn when none is asked for, from the start of the test (ms).
pub const DEFAULT_WINDOW_MS: u64 = 2000;
/// The most arrows one diagram draws; a window holding more is cut short, and says so.
pub const MAX_ARROWS: usize = 4000;
/// Messages read from a journal.
const READ_LIMIT: usize = journal::DEFAULT_LIMIT;
/// Room left before the first and after the last message of a followed value (ns).
const PAD: u64 = 20_000_000;

/// What the diagram shows.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct View {
    /// Start of the window, ms from the start of the test.
    pub from_ms: Option<u64>,
    /// End of the window, ms.
    pub to_ms: Option<u64>,
    pub follow: Follow,
}

/// What, if anything, the diagram follows.
#[derive(Clone, Debug, Default, PartialEq)]
pub enum Follow {
    #[default]
    Nothing,
    /// Every message whose body carries this value.
    Value(Value),
    /// The messages of the operation with this history index.
    Op(usize),
}

impl View {
    /// The file the view is drawn into.
    pub fn file_name(&self) -> String {
        let window = match (self.from_ms, self.to_ms) {
            (None, None) => String::new(),
            (from, to) => format!(
                "-{}-{}ms",
                from.unwrap_or(0),
                to.map_or("end".to_string(), |t| t.to_string())
            ),
        };
        let follow = match &self.follow {
            Follow::Nothing => String::new(),
            Follow::Value(v) => {
                let text: String = v
                    .to_string()
                    .chars()
                    .filter(|c| c.is_ascii_alphanumeric() || *c == '-')
                    .take(40)
                    .collect();
                format!("-value-{text}")
            }
            Follow::Op(i) => format!("-op-{i}"),
        };
        format!("message-diagram{follow}{window}.svg")
    }
}

/// A value given on the command line: JSON if it parses (`42`, `"a"`), else the text.
pub fn parse_value(text: &str) -> Value {
    serde_json::from_str(text).unwrap_or_else(|_| Value::String(text.to_string()))
}

/// A fault window for shading: from, to (ns), and what it was.
#[derive(Clone, Debug, PartialEq)]
pub struct Band {
    pub from: u64,
    pub to: u64,
    pub label: String,
}

/// Everything [`svg::render`] draws.
#[derive(Debug)]
pub struct Diagram<'a> {
    pub title: String,
    /// The window, ns.
    pub from: u64,
    pub to: u64,
    /// The end of the run (ns): where a message still in flight stops.
    pub end: u64,
    pub lanes: Vec<String>,
    pub messages: Vec<&'a Entry>,
    pub bands: Vec<Band>,
    /// Said under the title: what was left out, how the view was chosen.
    pub notes: Vec<String>,
}

/// The diagram drawn, for the page.
#[derive(Clone, Debug, PartialEq)]
pub struct Drawn {
    pub file: String,
    pub caption: String,
}

/// Draws `view` of the run in `dir` into `out`; `None` when the run kept no message journal
/// (Maelstrom's folders: Maelstrom draws its own `messages.svg`).
pub fn draw(dir: &Path, view: &View, out: &Path) -> anyhow::Result<Option<Drawn>> {
    let path = dir.join(journal::FILE);
    if !path.is_file() {
        return Ok(None);
    }
    let journal = Journal::read(&path, READ_LIMIT)?;
    let (history_end, bands, operation) = read_history(dir, &view.follow)?;
    let end = journal
        .entries
        .iter()
        .map(|e| select::span(e, 0).1)
        .chain(std::iter::once(history_end))
        .max()
        .unwrap_or(0);
    let diagram = layout(&journal, view, end, bands, operation.as_ref())?;
    let caption = diagram.title.clone();
    let file = view.file_name();
    crate::report::plots::write(&out.join(&file), &svg::render(&diagram))?;
    Ok(Some(Drawn { file, caption }))
}

/// The end of the history (ns), its fault bands, and the followed operation, if any.
fn read_history(
    dir: &Path,
    follow: &Follow,
) -> anyhow::Result<(u64, Vec<Band>, Option<select::Operation>)> {
    let path = dir.join("history.edn");
    if !path.is_file() {
        return Ok((0, Vec::new(), None));
    }
    let mut end = 0;
    let mut bands: Vec<Band> = Vec::new();
    for op in edn_history::open(&path)? {
        let op = op?;
        end = end.max(op.time);
        if op.process == Process::Nemesis && op.kind == OpType::Info {
            fault(&mut bands, &op);
        }
    }
    // A second pass finds the followed operation, holding one open invocation per client.
    let operation = match follow {
        Follow::Op(i) => {
            let ops = edn_history::open(&path)?.map_while(Result::ok);
            match select::Operation::find(ops, *i) {
                Some(op) => Some(op),
                None => {
                    return Err(crate::exit::setup(format!(
                        "the history has no client operation with index {i}"
                    )))
                }
            }
        }
        _ => None,
    };
    for b in &mut bands {
        if b.to == u64::MAX {
            b.to = end;
        }
    }
    Ok((end, bands, operation))
}

/// A nemesis operation taking hold: a fault starts (`start-…`) or the latest one stops.
fn fault(bands: &mut Vec<Band>, op: &Op) {
    if let Some(what) = op.f.strip_prefix("start-") {
        // Maelstrom's history logs the target (`:majority`), then `[:isolated {grudge}]`;
        // the simulator's own form is `{target, grudge}`.
        let v = &op.value;
        let target = v.as_str().or(v["target"].as_str());
        let grudge = if v["grudge"].is_object() {
            &v["grudge"]
        } else {
            &v[1]
        };
        let open = bands.iter_mut().rev().find(|b| b.to == u64::MAX);
        let band = match open {
            Some(band) => band,
            None => {
                bands.push(Band {
                    from: op.time,
                    to: u64::MAX,
                    label: what.to_string(),
                });
                let last = bands.len() - 1;
                &mut bands[last]
            }
        };
        if let Some(t) = target {
            band.label.push_str(&format!(" ({t})"));
        }
        band.label.push_str(&components(grudge));
    } else if op.f.starts_with("stop-") {
        if let Some(open) = bands.iter_mut().rev().find(|b| b.to == u64::MAX) {
            open.to = op.time;
        }
    }
}

/// The sides of a grudge (`node → nodes it does not hear`) as `: n0 n1 | n2 n3 n4`: nodes
/// grouped by what they do not hear.
fn components(grudge: &Value) -> String {
    let Some(map) = grudge.as_object() else {
        return String::new();
    };
    let mut groups: Vec<(String, Vec<&str>)> = Vec::new();
    for (node, blocked) in map {
        let key = blocked.to_string();
        match groups.iter_mut().find(|g| g.0 == key) {
            Some(g) => g.1.push(node),
            None => groups.push((key, vec![node])),
        }
    }
    if groups.len() < 2 || groups.len() > 6 {
        return String::new();
    }
    let sides: Vec<String> = groups.iter().map(|g| g.1.join(" ")).collect();
    format!(": {}", sides.join(" | "))
}

/// Chooses the messages, the window and the lanes.
fn layout<'a>(
    journal: &'a Journal,
    view: &View,
    end: u64,
    bands: Vec<Band>,
    operation: Option<&select::Operation>,
) -> anyhow::Result<Diagram<'a>> {
    let entries = &journal.entries;
    let mut notes = Vec::new();
    let (mut chosen, title): (Vec<&Entry>, String) = match (&view.follow, operation) {
        (Follow::Nothing, _) => (entries.iter().collect(), "Messages".to_string()),
        (Follow::Value(v), _) => (
            entries.iter().filter(|e| select::carries(e, v)).collect(),
            format!("Messages carrying value {v}"),
        ),
        (Follow::Op(i), Some(op)) => {
            let client = op.client(entries);
            let until = op.complete.as_ref().map_or(end, |c| c.time);
            let value = op.carried_value();
            let chosen = entries
                .iter()
                .filter(|e| {
                    let own = client.is_some_and(|c| e.src == c || e.dest == c)
                        && e.sent >= op.invoke.time
                        && e.sent <= until;
                    own || value.is_some_and(|v| select::carries(e, v))
                })
                .collect();
            let what = format!("{} {}", op.invoke.f, op.invoke.value);
            let client = client.map(|c| format!(" by {c}")).unwrap_or_default();
            (
                chosen,
                format!("Messages of operation {i} ({what}{client})"),
            )
        }
        (Follow::Op(i), None) => anyhow::bail!("no operation {i} in the history"),
    };
    let following = view.follow != Follow::Nothing;
    if following {
        let replies = select::replies(entries, &chosen);
        chosen.extend(replies);
        chosen.sort_by_key(|e| e.id);
        chosen.dedup_by_key(|e| e.id);
    }
    let (first, last) = chosen.iter().fold((u64::MAX, 0), |(a, b), e| {
        let (s, t) = select::span(e, end);
        (a.min(s), b.max(t))
    });
    let from = match view.from_ms {
        Some(ms) => ms.saturating_mul(1_000_000),
        None if following && first != u64::MAX => first.saturating_sub(PAD),
        None => 0,
    };
    let to = match view.to_ms {
        Some(ms) => ms.saturating_mul(1_000_000),
        None if following && first != u64::MAX => last.saturating_add(PAD),
        None => from + DEFAULT_WINDOW_MS * 1_000_000,
    }
    .max(from + 1_000_000);
    chosen.retain(|e| select::in_window(e, from, to, end));
    if chosen.len() > MAX_ARROWS {
        let shown_to = chosen[MAX_ARROWS - 1].sent;
        notes.push(format!(
            "{} messages in the window; the first {MAX_ARROWS} are drawn (to {:.0} ms): \
             narrow it with --from/--to",
            chosen.len(),
            shown_to as f64 / 1e6
        ));
        chosen.truncate(MAX_ARROWS);
    }
    if journal.untracked > 0 {
        notes.push(format!(
            "{} later messages were not journaled",
            journal.untracked
        ));
    }
    let title = format!(
        "{title}, {:.0}–{:.0} ms",
        from as f64 / 1e6,
        to as f64 / 1e6
    );
    Ok(Diagram {
        title,
        from,
        to,
        end,
        lanes: lanes(entries, &chosen, following),
        messages: chosen,
        bands: bands
            .into_iter()
            .filter(|b| b.from <= to && b.to >= from)
            .collect(),
        notes,
    })
}

/// Lane order: clients, nodes (every node of the run, so the picture has the cluster's
/// shape), services; each by number, then name.
fn lanes(all: &[Entry], chosen: &[&Entry], following: bool) -> Vec<String> {
    use std::collections::BTreeSet;
    let node = |id: &str| crate::sim::network::is_node(id);
    let mut ids: BTreeSet<&str> = all
        .iter()
        .flat_map(|e| [e.src.as_str(), e.dest.as_str()])
        .filter(|id| node(id))
        .collect();
    ids.extend(
        chosen
            .iter()
            .flat_map(|e| [e.src.as_str(), e.dest.as_str()]),
    );
    if !following && ids.is_empty() {
        return Vec::new();
    }
    let rank = |id: &str| {
        let class = if crate::sim::network::is_client(id) {
            0
        } else if node(id) {
            1
        } else {
            2
        };
        let digits: String = id.chars().filter(char::is_ascii_digit).collect();
        (
            class,
            digits.parse::<u64>().unwrap_or(u64::MAX),
            id.to_string(),
        )
    };
    let mut out: Vec<&str> = ids.into_iter().collect();
    out.sort_by_key(|id| rank(id));
    out.into_iter().map(str::to_string).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn views_name_their_files() {
        assert_eq!(View::default().file_name(), "message-diagram.svg");
        let v = View {
            from_ms: Some(500),
            to_ms: None,
            follow: Follow::Value(parse_value("42")),
        };
        assert_eq!(v.file_name(), "message-diagram-value-42-500-endms.svg");
        assert_eq!(parse_value("abc"), Value::String("abc".into()));
    }

    #[test]
    fn grudges_show_their_sides() {
        let g = serde_json::json!({"n0": ["n2"], "n1": ["n2"], "n2": ["n0", "n1"]});
        assert_eq!(components(&g), ": n0 n1 | n2");
    }
}
