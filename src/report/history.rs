//! Reading Maelstrom's `history.edn` one operation (one line) at a time. [`Ops`] streams the
//! simulator's [`Op`] type, so every checker runs unchanged on real histories; [`Ops::heads`]
//! streams just what the report's figures need ([`Head`]), skipping the conversion of values.
//! Lines are capped at [`MAX_LINE_BYTES`] and nesting at [`edn::MAX_DEPTH`], so memory does
//! not grow with the file beyond one line.

use super::edn::{self, Value};
use crate::history::{Op, OpType, Process};
use anyhow::Context;
use std::fmt;
use std::io::{BufRead, BufReader, Read};
use std::path::Path;

/// The longest line (one operation) read. Maelstrom's longest real lines (a broadcast final
/// read listing every value) are a few hundred kilobytes.
pub const MAX_LINE_BYTES: usize = 16 << 20;

/// Why one line of a history could not be read.
#[derive(Debug)]
enum Problem {
    Io(std::io::Error),
    /// Longer than [`MAX_LINE_BYTES`].
    TooLong,
    Edn(edn::Error),
    /// Valid EDN, but not an operation map with `:type`, `:f`, `:index` and `:time`.
    NotAnOp(String),
}

/// A line of a history that could not be read, with its 1-based number.
#[derive(Debug)]
pub struct Error {
    line: usize,
    problem: Problem,
}

impl Error {
    /// Whether the line broke one of the reader's limits (too long or nested too deep): the
    /// file is then unusable, not merely an odd operation.
    pub(crate) fn exceeds_a_limit(&self) -> bool {
        match &self.problem {
            Problem::TooLong => true,
            Problem::Edn(e) => e.is_too_deep(),
            Problem::Io(_) | Problem::NotAnOp(_) => false,
        }
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let line = self.line;
        match &self.problem {
            Problem::Io(e) => write!(f, "reading history line {line}: {e}"),
            Problem::TooLong => write!(
                f,
                "history line {line} is longer than {MAX_LINE_BYTES} bytes (the most accepted)"
            ),
            Problem::Edn(e) => write!(
                f,
                "history line {line}, column {}: invalid EDN: {}",
                e.column, e.kind
            ),
            Problem::NotAnOp(why) => write!(f, "history line {line}: {why}"),
        }
    }
}

impl std::error::Error for Error {}

/// The fields of an operation the report's figures use.
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct Head {
    index: usize,
    pub(crate) time: u64,
    pub(crate) kind: OpType,
    pub(crate) process: Process,
    pub(crate) f: String,
}

/// A history's operations, read one line at a time. Blank lines are skipped; iteration ends
/// after the first error.
pub(crate) struct Ops<R> {
    source: R,
    line: usize,
    buf: Vec<u8>,
    failed: bool,
}

impl<R: BufRead> Ops<R> {
    pub(crate) fn new(source: R) -> Ops<R> {
        Ops {
            source,
            line: 0,
            buf: Vec::new(),
            failed: false,
        }
    }

    /// The next non-blank line as EDN, with its line number.
    fn next_value(&mut self) -> Option<Result<(usize, Value), Error>> {
        if self.failed {
            return None;
        }
        let result = self.read_value();
        if !matches!(result, Some(Ok(_))) {
            self.failed = true;
        }
        result
    }

    fn read_value(&mut self) -> Option<Result<(usize, Value), Error>> {
        loop {
            self.buf.clear();
            self.line += 1;
            let line = self.line;
            // One byte past the limit tells a line of exactly the limit from a longer one.
            let cap = MAX_LINE_BYTES as u64 + 1;
            match (&mut self.source)
                .take(cap)
                .read_until(b'\n', &mut self.buf)
            {
                Ok(0) => return None,
                Ok(_) => {}
                Err(e) => {
                    return Some(Err(Error {
                        line,
                        problem: Problem::Io(e),
                    }))
                }
            }
            if self.buf.last() == Some(&b'\n') {
                self.buf.pop();
            } else if self.buf.len() > MAX_LINE_BYTES {
                return Some(Err(Error {
                    line,
                    problem: Problem::TooLong,
                }));
            }
            if self.buf.iter().all(u8::is_ascii_whitespace) {
                continue;
            }
            return Some(edn::parse(&self.buf).map(|v| (line, v)).map_err(|e| Error {
                line,
                problem: Problem::Edn(e),
            }));
        }
    }

    /// The next value decoded by `decode`; one that is not an operation marks the stream failed.
    fn next_decoded<T>(
        &mut self,
        decode: impl Fn(&Value) -> Result<T, String>,
    ) -> Option<Result<T, Error>> {
        let result = self.next_value()?;
        Some(result.and_then(|(line, value)| {
            decode(&value).map_err(|why| {
                self.failed = true;
                Error {
                    line,
                    problem: Problem::NotAnOp(why),
                }
            })
        }))
    }

    /// Just the [`Head`] of every operation.
    pub(crate) fn heads(self) -> impl Iterator<Item = Result<Head, Error>> {
        let mut ops = self;
        std::iter::from_fn(move || ops.next_decoded(head_of))
    }
}

impl<R: BufRead> Iterator for Ops<R> {
    type Item = Result<Op, Error>;

    fn next(&mut self) -> Option<Self::Item> {
        self.next_decoded(op_of)
    }
}

/// Opens a history file for streaming.
pub(crate) fn open(path: &Path) -> anyhow::Result<Ops<BufReader<std::fs::File>>> {
    let file = std::fs::File::open(path).with_context(|| format!("reading {}", path.display()))?;
    Ok(Ops::new(BufReader::with_capacity(1 << 16, file)))
}

/// A whole history file in memory (for checkers that need every operation).
pub fn read(path: &Path) -> anyhow::Result<Vec<Op>> {
    open(path)?
        .collect::<Result<Vec<Op>, Error>>()
        .with_context(|| format!("in {}", path.display()))
}

/// Parses a whole history. Each non-blank line must be one operation map.
pub fn parse(text: &str) -> anyhow::Result<Vec<Op>> {
    Ops::new(text.as_bytes())
        .collect::<Result<Vec<Op>, Error>>()
        .map_err(anyhow::Error::new)
}

fn head_of(value: &Value) -> Result<Head, String> {
    if !value.is_map() {
        return Err("not an operation map".into());
    }
    let int = |key: &str| match value.get(key) {
        Some(Value::Integer(i)) => Ok(*i),
        _ => Err(format!("missing integer {key}")),
    };
    let kind = match value.get("type").and_then(edn::name_of).as_deref() {
        Some("invoke") => OpType::Invoke,
        Some("ok") => OpType::Ok,
        Some("fail") => OpType::Fail,
        Some("info") => OpType::Info,
        other => return Err(format!("unknown :type {other:?}")),
    };
    let process = match value.get("process") {
        // A negative process number is no client Maelstrom has; it counts as client 0.
        Some(Value::Integer(p)) => Process::Client(u64::try_from(*p).unwrap_or(0)),
        _ => Process::Nemesis,
    };
    let f = value.get("f").and_then(edn::name_of).ok_or("missing :f")?;
    Ok(Head {
        index: usize::try_from(int("index")?).unwrap_or(0),
        time: u64::try_from(int("time")?).unwrap_or(0),
        kind,
        process,
        f,
    })
}

fn op_of(value: &Value) -> Result<Op, String> {
    let head = head_of(value)?;
    Ok(Op {
        index: head.index,
        time: head.time,
        kind: head.kind,
        process: head.process,
        f: head.f,
        value: value.get("value").map(edn::to_json).unwrap_or_default(),
        error: value.get("error").map(edn::to_json),
        is_final: matches!(value.get("final?"), Some(Value::Bool(true))),
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

    #[test]
    fn a_line_past_the_limit_is_refused_without_reading_on() {
        let mut text = b"{:index 0, :time 1, :type :invoke, :process 0, :f :read}\n".to_vec();
        text.extend(std::iter::repeat_n(b' ', MAX_LINE_BYTES + 1));
        text.extend_from_slice(b"\n{:index 1}\n");
        let results: Vec<_> = Ops::new(&text[..]).collect();
        assert_eq!(results.len(), 2, "iteration ends at the first error");
        let err = results[1].as_ref().unwrap_err();
        assert_eq!(err.line, 2);
        assert!(err.exceeds_a_limit(), "{err}");
        assert!(err.to_string().contains("longer than"), "{err}");
    }

    #[test]
    fn deep_nesting_in_a_line_is_a_limit_error_naming_the_line() {
        let deep = "[".repeat(100_000) + &"]".repeat(100_000);
        let text = format!(
            "{{:index 0, :time 1, :type :invoke, :process 0, :f :read}}\n{{:value {deep}}}\n"
        );
        let err = parse(&text).unwrap_err();
        let err = err.downcast_ref::<Error>().unwrap();
        assert_eq!(err.line, 2);
        assert!(err.exceeds_a_limit());
        assert!(err.to_string().contains("deeper than 256"), "{err}");
    }
}
