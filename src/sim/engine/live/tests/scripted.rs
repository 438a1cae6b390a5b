//! Processes scripted in virtual time, for the live engine's tests: each is an [`External`]
//! slot that prints through the virtual clock's [`Printer`] at instants its script chooses, and
//! a trace of what the engine did to it (starts, deliveries, signals, its end). [`run`] drives
//! a whole run of them on a [`VirtualClock`].

use crate::challenge::Phase;
use crate::challenge::{TestOpts, Workload};
use crate::protocol::{Body, Message};
use crate::sim::clock::Nanos;
use crate::sim::engine::{Engine, Outcome};
use crate::sim::external::virtual_clock::{Printer, VirtualClock};
use crate::sim::external::{tag, Said};
use crate::sim::slot::{External, NodeSlot, Spawn};
use crate::sim::{services, workloads, SimConfig};
use std::cell::RefCell;
use std::rc::Rc;

/// What a process prints when it is sent `msg` (the printer tells the time): lines, each with
/// its delay.
pub(super) type Answer = Box<dyn FnMut(&Message, &Printer) -> Vec<(Nanos, Said)>>;

/// One start of a scripted node.
pub(super) struct Script {
    pub(super) answer: Answer,
    /// Lines it prints of its own accord: (instant, line).
    pub(super) prints: Vec<(Nanos, Said)>,
    /// When it exits (the report its slot then gives is [`crash_report`]'s).
    pub(super) exits_at: Option<Nanos>,
    /// Lines it prints as it is killed, which no one may hear.
    pub(super) last_words: bool,
}

impl Script {
    /// Answers every client's request `delay` after it arrives.
    pub(super) fn answering(delay: Nanos) -> Script {
        Script::answering_with(move |msg| Some((delay, answer(msg))))
    }

    /// Answers each client's request as `choose` says: after how long, with what (or never).
    pub(super) fn answering_with(
        mut choose: impl FnMut(&Message) -> Option<(Nanos, Body)> + 'static,
    ) -> Script {
        Script {
            answer: Box::new(move |msg, _| {
                if !msg.src.starts_with('c') {
                    return Vec::new();
                }
                let Some((delay, body)) = choose(msg) else {
                    return Vec::new();
                };
                vec![(delay, line(reply(msg, body)))]
            }),
            prints: Vec::new(),
            exits_at: None,
            last_words: false,
        }
    }

    /// Answers nothing at all.
    pub(super) fn silent() -> Script {
        Script::answering_with(|_| None)
    }

    /// Also prints `said` at `at`.
    pub(super) fn printing(mut self, at: Nanos, said: Said) -> Script {
        self.prints.push((at, said));
        self
    }

    /// Also exits at `at`, having printed its last line.
    pub(super) fn exiting(mut self, at: Nanos) -> Script {
        self.exits_at = Some(at);
        self
    }

    /// Also prints a line as it is killed (which no one may hear).
    pub(super) fn with_last_words(mut self) -> Script {
        self.last_words = true;
        self
    }
}

/// The answer Maelstrom's client expects: `<type>_ok`, with `echo` sent back.
pub(super) fn answer(msg: &Message) -> Body {
    let mut body = Body::new(format!("{}_ok", msg.body.kind));
    if let Some(echo) = msg.body.fields.get("echo") {
        body = body.with("echo", echo);
    }
    body
}

/// `body` from `to`'s recipient back to its sender, in reply to it.
pub(super) fn reply(to: &Message, mut body: Body) -> Message {
    body.in_reply_to = to.body.msg_id;
    Message::new(to.dest.clone(), to.src.clone(), body)
}

/// `msg` as a line the node printed.
pub(super) fn line(msg: Message) -> Said {
    Said::Line(Ok(msg))
}

/// What a scripted node reports when it has exited.
pub(super) fn crash_report(id: &str) -> String {
    format!("Node {id} crashed with exit status 3.")
}

/// What the engine did to the nodes, each with the instant it did it.
pub(super) type Trace = Rc<RefCell<Vec<(Nanos, String)>>>;

/// One start of a node, as the engine holds it.
struct Scripted {
    id: String,
    /// What the node is heard as in this start.
    heard_as: usize,
    start: u32,
    script: Script,
    printer: Printer,
    trace: Trace,
}

impl Scripted {
    fn note(&self, what: String) {
        let line = format!("{} {what}", self.id);
        self.trace.borrow_mut().push((self.printer.now(), line));
    }
}

impl External for Scripted {
    fn deliver(&mut self, msg: Message) {
        let now = self.printer.now();
        self.note(format!("got {} from {}", msg.body.kind, msg.src));
        for (delay, said) in (self.script.answer)(&msg, &self.printer) {
            self.printer.print(now + delay, self.heard_as, said);
        }
    }

    fn pause(&mut self) {
        self.note("SIGSTOP".into());
    }

    fn resume(&mut self) {
        self.note("SIGCONT".into());
    }

    fn kill(&mut self) {
        self.note("SIGKILL".into());
        if self.script.last_words {
            let junk = Said::Line(Err(format!("{}'s last words", self.id)));
            self.printer.print(self.printer.now(), self.heard_as, junk);
        }
    }

    fn exited(&mut self) -> bool {
        let now = self.printer.now();
        self.script.exits_at.is_some_and(|at| now >= at)
    }

    fn ended(&mut self) -> Option<String> {
        self.exited().then(|| crash_report(&self.id))
    }
}

impl Drop for Scripted {
    fn drop(&mut self) {
        self.note(format!("stopped (start {})", self.start));
    }
}

/// What a run of scripted nodes came to.
pub(super) struct Ran {
    pub(super) outcome: anyhow::Result<Outcome>,
    /// The clock's time when the run ended.
    pub(super) ended_at: Nanos,
    pub(super) trace: Vec<(Nanos, String)>,
    /// Every phase the watch was told, once each time it changed.
    pub(super) phases: Vec<Phase>,
}

impl Ran {
    /// The error the run ended with.
    pub(super) fn error(&self) -> String {
        match &self.outcome {
            Ok(_) => panic!("the run ended well at {} ns", self.ended_at),
            Err(err) => format!("{err:#}"),
        }
    }

    pub(super) fn outcome(&self) -> &Outcome {
        match &self.outcome {
            Ok(outcome) => outcome,
            Err(err) => panic!("the run failed at {} ns: {err:#}", self.ended_at),
        }
    }

    /// When the trace first has `what`.
    pub(super) fn first(&self, what: &str) -> Option<Nanos> {
        self.trace
            .iter()
            .find(|(_, line)| line == what)
            .map(|(at, _)| *at)
    }
}

/// Runs `workload` under `words` with scripted nodes (`script(node, start)`), on a virtual
/// clock whose watch is `watch(phase, now)`.
pub(super) fn run(
    workload: Workload,
    words: &[&str],
    mut watch: impl FnMut(Phase, Nanos) -> Option<anyhow::Error> + 'static,
    mut script: impl FnMut(usize, u32) -> Script + 'static,
) -> Ran {
    let opts = TestOpts::parse_args(words).expect("options");
    let cfg = SimConfig::new(workload, opts, 1);
    let count = cfg.opts.nodes() as usize;
    let mut model = workloads::model(&cfg).expect("a model");
    let printer = Printer::default();
    let trace = Trace::default();
    let phases = Rc::new(RefCell::new(Vec::new()));
    let (told, watched) = (phases.clone(), printer.clone());
    let clock = VirtualClock::new(
        &printer,
        Box::new(move |phase| {
            let mut told = told.borrow_mut();
            if told.last() != Some(&phase) {
                told.push(phase);
            }
            watch(phase, watched.now())
        }),
    );
    let (nodes_print, nodes_trace) = (printer.clone(), trace.clone());
    let mut spawn: Spawn<'static> = Box::new(move |index, start| {
        let mut this = script(index, start);
        let heard_as = tag(index, start, count);
        for (at, said) in std::mem::take(&mut this.prints) {
            nodes_print.print(at, heard_as, said);
        }
        let node = Scripted {
            id: format!("n{index}"),
            heard_as,
            start,
            script: this,
            printer: nodes_print.clone(),
            trace: nodes_trace.clone(),
        };
        node.note(format!("started (start {start})"));
        Ok(NodeSlot::External(Box::new(node)))
    });
    let slots = (0..count)
        .map(|i| spawn(i, 0))
        .collect::<anyhow::Result<Vec<_>>>()
        .expect("scripted nodes start");
    let outcome = Engine::new(&cfg, model.as_mut(), slots, services::all()).and_then(|engine| {
        engine
            .on_live_clock(Box::new(clock))
            .with_spawn(spawn)
            .run()
    });
    let ended_at = printer.now();
    let trace = trace.borrow().clone();
    let phases = phases.borrow().clone();
    Ran {
        outcome,
        ended_at,
        trace,
        phases,
    }
}
