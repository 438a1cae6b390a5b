//! The nemesis's faults in virtual time, watched from inside the nodes: a probe node answers
//! echo requests, sends every peer a numbered probe on each tick, and records everything that
//! happens to it (which start of the node it is, init, ticks, probes received with their send
//! time). The history says when each fault started and stopped; the probes say what the nodes
//! lived through meanwhile. Every fault replays exactly by seed, and adding a fault never moves
//! the partition schedule.

use glomers::challenge::{TestOpts, Workload};
use glomers::history::{Op, OpType, Process};
use glomers::node::{Ctx, Node};
use glomers::protocol::{Body, Message, RpcError};
use glomers::sim::{self, SimConfig, SimRun};
use serde_json::Value;
use std::cell::RefCell;
use std::collections::{BTreeMap, BTreeSet};
use std::rc::Rc;
use std::time::Duration;

/// Something that happened to one start of one node, at a virtual time (ns).
#[derive(Clone, Debug, PartialEq)]
enum Seen {
    Init,
    Tick,
    /// A probe from `src` with its sequence number and send time.
    Probe {
        src: String,
        seq: u64,
        sent: u64,
    },
}

/// (node, start, time, what): `start` counts the node's constructions (0 = the first).
type Log = Rc<RefCell<Vec<(String, usize, u64, Seen)>>>;

struct Probe {
    start: usize,
    log: Log,
    seq: u64,
}

fn nanos(d: Duration) -> u64 {
    d.as_nanos() as u64
}

impl Probe {
    fn note(&self, ctx: &Ctx, seen: Seen) {
        self.log
            .borrow_mut()
            .push((ctx.id.clone(), self.start, nanos(ctx.now), seen));
    }
}

impl Node for Probe {
    fn on_init(&mut self, ctx: &mut Ctx) {
        self.note(ctx, Seen::Init);
    }

    fn on_message(&mut self, msg: Message, ctx: &mut Ctx) -> Result<(), RpcError> {
        match msg.body.kind.as_str() {
            "echo" => {
                let echo: Value = msg.body.get("echo")?;
                ctx.reply(&msg, Body::new("echo_ok").with("echo", echo));
            }
            "probe" => {
                let seen = Seen::Probe {
                    src: msg.src.clone(),
                    seq: msg.body.get("seq")?,
                    sent: msg.body.get("sent")?,
                };
                self.note(ctx, seen);
            }
            _ => {}
        }
        Ok(())
    }

    fn on_tick(&mut self, ctx: &mut Ctx) {
        self.note(ctx, Seen::Tick);
        let peers: Vec<String> = ctx.peers().cloned().collect();
        for peer in peers {
            self.seq += 1;
            let body = Body::new("probe")
                .with("seq", self.seq)
                .with("sent", nanos(ctx.now));
            ctx.send(&peer, body);
        }
    }

    fn tick_interval(&self) -> Option<Duration> {
        Some(Duration::from_millis(50))
    }
}

struct Probed {
    run: SimRun,
    log: Vec<(String, usize, u64, Seen)>,
}

/// Three probe nodes under echo clients for 12 s, with `words` as options.
fn probed(words: &[&str], seed: u64) -> Probed {
    let mut all = vec!["--node-count", "3", "--time-limit", "12", "--rate", "20"];
    all.extend_from_slice(words);
    let opts = TestOpts::parse_args(&all).expect("valid options");
    let cfg = SimConfig::new(Workload::Echo, opts, seed);
    let log: Log = Rc::default();
    let mut starts: BTreeMap<usize, usize> = BTreeMap::new();
    let run = sim::run_with(&cfg, &mut |i| {
        let start = starts.entry(i).or_insert(0);
        let node = Probe {
            start: *start,
            log: log.clone(),
            seq: 0,
        };
        *start += 1;
        Ok(Box::new(node) as Box<dyn Node>)
    })
    .expect("simulated run");
    let log = log.borrow().clone();
    Probed { run, log }
}

/// The nemesis's completions: (time, f, value).
fn nemesis_ops(history: &[Op]) -> Vec<(u64, String, Value)> {
    history
        .iter()
        .filter(|op| op.process == Process::Nemesis && op.kind == OpType::Info)
        .map(|op| (op.time, op.f.clone(), op.value.clone()))
        .collect()
}

/// The windows during which a fault was on: (start time, stop time or the run's end, start
/// value), from the nemesis operations `start` and `stop`.
fn windows(run: &SimRun, start: &str, stop: &str) -> Vec<(u64, u64, Value)> {
    let end = nanos(run.outcome.end);
    let mut out = Vec::new();
    let mut open: Option<(u64, Value)> = None;
    for (time, f, value) in nemesis_ops(&run.outcome.history) {
        if f == start {
            open = Some((time, value));
        } else if f == stop {
            if let Some((from, value)) = open.take() {
                out.push((from, time, value));
            }
        }
    }
    out.extend(open.map(|(from, value)| (from, end, value)));
    assert!(!out.is_empty(), "no {start} in the run");
    out
}

fn nodes_of(value: &Value) -> Vec<String> {
    value
        .as_object()
        .map(|m| {
            m.iter()
                .filter(|(_, what)| *what != "down")
                .map(|(n, _)| n.clone())
                .collect()
        })
        .unwrap_or_default()
}

/// The probes node `dest` received: (src, seq, sent, received, start of dest).
fn probes(log: &[(String, usize, u64, Seen)], dest: &str) -> Vec<(String, u64, u64, u64, usize)> {
    log.iter()
        .filter(|(node, ..)| node == dest)
        .filter_map(|(_, start, at, seen)| match seen {
            Seen::Probe { src, seq, sent } => Some((src.clone(), *seq, *sent, *at, *start)),
            _ => None,
        })
        .collect()
}

#[test]
fn a_killed_node_hears_nothing_until_it_starts_afresh_and_is_initialised_again() {
    let p = probed(&["--nemesis", "kill", "--nemesis-interval", "2"], 3);
    let mut checked = 0;
    for (killed, started, value) in windows(&p.run, "kill", "start") {
        for node in nodes_of(&value) {
            let mine: Vec<_> = p.log.iter().filter(|(n, ..)| *n == node).collect();
            // Nothing at all happens to the node while it is down: no message, no tick.
            assert!(
                !mine
                    .iter()
                    .any(|(_, _, at, _)| *at > killed && *at < started),
                "{node} lived between its kill at {killed} and its start at {started}"
            );
            if started == nanos(p.run.outcome.end) {
                continue; // still down when the run ended
            }
            // A new start, whose first event is init, at the start operation.
            let after: Vec<_> = mine.iter().filter(|(_, _, at, _)| *at >= started).collect();
            let (_, start, at, seen) = after.first().expect("the node lives again");
            assert_eq!((*at, seen), (started, &Seen::Init), "{node}");
            assert!(*start > 0, "{node} was built afresh");
            // Nothing sent to it before it started again ever reaches the new start.
            for (src, _, sent, _, s) in probes(&p.log, &node) {
                if s == *start {
                    assert!(sent >= started, "{node} got a probe {src} sent at {sent}");
                }
            }
            checked += 1;
        }
    }
    assert!(checked > 0, "some node was killed and started again");
}

#[test]
fn a_paused_node_handles_nothing_until_it_resumes_then_gets_everything() {
    let p = probed(&["--nemesis", "pause", "--nemesis-interval", "2"], 4);
    let mut checked = 0;
    for (paused, resumed, value) in windows(&p.run, "pause", "resume") {
        for node in nodes_of(&value) {
            let mine: Vec<_> = p.log.iter().filter(|(n, ..)| *n == node).collect();
            assert!(
                !mine
                    .iter()
                    .any(|(_, _, at, _)| *at > paused && *at < resumed),
                "{node} lived while paused"
            );
            if resumed == nanos(p.run.outcome.end) || resumed - paused < 200_000_000 {
                continue;
            }
            // At its resume it gets what was sent meanwhile, and its timer fires.
            let at_resume: Vec<_> = mine.iter().filter(|(_, _, at, _)| *at == resumed).collect();
            assert!(at_resume.iter().any(|(.., seen)| *seen == Seen::Tick));
            let held = probes(&p.log, &node)
                .into_iter()
                .filter(|(_, _, sent, got, _)| *sent > paused && *sent < resumed && *got == resumed)
                .count();
            // Each tick of a node still up sent this one a probe.
            let sent_to_it = p
                .log
                .iter()
                .filter(|(n, _, at, seen)| {
                    *n != node && *seen == Seen::Tick && *at > paused && *at < resumed
                })
                .count();
            if sent_to_it > 5 {
                assert!(
                    held + 5 >= sent_to_it,
                    "{node} got {held} of the {sent_to_it} probes held for it at its resume"
                );
            }
            // It kept its state: the same start as before the pause.
            let starts: BTreeSet<usize> = mine.iter().map(|(_, s, ..)| *s).collect();
            assert_eq!(starts.len(), 1);
            checked += 1;
        }
    }
    assert!(checked > 0);
}

/// Probes sent while `on` holds, and how many of them each arrived.
fn arrivals(p: &Probed, on: impl Fn(u64) -> bool) -> Vec<usize> {
    let mut sent: BTreeMap<(String, String, u64), usize> = BTreeMap::new();
    // Every probe a node sent is numbered 1.. in send order, peers alternating; count the
    // received ones per (src, dest, seq).
    for dest in ["n0", "n1", "n2"] {
        for (src, seq, at, _, _) in probes(&p.log, dest) {
            if on(at) {
                *sent.entry((src, dest.to_string(), seq)).or_insert(0) += 1;
            }
        }
    }
    sent.into_values().collect()
}

/// Sent during a window, `margin` inside it, and 2 s before the run's end (so it had time
/// to arrive).
fn within<'w>(
    p: &Probed,
    windows: &'w [(u64, u64, Value)],
    margin: u64,
) -> impl Fn(u64) -> bool + 'w {
    let end = nanos(p.run.outcome.end);
    move |t| {
        t + 2_000_000_000 < end
            && windows
                .iter()
                .any(|(a, b, _)| t >= a + margin && t + margin < *b)
    }
}

/// Sent `margin` away from every window, and 2 s before the run's end.
fn outside<'w>(
    p: &Probed,
    windows: &'w [(u64, u64, Value)],
    margin: u64,
) -> impl Fn(u64) -> bool + 'w {
    let end = nanos(p.run.outcome.end);
    move |t| {
        t + 2_000_000_000 < end
            && windows
                .iter()
                .all(|(a, b, _)| t + margin < *a || t > b + margin)
    }
}

/// How many probes each node sent while `on` held: one per peer per tick.
fn sent_while(p: &Probed, on: impl Fn(u64) -> bool) -> usize {
    p.log
        .iter()
        .filter(|(_, _, at, seen)| *seen == Seen::Tick && on(*at))
        .count()
        * 2
}

#[test]
fn loss_drops_about_its_fraction_of_node_to_node_messages_while_on() {
    let p = probed(
        &[
            "--nemesis",
            "loss",
            "--nemesis-loss",
            "0.5",
            "--nemesis-interval",
            "2",
        ],
        5,
    );
    let w = windows(&p.run, "start-loss", "stop-loss");
    let got = arrivals(&p, within(&p, &w, 0)).len() as f64;
    let sent = sent_while(&p, within(&p, &w, 0)) as f64;
    let kept = got / sent;
    assert!((0.4..0.6).contains(&kept), "kept {got} of {sent}");
    let got = arrivals(&p, outside(&p, &w, 50_000_000)).len();
    assert_eq!(
        got,
        sent_while(&p, outside(&p, &w, 50_000_000)),
        "none lost when off"
    );
}

#[test]
fn duplicate_delivers_some_messages_twice_only_while_on() {
    let p = probed(
        &[
            "--nemesis",
            "duplicate",
            "--nemesis-duplicate",
            "0.3",
            "--nemesis-interval",
            "2",
        ],
        6,
    );
    let w = windows(&p.run, "start-duplicate", "stop-duplicate");
    let counts = arrivals(&p, within(&p, &w, 0));
    let twice = counts.iter().filter(|n| **n == 2).count() as f64;
    let share = twice / counts.len() as f64;
    assert!((0.2..0.4).contains(&share), "{twice} of {}", counts.len());
    assert!(counts.iter().all(|n| *n <= 2));
    assert!(arrivals(&p, outside(&p, &w, 50_000_000))
        .iter()
        .all(|n| *n == 1));
}

#[test]
fn delay_lets_messages_overtake_each_other_only_while_on() {
    let p = probed(
        &[
            "--nemesis",
            "delay",
            "--nemesis-delay",
            "300",
            "--nemesis-interval",
            "2",
        ],
        7,
    );
    let w = windows(&p.run, "start-delay", "stop-delay");
    // Per link, in arrival order: a probe numbered below one that arrived earlier overtook.
    let overtaken = |on: &dyn Fn(u64) -> bool| {
        let mut count = 0;
        for dest in ["n0", "n1", "n2"] {
            let mut last: BTreeMap<String, u64> = BTreeMap::new();
            for (src, seq, sent, _, _) in probes(&p.log, dest) {
                let before = last.entry(src).or_insert(0);
                if seq < *before && on(sent) {
                    count += 1;
                }
                *before = (*before).max(seq);
            }
        }
        count
    };
    assert!(overtaken(&within(&p, &w, 0)) > 10);
    assert_eq!(overtaken(&outside(&p, &w, 2_000_000_000)), 0);
    // Late is not lost: every probe sent while on arrived.
    let got = arrivals(&p, within(&p, &w, 0)).len();
    assert_eq!(got, sent_while(&p, within(&p, &w, 0)));
}

#[test]
fn a_oneway_partition_blocks_one_direction_only() {
    let p = probed(
        &["--nemesis", "partition-oneway", "--nemesis-interval", "2"],
        8,
    );
    let w = windows(&p.run, "start-partition-oneway", "stop-partition-oneway");
    let mut blocked_links = 0;
    for (from, to, value) in &w {
        let grudge = value["grudge"].as_object().expect("a grudge");
        for (deaf, ignored) in grudge {
            for src in ignored
                .as_array()
                .expect("nodes")
                .iter()
                .filter_map(Value::as_str)
            {
                let heard = |a: &str, b: &str| {
                    probes(&p.log, b)
                        .iter()
                        .filter(|(s, _, _, got, _)| s == a && *got > *from && *got < *to)
                        .count()
                };
                assert_eq!(heard(src, deaf), 0, "{deaf} heard {src}");
                if to - from > 500_000_000 {
                    assert!(heard(deaf, src) > 0, "{src} still hears {deaf}");
                    blocked_links += 1;
                }
            }
        }
    }
    assert!(blocked_links > 0);
}

#[test]
fn every_fault_replays_exactly_and_never_moves_the_partition_schedule() {
    let partition_ops = |p: &Probed| -> Vec<(u64, String, Value)> {
        nemesis_ops(&p.run.outcome.history)
            .into_iter()
            .filter(|(_, f, _)| f.ends_with("-partition"))
            .collect()
    };
    let alone = probed(&["--nemesis", "partition", "--nemesis-interval", "1"], 9);
    for fault in [
        "kill",
        "pause",
        "partition-oneway",
        "loss",
        "duplicate",
        "delay",
    ] {
        let set = format!("partition,{fault}");
        let words = ["--nemesis", set.as_str(), "--nemesis-interval", "1"];
        let once = probed(&words, 9);
        let again = probed(&words, 9);
        assert_eq!(
            once.run.outcome.history, again.run.outcome.history,
            "{fault}"
        );
        assert_eq!(once.log, again.log, "{fault}: the nodes lived the same run");
        assert_eq!(once.run.outcome.net, again.run.outcome.net, "{fault}");
        assert_eq!(partition_ops(&once), partition_ops(&alone), "{fault}");
        let other = probed(&words, 10);
        assert_ne!(once.log, other.log, "{fault}: another seed, another run");
    }
}
