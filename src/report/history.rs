//! Reading Maelstrom's `history.edn` (one operation map per line) into the same [`Op`] type the
//! simulator records, so every checker runs unchanged on real histories.

use super::edn;
use crate::sim::history::{Op, OpType, Process};
use anyhow::Context;
use edn_format::{Keyword, Value};
use std::path::Path;

pub fn read(path: &Path) -> anyhow::Result<Vec<Op>> {
    let text =
        std::fs::read_to_string(path).with_context(|| format!("reading {}", path.display()))?;
    parse(&text).with_context(|| format!("in {}", path.display()))
}

/// Parses a whole history. Each non-blank line must be one operation map.
pub fn parse(text: &str) -> anyhow::Result<Vec<Op>> {
    text.lines()
        .enumerate()
        .filter(|(_, l)| !l.trim().is_empty())
        .map(|(i, line)| parse_op(line).with_context(|| format!("history line {}", i + 1)))
        .collect()
}

fn get<'a>(map: &'a std::collections::BTreeMap<Value, Value>, key: &str) -> Option<&'a Value> {
    map.get(&Value::Keyword(Keyword::from_name(key)))
}

fn parse_op(line: &str) -> anyhow::Result<Op> {
    let value = edn::parse(line)?;
    let map = match &value {
        Value::Map(m) => m,
        Value::TaggedElement(_, inner) => match inner.as_ref() {
            Value::Map(m) => m,
            _ => anyhow::bail!("not an operation map"),
        },
        _ => anyhow::bail!("not an operation map"),
    };
    let int = |key: &str| match get(map, key) {
        Some(Value::Integer(i)) => Ok(*i),
        _ => anyhow::bail!("missing integer {key}"),
    };
    let kind = match get(map, "type").and_then(edn::name_of).as_deref() {
        Some("invoke") => OpType::Invoke,
        Some("ok") => OpType::Ok,
        Some("fail") => OpType::Fail,
        Some("info") => OpType::Info,
        other => anyhow::bail!("unknown :type {other:?}"),
    };
    let process = match get(map, "process") {
        Some(Value::Integer(p)) => Process::Client(u64::try_from(*p).unwrap_or(0)),
        _ => Process::Nemesis,
    };
    let f = get(map, "f").and_then(edn::name_of).context("missing :f")?;
    Ok(Op {
        index: usize::try_from(int("index")?).unwrap_or(0),
        time: u64::try_from(int("time")?).unwrap_or(0),
        kind,
        process,
        f,
        value: get(map, "value").map(edn::to_json).unwrap_or_default(),
        error: get(map, "error").map(edn::to_json),
        is_final: matches!(get(map, "final?"), Some(Value::Boolean(true))),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_client_and_nemesis_lines() {
        let text = "{:index 0, :time 31291531, :type :invoke, :process 0, :f :read, :value nil}\n\
                    {:index 1, :time 38663675, :type :ok, :process 0, :f :read, :value [1 2]}\n\
                    {:index 2, :time 5, :type :info, :process :nemesis, :f :start-partition, :value :majority}\n";
        let ops = parse(text).unwrap();
        assert_eq!(ops.len(), 3);
        assert_eq!(ops[1].value, serde_json::json!([1, 2]));
        assert_eq!(ops[1].kind, OpType::Ok);
        assert_eq!(ops[2].process, Process::Nemesis);
        assert_eq!(ops[2].f, "start-partition");
    }

    #[test]
    fn a_bad_line_is_named() {
        let err = parse("{:index 0}\n").unwrap_err();
        assert!(format!("{err:#}").contains("history line 1"), "{err:#}");
    }
}
