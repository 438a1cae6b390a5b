//! Unit tests of the simulated network: head-of-line blocking, partitions checked when a
//! receiver takes a message, and zero-latency client links.

use super::*;
use crate::protocol::Body;
use rand::SeedableRng;

const MS: Nanos = MILLI;

fn msg(src: &str, dest: &str, kind: &str) -> Message {
    Message::new(src.to_string(), dest.to_string(), Body::new(kind))
}

/// Two nodes with a constant `latency_ms` between them.
fn network(latency_ms: u32) -> (Network, ChaCha8Rng) {
    let net = Network::with_timing(
        ["n0".to_string(), "n1".to_string()],
        latency_ms,
        LatencyDist::Constant,
        Timing::exact(),
    );
    (net, ChaCha8Rng::seed_from_u64(7))
}

fn polls(wakeup: Option<(Nanos, Wakeup)>) -> Option<(Nanos, String)> {
    match wakeup {
        Some((at, Wakeup::Poll(dest))) => Some((at, dest)),
        _ => None,
    }
}

#[test]
fn a_receiver_asleep_on_a_slow_message_holds_up_a_client_request() {
    let (mut net, mut rng) = network(100);
    // n1 → n0 at t=0 with 100 ms latency: n0's receiver takes it and sleeps until it is due.
    let first = net.send(0, msg("n1", "n0", "gossip"), &mut rng);
    assert_eq!(polls(first), Some((0, "n0".to_string())));
    let Take::SleepUntil(wake, slow) = net.take(0, "n0") else {
        panic!("a message due in 100 ms must put the receiver to sleep");
    };
    assert_eq!((wake, slow.body.kind.as_str()), (100 * MS, "gossip"));
    // A zero-latency client request at t=1 ms: nothing is scheduled, it waits behind.
    assert!(net.send(MS, msg("c3", "n0", "read"), &mut rng).is_none());
    assert!(net.next_poll(MS, "n0").is_none(), "the receiver is asleep");
    // At 100 ms the receiver wakes, delivers the slow message, and only then takes the request.
    net.wake("n0");
    assert_eq!(polls(net.next_poll(wake, "n0")), Some((wake, "n0".into())));
    match net.take(wake, "n0") {
        Take::Deliver(m) => assert_eq!(m.body.kind, "read"),
        other => panic!("expected the client request, got {other:?}"),
    }
    assert!(matches!(net.take(wake, "n0"), Take::Empty));
}

#[test]
fn an_idle_receiver_takes_a_client_request_at_once() {
    let (mut net, mut rng) = network(100);
    assert_eq!(
        polls(net.send(5 * MS, msg("c3", "n0", "read"), &mut rng)),
        Some((5 * MS, "n0".into()))
    );
    assert!(matches!(net.take(5 * MS, "n0"), Take::Deliver(_)));
}

#[test]
fn a_message_sent_before_a_partition_and_taken_during_it_is_dropped() {
    let (mut net, mut rng) = network(0);
    let _ = net.send(0, msg("n1", "n0", "gossip"), &mut rng);
    net.partition(Grudge::complete(&[vec!["n0".into()], vec!["n1".into()]]));
    assert!(matches!(net.take(0, "n0"), Take::Drop(m) if m.src == "n1"));
}

#[test]
fn a_message_sent_during_a_partition_and_taken_after_healing_is_delivered() {
    let (mut net, mut rng) = network(0);
    net.partition(Grudge::complete(&[vec!["n0".into()], vec!["n1".into()]]));
    let _ = net.send(0, msg("n1", "n0", "gossip"), &mut rng);
    assert!(net.heal());
    assert!(
        !net.heal(),
        "healing twice reports no partition the second time"
    );
    assert!(matches!(net.take(0, "n0"), Take::Deliver(m) if m.src == "n1"));
}

#[test]
fn a_partition_spares_the_links_it_does_not_name() {
    let (mut net, mut rng) = network(0);
    // Only n0 ignores n1; client traffic and n0 → n1 still flow.
    let mut grudge = Grudge::default();
    grudge.0.insert("n0".into(), ["n1".to_string()].into());
    net.partition(grudge);
    let _ = net.send(0, msg("c1", "n0", "read"), &mut rng);
    let _ = net.send(0, msg("n0", "n1", "gossip"), &mut rng);
    assert!(matches!(net.take(0, "n0"), Take::Deliver(_)));
    assert!(matches!(net.take(0, "n1"), Take::Deliver(_)));
}

#[test]
fn messages_to_clients_go_straight_to_them_without_latency() {
    let (mut net, mut rng) = network(100);
    match net.send(3 * MS, msg("n0", "c1", "read_ok"), &mut rng) {
        Some((at, Wakeup::Deliver(m))) => assert_eq!((at, m.dest.as_str()), (3 * MS, "c1")),
        other => panic!("expected a straight delivery, got {other:?}"),
    }
}

#[test]
fn the_receiver_wakes_up_to_a_millisecond_early_as_maelstrom_does() {
    // Uniform latency around 10 ms gives deadlines off the millisecond grid.
    let mut net = Network::with_timing(
        ["n0".to_string()],
        10,
        LatencyDist::Uniform,
        Timing::exact(),
    );
    let mut rng = ChaCha8Rng::seed_from_u64(3);
    for round in 0..50u64 {
        let now = round * 1_000 * MS;
        let _ = net.send(now, msg("n1", "n0", "gossip"), &mut rng);
        match net.take(now, "n0") {
            Take::SleepUntil(wake, _) => assert_eq!((wake - now) % MS, 0),
            Take::Deliver(_) => {}
            other => panic!("unexpected {other:?}"),
        }
        net.wake("n0");
    }
}

#[test]
fn counts_follow_maelstrom_client_and_server_classes() {
    let (mut net, mut rng) = network(0);
    let to_node = msg("c1", "n0", "read");
    let _ = net.send(0, to_node.clone(), &mut rng);
    net.received(&to_node);
    let _ = net.send(0, msg("n0", "n1", "gossip"), &mut rng);
    net.exchanged("c0", "n1");
    let stats = net.stats();
    assert_eq!(stats.clients.send_count, 2);
    assert_eq!(stats.clients.recv_count, 2);
    assert_eq!(stats.servers.send_count, 1);
    assert_eq!(stats.servers.recv_count, 0);
    assert_eq!(stats.all.msg_count, 3);
}

/// A receiver with a backlog keeps pace: 200 messages all due at once reach n0 in about 200
/// writes (0.03 ms each), not 200 wake-ups, so a busy node's receiver is never the bottleneck
/// it would be if every message paid a parked thread's wake-up.
#[test]
fn a_receiver_with_a_backlog_pays_the_write_alone() {
    let mut net = Network::with_timing(
        ["n0".to_string(), "n1".to_string()],
        0,
        LatencyDist::Constant,
        Timing::external(),
    );
    let mut rng = ChaCha8Rng::seed_from_u64(3);
    for _ in 0..200 {
        net.send(0, msg("n1", "n0", "gossip"), &mut rng);
    }
    let mut now = 0;
    let mut delivered = 0;
    loop {
        match net.take(now, "n0") {
            Take::Empty => break,
            Take::Drop(_) => unreachable!("no partition"),
            Take::Deliver(_) => delivered += 1,
            Take::SleepUntil(at, _) => {
                now = at;
                net.wake("n0");
                delivered += 1;
            }
        }
    }
    assert_eq!(delivered, 200);
    // The first take may wake a parked thread (about a millisecond, a few with a spike); every
    // later one finds its message already due and pays the write (0.02 ms) and its share of
    // the cores while the network path is still being compiled: less than the 0.4 ms floor of
    // the cold handoff a thread that parked again would pay.
    assert!(now < 200 * 400_000, "200 messages took {} ms", now / MS);
    assert!(now >= 199 * 20_000, "{now}");
}
