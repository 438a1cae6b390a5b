//! A child's output read line by line with a cap on line length. A line longer than the cap is
//! not buffered: its bytes are counted and discarded up to the next newline, so a child that
//! prints an endless line costs no memory beyond the cap, and the lines after it still arrive.
//! Used for the nodes' stdout and stderr ([`crate::sim::external`]), the guard's report
//! ([`super::guarded`]) and Maelstrom's console (the driver's supervisor).

use std::io::{BufRead, BufReader, Read};

/// A line buffer that grew past this for one long line is given its memory back before the next.
const KEEP_BUFFER: usize = 1 << 20;

/// What [`CappedLines::next_line`] found.
#[derive(Debug, PartialEq, Eq)]
pub enum Line<'a> {
    /// A line, without its newline (nor a `\r` before it); the unterminated last one too.
    Whole(&'a [u8]),
    /// A line longer than the cap, skipped whole: this many bytes of it, newline excluded.
    Oversized(u64),
    /// The input has ended.
    End,
}

/// How a skipped line is written where a line was expected (a tail, a console log).
pub fn oversized_note(bytes: u64) -> String {
    format!("[a line of {bytes} bytes, not kept]")
}

/// Lines of at most `max` bytes, read from `input` through a buffer.
pub struct CappedLines<R> {
    reader: BufReader<R>,
    line: Vec<u8>,
    max: usize,
}

impl<R: Read> CappedLines<R> {
    /// Reads `input` through a buffer of the standard size, accepting lines of up to `max` bytes.
    pub fn new(input: R, max: usize) -> Self {
        CappedLines::with_buffer(8 * 1024, input, max)
    }

    /// Reads `input` through a buffer of `buffer` bytes, accepting lines of up to `max` bytes.
    pub fn with_buffer(buffer: usize, input: R, max: usize) -> Self {
        CappedLines {
            reader: BufReader::with_capacity(buffer, input),
            line: Vec::new(),
            max,
        }
    }

    /// Reads the next line, or skips it whole if it is longer than the cap.
    pub fn next_line(&mut self) -> std::io::Result<Line<'_>> {
        self.line.clear();
        if self.line.capacity() > KEEP_BUFFER {
            self.line.shrink_to(self.reader.capacity());
        }
        let mut skipped: u64 = 0;
        loop {
            let chunk = self.reader.fill_buf()?;
            if chunk.is_empty() {
                return Ok(match (skipped, self.line.is_empty()) {
                    (0, true) => Line::End,
                    (0, false) => Line::Whole(&self.line),
                    _ => Line::Oversized(skipped),
                });
            }
            let (part, found) = match chunk.iter().position(|&b| b == b'\n') {
                Some(at) => (&chunk[..at], Some(at + 1)),
                None => (chunk, None),
            };
            if skipped > 0 || self.line.len() + part.len() > self.max {
                skipped += (self.line.len() + part.len()) as u64;
                self.line.clear();
            } else {
                self.line.extend_from_slice(part);
            }
            let used = found.unwrap_or(chunk.len());
            self.reader.consume(used);
            if found.is_some() {
                if self.line.last() == Some(&b'\r') {
                    self.line.pop();
                }
                return Ok(if skipped > 0 {
                    Line::Oversized(skipped)
                } else {
                    Line::Whole(&self.line)
                });
            }
        }
    }

    /// The input itself, without the buffers (and what they held): for a reader that stops
    /// reading but must keep the pipe open.
    pub fn into_inner(self) -> R {
        self.reader.into_inner()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every line of `input`, through a 4-byte buffer so that lines cross buffer refills.
    fn lines(input: &[u8], max: usize) -> Vec<String> {
        let mut reader = CappedLines::with_buffer(4, input, max);
        let mut out = Vec::new();
        loop {
            match reader.next_line().expect("in memory") {
                Line::End => return out,
                Line::Whole(line) => out.push(String::from_utf8_lossy(line).into_owned()),
                Line::Oversized(n) => out.push(format!("<{n}>")),
            }
        }
    }

    #[test]
    fn lines_are_split_and_the_long_ones_skipped_whole() {
        assert_eq!(lines(b"ab\ncd\r\n\nlast", 10), ["ab", "cd", "", "last"]);
        assert_eq!(
            lines(b"short\nthis one is too long\nok\n", 8),
            ["short", "<20>", "ok"]
        );
        assert_eq!(lines(b"endless without newline", 5), ["<23>"]);
    }

    #[test]
    fn a_line_of_exactly_the_cap_is_kept() {
        assert_eq!(lines(b"12345\n123456\n", 5), ["12345", "<6>"]);
    }

    #[test]
    fn a_long_line_gives_its_memory_back_before_the_next() {
        let long = vec![b'x'; 2 * KEEP_BUFFER];
        let input = [long.as_slice(), b"\nshort\n"].concat();
        let mut reader = CappedLines::new(input.as_slice(), usize::MAX);
        assert!(matches!(reader.next_line(), Ok(Line::Whole(l)) if l.len() == 2 * KEEP_BUFFER));
        assert_eq!(reader.next_line().ok(), Some(Line::Whole(b"short")));
        assert!(reader.line.capacity() <= KEEP_BUFFER);
    }

    #[test]
    fn the_input_is_handed_back_unread_past_the_buffer() {
        let mut reader = CappedLines::with_buffer(4, &b"one\ntwo three\n"[..], 16);
        assert_eq!(reader.next_line().ok(), Some(Line::Whole(b"one")));
        // The 4-byte buffer took "one\n" and nothing more.
        assert_eq!(reader.into_inner(), b"two three\n");
    }

    #[test]
    fn a_skipped_line_is_noted_with_its_length() {
        assert_eq!(oversized_note(70), "[a line of 70 bytes, not kept]");
    }
}
