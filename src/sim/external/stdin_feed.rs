//! A node's stdin, fed without waking a thread per line. The pipe is non-blocking: while
//! nothing is queued for the node, the engine writes each line straight into the pipe, which
//! costs one `write` and no wake. Only when the pipe is full (a paused or slow node) does a
//! line wait in a queue, which a writer thread empties as the pipe takes it; until that queue
//! is empty, every later line joins it, so the node reads its lines in the order sent.
//!
//! A line's [`Share`] of its sender's budget goes back once the line is written or dropped. A
//! node that closed its stdin (EPIPE: glomers ignores SIGPIPE) gets nothing more, and its exit
//! is reported from the process, not here.

use crate::budget::Share;
use nix::fcntl::{fcntl, FcntlArg, OFlag};
use nix::poll::{poll, PollFd, PollFlags, PollTimeout};
use std::collections::VecDeque;
use std::fs::File;
use std::io::{ErrorKind, Write};
use std::os::fd::{AsFd, OwnedFd};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Condvar, Mutex};

/// How long the writer waits for room in the pipe before it looks whether the feed was
/// closed (a node paused for good must not keep the thread past its run).
const RECHECK_MS: u16 = 100;

/// A line not yet wholly in the pipe.
struct Pending {
    line: Vec<u8>,
    written: usize,
    _share: Share,
}

#[derive(Default)]
struct Queue {
    lines: VecDeque<Pending>,
    /// The writer holds lines taken from the queue: they go before anything sent now.
    writing: bool,
    /// The node stopped reading: lines are dropped.
    broken: bool,
}

struct Shared {
    pipe: File,
    queue: Mutex<Queue>,
    wake: Condvar,
    closed: AtomicBool,
}

/// What one non-blocking write did.
enum Wrote {
    Bytes(usize),
    Full,
    Broken,
}

fn write_some(pipe: &File, bytes: &[u8]) -> Wrote {
    loop {
        match (&*pipe).write(bytes) {
            Ok(0) => return Wrote::Full,
            Ok(n) => return Wrote::Bytes(n),
            Err(e) if e.kind() == ErrorKind::Interrupted => continue,
            Err(e) if e.kind() == ErrorKind::WouldBlock => return Wrote::Full,
            Err(_) => return Wrote::Broken,
        }
    }
}

/// The feed of one node's stdin; dropping it stops its writer thread.
pub struct StdinFeed {
    shared: Arc<Shared>,
}

impl StdinFeed {
    /// Takes over `pipe` (made non-blocking) and starts its writer thread.
    pub fn start(pipe: impl Into<OwnedFd>) -> std::io::Result<StdinFeed> {
        let pipe = File::from(pipe.into());
        let flags = OFlag::from_bits_truncate(fcntl(&pipe, FcntlArg::F_GETFL)?);
        fcntl(&pipe, FcntlArg::F_SETFL(flags | OFlag::O_NONBLOCK))?;
        let shared = Arc::new(Shared {
            pipe,
            queue: Mutex::new(Queue::default()),
            wake: Condvar::new(),
            closed: AtomicBool::new(false),
        });
        let writer = shared.clone();
        std::thread::spawn(move || run_writer(&writer));
        Ok(StdinFeed { shared })
    }

    /// Sends `line` (holding `share`) after every line sent before it; never blocks on the
    /// pipe.
    pub fn send(&self, line: Vec<u8>, share: Share) {
        let Ok(mut queue) = self.shared.queue.lock() else {
            return;
        };
        if queue.broken {
            return;
        }
        if !queue.lines.is_empty() || queue.writing {
            // The writer is at work or already woken: it takes this line in its turn.
            queue.lines.push_back(Pending {
                line,
                written: 0,
                _share: share,
            });
            return;
        }
        let written = match write_some(&self.shared.pipe, &line) {
            Wrote::Bytes(n) if n == line.len() => return,
            Wrote::Bytes(n) => n,
            Wrote::Full => 0,
            Wrote::Broken => {
                queue.broken = true;
                return;
            }
        };
        queue.lines.push_back(Pending {
            line,
            written,
            _share: share,
        });
        self.shared.wake.notify_one();
    }

    /// Lines (whole or in part) waiting for room in the pipe.
    #[cfg(test)]
    fn queued(&self) -> usize {
        let queue = self.shared.queue.lock().expect("not poisoned");
        queue.lines.len() + usize::from(queue.writing)
    }
}

impl Drop for StdinFeed {
    fn drop(&mut self) {
        self.shared.closed.store(true, Ordering::SeqCst);
        // Taken so that the writer is either waiting (and woken) or sees `closed` next.
        let _queue = self.shared.queue.lock();
        self.shared.wake.notify_all();
    }
}

/// Empties the queue into the pipe, a batch at a time, until the node stops reading or the
/// feed is dropped.
fn run_writer(shared: &Shared) {
    let mut batch = VecDeque::new();
    loop {
        {
            let Ok(mut queue) = shared.queue.lock() else {
                return;
            };
            queue.writing = false;
            while queue.lines.is_empty() && !queue.broken && !shared.closed.load(Ordering::SeqCst) {
                queue = match shared.wake.wait(queue) {
                    Ok(queue) => queue,
                    Err(_) => return,
                };
            }
            if queue.broken || shared.closed.load(Ordering::SeqCst) {
                queue.lines.clear();
                return;
            }
            std::mem::swap(&mut batch, &mut queue.lines);
            queue.writing = true;
        }
        while let Some(mut pending) = batch.pop_front() {
            if !write_waiting(shared, &mut pending) {
                if let Ok(mut queue) = shared.queue.lock() {
                    queue.broken = true;
                    queue.writing = false;
                    queue.lines.clear();
                }
                return;
            }
        }
    }
}

/// Writes the rest of `pending`, waiting for room; false if the node stopped reading or the
/// feed was dropped.
fn write_waiting(shared: &Shared, pending: &mut Pending) -> bool {
    while pending.written < pending.line.len() {
        match write_some(&shared.pipe, &pending.line[pending.written..]) {
            Wrote::Bytes(n) => pending.written += n,
            Wrote::Broken => return false,
            Wrote::Full => {
                if shared.closed.load(Ordering::SeqCst) {
                    return false;
                }
                let mut fds = [PollFd::new(shared.pipe.as_fd(), PollFlags::POLLOUT)];
                // An error or hang-up shows in the next write; a timeout lets `closed` be seen.
                let _ = poll(&mut fds, PollTimeout::from(RECHECK_MS));
            }
        }
    }
    true
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::budget::Budget;
    use std::io::{BufRead, BufReader, Read};
    use std::time::{Duration, Instant};

    fn numbered(i: usize, pad: usize) -> Vec<u8> {
        format!("{i:0pad$}\n").into_bytes()
    }

    /// Sends lines `0..count`, each `pad` digits, with a share of `budget` apiece.
    fn send_numbered(feed: &StdinFeed, budget: &Arc<Budget>, count: usize, pad: usize) {
        for i in 0..count {
            let line = numbered(i, pad);
            let share = budget.take(line.len()).expect("open");
            feed.send(line, share);
        }
    }

    fn read_lines(reader: impl Read, n: usize) -> Vec<String> {
        BufReader::new(reader)
            .lines()
            .take(n)
            .map(|l| l.expect("a line"))
            .collect()
    }

    fn until(what: impl Fn() -> bool) -> bool {
        let end = Instant::now() + Duration::from_secs(5);
        while !what() && Instant::now() < end {
            std::thread::sleep(Duration::from_millis(5));
        }
        what()
    }

    #[test]
    fn lines_a_reading_node_keeps_up_with_go_straight_into_the_pipe() {
        let (reader, writer) = std::io::pipe().expect("a pipe");
        let feed = StdinFeed::start(writer).expect("starts");
        let budget = Budget::new(1 << 20);
        for i in 0..10 {
            let line = numbered(i, 3);
            let share = budget.take(line.len()).expect("open");
            feed.send(line, share);
            assert_eq!(feed.queued(), 0, "nothing waits while the pipe has room");
        }
        assert_eq!(
            budget.used(),
            0,
            "each share went back once its line was written"
        );
        let want: Vec<String> = (0..10).map(|i| format!("{i:03}")).collect();
        assert_eq!(read_lines(reader, 10), want);
    }

    #[test]
    fn a_full_pipe_queues_without_blocking_and_keeps_the_order_across_the_switch() {
        let (reader, writer) = std::io::pipe().expect("a pipe");
        let feed = StdinFeed::start(writer).expect("starts");
        let budget = Budget::new(1 << 30);
        // Far more than a pipe holds, in lines that do not divide its size: one is cut.
        let n = 2_000;
        let started = Instant::now();
        send_numbered(&feed, &budget, n, 300);
        assert!(
            started.elapsed() < Duration::from_secs(2),
            "a paused reader never blocks the sender"
        );
        assert!(feed.queued() > 0, "the rest waits for room");
        assert!(budget.used() > 0, "waiting lines still hold their shares");
        // The reader wakes: every line arrives once, whole and in order, direct or queued.
        let got = std::thread::spawn(move || read_lines(reader, n));
        assert!(until(|| feed.queued() == 0), "the queue empties");
        // Once the queue is empty, lines go straight in again, still after the queued ones.
        for i in n..n + 5 {
            feed.send(numbered(i, 300), Share::default());
        }
        let got = got.join().expect("reads");
        let want: Vec<String> = (0..n).map(|i| format!("{i:0300}")).collect();
        assert_eq!(got.len(), n);
        assert!(got == want, "lines arrived out of order or broken");
        assert!(until(|| budget.used() == 0), "every share went back");
    }

    #[test]
    fn a_node_that_closed_its_stdin_gets_nothing_more_and_holds_no_share() {
        let (reader, writer) = std::io::pipe().expect("a pipe");
        let feed = StdinFeed::start(writer).expect("starts");
        let budget = Budget::new(1 << 30);
        drop(reader);
        send_numbered(&feed, &budget, 3, 3);
        assert_eq!(budget.used(), 0, "dropped lines give their shares back");
        assert_eq!(feed.queued(), 0);
    }

    #[test]
    fn lines_queued_for_a_node_that_then_closed_its_stdin_are_dropped() {
        let (reader, writer) = std::io::pipe().expect("a pipe");
        let feed = StdinFeed::start(writer).expect("starts");
        let budget = Budget::new(1 << 30);
        send_numbered(&feed, &budget, 1_000, 300);
        assert!(feed.queued() > 0);
        drop(reader);
        assert!(
            until(|| budget.used() == 0),
            "the writer dropped what it could not write"
        );
        feed.send(numbered(0, 3), budget.take(4).expect("open"));
        assert_eq!(budget.used(), 0);
    }

    #[test]
    fn dropping_the_feed_of_a_paused_node_lets_its_lines_go() {
        let (_reader, writer) = std::io::pipe().expect("a pipe");
        let feed = StdinFeed::start(writer).expect("starts");
        let budget = Budget::new(1 << 30);
        send_numbered(&feed, &budget, 1_000, 300);
        assert!(budget.used() > 0);
        drop(feed);
        assert!(
            until(|| budget.used() == 0),
            "the writer ended and let its lines go"
        );
    }
}
