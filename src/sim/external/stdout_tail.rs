//! A node's last stdout lines, for the report of its crash, kept by its stdout reader without
//! an allocation or a lock per line: the reader copies each line into a ring of reused buffers,
//! and hands the ring over (quoted, as the report shows it) only when it stops reading — at
//! the end of stdout, at a line it cannot carry, or while it waits for budget. The report waits
//! briefly for that handover, as it does for the stderr reader.

use super::wire;
use crate::child::tail::Tail;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};

/// Lines longer than this are quoted as they are read (the quote keeps far fewer bytes), so
/// that no buffer of the ring grows to the longest line a node ever printed.
const RAW_LINE_BYTES: usize = 2048;

/// The lines as last handed over, and whether the reader has stopped reading since.
#[derive(Default)]
pub struct Handed<const N: usize> {
    lines: Mutex<Tail<N>>,
    settled: AtomicBool,
}

impl<const N: usize> Handed<N> {
    /// The lines handed over, oldest first, one a line.
    pub fn joined(&self) -> String {
        self.lines
            .lock()
            .map(|lines| lines.joined())
            .unwrap_or_default()
    }

    /// Whether the reader has handed over every line it read and reads no more for now.
    pub fn settled(&self) -> bool {
        self.settled.load(Ordering::SeqCst)
    }
}

/// One line as kept: its bytes as read, or its quote if it was long.
#[derive(Default)]
struct Kept {
    bytes: Vec<u8>,
    quoted: bool,
}

/// The ring the reader keeps.
pub struct ReaderTail<const N: usize> {
    ring: Vec<Kept>,
    /// Where the next line goes.
    next: usize,
    handed: Arc<Handed<N>>,
}

impl<const N: usize> ReaderTail<N> {
    pub fn new() -> (ReaderTail<N>, Arc<Handed<N>>) {
        let handed = Arc::new(Handed::default());
        let tail = ReaderTail {
            ring: Vec::with_capacity(N),
            next: 0,
            handed: handed.clone(),
        };
        (tail, handed)
    }

    /// Keeps `line` (as read, before any decoding) as the newest.
    pub fn push(&mut self, line: &[u8]) {
        if N == 0 {
            return;
        }
        if self.ring.len() < N {
            self.ring.push(Kept::default());
        }
        let kept = &mut self.ring[self.next];
        kept.bytes.clear();
        kept.quoted = line.len() > RAW_LINE_BYTES;
        if kept.quoted {
            kept.bytes = wire::quote(&String::from_utf8_lossy(line)).into_bytes();
        } else {
            kept.bytes.extend_from_slice(line);
        }
        self.next = (self.next + 1) % N;
    }

    /// Hands every line kept over for a report, and marks the reader as stopped.
    pub fn hand_over(&self) {
        let mut lines = Tail::<N>::default();
        let oldest = if self.ring.len() < N { 0 } else { self.next };
        for i in 0..self.ring.len() {
            let kept = &self.ring[(oldest + i) % self.ring.len()];
            let line = String::from_utf8_lossy(&kept.bytes);
            lines.push(if kept.quoted {
                line.into_owned()
            } else {
                wire::quote(&line)
            });
        }
        if let Ok(mut handed) = self.handed.lines.lock() {
            *handed = lines;
        }
        self.handed.settled.store(true, Ordering::SeqCst);
    }

    /// The reader reads again: what it hands over later is newer.
    pub fn resume(&self) {
        self.handed.settled.store(false, Ordering::SeqCst);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// What the report showed when each line was quoted as it was read.
    fn quoted_as_read<const N: usize>(lines: &[&[u8]]) -> String {
        let mut tail = Tail::<N>::default();
        for line in lines {
            tail.push(wire::quote(&String::from_utf8_lossy(line)));
        }
        tail.joined()
    }

    #[test]
    fn the_last_lines_are_handed_over_as_the_report_quotes_them() {
        let long = vec![b'x'; 5_000];
        let bad = b"caf\xe9 \xff".to_vec();
        let mid = "é".repeat(600).into_bytes();
        let lines: Vec<&[u8]> = vec![b"a", &long, b"b", &bad, &mid, b"", b"c"];
        for n in 0..lines.len() {
            let (mut tail, handed) = ReaderTail::<4>::new();
            for line in &lines[..n] {
                tail.push(line);
            }
            assert!(!handed.settled());
            assert_eq!(
                handed.joined(),
                "",
                "nothing is handed over before it is asked"
            );
            tail.hand_over();
            assert!(handed.settled());
            assert_eq!(
                handed.joined(),
                quoted_as_read::<4>(&lines[..n]),
                "after {n} lines"
            );
            tail.resume();
            assert!(!handed.settled());
        }
    }

    #[test]
    fn a_ring_wraps_many_times_and_keeps_the_newest() {
        let (mut tail, handed) = ReaderTail::<3>::new();
        for i in 0..100 {
            tail.push(format!("line {i}").as_bytes());
        }
        tail.hand_over();
        assert_eq!(handed.joined(), "line 97\nline 98\nline 99");
    }
}
