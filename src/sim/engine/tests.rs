//! Unit tests of the engine driven through scripted in-process nodes: request timeouts, late
//! replies and process replacement, end to end on a real event loop, and setup's judgement.

use super::*;
use crate::challenge::TestOpts;
use crate::challenge::Workload;
use crate::protocol::{Body, ErrorCode, RpcError};
use crate::sim::model::{ClientInfo, WorkloadCheck};
use crate::sim::slot::InProcess;
use crate::verdict::Validity;
use std::cell::RefCell;
use std::rc::Rc;

/// How a scripted node answers client requests (it always answers `init`).
#[derive(Clone, Copy)]
enum Script {
    /// Never answers.
    Silent,
    /// Answers every request this long after it arrived.
    ReplyAfter(Duration),
    /// Answers the very first request with an indefinite error (`crash`), then is silent.
    CrashFirst,
}

/// A request the node saw: (client node id, msg_id, virtual time).
type Seen = (String, u64, Duration);

struct ScriptedNode {
    script: Script,
    seen: Rc<RefCell<Vec<Seen>>>,
    /// Replies waiting for their time.
    held: Vec<(Duration, Message)>,
    replies_sent: Rc<RefCell<usize>>,
}

fn reply(to: &Message, body: Body) -> Message {
    let mut body = body;
    body.in_reply_to = to.body.msg_id;
    Message::new(to.dest.clone(), to.src.clone(), body)
}

impl InProcess for ScriptedNode {
    fn handle(&mut self, msg: Message, now: Duration) -> Vec<Message> {
        if msg.body.kind == "init" {
            return vec![reply(&msg, Body::new("init_ok"))];
        }
        let first = self.seen.borrow().is_empty();
        let msg_id = msg.body.msg_id.unwrap_or(0);
        self.seen.borrow_mut().push((msg.src.clone(), msg_id, now));
        match self.script {
            Script::Silent => Vec::new(),
            Script::CrashFirst if first => {
                *self.replies_sent.borrow_mut() += 1;
                let crash = RpcError::new(ErrorCode::Crash, "scripted crash");
                vec![reply(&msg, Body::error(&crash))]
            }
            Script::CrashFirst => Vec::new(),
            Script::ReplyAfter(delay) => {
                self.held
                    .push((now + delay, reply(&msg, Body::new("read_ok"))));
                Vec::new()
            }
        }
    }

    fn tick(&mut self, now: Duration) -> Vec<Message> {
        let (due, later): (Vec<_>, Vec<_>) = std::mem::take(&mut self.held)
            .into_iter()
            .partition(|(at, _)| *at <= now);
        self.held = later;
        *self.replies_sent.borrow_mut() += due.len();
        due.into_iter().map(|(_, msg)| msg).collect()
    }

    fn tick_interval(&self) -> Option<Duration> {
        Some(Duration::from_millis(100))
    }

    fn take_logs(&mut self) -> Vec<String> {
        Vec::new()
    }
}

/// Reads, one request each; `idempotent` says whether a timed-out read fails or is info.
struct Reads {
    idempotent: bool,
}

impl WorkloadModel for Reads {
    fn generate(&mut self, _draw: Draw<'_>) -> Option<Invocation> {
        Some(Invocation::new("read", Value::Null))
    }

    fn on_reply(&mut self, _client: &ClientInfo, op: &Invocation, reply: &Body) -> Step {
        match reply.as_error() {
            Some(_) => Step::from_error(reply, op.value.clone(), self.idempotent),
            None => Step::ok(Value::Null),
        }
    }

    fn idempotent(&self, _f: &str) -> bool {
        self.idempotent
    }

    fn check(&self, _history: &[Op], _cfg: &SimConfig) -> WorkloadCheck {
        WorkloadCheck::new(Validity::Valid, Value::Null)
    }
}

struct Run {
    history: Vec<Op>,
    seen: Vec<Seen>,
    replies_sent: usize,
}

/// One node, echo's options otherwise (no final phase, no nemesis).
fn run(script: Script, idempotent: bool, words: &[&str]) -> Run {
    let opts = TestOpts::parse_args(words).expect("options");
    let cfg = SimConfig::new(Workload::Echo, opts, 1);
    let seen = Rc::new(RefCell::new(Vec::new()));
    let replies_sent = Rc::new(RefCell::new(0));
    let node = ScriptedNode {
        script,
        seen: seen.clone(),
        held: Vec::new(),
        replies_sent: replies_sent.clone(),
    };
    let mut model = Reads { idempotent };
    let slots = vec![NodeSlot::InProcess(Box::new(node))];
    let engine = Engine::new(&cfg, &mut model, slots, BTreeMap::new()).expect("engine");
    let outcome = engine.run().expect("run");
    let seen = seen.borrow().clone();
    let replies_sent = *replies_sent.borrow();
    Run {
        history: outcome.history,
        seen,
        replies_sent,
    }
}

/// Each completion with the invocation it completes (same process, the one before it).
pub(super) fn pairs(history: &[Op]) -> Vec<(&Op, &Op)> {
    history
        .iter()
        .filter(|op| op.kind != OpType::Invoke)
        .map(|done| {
            let invoke = history[..done.index]
                .iter()
                .rev()
                .find(|op| op.process == done.process && op.kind == OpType::Invoke)
                .expect("every completion has an invocation");
            (invoke, done)
        })
        .collect()
}

const FIVE_S: Nanos = 5 * SECOND;

#[test]
fn a_request_unanswered_for_5_s_fails_if_idempotent_and_its_late_reply_is_ignored() {
    let late = Script::ReplyAfter(Duration::from_secs(6));
    let run = run(
        late,
        true,
        &["--time-limit", "12", "--rate", "5", "--concurrency", "1"],
    );
    let pairs = pairs(&run.history);
    assert!(pairs.len() >= 2, "{:?}", run.history);
    assert!(run.replies_sent >= 1, "the node answered, only too late");
    for (invoke, done) in pairs {
        assert_eq!(done.kind, OpType::Fail, "{done:?}");
        assert_eq!(done.error, Some(serde_json::json!(["net-timeout"])));
        assert_eq!(done.time - invoke.time, FIVE_S, "{done:?}");
        // A failed operation did not happen: the process carries on.
        assert_eq!(done.process, Process::Client(0));
    }
}

#[test]
fn a_request_unanswered_for_5_s_is_info_if_not_idempotent() {
    let run = run(
        Script::Silent,
        false,
        &["--time-limit", "3", "--concurrency", "1"],
    );
    let pairs = pairs(&run.history);
    assert!(!pairs.is_empty());
    for (invoke, done) in pairs {
        assert_eq!(done.kind, OpType::Info, "{done:?}");
        assert_eq!(done.time - invoke.time, FIVE_S, "{done:?}");
    }
}

#[test]
fn an_indeterminate_result_replaces_the_process_with_a_fresh_client() {
    let words = ["--time-limit", "14", "--rate", "5", "--concurrency", "2"];
    let run = run(Script::Silent, false, &words);
    // Per thread, processes go p, p + 2, p + 4, …: Jepsen's new process id is old + concurrency.
    let invokes: Vec<u64> = run
        .history
        .iter()
        .filter(|op| op.kind == OpType::Invoke)
        .filter_map(|op| match op.process {
            Process::Client(p) => Some(p),
            Process::Nemesis => None,
        })
        .collect();
    for thread in 0..2u64 {
        let mine: Vec<u64> = invokes
            .iter()
            .copied()
            .filter(|p| p % 2 == thread)
            .collect();
        assert!(mine.len() >= 2, "thread {thread}: {invokes:?}");
        assert!(mine.windows(2).all(|w| w[1] == w[0] + 2), "{mine:?}");
    }
    // c0 is the setup client, c1 and c2 the first processes; every request comes from a
    // client name of its own whose msg_ids start at 1.
    let names: Vec<&str> = run.seen.iter().map(|(src, _, _)| src.as_str()).collect();
    assert!(names.iter().all(|n| *n != "c0"), "{names:?}");
    let distinct: std::collections::BTreeSet<&str> = names.iter().copied().collect();
    assert_eq!(
        distinct.len(),
        names.len(),
        "a retired client name was reused"
    );
    assert!(
        run.seen.iter().all(|(_, msg_id, _)| *msg_id == 1),
        "{:?}",
        run.seen
    );
}

#[test]
fn a_retired_process_timeout_does_not_end_its_replacement_operation() {
    // Process 0's first request is answered with `crash` at once: info, so process 1 takes
    // over and reuses msg_id 1. Process 0's timeout for msg_id 1 still fires 5 s after its
    // request, before process 1's own; it must not complete process 1's operation.
    let run = run(
        Script::CrashFirst,
        false,
        &["--time-limit", "2", "--rate", "10", "--concurrency", "1"],
    );
    let pairs = pairs(&run.history);
    let (first_invoke, first_done) = pairs[0];
    assert_eq!(
        (first_done.kind, first_done.process),
        (OpType::Info, Process::Client(0))
    );
    // Answered within the handoffs of the timing model, far inside the 5 s timeout.
    assert!(
        first_done.time - first_invoke.time < FIVE_S / 50,
        "{first_done:?}"
    );
    let (invoke, done) = pairs[1];
    assert_eq!(done.process, Process::Client(1));
    assert!(
        invoke.time > first_invoke.time,
        "the replacement starts later"
    );
    assert_eq!(done.time - invoke.time, FIVE_S, "{done:?}");
    assert_eq!(run.seen[1].1, 1, "the replacement's msg_ids start at 1");
}

/// An in-process node that answers `init` with a body of type `answer`, or not at all.
struct InitAnswering {
    answer: Option<&'static str>,
}

impl InProcess for InitAnswering {
    fn handle(&mut self, msg: Message, _now: Duration) -> Vec<Message> {
        self.answer
            .map(|kind| reply(&msg, Body::new(kind)))
            .into_iter()
            .collect()
    }

    fn tick(&mut self, _now: Duration) -> Vec<Message> {
        Vec::new()
    }

    fn tick_interval(&self) -> Option<Duration> {
        None
    }

    fn take_logs(&mut self) -> Vec<String> {
        Vec::new()
    }
}

#[test]
fn in_process_setup_is_judged_in_the_words_used_for_processes() {
    let cfg = SimConfig::new(Workload::Echo, TestOpts::default(), 1);
    for (answer, want) in [
        (
            None,
            "Expected node n0 to respond to an init message, but node did not respond while \
             handling it.",
        ),
        (
            Some("error"),
            "node n0 answered setup request 0 with an error: {\"type\":\"error\",\"in_reply_to\":1}",
        ),
        (
            Some("init_done"),
            "Expected an init_ok message, but node n0 responded with {\"type\":\"init_done\",\"in_reply_to\":1}",
        ),
    ] {
        let mut model = Reads { idempotent: true };
        let slots = vec![NodeSlot::InProcess(Box::new(InitAnswering { answer }))];
        let engine = Engine::new(&cfg, &mut model, slots, BTreeMap::new()).expect("engine");
        let err = engine.run().err().expect("setup fails");
        assert_eq!(err.to_string(), want);
        assert_eq!(crate::exit::code_of(&err), crate::exit::HARNESS);
    }
}
