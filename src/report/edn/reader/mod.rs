//! EDN text to [`Value`]s: a recursive-descent reader over bytes whose nesting is capped at
//! [`MAX_DEPTH`], so a hostile or corrupt file ends in an [`Error`] rather than a stack
//! overflow. It reads what Maelstrom and Jepsen print: maps, vectors, lists, sets, keywords
//! (namespaced, and Elle's `:value'`), strings with escapes, integers (big ones, `N`/`M`
//! suffixes, ratios), floats and `##Inf`/`##NaN`, characters, tagged literals and records
//! (`#jepsen.history.Op{…}`, `#inst "…"`), `#_` discards, comments, and commas as whitespace.

use super::value::Value;
use std::fmt;

/// The deepest nesting of collections, tags and discards a document may have. Jepsen's and
/// Maelstrom's deepest output (Elle's cycle explanations) stays far below this; past it the
/// file is treated as unusable rather than read further.
pub const MAX_DEPTH: usize = 256;

/// What was wrong with a document.
#[derive(Clone, Debug, PartialEq)]
pub enum ErrorKind {
    /// Nesting deeper than [`MAX_DEPTH`].
    TooDeep,
    /// Nothing but whitespace and comments.
    Empty,
    /// The text ended inside a form.
    UnexpectedEnd,
    /// A byte that cannot start or continue a form here.
    Unexpected(char),
    /// A number that does not parse (`1.2.3`, `12abc`).
    BadNumber(String),
    /// A token that is neither a number, keyword, symbol nor literal (`:`).
    BadToken(String),
    /// A string escape or `\u` code that is not valid.
    BadEscape(String),
    /// A character literal that is not valid (`\bogus`).
    BadChar(String),
    /// An EDN feature Maelstrom never writes (`#"regex"`, `#:ns{…}`).
    Unsupported(&'static str),
    /// A map with a key but no value.
    OddMap,
    /// Text that is not UTF-8 inside a string or token.
    InvalidUtf8,
    /// More than one form where one was expected.
    TrailingData,
}

/// An error with the 1-based line and column (in bytes) where it was found.
#[derive(Clone, Debug, PartialEq)]
pub struct Error {
    pub(crate) kind: ErrorKind,
    line: usize,
    pub(crate) column: usize,
}

impl Error {
    pub(crate) fn is_too_deep(&self) -> bool {
        self.kind == ErrorKind::TooDeep
    }
}

impl fmt::Display for ErrorKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ErrorKind::TooDeep => write!(
                f,
                "nested deeper than {MAX_DEPTH} levels (the most accepted is {MAX_DEPTH})"
            ),
            ErrorKind::Empty => f.write_str("no EDN form (the text is empty)"),
            ErrorKind::UnexpectedEnd => f.write_str("the text ends inside a form"),
            ErrorKind::Unexpected(c) => write!(f, "unexpected {c:?}"),
            ErrorKind::BadNumber(t) => write!(f, "invalid number {t:?}"),
            ErrorKind::BadToken(t) => write!(f, "invalid token {t:?}"),
            ErrorKind::BadEscape(t) => write!(f, "invalid string escape {t:?}"),
            ErrorKind::BadChar(t) => write!(f, "invalid character literal {t:?}"),
            ErrorKind::Unsupported(what) => write!(f, "{what} are not supported"),
            ErrorKind::OddMap => f.write_str("a map key has no value"),
            ErrorKind::InvalidUtf8 => f.write_str("text that is not UTF-8"),
            ErrorKind::TrailingData => f.write_str("more than one form"),
        }
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "invalid EDN at line {}, column {}: {}",
            self.line, self.column, self.kind
        )
    }
}

impl std::error::Error for Error {}

/// Reads exactly one form (surrounding whitespace, comments and discards allowed).
pub fn parse(text: impl AsRef<[u8]>) -> Result<Value, Error> {
    let mut reader = Reader {
        bytes: text.as_ref(),
        pos: 0,
        depth: 0,
    };
    reader.skip_space_and_discards()?;
    if reader.at_end() {
        return Err(reader.error(ErrorKind::Empty));
    }
    let value = reader.form()?;
    reader.skip_space_and_discards()?;
    if !reader.at_end() {
        return Err(reader.error(ErrorKind::TrailingData));
    }
    Ok(value)
}

struct Reader<'a> {
    bytes: &'a [u8],
    pos: usize,
    depth: usize,
}

/// Bytes that end a token (EDN's whitespace, commas, brackets, strings and comments).
fn ends_token(b: u8) -> bool {
    matches!(
        b,
        b' ' | b'\t'
            | b'\n'
            | b'\r'
            | b'\x0c'
            | b','
            | b'('
            | b')'
            | b'['
            | b']'
            | b'{'
            | b'}'
            | b'"'
            | b';'
    )
}

impl<'a> Reader<'a> {
    fn at_end(&self) -> bool {
        self.pos >= self.bytes.len()
    }

    fn peek(&self) -> Option<u8> {
        self.bytes.get(self.pos).copied()
    }

    fn error(&self, kind: ErrorKind) -> Error {
        let before = &self.bytes[..self.pos.min(self.bytes.len())];
        let line_start = before
            .iter()
            .rposition(|&b| b == b'\n')
            .map_or(0, |i| i + 1);
        Error {
            kind,
            line: 1 + before.iter().filter(|&&b| b == b'\n').count(),
            column: 1 + self.pos.saturating_sub(line_start),
        }
    }

    fn enter(&mut self) -> Result<(), Error> {
        self.depth += 1;
        if self.depth > MAX_DEPTH {
            return Err(self.error(ErrorKind::TooDeep));
        }
        Ok(())
    }

    fn leave(&mut self) {
        self.depth -= 1;
    }

    fn skip_space(&mut self) {
        while let Some(b) = self.peek() {
            match b {
                b' ' | b'\t' | b'\n' | b'\r' | b'\x0c' | b',' => self.pos += 1,
                b';' => {
                    self.pos = self.bytes[self.pos..]
                        .iter()
                        .position(|&b| b == b'\n')
                        .map_or(self.bytes.len(), |i| self.pos + i);
                }
                _ => break,
            }
        }
    }

    /// Skips whitespace, comments and `#_`-discarded forms.
    fn skip_space_and_discards(&mut self) -> Result<(), Error> {
        loop {
            self.skip_space();
            if self.bytes[self.pos.min(self.bytes.len())..].starts_with(b"#_") {
                self.pos += 2;
                self.enter()?;
                self.skip_space_and_discards()?;
                if self.at_end() {
                    return Err(self.error(ErrorKind::UnexpectedEnd));
                }
                self.form()?;
                self.leave();
            } else {
                return Ok(());
            }
        }
    }

    /// One form starting at the current (non-space) byte.
    fn form(&mut self) -> Result<Value, Error> {
        let Some(b) = self.peek() else {
            return Err(self.error(ErrorKind::UnexpectedEnd));
        };
        match b {
            b'(' => Ok(Value::List(self.sequence(b')')?)),
            b'[' => Ok(Value::Vector(self.sequence(b']')?)),
            b'{' => self.map(),
            b')' | b']' | b'}' => Err(self.error(ErrorKind::Unexpected(b as char))),
            b'"' => self.string(),
            b'\\' => self.character(),
            b'#' => self.dispatch(),
            _ => self.token_value(),
        }
    }

    /// The forms up to `close`, the opening byte being at the current position.
    fn sequence(&mut self, close: u8) -> Result<Vec<Value>, Error> {
        self.enter()?;
        self.pos += 1;
        let mut items = Vec::new();
        loop {
            self.skip_space_and_discards()?;
            match self.peek() {
                None => return Err(self.error(ErrorKind::UnexpectedEnd)),
                Some(b) if b == close => {
                    self.pos += 1;
                    break;
                }
                Some(_) => items.push(self.form()?),
            }
        }
        self.leave();
        Ok(items)
    }

    fn map(&mut self) -> Result<Value, Error> {
        let start = self.pos;
        let items = self.sequence(b'}')?;
        if items.len() % 2 != 0 {
            self.pos = start;
            return Err(self.error(ErrorKind::OddMap));
        }
        let mut entries = Vec::with_capacity(items.len() / 2);
        let mut items = items.into_iter();
        while let (Some(k), Some(v)) = (items.next(), items.next()) {
            entries.push((k, v));
        }
        Ok(Value::Map(entries))
    }

    /// `#{…}` sets, `##Inf`-style values, and `#tag form` tagged literals.
    fn dispatch(&mut self) -> Result<Value, Error> {
        match self.bytes.get(self.pos + 1).copied() {
            Some(b'{') => {
                self.pos += 1;
                Ok(Value::Set(self.sequence(b'}')?))
            }
            Some(b'#') => {
                let start = self.pos;
                self.pos += 2;
                let token = self.token()?;
                match token {
                    "Inf" => Ok(Value::Float(f64::INFINITY)),
                    "-Inf" => Ok(Value::Float(f64::NEG_INFINITY)),
                    "NaN" => Ok(Value::Float(f64::NAN)),
                    other => {
                        let other = format!("##{other}");
                        self.pos = start;
                        Err(self.error(ErrorKind::BadToken(other)))
                    }
                }
            }
            Some(b'_') => {
                self.skip_space_and_discards()?;
                self.form()
            }
            Some(b'"') => Err(self.error(ErrorKind::Unsupported("regular expressions"))),
            Some(b':') => Err(self.error(ErrorKind::Unsupported("namespaced maps"))),
            None => {
                self.pos += 1;
                Err(self.error(ErrorKind::UnexpectedEnd))
            }
            Some(_) => {
                let start = self.pos;
                self.pos += 1;
                let tag = self.token()?.to_string();
                if tag.is_empty() {
                    self.pos = start;
                    return Err(self.error(ErrorKind::Unexpected('#')));
                }
                self.enter()?;
                self.skip_space_and_discards()?;
                let inner = self.form()?;
                self.leave();
                Ok(Value::Tagged(tag, Box::new(inner)))
            }
        }
    }

    /// The token at the current position (possibly empty).
    fn token(&mut self) -> Result<&'a str, Error> {
        let start = self.pos;
        let len = self.bytes[start..]
            .iter()
            .position(|&b| ends_token(b))
            .unwrap_or(self.bytes.len() - start);
        self.pos += len;
        std::str::from_utf8(&self.bytes[start..start + len]).map_err(|_| {
            self.pos = start;
            self.error(ErrorKind::InvalidUtf8)
        })
    }

    fn token_value(&mut self) -> Result<Value, Error> {
        let start = self.pos;
        let token = self.token()?;
        let value = classify(token);
        value.ok_or_else(|| {
            let kind = if starts_like_number(token) {
                ErrorKind::BadNumber(token.to_string())
            } else if token.is_empty() {
                ErrorKind::Unexpected(self.bytes[start] as char)
            } else {
                ErrorKind::BadToken(token.to_string())
            };
            self.pos = start;
            self.error(kind)
        })
    }

    fn string(&mut self) -> Result<Value, Error> {
        self.pos += 1;
        let mut out: Vec<u8> = Vec::new();
        loop {
            let rest = &self.bytes[self.pos..];
            let Some(i) = rest.iter().position(|&b| b == b'"' || b == b'\\') else {
                self.pos = self.bytes.len();
                return Err(self.error(ErrorKind::UnexpectedEnd));
            };
            out.extend_from_slice(&rest[..i]);
            self.pos += i;
            if self.bytes[self.pos] == b'"' {
                self.pos += 1;
                break;
            }
            let escape_at = self.pos;
            let Some(&code) = self.bytes.get(self.pos + 1) else {
                self.pos = self.bytes.len();
                return Err(self.error(ErrorKind::UnexpectedEnd));
            };
            self.pos += 2;
            let decoded = match code {
                b't' => '\t',
                b'r' => '\r',
                b'n' => '\n',
                b'b' => '\u{8}',
                b'f' => '\u{c}',
                b'\\' => '\\',
                b'"' => '"',
                b'u' => self.unicode_escape(escape_at)?,
                other => {
                    self.pos = escape_at;
                    return Err(self.error(ErrorKind::BadEscape(format!("\\{}", other as char))));
                }
            };
            let mut utf8 = [0u8; 4];
            out.extend_from_slice(decoded.encode_utf8(&mut utf8).as_bytes());
        }
        String::from_utf8(out)
            .map(Value::String)
            .map_err(|_| self.error(ErrorKind::InvalidUtf8))
    }

    /// The four hex digits after `\u` (a surrogate pair takes a second `\uXXXX`).
    fn unicode_escape(&mut self, escape_at: usize) -> Result<char, Error> {
        let hex4 = |r: &mut Self| -> Option<u32> {
            let digits = r.bytes.get(r.pos..r.pos + 4)?;
            let text = std::str::from_utf8(digits).ok()?;
            let code = u32::from_str_radix(text, 16).ok()?;
            r.pos += 4;
            Some(code)
        };
        let bad = |r: &mut Self| {
            let end = (escape_at + 12).min(r.bytes.len());
            let text = String::from_utf8_lossy(&r.bytes[escape_at..end]).into_owned();
            r.pos = escape_at;
            r.error(ErrorKind::BadEscape(text))
        };
        let Some(first) = hex4(self) else {
            return Err(bad(self));
        };
        let code = if (0xD800..0xDC00).contains(&first) {
            if !self.bytes[self.pos..].starts_with(b"\\u") {
                return Err(bad(self));
            }
            self.pos += 2;
            match hex4(self) {
                Some(low) if (0xDC00..0xE000).contains(&low) => {
                    0x10000 + ((first - 0xD800) << 10) + (low - 0xDC00)
                }
                _ => return Err(bad(self)),
            }
        } else {
            first
        };
        char::from_u32(code).ok_or_else(|| bad(self))
    }

    /// `\a`, `\newline`, `\space`, `\tab`, `\return`, `\formfeed`, `\backspace`, `\uXXXX`.
    fn character(&mut self) -> Result<Value, Error> {
        let start = self.pos;
        self.pos += 1;
        let rest = &self.bytes[self.pos..];
        // The first character is taken whatever it is (`\(` is a paren), then a name may follow.
        let first_len = match rest.first() {
            None => return Err(self.error(ErrorKind::UnexpectedEnd)),
            Some(&b) if b < 0x80 => 1,
            Some(&b) if b >= 0xF0 => 4,
            Some(&b) if b >= 0xE0 => 3,
            Some(_) => 2,
        };
        let name_len = first_len
            + rest
                .get(first_len..)
                .unwrap_or_default()
                .iter()
                .position(|&b| ends_token(b))
                .unwrap_or(rest.len().saturating_sub(first_len));
        let Some(name) = rest
            .get(..name_len)
            .and_then(|n| std::str::from_utf8(n).ok())
        else {
            self.pos = start;
            return Err(self.error(ErrorKind::InvalidUtf8));
        };
        self.pos += name_len;
        let mut chars = name.chars();
        let c = match (name, chars.next(), chars.next()) {
            (_, Some(c), None) => Some(c),
            ("newline", ..) => Some('\n'),
            ("space", ..) => Some(' '),
            ("tab", ..) => Some('\t'),
            ("return", ..) => Some('\r'),
            ("formfeed", ..) => Some('\u{c}'),
            ("backspace", ..) => Some('\u{8}'),
            _ => name
                .strip_prefix('u')
                .filter(|hex| hex.len() == 4)
                .and_then(|hex| u32::from_str_radix(hex, 16).ok())
                .and_then(char::from_u32),
        };
        c.map(Value::Char).ok_or_else(|| {
            self.pos = start;
            self.error(ErrorKind::BadChar(format!("\\{name}")))
        })
    }
}

fn starts_like_number(token: &str) -> bool {
    let digits = token.strip_prefix(['+', '-']).unwrap_or(token);
    digits.starts_with(|c: char| c.is_ascii_digit())
}

/// An optional sign and one or more decimal digits.
fn is_integer(text: &str) -> bool {
    let digits = text.strip_prefix(['+', '-']).unwrap_or(text);
    !digits.is_empty() && digits.bytes().all(|b| b.is_ascii_digit())
}

/// Integer text without a leading `+`, as big-number digits are kept.
fn unsigned_plus(text: &str) -> String {
    text.strip_prefix('+').unwrap_or(text).to_string()
}

/// A token as a literal, number, keyword or symbol; `None` if it is none of them.
fn classify(token: &str) -> Option<Value> {
    match token {
        "" => return None,
        "nil" => return Some(Value::Nil),
        "true" => return Some(Value::Bool(true)),
        "false" => return Some(Value::Bool(false)),
        _ => {}
    }
    if starts_like_number(token) {
        return number(token);
    }
    if let Some(name) = token.strip_prefix(':') {
        return (!name.is_empty() && !name.starts_with('/') && !name.ends_with('/'))
            .then(|| Value::Keyword(name.to_string()));
    }
    Some(Value::Symbol(token.to_string()))
}

fn number(token: &str) -> Option<Value> {
    if let Some(digits) = token.strip_suffix('N') {
        return is_integer(digits).then(|| Value::BigInt(unsigned_plus(digits)));
    }
    if let Some(decimal) = token.strip_suffix('M') {
        return decimal
            .parse::<f64>()
            .is_ok()
            .then(|| Value::BigDec(unsigned_plus(decimal)));
    }
    if let Some((numerator, denominator)) = token.split_once('/') {
        return (is_integer(numerator) && is_integer(denominator)).then(|| Value::Ratio {
            numerator: unsigned_plus(numerator),
            denominator: unsigned_plus(denominator),
        });
    }
    if token.contains(['.', 'e', 'E']) {
        // Rust also reads `inf`/`nan`, which cannot get here: the token starts like a number.
        return token.parse::<f64>().ok().map(Value::Float);
    }
    if !is_integer(token) {
        return None;
    }
    Some(match token.parse::<i64>() {
        Ok(i) => Value::Integer(i),
        Err(_) => Value::BigInt(unsigned_plus(token)),
    })
}

#[cfg(test)]
mod tests;
