//! One node as a child process, spoken to as Maelstrom speaks to it (`maelstrom.process`): JSON
//! lines on stdin, messages read from stdout, stderr kept in a log file and a short tail for
//! error messages. Three threads per node, so that no pipe ever blocks the engine: a writer fed
//! by a channel, a stdout reader that stamps each line with the instant it arrived, and a stderr
//! reader; and a fourth that waits for the node's exit.
//!
//! Nothing outlives the node: it runs under a guard ([`crate::child::guard`]) that kills it and
//! everything it started — in its group or not — when the node is dropped (as Maelstrom's
//! `destroyForcibly` does), when glomers dies however it dies, or when the node exits. Its exit
//! is seen from the process, not the pipe: a node that closed its stdout earlier, or left a child
//! holding it, is still reported when it exits.

use super::wire;
use crate::budget::{Budget, Share};
use crate::child::{Guarded, Pipes};
use crate::protocol::Message;
use crate::sim::slot::External;
use anyhow::Context;
use nix::sys::signal::Signal;
use std::collections::VecDeque;
use std::fs::File;
use std::io::{BufRead, BufReader, BufWriter, Read, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{self, Sender};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// Lines of stdout and stderr kept for a crash report, as many as Maelstrom keeps.
const TAIL_LINES: usize = 32;

/// The longest stdout line read (the nodes' own stdin cap): past it a line is reported, not
/// buffered.
pub const MAX_LINE_BYTES: usize = crate::node::lines::MAX_LINE_BYTES;

/// What one message costs a sender's budget beyond its bytes: a flood of tiny messages is
/// bounded too.
const MESSAGE_OVERHEAD: usize = 256;

/// A line buffer that grew past this after one long line is given its memory back.
const KEEP_BUFFER: usize = 1 << 20;

/// The program every node runs, with its arguments.
#[derive(Clone, Debug)]
pub struct Program {
    pub bin: PathBuf,
    pub args: Vec<String>,
}

/// Something a node's stdout produced, stamped with when it was read.
#[derive(Debug)]
pub struct Heard {
    pub node: usize,
    pub at: Instant,
    pub said: Said,
}

#[derive(Debug)]
pub enum Said {
    /// A line, parsed into a message or refused with Maelstrom's reason.
    Line(Result<Message, String>),
    /// A line longer than [`MAX_LINE_BYTES`] (its length so far).
    Oversized(u64),
    /// Stdout reached its end: the node exited or closed it.
    Closed,
}

type Tail = Arc<Mutex<VecDeque<String>>>;

fn remember(tail: &Tail, line: &str) {
    if let Ok(mut lines) = tail.lock() {
        if lines.len() == TAIL_LINES {
            lines.pop_front();
        }
        lines.push_back(wire::quote(line));
    }
}

fn recall(tail: &Tail) -> String {
    tail.lock()
        .map(|lines| lines.iter().cloned().collect::<Vec<_>>().join("\n"))
        .unwrap_or_default()
}

/// A node running as a child process.
pub struct ExternalNode {
    id: String,
    /// The node under its guard: dropping it stops the node and everything it started.
    guarded: Guarded,
    stdin: Sender<(Vec<u8>, Share)>,
    /// This node's bytes in flight (see [`crate::budget`]).
    budget: Arc<Budget>,
    stdout_tail: Tail,
    stderr_tail: Tail,
    stderr_done: Arc<AtomicBool>,
    log: Option<PathBuf>,
    /// How the node exited, once it has (see [`ExternalNode::exit_status`]).
    status: Option<String>,
}

impl ExternalNode {
    /// Starts `program` as node `id` (index `node`), in the system's temporary folder as
    /// Maelstrom does, with stderr going to `log` if given; what it prints goes to `heard`, at
    /// most `budget` bytes of it on its way at once.
    pub fn spawn(
        program: &Program,
        id: &str,
        node: usize,
        log: Option<&Path>,
        heard: Sender<Heard>,
        budget: usize,
    ) -> anyhow::Result<ExternalNode> {
        // Appended to, so that a node started again after a kill keeps one log.
        let log_file = log
            .map(|path| {
                File::options()
                    .create(true)
                    .append(true)
                    .open(path)
                    .with_context(|| format!("creating {}", path.display()))
            })
            .transpose()?;
        let (mut guarded, pipes) = Guarded::spawn(
            program.bin.as_os_str(),
            &program.args,
            &std::env::temp_dir(),
        )
        .with_context(|| format!("starting node {id}: {}", program.bin.display()))?;
        let Pipes {
            stdin,
            stdout,
            stderr,
        } = pipes;
        let stdout_tail = Tail::default();
        let stderr_tail = Tail::default();
        let stderr_done = Arc::new(AtomicBool::new(false));
        let stdout_ended = Arc::new(AtomicBool::new(false));
        let ended = stdout_ended.clone();
        let on_exit = heard.clone();
        let budget = Budget::new(budget);
        let reader = StdoutReader {
            node,
            id: id.to_string(),
            tail: stdout_tail.clone(),
            heard,
            budget: budget.clone(),
        };
        std::thread::spawn(move || {
            reader.run(stdout);
            ended.store(true, Ordering::SeqCst);
        });
        // A node whose stdout ended before it exited (closed early) was heard as `Closed` while
        // still running; its exit is told again, so that the engine reports it. Otherwise the
        // end of stdout, which comes once the guard has stopped everything, tells it.
        guarded.on_exit(move || {
            if stdout_ended.load(Ordering::SeqCst) {
                let _ = on_exit.send(Heard {
                    node,
                    at: Instant::now(),
                    said: Said::Closed,
                });
            }
        });
        let (tail, done) = (stderr_tail.clone(), stderr_done.clone());
        std::thread::spawn(move || read_stderr(stderr, log_file, &tail, &done));
        let (to_stdin, lines) = mpsc::channel::<(Vec<u8>, Share)>();
        std::thread::spawn(move || {
            let mut stdin = BufWriter::new(stdin);
            // Each line's share goes back to its sender once the line is written (or dropped).
            for (line, _share) in lines {
                // A node that stopped reading has closed its stdin, crashed or exited: EPIPE
                // (glomers ignores SIGPIPE) ends this thread, and the node's exit is reported
                // from the process.
                if stdin.write_all(&line).and_then(|()| stdin.flush()).is_err() {
                    break;
                }
            }
        });
        Ok(ExternalNode {
            id: id.to_string(),
            guarded,
            stdin: to_stdin,
            budget,
            stdout_tail,
            stderr_tail,
            stderr_done,
            log: log.map(Path::to_path_buf),
            status: None,
        })
    }

    /// Sends `signal` to the node's process group (to pause, resume or kill it); not to what
    /// the node started outside its group. Never reaches another process: the guard sends it,
    /// and only while the node runs.
    pub fn signal_group(&self, signal: Signal) -> std::io::Result<()> {
        self.guarded.signal_group(signal)
    }

    /// The node's pid, which is also its process group's id.
    pub fn pid(&self) -> u32 {
        self.guarded.pid().as_raw().unsigned_abs()
    }

    /// How the node exited, waiting up to `patience` for it to. Its guard exits as the node did
    /// once everything the node started is gone, and stays unreaped until the node is dropped.
    fn exit_status(&mut self, patience: Duration) -> Option<String> {
        let until = Instant::now() + patience;
        while self.status.is_none() {
            self.status = self.guarded.peek_exit();
            if self.status.is_some() || Instant::now() >= until {
                break;
            }
            std::thread::sleep(Duration::from_millis(10));
        }
        self.status.clone()
    }
}

/// A node's stdout, read as Maelstrom's stdout thread reads it: line by line, each parsed and
/// put on the network, until a line cannot be (then nothing more is read, but the pipe stays
/// open, so the node blocks on a full pipe as it would under Maelstrom) or the output ends.
struct StdoutReader {
    node: usize,
    id: String,
    tail: Tail,
    heard: Sender<Heard>,
    budget: Arc<Budget>,
}

impl StdoutReader {
    fn run(self, stdout: impl Read) {
        let mut reader = BufReader::with_capacity(64 * 1024, stdout);
        let mut buf = Vec::new();
        loop {
            buf.clear();
            if buf.capacity() > KEEP_BUFFER {
                buf.shrink_to(64 * 1024);
            }
            let said = match read_capped_line(&mut reader, &mut buf, MAX_LINE_BYTES) {
                Ok(Line::End) | Err(_) => break,
                Ok(Line::Oversized(bytes)) => Said::Oversized(bytes),
                Ok(Line::Whole) => {
                    // Waits while this node's earlier messages are still on their way.
                    let Some(share) = self.budget.take(buf.len() + MESSAGE_OVERHEAD) else {
                        return;
                    };
                    let line = String::from_utf8_lossy(&buf);
                    remember(&self.tail, &line);
                    Said::Line(wire::parse(&self.id, &line).map(|mut msg| {
                        msg.held = share;
                        msg
                    }))
                }
            };
            let refused = !matches!(said, Said::Line(Ok(_)));
            if !self.tell(said) {
                return;
            }
            if refused {
                // Maelstrom's reader stops at a line it cannot carry; the pipe stays open.
                drop(buf);
                self.budget.wait_closed();
                return;
            }
        }
        self.tell(Said::Closed);
    }

    /// Hands `said` to the engine; false once the engine has gone.
    fn tell(&self, said: Said) -> bool {
        let heard = Heard {
            node: self.node,
            at: Instant::now(),
            said,
        };
        self.heard.send(heard).is_ok()
    }
}

fn read_stderr(stderr: impl Read, log: Option<File>, tail: &Tail, done: &AtomicBool) {
    let mut log = log.map(BufWriter::new);
    let mut reader = BufReader::new(stderr);
    let mut buf = Vec::new();
    loop {
        buf.clear();
        match read_capped_line(&mut reader, &mut buf, MAX_LINE_BYTES) {
            Ok(Line::End) | Err(_) => break,
            Ok(Line::Oversized(bytes)) => {
                remember(tail, &format!("[a line of {bytes} bytes, not kept]"));
            }
            Ok(Line::Whole) => {
                let line = String::from_utf8_lossy(&buf);
                remember(tail, &line);
                if let Some(log) = log.as_mut() {
                    // Flushed per line, as Maelstrom does, so a crash loses nothing.
                    let _ = writeln!(log, "{line}").and_then(|()| log.flush());
                }
            }
        }
    }
    done.store(true, Ordering::SeqCst);
}

enum Line {
    Whole,
    Oversized(u64),
    End,
}

/// Reads one line (without its newline) into `buf`, or skips it if longer than `max`.
fn read_capped_line(
    reader: &mut impl BufRead,
    buf: &mut Vec<u8>,
    max: usize,
) -> std::io::Result<Line> {
    let mut skipped: u64 = 0;
    loop {
        let chunk = reader.fill_buf()?;
        if chunk.is_empty() {
            return Ok(match (skipped, buf.is_empty()) {
                (0, true) => Line::End,
                (0, false) => Line::Whole,
                _ => Line::Oversized(skipped),
            });
        }
        let (part, found) = match chunk.iter().position(|&b| b == b'\n') {
            Some(at) => (&chunk[..at], Some(at + 1)),
            None => (chunk, None),
        };
        if skipped > 0 || buf.len() + part.len() > max {
            skipped += (buf.len() + part.len()) as u64;
            buf.clear();
        } else {
            buf.extend_from_slice(part);
        }
        let used = found.unwrap_or(chunk.len());
        reader.consume(used);
        if found.is_some() {
            if buf.last() == Some(&b'\r') {
                buf.pop();
            }
            return Ok(if skipped > 0 {
                Line::Oversized(skipped)
            } else {
                Line::Whole
            });
        }
    }
}

impl External for ExternalNode {
    fn deliver(&mut self, msg: Message) {
        let line = wire::encode(&msg);
        // A closed channel means the writer saw the node stop reading: its exit is reported
        // from the process, not here.
        let _ = self.stdin.send((line, msg.held));
    }

    // A node that already ended takes no signal: its end is reported as any other.
    fn pause(&mut self) {
        let _ = self.signal_group(Signal::SIGSTOP);
    }

    fn resume(&mut self) {
        let _ = self.signal_group(Signal::SIGCONT);
    }

    fn kill(&mut self) {
        let _ = self.signal_group(Signal::SIGKILL);
    }

    fn exited(&mut self) -> bool {
        self.exit_status(Duration::ZERO).is_some()
    }

    fn ended(&mut self) -> Option<String> {
        let status = self.exit_status(Duration::from_secs(2))?;
        // Give the stderr reader a moment to take the last lines.
        let until = Instant::now() + Duration::from_millis(500);
        while !self.stderr_done.load(Ordering::SeqCst) && Instant::now() < until {
            std::thread::sleep(Duration::from_millis(10));
        }
        let log = match &self.log {
            Some(path) => format!("\nFull STDERR logs are available in {}", path.display()),
            None => String::new(),
        };
        Some(format!(
            "Node {} crashed with {status}. Before crashing, it wrote to STDOUT:\n\n{}\n\nAnd to STDERR:\n\n{}\n{log}",
            self.id,
            recall(&self.stdout_tail),
            recall(&self.stderr_tail),
        ))
    }
}

impl Drop for ExternalNode {
    fn drop(&mut self) {
        // A reader that stopped reading lets go of the pipe; the guard, dropped next, stops
        // the node and everything it started.
        self.budget.close();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lines(input: &[u8], max: usize) -> Vec<String> {
        let mut reader = BufReader::with_capacity(4, input);
        let mut buf = Vec::new();
        let mut out = Vec::new();
        loop {
            buf.clear();
            match read_capped_line(&mut reader, &mut buf, max).expect("in memory") {
                Line::End => return out,
                Line::Whole => out.push(String::from_utf8_lossy(&buf).into_owned()),
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
}
