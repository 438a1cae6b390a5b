//! The live engine's rules, each run on a virtual clock with scripted processes, so a 10 s
//! deadline takes milliseconds: setup over the network and its deadline, answers judged in
//! Maelstrom's words, a line that deafens its node, a node that exits, a reply later than the
//! client's timeout, a stop request, the watch's phases, kills and pauses of processes, and an
//! engine that falls behind its clock.

mod scripted;

use super::Live;
use crate::challenge::Phase;
use crate::challenge::Workload;
use crate::history::{Op, OpType};
use crate::protocol::{Body, Message};
use crate::sim::clock::{Nanos, MILLI, SECOND};
use crate::sim::external::Said;
use scripted::{answer, crash_report, line, reply, run, Ran, Script};

/// Never asks to stop.
fn unwatched(_: Phase, _: Nanos) -> Option<anyhow::Error> {
    None
}

/// Echo at 20 operations a second under `words`, with one node scripted by `node`.
fn echo(words: &[&str], node: impl FnMut(usize, u32) -> Script + 'static) -> Ran {
    let mut all = vec!["--node-count", "1", "--rate", "20"];
    all.extend_from_slice(words);
    run(Workload::Echo, &all, unwatched, node)
}

/// How many operations completed ok.
fn oks(history: &[Op]) -> usize {
    history.iter().filter(|op| op.kind == OpType::Ok).count()
}

#[test]
fn a_run_of_processes_sets_up_over_the_network_then_runs_its_time_in_virtual_time() {
    let started = std::time::Instant::now();
    let ran = echo(&["--time-limit", "30"], |_, _| Script::answering(MILLI));
    let outcome = ran.outcome();
    assert!(oks(&outcome.history) > 100, "{:?}", outcome.history.len());
    assert!(outcome.problems.is_empty(), "{:?}", outcome.problems);
    assert_eq!(ran.phases, [Phase::Setup, Phase::Clients]);
    // Init went from the node's own setup client, at once and before any operation.
    let init = ran.first("n0 got init from c0").expect("init was sent");
    let first_op = ran
        .trace
        .iter()
        .find(|(_, line)| line.starts_with("n0 got echo"))
        .map(|(at, _)| *at);
    assert!(
        init < 10 * MILLI && first_op > Some(init),
        "{:?}",
        ran.trace
    );
    assert!(ran.ended_at >= 30 * SECOND, "{}", ran.ended_at);
    assert!(
        started.elapsed() < std::time::Duration::from_secs(10),
        "30 s of a run took {:?}",
        started.elapsed()
    );
}

#[test]
fn a_node_that_never_answers_init_fails_setup_at_10_s() {
    let ran = echo(&[], |_, _| Script::silent());
    let err = ran.error();
    assert_eq!(
        err,
        "Expected node n0 to respond to an init message, but node did not respond within 10 s."
    );
    assert_eq!(ran.ended_at, 10 * SECOND);
    assert_eq!(ran.phases, [Phase::Setup]);
    if let Err(err) = &ran.outcome {
        assert_eq!(crate::exit::code_of(err), crate::exit::HARNESS);
    }
}

#[test]
fn init_answered_within_10_s_is_in_time_and_the_test_starts_then() {
    let ran = echo(&["--time-limit", "2"], |_, _| {
        Script::answering_with(|msg| {
            let delay = if msg.body.kind == "init" {
                9_900 * MILLI
            } else {
                MILLI
            };
            Some((delay, answer(msg)))
        })
    });
    let outcome = ran.outcome();
    assert!(oks(&outcome.history) > 10);
    // History times count from the main phase, which began as init was answered.
    assert!(
        ran.ended_at >= 9_900 * MILLI + 2 * SECOND,
        "{}",
        ran.ended_at
    );
    assert!(
        outcome.end < std::time::Duration::from_secs(3),
        "{:?}",
        outcome.end
    );
}

#[test]
fn a_setup_request_left_unanswered_fails_at_10_s_with_its_number() {
    let ran = run(
        Workload::Broadcast,
        &["--node-count", "1"],
        unwatched,
        |_, _| {
            Script::answering_with(|msg| (msg.body.kind == "init").then(|| (MILLI, answer(msg))))
        },
    );
    assert_eq!(
        ran.error(),
        "Expected node n0 to respond to setup request 1, but node did not respond within 10 s."
    );
    assert!(
        ran.ended_at > 10 * SECOND && ran.ended_at < 10 * SECOND + 100 * MILLI,
        "{}",
        ran.ended_at
    );
}

#[test]
fn setup_answers_are_judged_in_maelstroms_words() {
    let cases: [(&str, &str, &str); 3] = [
        (
            "init",
            "error",
            "node n0 answered setup request 0 with an error: {\"type\":\"error\"",
        ),
        (
            "init",
            "init_done",
            "Expected an init_ok message, but node n0 responded with {\"type\":\"init_done\"",
        ),
        (
            "topology",
            "topology_done",
            "node n0 answered setup request 1 badly:",
        ),
    ];
    for (request, wrong, want) in cases {
        let ran = run(
            Workload::Broadcast,
            &["--node-count", "1"],
            unwatched,
            move |_, _| {
                Script::answering_with(move |msg| {
                    let body = match msg.body.kind == request {
                        true => Body::new(wrong),
                        false => answer(msg),
                    };
                    Some((MILLI, body))
                })
            },
        );
        let err = ran.error();
        assert!(err.starts_with(want), "{request} answered {wrong}: {err}");
    }
}

/// Echo with n0 printing `said` at 2 s and answering everything it is sent.
fn echo_printing_at_2_s(said: impl FnOnce() -> Said + 'static) -> Ran {
    let mut said = Some(said);
    echo(&["--time-limit", "6"], move |_, _| {
        let script = Script::answering(MILLI);
        match said.take() {
            Some(said) => script.printing(2 * SECOND, said()),
            None => script,
        }
    })
}

/// Nothing n0 answered after it went deaf was heard: every operation invoked after 2 s (from
/// the main phase) fails or is left indefinite, and the run notes `why`.
fn assert_deaf_from_2_s(ran: &Ran, why: &str) {
    let outcome = ran.outcome();
    let pairs = crate::sim::engine::tests::pairs(&outcome.history);
    let heard = |(invoke, done): &(&Op, &Op)| invoke.time > 2 * SECOND && done.kind == OpType::Ok;
    assert!(!pairs.iter().any(heard), "{:?}", outcome.history);
    assert!(oks(&outcome.history) > 10, "answered before it went deaf");
    let note = outcome.problems.join("\n");
    assert!(note.contains(why), "{note}");
    assert!(
        note.contains("(As Maelstrom does, nothing more from n0 was read.)"),
        "{note}"
    );
}

#[test]
fn a_line_that_is_not_a_message_deafens_its_node() {
    let ran = echo_printing_at_2_s(|| Said::Line(Err("Node n0 printed junk".into())));
    assert_deaf_from_2_s(&ran, "Node n0 printed junk");
}

#[test]
fn an_oversized_line_deafens_its_node() {
    let ran = echo_printing_at_2_s(|| Said::Oversized(9 << 20));
    let why = format!("Node n0 printed a line of {} bytes to STDOUT", 9 << 20);
    assert_deaf_from_2_s(&ran, &why);
}

#[test]
fn a_message_to_no_such_node_deafens_its_node() {
    let stray = || line(Message::new("n0", "n9", Body::new("gossip")));
    let ran = echo_printing_at_2_s(stray);
    assert_deaf_from_2_s(&ran, "Node n0 sent a message with an invalid dest \"n9\"");
}

#[test]
fn a_node_that_closes_its_stdout_but_runs_on_is_deafened() {
    let ran = echo_printing_at_2_s(|| Said::Closed);
    assert_deaf_from_2_s(&ran, "Node n0 closed its STDOUT but kept running");
}

#[test]
fn a_node_that_exits_ends_the_run_at_once_with_its_report() {
    let ran = echo(&["--time-limit", "10"], |_, _| {
        Script::answering(MILLI)
            .printing(3 * SECOND, Said::Closed)
            .exiting(3 * SECOND)
    });
    assert_eq!(ran.error(), crash_report("n0"));
    assert_eq!(ran.ended_at, 3 * SECOND);
    assert!(
        ran.first("n0 stopped (start 0)").is_some(),
        "{:?}",
        ran.trace
    );
}

#[test]
fn a_deaf_node_that_exits_is_noticed_without_its_stdout() {
    // Its output is no longer read, so its end cannot be heard: its process is asked, when the
    // engine next runs an event (here the clients' timeouts, 5 s after their requests, since
    // every client waits on the deaf node), and the run ends before its time limit.
    let ran = echo(&["--time-limit", "10"], |_, _| {
        Script::answering(MILLI)
            .printing(SECOND, Said::Line(Err("junk".into())))
            .exiting(3 * SECOND)
    });
    assert_eq!(ran.error(), crash_report("n0"));
    assert!(
        ran.ended_at >= 3 * SECOND && ran.ended_at < 7 * SECOND,
        "{}",
        ran.ended_at
    );
}

#[test]
fn a_reply_later_than_the_clients_timeout_is_too_late() {
    for (delay, in_time) in [(4_500 * MILLI, true), (6 * SECOND, false)] {
        let ran = echo(
            &["--time-limit", "12", "--concurrency", "1"],
            move |_, _| {
                Script::answering_with(move |msg| {
                    let wait = if msg.body.kind == "init" {
                        MILLI
                    } else {
                        delay
                    };
                    Some((wait, answer(msg)))
                })
            },
        );
        let outcome = ran.outcome();
        let pairs = crate::sim::engine::tests::pairs(&outcome.history);
        assert!(pairs.len() >= 2, "{:?}", outcome.history);
        for (invoke, done) in pairs {
            let took = done.time - invoke.time;
            if in_time {
                assert_eq!(done.kind, OpType::Ok, "{done:?}");
                assert!((delay..delay + 50 * MILLI).contains(&took), "{took}");
            } else {
                assert_ne!(done.kind, OpType::Ok, "{done:?}");
                assert_eq!(took, 5 * SECOND, "{done:?}");
            }
        }
    }
}

#[test]
fn a_stop_request_ends_the_run_and_stops_every_node() {
    let watch = |phase: Phase, now: Nanos| {
        (phase == Phase::Clients && now >= 3 * SECOND)
            .then(|| anyhow::anyhow!("the run was stopped"))
    };
    let ran = run(
        Workload::Echo,
        &["--node-count", "3", "--time-limit", "20"],
        watch,
        |_, _| Script::answering(MILLI),
    );
    assert_eq!(ran.error(), "the run was stopped");
    assert!(
        ran.ended_at >= 3 * SECOND && ran.ended_at < 3 * SECOND + 100 * MILLI,
        "{}",
        ran.ended_at
    );
    for id in ["n0", "n1", "n2"] {
        let stopped = format!("{id} stopped (start 0)");
        assert!(ran.first(&stopped).is_some(), "{id}: {:?}", ran.trace);
    }
}

#[test]
fn the_watch_is_told_every_phase_in_order() {
    let ran = run(
        Workload::Broadcast,
        &["--node-count", "2", "--time-limit", "2"],
        unwatched,
        |_, _| Script::answering(MILLI),
    );
    ran.outcome();
    assert_eq!(ran.phases, [Phase::Setup, Phase::Clients, Phase::Recovery]);
}

/// Echo for `secs` under the nemesis's `fault` every `every` seconds or so, each node's starts
/// scripted by `script`.
fn echo_under(
    fault: &str,
    secs: &str,
    every: &str,
    script: impl FnMut(usize, u32) -> Script + 'static,
) -> Ran {
    let words = [
        "--node-count",
        "3",
        "--rate",
        "50",
        "--time-limit",
        secs,
        "--nemesis",
        fault,
        "--nemesis-interval",
        every,
    ];
    run(Workload::Echo, &words, unwatched, script)
}

#[test]
fn a_killed_process_is_stopped_and_a_fresh_one_gets_init_from_a_fresh_client() {
    let ran = echo_under("kill", "8", "1", |_, _| {
        Script::answering(MILLI).with_last_words()
    });
    let outcome = ran.outcome();
    let killed = ran
        .trace
        .iter()
        .find(|(_, line)| line.ends_with("SIGKILL"))
        .map(|(at, line)| (*at, line[..2].to_string()))
        .expect("a node was killed");
    let (at, id) = killed;
    let stopped = ran
        .first(&format!("{id} stopped (start 0)"))
        .expect("stopped");
    let restarted = ran
        .first(&format!("{id} started (start 1)"))
        .expect("restarted");
    assert!(at <= stopped && stopped <= restarted, "{:?}", ran.trace);
    // The fresh process gets init, from a client no one used before.
    let init = ran
        .trace
        .iter()
        .find(|(when, line)| *when >= restarted && line.starts_with(&format!("{id} got init")))
        .expect("init again");
    assert!(
        !init.1.ends_with(" c0") && !init.1.ends_with(" c1"),
        "{init:?}"
    );
    // What the killed process printed as it died was never heard.
    assert!(
        outcome.problems.iter().all(|p| !p.contains("last words")),
        "{:?}",
        outcome.problems
    );
}

#[test]
fn a_restarted_process_that_never_answers_init_fails_10_s_after_its_start() {
    // Kills and starts come seconds apart, so a restart is not killed again before its deadline.
    let ran = echo_under("kill", "40", "15", |_, start| match start {
        0 => Script::answering(MILLI),
        _ => Script::silent(),
    });
    let err = ran.error();
    let id = err
        .strip_prefix("Expected node ")
        .and_then(|rest| rest.split(' ').next())
        .unwrap_or_default()
        .to_string();
    let within = " to respond to an init message, but node did not respond within 10 s.";
    assert_eq!(err, format!("Expected node {id}{within}"));
    // The deadline that ended the run is one of that node's restarts' own.
    let own = ran.trace.iter().any(|(at, line)| {
        line.starts_with(&format!("{id} started (start "))
            && !line.ends_with("(start 0)")
            && (*at + 10 * SECOND..*at + 10 * SECOND + 100 * MILLI).contains(&ran.ended_at)
    });
    assert!(own, "ended at {}: {:?}", ran.ended_at, ran.trace);
}

#[test]
fn a_process_killed_before_it_answered_init_is_not_held_to_it() {
    // Restarts answer init only after 9.5 s, and the nemesis kills or starts nodes every
    // second or so: some are killed again before they answer, and their setup's deadline
    // must not end the run while they are down.
    let ran = echo_under("kill", "20", "1", |_, start| match start {
        0 => Script::answering(MILLI),
        _ => Script::answering_with(|msg| {
            let wait = if msg.body.kind == "init" {
                9_500 * MILLI
            } else {
                MILLI
            };
            Some((wait, answer(msg)))
        }),
    });
    let mut started = std::collections::BTreeMap::new();
    let mut killed_in_setup = 0;
    for (at, line) in &ran.trace {
        let id = &line[..2];
        if line.contains("started (start ") && !line.ends_with("(start 0)") {
            started.insert(id.to_string(), *at);
        } else if line.ends_with("SIGKILL") {
            let waiting = started.remove(id).is_some_and(|t| *at < t + 9_500 * MILLI);
            killed_in_setup += usize::from(waiting);
        }
    }
    assert!(killed_in_setup > 0, "{:?}", ran.trace);
    ran.outcome();
    assert!(ran.ended_at > 20 * SECOND, "{}", ran.ended_at);
}

#[test]
fn a_paused_process_is_stopped_and_continued_and_is_written_to_meanwhile() {
    let ran = echo_under("pause", "8", "1", |_, _| Script::answering(MILLI));
    ran.outcome();
    let (paused_at, line) = ran
        .trace
        .iter()
        .find(|(_, line)| line.ends_with("SIGSTOP"))
        .cloned()
        .expect("a node was paused");
    let id = &line[..2];
    let resumed_at = ran
        .trace
        .iter()
        .find(|(at, line)| *at >= paused_at && *line == format!("{id} SIGCONT"))
        .map(|(at, _)| *at)
        .expect("and resumed");
    // What reached it meanwhile went to its pipe at once, not held by the engine.
    let written = ran.trace.iter().any(|(at, line)| {
        (paused_at..resumed_at).contains(at) && line.starts_with(&format!("{id} got echo"))
    });
    assert!(written, "{:?}", ran.trace);
}

#[test]
fn an_engine_that_falls_behind_its_clock_says_so() {
    // Time runs on for 250 ms while the engine writes n0 its first request, as on a busy
    // machine: the events due meanwhile run late, and the run's notes say how late.
    let stalled = std::rc::Rc::new(std::cell::Cell::new(false));
    let ran = echo(&["--time-limit", "3"], move |_, _| {
        let stalled = stalled.clone();
        Script {
            answer: Box::new(move |msg, printer| {
                if msg.body.kind == "echo" && !stalled.replace(true) {
                    printer.stall(250 * MILLI);
                }
                vec![(MILLI, line(reply(msg, answer(msg))))]
            }),
            ..Script::silent()
        }
    });
    let notes = ran.outcome().problems.join("\n");
    assert!(notes.contains("an event ran 2"), "{notes}");
}

#[test]
fn the_note_on_falling_behind_comes_past_100_ms() {
    let live = || {
        let printer = crate::sim::external::virtual_clock::Printer::default();
        let clock =
            crate::sim::external::virtual_clock::VirtualClock::new(&printer, Box::new(|_| None));
        Live::new(Box::new(clock), 2)
    };
    let mut late = live();
    late.worst_lag = 250 * MILLI;
    let notes = late.into_problems();
    assert!(
        notes
            .iter()
            .any(|n| n.contains("an event ran 250 ms after")),
        "{notes:?}"
    );
    let mut on_time = live();
    on_time.worst_lag = 3 * MILLI;
    assert!(on_time.into_problems().is_empty());
}
