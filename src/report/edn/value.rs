//! The values an EDN document holds, as [`super::reader`] builds them, and the two ways the
//! rest of glomers looks at them: a keyword's name ([`name_of`]) and JSON ([`to_json`]).

use serde_json::{json, Map, Value as Json};
use std::cmp::Ordering;
use std::fmt::{self, Write as _};

/// One EDN value. Numbers that do not fit an `i64`/`f64` keep their text, so nothing a file
/// holds is rounded away before the report decides what it needs.
#[derive(Clone, Debug, PartialEq)]
pub enum Value {
    Nil,
    Bool(bool),
    Char(char),
    String(String),
    /// A symbol's text, namespace included (`jepsen.history/Op`).
    Symbol(String),
    /// A keyword's text without the colon, namespace included (`valid?`, `ns/name`, `value'`).
    Keyword(String),
    Integer(i64),
    Float(f64),
    /// An integer beyond `i64`, or written with the `N` suffix: its decimal digits.
    BigInt(String),
    /// A decimal written with the `M` suffix: its text without the suffix.
    BigDec(String),
    /// A ratio such as `1/3`.
    Ratio {
        numerator: String,
        denominator: String,
    },
    List(Vec<Value>),
    Vector(Vec<Value>),
    /// Entries in the order the file lists them.
    Map(Vec<(Value, Value)>),
    /// Elements in the order the file lists them.
    Set(Vec<Value>),
    /// `#tag value`: records (`#jepsen.history.Op{…}`), `#inst "…"`, `#uuid "…"`, `#object[…]`.
    Tagged(String, Box<Value>),
}

impl Value {
    /// The value under keyword `key` in a map, or in a record's map (`#jepsen.history.Op{…}`).
    pub(crate) fn get(&self, key: &str) -> Option<&Value> {
        match self {
            Value::Map(entries) => entries
                .iter()
                .rev()
                .find(|(k, _)| matches!(k, Value::Keyword(name) if name == key))
                .map(|(_, v)| v),
            Value::Tagged(_, inner) => inner.get(key),
            _ => None,
        }
    }

    /// Whether this is a map, or a record wrapping one.
    pub(crate) fn is_map(&self) -> bool {
        match self {
            Value::Map(_) => true,
            Value::Tagged(_, inner) => inner.is_map(),
            _ => false,
        }
    }

    /// The order EDN readers keep sets in (nil, booleans, characters, strings, symbols,
    /// keywords, integers, floats, big numbers, then collections), so a set's JSON does not
    /// depend on the hash order Clojure happened to print it in.
    fn rank(&self) -> u8 {
        match self {
            Value::Nil => 0,
            Value::Bool(_) => 1,
            Value::Char(_) => 2,
            Value::String(_) => 3,
            Value::Symbol(_) => 4,
            Value::Keyword(_) => 5,
            Value::Integer(_) => 6,
            Value::Float(_) => 7,
            Value::BigInt(_) => 8,
            Value::BigDec(_) | Value::Ratio { .. } => 9,
            Value::List(_) => 10,
            Value::Vector(_) => 11,
            Value::Map(_) => 12,
            Value::Set(_) => 13,
            Value::Tagged(..) => 14,
        }
    }

    fn total_cmp(&self, other: &Value) -> Ordering {
        fn seq(a: &[Value], b: &[Value]) -> Ordering {
            a.iter()
                .zip(b)
                .map(|(x, y)| x.total_cmp(y))
                .find(|o| o.is_ne())
                .unwrap_or_else(|| a.len().cmp(&b.len()))
        }
        // Keywords and symbols order by namespace first (none before any), then name.
        fn named(text: &str) -> (Option<&str>, &str) {
            match text.split_once('/') {
                Some((ns, name)) if !ns.is_empty() => (Some(ns), name),
                _ => (None, text),
            }
        }
        match (self, other) {
            (Value::Bool(a), Value::Bool(b)) => a.cmp(b),
            (Value::Char(a), Value::Char(b)) => a.cmp(b),
            (Value::String(a), Value::String(b)) => a.cmp(b),
            (Value::Symbol(a), Value::Symbol(b)) | (Value::Keyword(a), Value::Keyword(b)) => {
                named(a).cmp(&named(b))
            }
            (Value::Integer(a), Value::Integer(b)) => a.cmp(b),
            (Value::Float(a), Value::Float(b)) => a.total_cmp(b),
            (Value::BigInt(a), Value::BigInt(b)) | (Value::BigDec(a), Value::BigDec(b)) => a.cmp(b),
            (Value::List(a), Value::List(b))
            | (Value::Vector(a), Value::Vector(b))
            | (Value::Set(a), Value::Set(b)) => seq(a, b),
            (Value::Map(a), Value::Map(b)) => a
                .iter()
                .zip(b)
                .map(|((ka, va), (kb, vb))| ka.total_cmp(kb).then_with(|| va.total_cmp(vb)))
                .find(|o| o.is_ne())
                .unwrap_or_else(|| a.len().cmp(&b.len())),
            (Value::Tagged(ta, a), Value::Tagged(tb, b)) => ta.cmp(tb).then_with(|| a.total_cmp(b)),
            _ => self.rank().cmp(&other.rank()),
        }
    }
}

/// Prints EDN text, as a map key that is not a keyword or string appears in JSON (`0.5`,
/// `[1 2]`).
impl fmt::Display for Value {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fn spaced(f: &mut fmt::Formatter<'_>, items: &[Value]) -> fmt::Result {
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    f.write_char(' ')?;
                }
                write!(f, "{item}")?;
            }
            Ok(())
        }
        match self {
            Value::Nil => f.write_str("nil"),
            Value::Bool(b) => write!(f, "{b}"),
            Value::Char(c) => match c {
                '\n' => f.write_str("\\newline"),
                '\r' => f.write_str("\\return"),
                ' ' => f.write_str("\\space"),
                '\t' => f.write_str("\\tab"),
                c => write!(f, "\\{c}"),
            },
            Value::String(s) => {
                f.write_char('"')?;
                for c in s.chars() {
                    match c {
                        '\t' => f.write_str("\\t")?,
                        '\r' => f.write_str("\\r")?,
                        '\n' => f.write_str("\\n")?,
                        '\\' => f.write_str("\\\\")?,
                        '"' => f.write_str("\\\"")?,
                        c => f.write_char(c)?,
                    }
                }
                f.write_char('"')
            }
            Value::Symbol(s) => f.write_str(s),
            Value::Keyword(k) => write!(f, ":{k}"),
            Value::Integer(i) => write!(f, "{i}"),
            Value::Float(x) => write!(f, "{x}"),
            Value::BigInt(digits) => write!(f, "{digits}N"),
            Value::BigDec(text) => write!(f, "{text}M"),
            Value::Ratio {
                numerator,
                denominator,
            } => write!(f, "{numerator}/{denominator}"),
            Value::List(items) => {
                f.write_char('(')?;
                spaced(f, items)?;
                f.write_char(')')
            }
            Value::Vector(items) => {
                f.write_char('[')?;
                spaced(f, items)?;
                f.write_char(']')
            }
            Value::Map(entries) => {
                f.write_char('{')?;
                for (i, (k, v)) in entries.iter().enumerate() {
                    if i > 0 {
                        f.write_char(' ')?;
                    }
                    write!(f, "{k} {v}")?;
                }
                f.write_char('}')
            }
            Value::Set(items) => {
                f.write_str("#{")?;
                spaced(f, items)?;
                f.write_char('}')
            }
            Value::Tagged(tag, inner) => write!(f, "#{tag} {inner}"),
        }
    }
}

/// A keyword, symbol or string's text (`:net-timeout` → `net-timeout`).
pub fn name_of(value: &Value) -> Option<String> {
    match value {
        Value::Keyword(s) | Value::Symbol(s) | Value::String(s) => Some(s.clone()),
        _ => None,
    }
}

/// Converts to JSON: keywords and symbols become strings, lists/vectors/sets arrays (sets in
/// a fixed order), tagged values their content, big numbers their digits as strings, ratios
/// their quotient, and map keys that are not strings or keywords their EDN text.
pub fn to_json(value: &Value) -> Json {
    match value {
        Value::Nil => Json::Null,
        Value::Bool(b) => json!(b),
        Value::Char(c) => json!(c.to_string()),
        Value::String(s) | Value::Symbol(s) | Value::Keyword(s) => json!(s),
        Value::Integer(i) => json!(i),
        Value::Float(x) => json!(x),
        Value::BigInt(text) | Value::BigDec(text) => json!(text),
        Value::Ratio {
            numerator,
            denominator,
        } => match (numerator.parse::<f64>(), denominator.parse::<f64>()) {
            (Ok(n), Ok(d)) => json!(n / d),
            _ => json!(format!("{numerator}/{denominator}")),
        },
        Value::List(items) | Value::Vector(items) => {
            Json::Array(items.iter().map(to_json).collect())
        }
        Value::Set(items) => {
            let mut sorted: Vec<&Value> = items.iter().collect();
            sorted.sort_by(|a, b| a.total_cmp(b));
            Json::Array(sorted.into_iter().map(to_json).collect())
        }
        Value::Map(entries) => {
            let mut out = Map::new();
            for (k, v) in entries {
                let key = name_of(k).unwrap_or_else(|| k.to_string());
                out.insert(key, to_json(v));
            }
            Json::Object(out)
        }
        Value::Tagged(_, inner) => to_json(inner),
    }
}
