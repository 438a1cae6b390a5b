//! Unit tests of the client threads: request timeouts, late replies, process replacement and
//! the final-phase queue.

use super::*;
use crate::sim::clock::SECOND;

fn clients(concurrency: usize) -> Clients {
    let mut clients = Clients::new(Duration::from_secs(5));
    let nodes: Vec<String> = (0..2).map(|i| format!("n{i}")).collect();
    clients.open(concurrency, &nodes);
    clients
}

fn reply_to(request: &Message) -> Message {
    let mut body = Body::new("read_ok");
    body.in_reply_to = request.body.msg_id;
    Message::new(request.dest.clone(), request.src.clone(), body)
}

#[test]
fn threads_talk_to_nodes_round_robin_with_their_own_names() {
    let clients = clients(3);
    let nodes: Vec<&str> = (0..3).map(|t| clients.info(t).node.as_str()).collect();
    assert_eq!(nodes, ["n0", "n1", "n0"]);
    assert_eq!(clients.thread_named("c2"), Some(2));
    assert_eq!(clients.free(), [0, 1, 2]);
}

#[test]
fn an_unanswered_request_times_out_after_5_s_as_info_or_as_fail_when_idempotent() {
    let mut clients = clients(2);
    clients.begin(0, Invocation::new("add", serde_json::json!(3)));
    let (msg, at, timeout) = clients.request(0, None, Body::new("add"), 2 * SECOND);
    assert_eq!((msg.src.as_str(), msg.dest.as_str()), ("c0", "n0"));
    assert_eq!(at, 7 * SECOND);
    let not_idempotent = clients.expire(timeout, |_| false).expect("still pending");
    assert_eq!(not_idempotent.kind, OpType::Info);
    assert_eq!(not_idempotent.value, serde_json::json!(3));
    assert_eq!(
        not_idempotent.error,
        Some(serde_json::json!(["net-timeout"]))
    );
    let idempotent = clients
        .expire(timeout, |f| f == "add")
        .expect("still pending");
    assert_eq!(idempotent.kind, OpType::Fail);
}

#[test]
fn a_timeout_for_an_answered_request_does_nothing() {
    let mut clients = clients(1);
    clients.begin(0, Invocation::new("read", Value::Null));
    let (first, _, first_timeout) = clients.request(0, None, Body::new("read"), 0);
    assert!(clients.accept_reply(0, &reply_to(&first)).is_some());
    // The operation sends a second request; the first one's timeout must not end it.
    let (_, _, second_timeout) = clients.request(0, None, Body::new("read"), SECOND);
    assert!(clients.expire(first_timeout, |_| false).is_none());
    assert!(clients.expire(second_timeout, |_| false).is_some());
}

#[test]
fn a_late_reply_to_a_timed_out_request_is_ignored() {
    let mut clients = clients(1);
    clients.begin(0, Invocation::new("read", Value::Null));
    let (request, _, timeout) = clients.request(0, None, Body::new("read"), 0);
    assert!(clients.expire(timeout, |_| true).is_some());
    assert!(clients.finish(0).is_some());
    // The same thread starts another operation; the old reply arrives now.
    clients.begin(0, Invocation::new("read", Value::Null));
    let (next, _, _) = clients.request(0, None, Body::new("read"), 6 * SECOND);
    assert!(clients.accept_reply(0, &reply_to(&request)).is_none());
    assert!(clients.accept_reply(0, &reply_to(&next)).is_some());
}

#[test]
fn a_replaced_process_gets_a_new_id_a_fresh_name_and_msg_ids_from_1() {
    let mut clients = clients(3);
    clients.begin(1, Invocation::new("add", serde_json::json!(1)));
    let (_, _, _) = clients.request(1, None, Body::new("add"), 0);
    let (old_request, _, old_timeout) = clients.request(1, None, Body::new("add"), 0);
    assert_eq!(old_request.body.msg_id, Some(2));
    assert!(clients.finish(1).is_some());
    let info = clients.replace_process(1);
    assert_eq!(
        (info.thread, info.process, info.node.as_str()),
        (1, 4, "n1")
    );
    // c0..c2 were the first processes' names; the replacement is the next unused one.
    assert_eq!(clients.thread_named("c3"), Some(1));
    assert_eq!(clients.thread_named("c1"), None);
    clients.begin(1, Invocation::new("add", serde_json::json!(2)));
    let (request, _, timeout) = clients.request(1, None, Body::new("add"), SECOND);
    assert_eq!((request.src.as_str(), request.body.msg_id), ("c3", Some(1)));
    // The old process's timeout names msg_id 2 of process 1: it must not touch process 4,
    // even once process 4 has reached msg_id 2.
    let (second, _, _) = clients.request(1, None, Body::new("add"), SECOND);
    assert_eq!(second.body.msg_id, Some(old_timeout.msg_id));
    assert!(clients.expire(old_timeout, |_| false).is_none());
    assert_eq!(timeout.process, 4);
    // A reply to the retired client's name is not for the new process either.
    assert!(clients.accept_reply(1, &reply_to(&old_request)).is_none());
    assert!(clients.accept_reply(1, &reply_to(&second)).is_some());
}

#[test]
fn a_delayed_final_operation_waits_until_it_is_due() {
    let mut clients = clients(1);
    clients.set_final_ops(0, vec![Invocation::new("read", Value::Null)]);
    assert!(clients.has_final_ops(0));
    assert!(clients.next_final_op(0, 0).is_some());
    clients.push_final_op(0, Invocation::new("poll", Value::Null), Some(3 * SECOND));
    assert!(clients.next_final_op(0, 2 * SECOND).is_none());
    assert!(!clients.all_final_ops_done());
    assert!(clients.next_final_op(0, 3 * SECOND).is_some());
    assert!(clients.all_final_ops_done());
}

#[test]
fn operations_go_round_the_threads_as_jepsen_hands_them_out() {
    // Each operation finishes before the next: the real 3b history's pattern with 5 clients,
    // where the nemesis thread's turn falls through to thread 0.
    let mut clients = clients(5);
    let mut order = Vec::new();
    for _ in 0..12 {
        let thread = clients.next_free().expect("all free");
        order.push(thread);
        clients.begin(thread, Invocation::new("read", Value::Null));
        clients.finish(thread);
    }
    assert_eq!(order, [0, 1, 2, 3, 4, 0, 0, 1, 2, 3, 4, 0]);
}

#[test]
fn a_busy_thread_is_skipped_and_the_nemesis_takes_a_turn() {
    let mut clients = clients(3);
    clients.begin(0, Invocation::new("read", Value::Null));
    // Thread 0 is busy: the next free one at or after the rotation (now 1) takes it.
    assert_eq!(clients.next_free(), Some(1));
    clients.begin(1, Invocation::new("read", Value::Null));
    clients.rotate(); // a nemesis operation
                      // The rotation is at 3, the nemesis's own index: it falls through to the first free one.
    assert_eq!(clients.next_free(), Some(2));
    clients.begin(2, Invocation::new("read", Value::Null));
    assert_eq!(clients.next_free(), None);
}
