//! [`Value`]s to EDN text, the way Clojure prints them, so files glomers writes read like the
//! ones Maelstrom writes: [`flat`] puts a form on one line (`{:index 0, :f :read}`, as in
//! `history.edn`), [`pretty`] breaks forms that do not fit in the right margin the way
//! `clojure.pprint` does (as in `results.edn`). Floats always keep a decimal point or exponent
//! so they read back as floats, non-finite ones are `##NaN`/`##Inf`/`##-Inf`, and strings are
//! escaped so that [`super::parse`] reads back exactly the value written.

use super::value::Value;
use std::fmt::Write as _;

/// `clojure.pprint`'s default right margin.
pub const RIGHT_MARGIN: usize = 72;

/// One form on one line.
pub fn flat(value: &Value) -> String {
    let mut out = String::new();
    write_flat(value, &mut out);
    out
}

/// One form laid out within [`RIGHT_MARGIN`] where it can be, ending in a newline.
pub fn pretty(value: &Value) -> String {
    let mut out = String::new();
    write_pretty(value, 0, &mut out);
    out.push('\n');
    out
}

/// A float as EDN: always with a decimal point or an exponent (`1.0`, `1e300`), so it reads back
/// as a float rather than an integer.
pub fn float_text(x: f64) -> String {
    if x.is_nan() {
        "##NaN".into()
    } else if x.is_infinite() {
        if x > 0.0 { "##Inf" } else { "##-Inf" }.into()
    } else {
        // Debug is Rust's shortest text that reads back to the same f64, and it keeps `.0`.
        format!("{x:?}")
    }
}

/// A string literal with EDN's escapes; other control characters as `\uXXXX`.
pub fn string_text(s: &str, out: &mut String) {
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\t' => out.push_str("\\t"),
            '\r' => out.push_str("\\r"),
            c if c.is_control() => {
                let mut units = [0u16; 2];
                for unit in c.encode_utf16(&mut units) {
                    let _ = write!(out, "\\u{unit:04x}");
                }
            }
            c => out.push(c),
        }
    }
    out.push('"');
}

/// Whether `name` can be written as a keyword that reads back as the same name: a non-empty
/// run of symbol characters not starting with a digit (`valid?`, `net-timeout`, `G1c`).
pub fn is_keyword_name(name: &str) -> bool {
    let mut chars = name.chars();
    let Some(first) = chars.next() else {
        return false;
    };
    let symbolic = |c: char| c.is_alphanumeric() || "*+!-_?<>=.'/".contains(c);
    !first.is_ascii_digit()
        && first != ':'
        && symbolic(first)
        && chars.all(symbolic)
        && !name.ends_with('/')
}

fn write_flat(value: &Value, out: &mut String) {
    match value {
        Value::Nil => out.push_str("nil"),
        Value::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
        Value::String(s) => string_text(s, out),
        Value::Float(x) => out.push_str(&float_text(*x)),
        Value::List(items) => seq_flat("(", items, ")", out),
        Value::Vector(items) => seq_flat("[", items, "]", out),
        Value::Set(items) => seq_flat("#{", items, "}", out),
        Value::Map(entries) => {
            out.push('{');
            for (i, (k, v)) in entries.iter().enumerate() {
                if i > 0 {
                    out.push_str(", ");
                }
                write_flat(k, out);
                out.push(' ');
                write_flat(v, out);
            }
            out.push('}');
        }
        Value::Tagged(tag, inner) => {
            let _ = write!(out, "#{tag}");
            // A record's map follows its tag directly, as Clojure prints it.
            if !inner.is_map() {
                out.push(' ');
            }
            write_flat(inner, out);
        }
        // Characters, symbols, keywords and numbers print the same way flat or not.
        other => {
            let _ = write!(out, "{other}");
        }
    }
}

fn seq_flat(open: &str, items: &[Value], close: &str, out: &mut String) {
    out.push_str(open);
    for (i, item) in items.iter().enumerate() {
        if i > 0 {
            out.push(' ');
        }
        write_flat(item, out);
    }
    out.push_str(close);
}

/// Writes `value` starting at column `col`: flat if it fits, else one entry or element per
/// line, aligned one column inside the opening bracket.
fn write_pretty(value: &Value, col: usize, out: &mut String) {
    let one_line = flat(value);
    if col + one_line.chars().count() <= RIGHT_MARGIN {
        out.push_str(&one_line);
        return;
    }
    let newline = |out: &mut String, col: usize| {
        out.push('\n');
        out.extend(std::iter::repeat_n(' ', col));
    };
    match value {
        Value::Map(entries) => {
            out.push('{');
            for (i, (k, v)) in entries.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                    newline(out, col + 1);
                }
                let key = flat(k);
                out.push_str(&key);
                out.push(' ');
                write_pretty(v, col + 1 + key.chars().count() + 1, out);
            }
            out.push('}');
        }
        Value::List(items) | Value::Vector(items) | Value::Set(items) => {
            let (open, close) = match value {
                Value::List(_) => ("(", ")"),
                Value::Vector(_) => ("[", "]"),
                _ => ("#{", "}"),
            };
            out.push_str(open);
            let inner = col + open.len();
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    newline(out, inner);
                }
                write_pretty(item, inner, out);
            }
            out.push_str(close);
        }
        Value::Tagged(tag, inner) if inner.is_map() => {
            let _ = write!(out, "#{tag}");
            write_pretty(inner, col + 1 + tag.chars().count(), out);
        }
        _ => out.push_str(&one_line),
    }
}

#[cfg(test)]
mod tests {
    use super::super::parse;
    use super::*;

    fn kw(s: &str) -> Value {
        Value::Keyword(s.into())
    }

    #[test]
    fn history_lines_look_like_maelstrom_s() {
        let op = Value::Map(vec![
            (kw("index"), Value::Integer(0)),
            (kw("type"), kw("invoke")),
            (kw("process"), kw("nemesis")),
            (
                kw("value"),
                Value::Vector(vec![
                    kw("isolated"),
                    Value::Map(vec![(
                        Value::String("n2".into()),
                        Value::Set(vec![Value::String("n1".into()), Value::String("n0".into())]),
                    )]),
                ]),
            ),
        ]);
        assert_eq!(
            flat(&op),
            r#"{:index 0, :type :invoke, :process :nemesis, :value [:isolated {"n2" #{"n1" "n0"}}]}"#
        );
    }

    #[test]
    fn floats_strings_and_odd_values_read_back_exactly() {
        let values = [
            Value::Float(1.0),
            Value::Float(0.1),
            Value::Float(1e300),
            Value::Float(-2.5e-9),
            Value::Float(f64::INFINITY),
            Value::Float(f64::NEG_INFINITY),
            Value::String("quote \" backslash \\ newline \n tab \t bell \u{7} é".into()),
            Value::Integer(i64::MIN),
            Value::Char('x'),
            Value::Nil,
            Value::Bool(false),
            Value::Tagged(
                "jepsen.history.Op".into(),
                Box::new(Value::Map(vec![(kw("index"), Value::Integer(3))])),
            ),
        ];
        for v in values {
            assert_eq!(parse(flat(&v)).unwrap(), v, "{}", flat(&v));
            assert_eq!(parse(pretty(&v)).unwrap(), v, "{}", pretty(&v));
        }
        assert_eq!(float_text(1.0), "1.0");
        assert_eq!(float_text(f64::NAN), "##NaN");
        assert!(matches!(parse(flat(&Value::Float(f64::NAN))), Ok(Value::Float(x)) if x.is_nan()));
    }

    #[test]
    fn long_maps_break_one_entry_per_line_aligned_inside_the_brace() {
        let inner = Value::Map(
            (0..8)
                .map(|i| (kw(&format!("key-number-{i}")), Value::Integer(i)))
                .collect(),
        );
        let outer = Value::Map(vec![
            (kw("valid?"), Value::Bool(true)),
            (kw("net"), inner),
            (
                kw("list"),
                Value::List((0..30).map(|i| Value::Integer(i * 1_000)).collect()),
            ),
        ]);
        let text = pretty(&outer);
        assert!(
            text.starts_with("{:valid? true,\n :net {:key-number-0 0,\n       :key-number-1 1,")
        );
        assert!(
            text.lines().all(|l| l.chars().count() <= RIGHT_MARGIN),
            "{text}"
        );
        assert_eq!(parse(&text).unwrap(), outer);
    }

    #[test]
    fn keyword_names() {
        for ok in ["valid?", "net-timeout", "G1c", "msgs-per-op", "value'"] {
            assert!(is_keyword_name(ok), "{ok}");
        }
        for bad in ["", "8", "has space", "a,b", "x\"y", ":x", "{"] {
            assert!(!is_keyword_name(bad), "{bad}");
        }
    }
}
