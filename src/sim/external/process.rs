//! One node as a child process, spoken to as Maelstrom speaks to it (`maelstrom.process`): JSON
//! lines on stdin, messages read from stdout, stderr kept in a log file and a short tail for
//! error messages. Three threads per node, so that no pipe ever blocks the engine: a writer that
//! takes the lines the pipe has no room for yet ([`super::stdin_feed`]), a stdout reader that
//! stamps each line with the instant it arrived, and a stderr reader; and a fourth that waits
//! for the node's exit.
//!
//! Nothing outlives the node: it runs under a guard ([`crate::child::guard`]) that kills it and
//! everything it started — in its group or not — when the node is dropped (as Maelstrom's
//! `destroyForcibly` does), when glomers dies however it dies, or when the node exits. Its exit
//! is seen from the process, not the pipe: a node that closed its stdout earlier, or left a child
//! holding it, is still reported when it exits.

use super::stdin_feed::StdinFeed;
use super::stdout_tail::{Handed, ReaderTail};
use super::wire;
use crate::budget::{Budget, Share};
use crate::child::lines::{oversized_note, CappedLines, Line};
use crate::child::tail::Tail;
use crate::child::{Guarded, Pipes};
use crate::protocol::Message;
use crate::sim::slot::External;
use anyhow::Context;
use nix::sys::signal::Signal;
use std::fs::File;
use std::io::{BufWriter, Read, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::Sender;
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

/// Stderr's last lines, kept by its reader thread and read for a crash report.
type SharedTail = Arc<Mutex<Tail<TAIL_LINES>>>;

fn remember(tail: &SharedTail, line: &str) {
    if let Ok(mut lines) = tail.lock() {
        lines.push(wire::quote(line));
    }
}

fn recall(tail: &SharedTail) -> String {
    tail.lock().map(|lines| lines.joined()).unwrap_or_default()
}

/// A node running as a child process.
pub struct ExternalNode {
    id: String,
    /// The node under its guard: dropping it stops the node and everything it started.
    guarded: Guarded,
    stdin: StdinFeed,
    /// This node's bytes in flight (see [`crate::budget`]).
    budget: Arc<Budget>,
    stdout_tail: Arc<Handed<TAIL_LINES>>,
    stderr_tail: SharedTail,
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
        let (reader_tail, stdout_tail) = ReaderTail::new();
        let stderr_tail = SharedTail::default();
        let stderr_done = Arc::new(AtomicBool::new(false));
        let stdout_ended = Arc::new(AtomicBool::new(false));
        let ended = stdout_ended.clone();
        let on_exit = heard.clone();
        let budget = Budget::new(budget);
        let reader = StdoutReader {
            node,
            id: id.to_string(),
            tail: reader_tail,
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
        let to_stdin =
            StdinFeed::start(stdin).with_context(|| format!("feeding the stdin of node {id}"))?;
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
    tail: ReaderTail<TAIL_LINES>,
    heard: Sender<Heard>,
    budget: Arc<Budget>,
}

impl StdoutReader {
    fn run(mut self, stdout: impl Read) {
        let mut lines = CappedLines::with_buffer(64 * 1024, stdout, MAX_LINE_BYTES);
        loop {
            let said = match lines.next_line() {
                Ok(Line::End) | Err(_) => break,
                Ok(Line::Oversized(bytes)) => Said::Oversized(bytes),
                Ok(Line::Whole(line)) => {
                    let Some(share) = self.share_for(line.len() + MESSAGE_OVERHEAD) else {
                        self.tail.hand_over();
                        return;
                    };
                    self.tail.push(line);
                    let line = String::from_utf8_lossy(line);
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
                // Maelstrom's reader stops at a line it cannot carry; the pipe stays open (its
                // buffers are let go).
                let _pipe = lines.into_inner();
                self.tail.hand_over();
                self.budget.wait_closed();
                return;
            }
        }
        self.tail.hand_over();
        self.tell(Said::Closed);
    }

    /// A share of the budget for `bytes`, waiting while this node's earlier messages are still
    /// on their way; meanwhile the reader reads nothing, so it hands its tail over.
    fn share_for(&self, bytes: usize) -> Option<Share> {
        if let Some(share) = self.budget.try_take(bytes) {
            return Some(share);
        }
        self.tail.hand_over();
        let share = self.budget.take(bytes)?;
        self.tail.resume();
        Some(share)
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

fn read_stderr(stderr: impl Read, log: Option<File>, tail: &SharedTail, done: &AtomicBool) {
    let mut log = log.map(BufWriter::new);
    let mut lines = CappedLines::new(stderr, MAX_LINE_BYTES);
    loop {
        match lines.next_line() {
            Ok(Line::End) | Err(_) => break,
            Ok(Line::Oversized(bytes)) => remember(tail, &oversized_note(bytes)),
            Ok(Line::Whole(line)) => {
                let line = String::from_utf8_lossy(line);
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

impl External for ExternalNode {
    fn deliver(&mut self, msg: Message) {
        let line = wire::encode(&msg);
        // A node that stopped reading gets nothing more: its exit is reported from the
        // process, not here.
        self.stdin.send(line, msg.held);
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
        // Give the readers a moment to take the last lines.
        let until = Instant::now() + Duration::from_millis(500);
        while !(self.stderr_done.load(Ordering::SeqCst) && self.stdout_tail.settled())
            && Instant::now() < until
        {
            std::thread::sleep(Duration::from_millis(10));
        }
        let log = match &self.log {
            Some(path) => format!("\nFull STDERR logs are available in {}", path.display()),
            None => String::new(),
        };
        Some(format!(
            "Node {} crashed with {status}. Before crashing, it wrote to STDOUT:\n\n{}\n\nAnd to STDERR:\n\n{}\n{log}",
            self.id,
            self.stdout_tail.joined(),
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
