//! The message journal: an optional, bounded record of every message the simulated network
//! carried — who sent it to whom, its body, when it was sent, and when it was delivered or
//! dropped (and why). The engine fills it when [`super::SimConfig::journal`] asks for one;
//! nothing about the run changes. A run folder keeps it as `messages.jsonl` (one message a
//! line), which the message diagram is drawn from.
//!
//! Bounds: at most `limit` messages are kept (later ones are only counted), and bodies
//! share [`BODY_BUDGET`] bytes, each cut at [`MAX_BODY`]; past the budget only the type is
//! kept. A 25-node, 20 s broadcast run takes a few MB.

use crate::protocol::Message;
use anyhow::Context;
use serde_json::{json, Value};
use std::collections::HashMap;
use std::io::{BufRead, Write};
use std::path::Path;

/// The journal's file name in a run folder.
pub const FILE: &str = "messages.jsonl";
/// Messages kept by default.
pub const DEFAULT_LIMIT: usize = 100_000;
/// The longest body kept whole; longer ones keep their first bytes.
pub const MAX_BODY: usize = 4096;
/// Bytes of bodies one journal keeps in all.
pub const BODY_BUDGET: usize = 8 << 20;
/// The longest line read back (a body of [`MAX_BODY`] escaped, with room to spare).
const MAX_LINE: usize = 64 << 10;

/// What became of a message.
#[derive(Clone, Debug, PartialEq)]
pub enum Fate {
    /// Handed to its recipient at this time.
    Delivered(u64),
    /// Lost at this time, for this reason (`partition`).
    Dropped(u64, String),
    /// Still on its way when the run ended.
    InFlight,
}

/// One message.
#[derive(Clone, Debug, PartialEq)]
pub struct Entry {
    /// Maelstrom's envelope `id`: the send order.
    pub id: u64,
    pub src: String,
    pub dest: String,
    /// The body's `type`.
    pub kind: String,
    /// The body as compact JSON, possibly cut (see `whole`); empty past the byte budget.
    pub body: String,
    /// Whether `body` is the whole body.
    pub whole: bool,
    /// Send time, ns from the start of the test's main phase (setup messages are at 0).
    pub sent: u64,
    pub fate: Fate,
}

impl Entry {
    /// The body as JSON, when it was kept whole.
    pub fn body_json(&self) -> Option<Value> {
        self.whole
            .then(|| serde_json::from_str(&self.body).ok())
            .flatten()
    }
}

/// Messages in send order, with their fates.
#[derive(Clone, Debug, Default)]
pub struct Journal {
    pub entries: Vec<Entry>,
    /// Messages sent after the limit was reached (not kept).
    pub untracked: u64,
    limit: usize,
    body_bytes: usize,
    /// Entry position by message id.
    at: HashMap<u64, usize>,
    /// Subtracted from engine times: the start of the main phase.
    start: u64,
}

impl Journal {
    pub fn new(limit: usize) -> Journal {
        Journal {
            limit,
            ..Journal::default()
        }
    }

    /// Times are recorded from `start` (engine time) on; what was recorded before (setup,
    /// which for external nodes takes real time) is moved to the start.
    pub fn set_start(&mut self, start: u64) {
        let rebase = start.saturating_sub(self.start);
        for e in &mut self.entries {
            e.sent = e.sent.saturating_sub(rebase);
            if let Fate::Delivered(t) | Fate::Dropped(t, _) = &mut e.fate {
                *t = t.saturating_sub(rebase);
            }
        }
        self.start = start;
    }

    fn time(&self, now: u64) -> u64 {
        now.saturating_sub(self.start)
    }

    /// `msg` is sent at `now` and will carry envelope id `id`.
    pub fn sent(&mut self, id: u64, now: u64, msg: &Message) {
        if self.entries.len() >= self.limit {
            self.untracked += 1;
            return;
        }
        let mut body = if self.body_bytes < BODY_BUDGET {
            serde_json::to_string(&msg.body).unwrap_or_default()
        } else {
            String::new()
        };
        let whole = !body.is_empty() && body.len() <= MAX_BODY;
        if body.len() > MAX_BODY {
            let mut cut = MAX_BODY;
            while !body.is_char_boundary(cut) {
                cut -= 1;
            }
            body.truncate(cut);
        }
        self.body_bytes += body.len();
        self.at.insert(id, self.entries.len());
        self.entries.push(Entry {
            id,
            src: msg.src.clone(),
            dest: msg.dest.clone(),
            kind: msg.body.kind.clone(),
            body,
            whole,
            sent: self.time(now),
            fate: Fate::InFlight,
        });
    }

    /// Message `id` reached its recipient at `now`.
    pub fn delivered(&mut self, id: Option<u64>, now: u64) {
        let t = self.time(now);
        if let Some(e) = self.entry(id) {
            e.fate = Fate::Delivered(t);
        }
    }

    /// Message `id` was lost at `now`, for `why`.
    pub fn dropped(&mut self, id: Option<u64>, now: u64, why: &str) {
        let t = self.time(now);
        if let Some(e) = self.entry(id) {
            e.fate = Fate::Dropped(t, why.to_string());
        }
    }

    fn entry(&mut self, id: Option<u64>) -> Option<&mut Entry> {
        let at = *self.at.get(&id?)?;
        self.entries.get_mut(at)
    }

    /// Writes one JSON object per message.
    pub fn write(&self, out: &mut impl Write) -> std::io::Result<()> {
        for e in &self.entries {
            let mut line = json!({
                "id": e.id,
                "src": e.src,
                "dest": e.dest,
                "type": e.kind,
                "sent": e.sent,
            });
            match &e.fate {
                Fate::Delivered(t) => line["delivered"] = json!(t),
                Fate::Dropped(t, why) => {
                    line["dropped"] = json!(t);
                    line["why"] = json!(why);
                }
                Fate::InFlight => {}
            }
            match e.body_json() {
                Some(body) => line["body"] = body,
                None if !e.body.is_empty() => line["body-prefix"] = json!(e.body),
                None => {}
            }
            serde_json::to_writer(&mut *out, &line)?;
            out.write_all(b"\n")?;
        }
        if self.untracked > 0 {
            writeln!(out, "{}", json!({ "untracked": self.untracked }))?;
        }
        Ok(())
    }

    /// Reads a journal written by [`Journal::write`], keeping at most `limit` messages. A line
    /// that is not a message is an error naming it.
    pub fn read(path: &Path, limit: usize) -> anyhow::Result<Journal> {
        let file =
            std::fs::File::open(path).with_context(|| format!("reading {}", path.display()))?;
        let mut reader = std::io::BufReader::new(file);
        let mut journal = Journal::new(limit);
        let mut buf = Vec::new();
        for number in 1.. {
            buf.clear();
            let n = std::io::Read::take(&mut reader, MAX_LINE as u64 + 1)
                .read_until(b'\n', &mut buf)
                .with_context(|| format!("reading {}", path.display()))?;
            if n == 0 {
                break;
            }
            if buf.len() > MAX_LINE {
                anyhow::bail!(
                    "{} line {number} is longer than {MAX_LINE} bytes",
                    path.display()
                );
            }
            let line: Value = serde_json::from_slice(&buf)
                .with_context(|| format!("{} line {number}", path.display()))?;
            if let Some(n) = line["untracked"].as_u64() {
                journal.untracked += n;
                continue;
            }
            if journal.entries.len() >= limit {
                journal.untracked += 1;
                continue;
            }
            let entry = entry_of(&line)
                .with_context(|| format!("{} line {number} is not a message", path.display()))?;
            journal.entries.push(entry);
        }
        Ok(journal)
    }
}

fn entry_of(line: &Value) -> Option<Entry> {
    let text = |k: &str| line[k].as_str().map(str::to_string);
    let fate = match (line["delivered"].as_u64(), line["dropped"].as_u64()) {
        (Some(t), _) => Fate::Delivered(t),
        (None, Some(t)) => Fate::Dropped(t, text("why").unwrap_or_default()),
        (None, None) => Fate::InFlight,
    };
    let (body, whole) = match (&line["body"], text("body-prefix")) {
        (Value::Null, Some(prefix)) => (prefix, false),
        (Value::Null, None) => (String::new(), false),
        (body, _) => (body.to_string(), true),
    };
    Some(Entry {
        id: line["id"].as_u64()?,
        src: text("src")?,
        dest: text("dest")?,
        kind: text("type").unwrap_or_default(),
        body,
        whole,
        sent: line["sent"].as_u64()?,
        fate,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::protocol::Body;

    fn msg(src: &str, dest: &str, body: Body) -> Message {
        Message::new(src.to_string(), dest.to_string(), body)
    }

    #[test]
    fn records_fates_and_reads_back() {
        let mut j = Journal::new(3);
        j.set_start(100);
        j.sent(
            0,
            100,
            &msg("c1", "n0", Body::new("broadcast").with("message", 42)),
        );
        j.sent(
            1,
            150,
            &msg(
                "n0",
                "n1",
                Body::new("gossip").with("messages", vec![41, 42]),
            ),
        );
        j.sent(2, 160, &msg("n0", "n2", Body::new("gossip")));
        j.sent(3, 170, &msg("n0", "n3", Body::new("gossip")));
        j.delivered(Some(0), 110);
        j.dropped(Some(1), 250, "partition");
        j.delivered(Some(99), 300);
        assert_eq!(j.untracked, 1);
        assert_eq!(j.entries[0].fate, Fate::Delivered(10));
        assert_eq!(j.entries[1].fate, Fate::Dropped(150, "partition".into()));
        assert_eq!(j.entries[2].fate, Fate::InFlight);
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join(FILE);
        let mut out = Vec::new();
        j.write(&mut out).unwrap();
        std::fs::write(&path, &out).unwrap();
        let back = Journal::read(&path, 10).unwrap();
        assert_eq!(back.entries.len(), j.entries.len());
        for (b, e) in back.entries.iter().zip(&j.entries) {
            assert_eq!(
                b.body_json(),
                e.body_json(),
                "bodies read back as the same JSON"
            );
            let plain = |x: &Entry| Entry {
                body: String::new(),
                ..x.clone()
            };
            assert_eq!(plain(b), plain(e));
        }
        assert_eq!(back.untracked, 1);
        assert_eq!(back.entries[1].body_json().unwrap()["messages"][1], 42);
    }

    #[test]
    fn setup_before_the_start_is_moved_to_it() {
        let mut j = Journal::new(10);
        j.sent(0, 300, &msg("c0", "n0", Body::new("init")));
        j.delivered(Some(0), 320);
        j.sent(1, 330, &msg("c0", "n1", Body::new("init")));
        j.set_start(325);
        j.delivered(Some(1), 340);
        assert_eq!(
            (j.entries[0].sent, &j.entries[0].fate),
            (0, &Fate::Delivered(0))
        );
        assert_eq!(
            (j.entries[1].sent, &j.entries[1].fate),
            (5, &Fate::Delivered(15))
        );
    }

    #[test]
    fn long_bodies_are_cut_and_not_parsed() {
        let mut j = Journal::new(10);
        let big = "x".repeat(MAX_BODY * 2);
        j.sent(0, 0, &msg("n0", "n1", Body::new("blob").with("data", big)));
        assert_eq!(j.entries[0].body.len(), MAX_BODY);
        assert!(!j.entries[0].whole);
        assert!(j.entries[0].body_json().is_none());
    }

    #[test]
    fn a_foreign_line_is_refused_with_its_number() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join(FILE);
        std::fs::write(
            &path,
            "{\"id\":0,\"src\":\"n0\",\"dest\":\"n1\",\"sent\":0}\n[1]\n",
        )
        .unwrap();
        let err = Journal::read(&path, 10).unwrap_err();
        assert!(format!("{err:#}").contains("line 2"), "{err:#}");
    }
}
