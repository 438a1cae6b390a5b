//! A history as Maelstrom's `history.edn`: one operation map per line, keys in Jepsen's order
//! (`:index :time :type :process :f :value`, then `:error` and `:final?` when present), with
//! keywords where Jepsen writes keywords (`:type`, `:f`, `:process :nemesis`, the heads of
//! kafka and txn micro-operations such as `[:r 9 nil]` and `[[:poll {"8" [[0 1]]}]]`, error
//! names, the nemesis's targets).
//!
//! The simulator records a few things in its own shape; [`maelstrom_form`] turns them into
//! Jepsen's before writing, so the file reads back (through [`super::history`]) as exactly
//! `maelstrom_form(history)`: a nemesis invocation is `:type :info` carrying the target
//! (`:one`), its completion `[:isolated {"n2" #{"n1" …}, …}]` or `:network-healed`; a timeout
//! is `:error :net-timeout`, not a one-element vector.
//!
//! No line is written that the reader would refuse: see [`fn@write`].

use super::edn::{writer, Value};
use super::history::MAX_LINE_BYTES;
use crate::history::{Op, OpType, Process};
use serde_json::Value as Json;
use std::io::{self, Write};

/// The simulator's history in the shape Maelstrom records it (see the module header).
pub fn maelstrom_form(history: &[Op]) -> Vec<Op> {
    let mut out: Vec<Op> = history.to_vec();
    for i in 0..out.len() {
        if out[i].process == Process::Nemesis {
            if out[i].kind == OpType::Invoke {
                out[i].kind = OpType::Info;
                // The simulator picks the target when it completes the operation; Jepsen's
                // invocation already names it.
                let completion = history
                    .get(i + 1)
                    .filter(|next| next.process == Process::Nemesis && next.f == history[i].f);
                if let Some(target) = completion.and_then(|c| c.value.get("target")) {
                    out[i].value = target.clone();
                }
            } else if let Some(grudge) = out[i].value.get("grudge") {
                out[i].value = Json::Array(vec![Json::from("isolated"), grudge.clone()]);
            }
        }
        if let Some(Json::Array(parts)) = &out[i].error {
            if let [Json::String(name)] = &parts[..] {
                out[i].error = Some(Json::String(name.clone()));
            }
        }
    }
    out
}

/// An operation written without its value or its error (or both), because its line would have
/// been longer than a history line may be ([`MAX_LINE_BYTES`], the reader's cap).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LeftOut {
    /// The operation's `:index`.
    pub index: usize,
    /// How long its whole line would have been.
    pub bytes: usize,
}

/// Writes `history` (already in [`maelstrom_form`]) one operation per line, and returns the
/// operations written in part. A node may print lines of up to 64 MiB, but `glomers report`
/// reads history lines of at most [`MAX_LINE_BYTES`] (so its memory stays bounded); an
/// operation whose line would be longer keeps its place, type, process and times, with a
/// string in place of its value or error (or both) saying what was left out, so the file is
/// always readable and its latencies and counts stay whole.
pub fn write(history: &[Op], out: &mut impl Write) -> io::Result<Vec<LeftOut>> {
    let mut left_out = Vec::new();
    for op in history {
        let line = op_line(op);
        if line.len() <= MAX_LINE_BYTES {
            writeln!(out, "{line}")?;
            continue;
        }
        left_out.push(LeftOut {
            index: op.index,
            bytes: line.len(),
        });
        let note = |what: &str| {
            Json::String(format!(
                "glomers left this {what} out: the operation's line was {} bytes, more than the \
                 {MAX_LINE_BYTES} a history line may have",
                line.len()
            ))
        };
        let mut short = Op {
            index: op.index,
            time: op.time,
            kind: op.kind,
            process: op.process,
            f: op.f.clone(),
            value: note("value"),
            error: op.error.clone(),
            is_final: op.is_final,
        };
        // Leave out as little as will do: the value, else the error, else both.
        if op_line(&short).len() > MAX_LINE_BYTES {
            short.value = op.value.clone();
            short.error = Some(note("error"));
            if op_line(&short).len() > MAX_LINE_BYTES {
                short.value = note("value");
            }
        }
        writeln!(out, "{}", op_line(&short))?;
    }
    Ok(left_out)
}

/// One operation as its `history.edn` line (without the newline).
pub fn op_line(op: &Op) -> String {
    let kw = |s: &str| Value::Keyword(s.to_string());
    let kind = match op.kind {
        OpType::Invoke => "invoke",
        OpType::Ok => "ok",
        OpType::Fail => "fail",
        OpType::Info => "info",
    };
    let (process, value) = match op.process {
        Process::Client(p) => (int(p), client_value(&op.value)),
        Process::Nemesis => (kw("nemesis"), nemesis_value(&op.value)),
    };
    let mut entries = vec![
        (kw("index"), int(op.index as u64)),
        (kw("time"), int(op.time)),
        (kw("type"), kw(kind)),
        (kw("process"), process),
        (kw("f"), keyword_or_string(&op.f)),
        (kw("value"), value),
    ];
    if let Some(error) = &op.error {
        entries.push((kw("error"), error_value(error)));
    }
    if op.is_final {
        entries.push((kw("final?"), Value::Bool(true)));
    }
    writer::flat(&Value::Map(entries))
}

fn int(n: u64) -> Value {
    i64::try_from(n).map_or_else(|_| Value::BigInt(n.to_string()), Value::Integer)
}

fn keyword_or_string(s: &str) -> Value {
    if writer::is_keyword_name(s) {
        Value::Keyword(s.to_string())
    } else {
        Value::String(s.to_string())
    }
}

/// JSON as EDN with no keywords: strings stay strings, objects become maps with string keys.
pub fn plain(json: &Json) -> Value {
    match json {
        Json::Null => Value::Nil,
        Json::Bool(b) => Value::Bool(*b),
        Json::Number(n) => match (n.as_i64(), n.as_u64(), n.as_f64()) {
            (Some(i), _, _) => Value::Integer(i),
            (None, Some(u), _) => Value::BigInt(u.to_string()),
            (_, _, Some(x)) => Value::Float(x),
            _ => Value::String(n.to_string()),
        },
        Json::String(s) => Value::String(s.clone()),
        Json::Array(items) => Value::Vector(items.iter().map(plain).collect()),
        Json::Object(map) => Value::Map(
            map.iter()
                .map(|(k, v)| (Value::String(k.clone()), plain(v)))
                .collect(),
        ),
    }
}

/// A vector whose first element is a name (`["r", 9, null]`) with that name as a keyword.
fn headed(items: &[Json]) -> Option<Value> {
    let Some(Json::String(head)) = items.first() else {
        return None;
    };
    let mut out = vec![keyword_or_string(head)];
    out.extend(items[1..].iter().map(plain));
    Some(Value::Vector(out))
}

/// A client operation's value: kafka and txn values are vectors of micro-operations whose
/// names are keywords (`[[:send "9" 1]]`, `[[:r 9 nil] [:w 7 1]]`); everything else is plain.
fn client_value(value: &Json) -> Value {
    if let Json::Array(items) = value {
        let micro_ops: Option<Vec<Value>> = items
            .iter()
            .map(|item| match item {
                Json::Array(mop) => headed(mop),
                _ => None,
            })
            .collect();
        if let Some(micro_ops) = micro_ops.filter(|m| !m.is_empty()) {
            return Value::Vector(micro_ops);
        }
    }
    plain(value)
}

/// A nemesis value: names are keywords (`:one`, `:network-healed`, `[:isolated …]`), a
/// grudge maps each node to the set of nodes it ignores, and a kill or pause maps each node
/// to what was done to it (`{"n1" :killed}`).
fn nemesis_value(value: &Json) -> Value {
    match value {
        Json::String(s) => keyword_or_string(s),
        Json::Array(items) => match items.first() {
            Some(Json::String(head)) => {
                let mut out = vec![keyword_or_string(head)];
                out.extend(items[1..].iter().map(nemesis_value));
                Value::Vector(out)
            }
            _ => plain(value),
        },
        Json::Object(map) => Value::Map(
            map.iter()
                .map(|(node, ignored)| {
                    let ignored = match ignored {
                        Json::Array(nodes) => Value::Set(nodes.iter().map(plain).collect()),
                        // What the nemesis did to a node (`"n1" :killed`).
                        Json::String(done) => keyword_or_string(done),
                        other => plain(other),
                    };
                    (Value::String(node.clone()), ignored)
                })
                .collect(),
        ),
        other => plain(other),
    }
}

/// `:net-timeout`, or `[:key-does-not-exist "text"]`; free text stays a string.
fn error_value(error: &Json) -> Value {
    match error {
        Json::String(s) => keyword_or_string(s),
        Json::Array(items) => headed(items).unwrap_or_else(|| plain(error)),
        other => plain(other),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn op_by(process: Process, index: usize, kind: OpType, f: &str, value: Json) -> Op {
        Op {
            index,
            time: 1000 + index as u64,
            kind,
            process,
            f: f.into(),
            value,
            error: None,
            is_final: false,
        }
    }

    /// Client `client`'s operation.
    fn op(index: usize, kind: OpType, client: u64, f: &str, value: Json) -> Op {
        op_by(Process::Client(client), index, kind, f, value)
    }

    /// The nemesis invoking `f` at `index` (always with nil) and its `info` completion.
    fn nemesis(index: usize, f: &str, completed: Json) -> [Op; 2] {
        [
            op_by(Process::Nemesis, index, OpType::Invoke, f, Json::Null),
            op_by(Process::Nemesis, index + 1, OpType::Info, f, completed),
        ]
    }

    #[test]
    fn lines_match_maelstrom_s_field_by_field() {
        let mut read = op(3, OpType::Invoke, 0, "read", Json::Null);
        read.is_final = true;
        assert_eq!(
            op_line(&read),
            "{:index 3, :time 1003, :type :invoke, :process 0, :f :read, :value nil, :final? true}"
        );
        let txn = op(
            1,
            OpType::Ok,
            7,
            "txn",
            json!([["r", 9, null], ["w", 7, 1]]),
        );
        assert_eq!(
            op_line(&txn),
            "{:index 1, :time 1001, :type :ok, :process 7, :f :txn, :value [[:r 9 nil] [:w 7 1]]}"
        );
        let poll = op(
            2,
            OpType::Ok,
            1,
            "poll",
            json!([["poll", {"8": [[0, 1], [1, 2]]}]]),
        );
        assert!(op_line(&poll).ends_with(r#":value [[:poll {"8" [[0 1] [1 2]]}]]}"#));
        let mut failed = op(4, OpType::Fail, 0, "read", json!([0, null]));
        failed.error = Some(json!(["key-does-not-exist", "key \"0\" does not exist"]));
        assert!(op_line(&failed).ends_with(
            r#":value [0 nil], :error [:key-does-not-exist "key \"0\" does not exist"]}"#
        ));
        let assign = op(5, OpType::Invoke, 0, "assign", json!(["7"]));
        assert!(op_line(&assign).ends_with(r#":value ["7"]}"#));
    }

    #[test]
    fn nemesis_and_timeouts_take_jepsen_s_shape() {
        let mut timed_out = op(0, OpType::Info, 2, "add", json!(4));
        timed_out.error = Some(json!(["net-timeout"]));
        let partition = json!({"target": "one", "grudge": {"n0": ["n1", "n2"], "n1": ["n0"]}});
        let mut history = vec![timed_out];
        history.extend(nemesis(1, "start-partition", partition));
        history.extend(nemesis(3, "stop-partition", json!("network-healed")));
        let lines: Vec<String> = maelstrom_form(&history).iter().map(op_line).collect();
        assert!(
            lines[0].ends_with(":value 4, :error :net-timeout}"),
            "{}",
            lines[0]
        );
        assert_eq!(
            lines[1],
            "{:index 1, :time 1001, :type :info, :process :nemesis, :f :start-partition, :value :one}"
        );
        assert!(lines[2].ends_with(r#":value [:isolated {"n0" #{"n1" "n2"}, "n1" #{"n0"}}]}"#));
        assert!(
            lines[3].ends_with(":type :info, :process :nemesis, :f :stop-partition, :value nil}")
        );
        assert!(lines[4].ends_with(":value :network-healed}"));
    }

    /// A node may print a 64 MiB line, but the reader takes history lines of 16 MiB: such an
    /// operation is written without its value or error, and the file reads back whole.
    #[test]
    fn no_line_is_written_that_the_reader_refuses() {
        let huge = "x".repeat(MAX_LINE_BYTES);
        let mut history = vec![
            op(0, OpType::Invoke, 0, "echo", json!("Please echo 1")),
            op(1, OpType::Ok, 0, "echo", json!(huge)),
            op(2, OpType::Invoke, 0, "echo", json!("Please echo 2")),
            op(3, OpType::Fail, 0, "echo", json!("Please echo 2")),
        ];
        history[3].error = Some(json!(["not-supported", huge]));
        let mut text = Vec::new();
        let left_out = write(&history, &mut text).unwrap();
        assert_eq!(left_out.iter().map(|l| l.index).collect::<Vec<_>>(), [1, 3]);
        assert!(left_out.iter().all(|l| l.bytes > MAX_LINE_BYTES));
        assert!(text
            .split(|&b| b == b'\n')
            .all(|l| l.len() <= MAX_LINE_BYTES));
        let read = super::super::history::parse(std::str::from_utf8(&text).unwrap())
            .expect("the reader takes every line written");
        assert_eq!(read.len(), 4);
        assert_eq!(read[0], history[0]);
        assert_eq!(
            (read[1].kind, read[1].index, read[1].time),
            (OpType::Ok, 1, 1001)
        );
        let said = read[1].value.as_str().unwrap_or_default();
        assert!(said.contains("left this value out"), "{said}");
        assert_eq!(read[3].value, json!("Please echo 2"));
        assert!(format!("{:?}", read[3].error).contains("left this error out"));
    }

    #[test]
    fn the_reader_reads_back_exactly_the_maelstrom_form() {
        let mut weird = op(
            0,
            OpType::Ok,
            1,
            "echo",
            json!("tab\t quote\" backslash\\ ünï \u{1}"),
        );
        weird.error = Some(json!("indeterminate: a reason with spaces"));
        let partition = json!({"target": "majority", "grudge": {"n0": ["n1"], "n1": ["n0"]}});
        let mut history = vec![weird];
        history.extend(nemesis(1, "start-partition", partition));
        let read = json!([1.5, -2, [], {}]);
        history.push(op(3, OpType::Ok, 2, "read", read));
        let form = maelstrom_form(&history);
        let mut text = Vec::new();
        write(&form, &mut text).unwrap();
        let read = super::super::history::parse(std::str::from_utf8(&text).unwrap()).unwrap();
        assert_eq!(read, form);
    }
}
