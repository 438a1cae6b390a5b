//! Newline-delimited input with a cap on line length. A line longer than the cap is dropped:
//! its bytes are read and discarded up to the next newline, so one runaway or hostile line
//! costs neither memory beyond the cap nor the lines after it.

use tokio::io::{AsyncBufReadExt, AsyncRead, BufReader};

/// The longest stdin line a node accepts, newline excluded (64 MiB). Maelstrom's own messages
/// are far smaller; a line past this is skipped and logged.
pub(crate) const MAX_LINE_BYTES: usize = 64 * 1024 * 1024;

/// Above this, the line buffer is shrunk back after each line, so one large message does not
/// keep its memory for the rest of the run.
const KEEP_CAPACITY: usize = 1024 * 1024;

/// What [`LineReader::next`] found.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum Next {
    /// A complete line (or the unterminated last one) is in [`LineReader::line`].
    Line,
    /// A line longer than the cap was skipped; this many bytes of it were discarded.
    Oversized(u64),
    /// The input is exhausted.
    Eof,
}

/// Reads lines of at most `max` bytes from a buffered reader.
///
/// `next` is cancel-safe: every byte taken from the reader is already in `line` (or counted as
/// skipped) when the future is dropped, so a tick may interrupt a long line without losing it.
pub struct LineReader<R> {
    reader: BufReader<R>,
    line: Vec<u8>,
    max: usize,
    /// Inside an over-cap line: discard until its newline.
    skipping: bool,
    skipped: u64,
    peak_capacity: usize,
}

impl<R: AsyncRead + Unpin> LineReader<R> {
    /// Reads `input` through a buffer of `buffer` bytes, accepting lines of up to `max` bytes.
    pub fn new(input: R, buffer: usize, max: usize) -> Self {
        LineReader {
            reader: BufReader::with_capacity(buffer, input),
            line: Vec::new(),
            max,
            skipping: false,
            skipped: 0,
            peak_capacity: 0,
        }
    }

    /// Reads the next line; after `Next::Line`, read it with [`line`](Self::line) and release
    /// it with [`clear`](Self::clear).
    pub(crate) async fn next(&mut self) -> std::io::Result<Next> {
        loop {
            let buf = self.reader.fill_buf().await?;
            if buf.is_empty() {
                if self.skipping {
                    return Ok(self.end_skip());
                }
                return Ok(if self.line.is_empty() {
                    Next::Eof
                } else {
                    Next::Line
                });
            }
            let newline = buf.iter().position(|b| *b == b'\n');
            let take = newline.map_or(buf.len(), |i| i + 1);
            let content = newline.unwrap_or(buf.len());
            if !self.skipping && self.line.len() + content > self.max {
                // Over the cap: forget what was kept and discard the rest of the line.
                self.skipping = true;
                self.skipped = self.line.len() as u64;
                self.line = Vec::new();
            }
            if self.skipping {
                self.skipped += take as u64;
            } else {
                self.append(take);
            }
            self.reader.consume(take);
            if newline.is_some() {
                return Ok(if self.skipping {
                    self.end_skip()
                } else {
                    Next::Line
                });
            }
        }
    }

    /// Copies `take` bytes from the reader's buffer, never growing past the cap (+ newline).
    fn append(&mut self, take: usize) {
        let buf = self.reader.buffer();
        let needed = self.line.len() + take;
        if needed > self.line.capacity() {
            let target = (self.line.capacity() * 2).clamp(needed, self.max.max(needed) + 1);
            self.line.reserve_exact(target - self.line.len());
        }
        self.line.extend_from_slice(&buf[..take]);
        self.peak_capacity = self.peak_capacity.max(self.line.capacity());
    }

    fn end_skip(&mut self) -> Next {
        self.skipping = false;
        Next::Oversized(std::mem::take(&mut self.skipped))
    }

    /// The line found by the last `Next::Line`, newline included if it had one.
    pub(crate) fn line(&self) -> &[u8] {
        &self.line
    }

    /// Releases the current line (and memory a large one left behind).
    pub(crate) fn clear(&mut self) {
        self.line.clear();
        if self.line.capacity() > KEEP_CAPACITY {
            self.line.shrink_to(KEEP_CAPACITY);
        }
    }

    /// Whether a complete line is already buffered (more input is ready without waiting).
    pub(crate) fn has_buffered_line(&self) -> bool {
        self.reader.buffer().contains(&b'\n')
    }

    /// The longest line accepted, in bytes.
    pub(crate) fn max(&self) -> usize {
        self.max
    }

    /// The largest the line buffer has ever been, in bytes of capacity.
    pub fn peak_capacity(&self) -> usize {
        self.peak_capacity
    }
}
