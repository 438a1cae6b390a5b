//! Unit tests of the timing model: the handoff distribution's quantiles, the warm-up under load
//! and at rest, hot versus cold, the engine-specific parts, and replay from a seed.

use super::*;

fn quantile(mut xs: Vec<f64>, q: f64) -> f64 {
    xs.sort_by(f64::total_cmp);
    xs[((xs.len() - 1) as f64 * q).round() as usize]
}

/// Node `n`'s receive thread.
fn receive(n: u32) -> Thread {
    Thread::Receive(Endpoint(n))
}

/// A client's thread, numbered apart from the nodes.
const C1: Thread = Thread::Client(Endpoint(1001));

fn draws(handoff: Handoff, n: usize, seed: u64) -> Vec<f64> {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    (0..n).map(|_| handoff.draw(&mut rng)).collect()
}

#[test]
fn a_hot_handoff_has_a_sub_millisecond_body_and_a_rare_tail_of_milliseconds() {
    let hot = HarnessCosts::maelstrom().hot;
    let xs = draws(hot, 200_000, 1);
    // floor + Exp(spread): median floor + spread·ln 2.
    let median = quantile(xs.clone(), 0.5);
    let expected = hot.floor_ms + hot.spread_ms * std::f64::consts::LN_2;
    assert!(
        (median - expected).abs() < 0.01,
        "median {median} vs {expected}"
    );
    assert!(xs.iter().all(|&x| x >= hot.floor_ms));
    // The spike component: a fraction spike_p of draws, mean spike_ms on top.
    let over_2ms = xs.iter().filter(|&&x| x > 2.0).count() as f64 / xs.len() as f64;
    let expected_over = hot.spike_p * (-(2.0 - hot.floor_ms) / hot.spike_ms).exp();
    assert!(
        (over_2ms - expected_over).abs() < expected_over * 0.25,
        "P(>2 ms) {over_2ms} vs {expected_over}"
    );
}

/// Mean harness delay (ms) of handoffs every `gap` from 0 to `until`, in windows of `window`.
fn mean_delay_by_window(gap: Nanos, until: Nanos, window: Nanos) -> Vec<f64> {
    let mut clock = Clock::new(Timing::external());
    clock.seed(&mut ChaCha8Rng::seed_from_u64(7));
    let mut sums = vec![(0.0, 0u32); (until / window) as usize];
    let mut t = 0;
    while t < until {
        // Replies to a client: the handoffs that wait for the compiler threads.
        let ms = clock.harness(C1, "read_ok", true, t) as f64 / MILLI as f64;
        let w = &mut sums[(t / window) as usize];
        *w = (w.0 + ms, w.1 + 1);
        t += gap;
    }
    sums.iter().map(|(s, n)| s / f64::from(*n)).collect()
}

#[test]
fn the_jvm_warms_up_with_load_not_with_the_clock() {
    // 2500 handoffs a second (800 ops/s): the compile backlog holds the cores at first.
    let busy = mean_delay_by_window(400_000, 8 * SECOND, SECOND);
    assert!(busy[0] > 2.0, "first second under load: {busy:?}");
    assert!(
        busy[0] > 3.0 * busy[7],
        "warm by the eighth second: {busy:?}"
    );
    assert!(busy[7] < 0.5, "warm handoffs are sub-millisecond: {busy:?}");
    // 5 handoffs a second: each handoff's compile work is done before the next, and only the
    // first reply pays (the first use of its type).
    let idle = mean_delay_by_window(200 * MILLI, 8 * SECOND, SECOND);
    assert!(idle[1..].iter().all(|&ms| ms < 3.0), "light load: {idle:?}");
    assert!(idle[0] > 2.0, "first use: {idle:?}");
}

#[test]
fn a_parked_thread_hands_over_cold() {
    let mut clock = Clock::new(Timing::external());
    clock.seed(&mut ChaCha8Rng::seed_from_u64(3));
    let h = HarnessCosts::maelstrom();
    let t0 = 30 * SECOND; // past the warm-up
    let first = clock.harness(receive(0), "read", false, t0);
    assert!(first as f64 >= h.cold.floor_ms * MILLI as f64, "{first}");
    // Straight after, the network is hot: never below the hot floor, and below the cold floor
    // unless a spike hit (seeded: it does not here).
    let next = clock.harness(receive(0), "read", false, t0 + MILLI);
    assert!(next >= (h.hot.floor_ms * MILLI as f64) as Nanos);
    assert!((next as f64) < h.cold.floor_ms * MILLI as f64, "{next}");
}

#[test]
fn each_engine_gets_its_own_parts() {
    let mut exact = Clock::new(Timing::exact());
    exact.seed(&mut ChaCha8Rng::seed_from_u64(1));
    assert_eq!(
        (
            exact.harness(receive(0), "read", false, SECOND),
            exact.node(SECOND)
        ),
        (0, 0)
    );
    let mut external = Clock::new(Timing::external());
    external.seed(&mut ChaCha8Rng::seed_from_u64(1));
    assert_eq!(
        external.node(SECOND),
        0,
        "a real process pays its own pipes"
    );
    assert!(external.harness(receive(0), "read", false, SECOND) > 0);
    let mut in_process = Clock::new(Timing::in_process());
    in_process.seed(&mut ChaCha8Rng::seed_from_u64(1));
    assert!(
        in_process.node(SECOND) > 0 && in_process.harness(receive(0), "read", false, SECOND) > 0
    );
}

#[test]
fn the_model_replays_from_its_seed_and_differs_between_seeds() {
    let run = |seed: u64| {
        let mut clock = Clock::new(Timing::in_process());
        clock.seed(&mut ChaCha8Rng::seed_from_u64(seed));
        (0..1000u64)
            .map(|i| {
                clock.harness(receive(0), "read", false, i * 3 * MILLI) + clock.node(i * 3 * MILLI)
            })
            .collect::<Vec<_>>()
    };
    assert_eq!(run(5), run(5));
    assert_ne!(run(5), run(6));
}

#[test]
fn an_exact_model_takes_nothing_from_the_run_rng() {
    let mut rng = ChaCha8Rng::seed_from_u64(9);
    Clock::new(Timing::exact()).seed(&mut rng);
    let mut fresh = ChaCha8Rng::seed_from_u64(9);
    assert_eq!(rng.gen::<u64>(), fresh.gen::<u64>());
}

/// How many of 400 handoffs of `receive n0`, each after it was parked `parked`, are cold,
/// while the rest of the harness hands over every `others` (never, if `None`).
fn count_cold(parked: Nanos, others: Option<Nanos>) -> usize {
    let h = HarnessCosts::maelstrom();
    let cold_floor = (h.cold.floor_ms * MILLI as f64) as Nanos;
    let mut clock = Clock::new(Timing::external());
    clock.seed(&mut ChaCha8Rng::seed_from_u64(5));
    let mut t = 30 * SECOND;
    let mut cold = 0;
    for _ in 0..400 {
        if let Some(every) = others {
            let mut busy = t + every;
            while busy < t + parked {
                clock.harness(receive(1), "read", false, busy);
                busy += every;
            }
        }
        t += parked;
        cold += usize::from(clock.harness(receive(0), "read", false, t) >= cold_floor);
    }
    cold
}

#[test]
fn a_thread_wakes_cold_the_longer_it_and_the_whole_harness_were_idle() {
    // Alone, coldness grows with how long the thread was parked.
    let (short, half, long) = (
        count_cold(MILLI, None),
        count_cold(50 * MILLI, None),
        count_cold(SECOND, None),
    );
    assert!(short < 40, "parked 1 ms: {short} of 400 cold");
    assert!(
        (100..300).contains(&half),
        "parked 50 ms: {half} of 400 cold"
    );
    assert!(long == 400, "parked 1 s: {long} of 400 cold");
    // Parked as long while other threads keep the cores awake (a handoff every 2 ms, as 100
    // messages a second through five nodes make): it wakes hot nearly always.
    let kept_awake = count_cold(50 * MILLI, Some(2 * MILLI));
    assert!(
        kept_awake < 20,
        "parked 50 ms beside a busy harness: {kept_awake} cold"
    );
}

#[test]
fn a_surge_of_threads_crowds_the_cores_and_a_steady_stream_does_not() {
    let h = HarnessCosts::maelstrom();
    // 25 nodes' threads handing over 20 times a millisecond for a second (10 000 messages a
    // second): as many wake in every millisecond, and the cores keep pace.
    let mut clock = Clock::new(Timing::external());
    clock.seed(&mut ChaCha8Rng::seed_from_u64(9));
    let mut crowded = 0;
    for i in 0..20_000u64 {
        let t = 30 * SECOND + i * MILLI / 20;
        let thread = receive((i % 50) as u32);
        clock.jit_wait("probe", false, t, &h.jit);
        // Its first 100 ms are a surge over the quiet before.
        let counted = i >= 2000;
        crowded += usize::from(clock.crowded(thread, t, &h) && counted);
    }
    assert!(crowded < 100, "steady: {crowded} of 18 000 crowded");
    // After 100 ms of quiet, a relay burst: 24 receive threads within a millisecond.
    let mut clock = Clock::new(Timing::external());
    clock.seed(&mut ChaCha8Rng::seed_from_u64(9));
    let mut crowded = 0;
    for burst in 0..200u64 {
        let t0 = 30 * SECOND + burst * 100 * MILLI;
        for i in 0..24u64 {
            let t = t0 + i * MILLI / 24;
            clock.jit_wait("gossip", false, t, &h.jit);
            crowded += usize::from(clock.crowded(receive(i as u32), t, &h));
        }
    }
    assert!(crowded > 1000, "bursts: {crowded} of 4800 crowded");
}

#[test]
fn a_busy_harness_hands_over_faster_than_an_idle_one() {
    // The median handoff of five threads handing over in turn every `gap`, once the network
    // path is compiled (30 000 handoffs a millisecond apart first).
    let median = |gap: Nanos| -> f64 {
        let mut clock = warm_clock(13);
        let xs: Vec<f64> = (0..5000u64)
            .map(|i| {
                let t = 40 * SECOND + i * gap;
                clock.harness(receive((i % 5) as u32), "probe", false, t) as f64 / MILLI as f64
            })
            .collect();
        quantile(xs, 0.5)
    };
    let (idle, hot, busy) = (median(5 * MILLI), median(MILLI / 2), median(MILLI / 20));
    assert!(idle > 0.15, "a handoff every 5 ms: median {idle} ms");
    assert!(busy < 0.06, "a handoff every 50 µs: median {busy} ms");
    assert!(idle > hot && hot > busy, "{idle} > {hot} > {busy}");
}

/// A clock whose network path is compiled: 30 000 handoffs a millisecond apart, up to 30 s.
fn warm_clock(seed: u64) -> Clock {
    let mut clock = Clock::new(Timing::external());
    clock.seed(&mut ChaCha8Rng::seed_from_u64(seed));
    for i in 0..30_000u64 {
        clock.harness(
            Thread::Stdout(Endpoint((i % 5) as u32)),
            "probe",
            false,
            i * MILLI,
        );
    }
    clock
}

#[test]
fn a_receive_thread_with_a_backlog_does_not_park_again() {
    let h = HarnessCosts::maelstrom();
    let mut clock = warm_clock(17);
    let t = 40 * SECOND;
    // Ten messages due at once: the first wakes the thread, the rest follow at the cost of a
    // write each.
    let first = clock.receive(Endpoint(0), "probe", false, (t, true), t);
    let mut free = first;
    for _ in 0..9 {
        let due = clock.receive(Endpoint(0), "probe", false, (t, true), free);
        let step = due - free;
        assert!(
            (step as f64) < (h.hot.floor_ms * MILLI as f64),
            "a queued message costs {step} ns"
        );
        free = due;
    }
    // One that comes due after the thread went idle wakes it again.
    let later = free + 10 * MILLI;
    let woke = clock.receive(Endpoint(0), "probe", false, (later, true), later) - later;
    assert!(woke as f64 >= h.busy.floor_ms * MILLI as f64, "{woke} ns");
    // Nor does a thread take a message before the stdout thread has queued it.
    let early = clock.receive(Endpoint(1), "probe", false, (later + MILLI, true), later);
    assert!(
        early > later + MILLI,
        "delivered at {early}, queued at {}",
        later + MILLI
    );
}

#[test]
fn a_heavy_load_outruns_the_cold_network_path_and_a_light_one_does_not() {
    // The worst wait for the cores over the first two seconds of a stream of handoffs.
    let worst = |per_second: u64| -> f64 {
        let h = HarnessCosts::maelstrom();
        let mut clock = Clock::new(Timing::external());
        clock.seed(&mut ChaCha8Rng::seed_from_u64(21));
        let gap = SECOND / per_second;
        (0..2 * per_second)
            .map(|i| clock.cpu(SECOND + i * gap, true, &h.cpu))
            .fold(0.0, f64::max)
    };
    let (light, heavy) = (worst(2_000), worst(40_000));
    assert!(
        light < 10.0,
        "2000 handoffs a second: worst wait {light} ms"
    );
    assert!(
        heavy > 100.0,
        "40 000 handoffs a second: worst wait {heavy} ms"
    );
}

#[test]
fn only_the_first_reply_of_each_type_pays_its_first_use_and_later_types_less() {
    let mut clock = Clock::new(Timing::external());
    clock.seed(&mut ChaCha8Rng::seed_from_u64(11));
    let h = HarnessCosts::maelstrom();
    let floor = h.jit.first_use.floor_ms * MILLI as f64;
    let t = 30 * SECOND;
    let first = clock.harness(C1, "read_ok", true, t) as f64;
    let again = clock.harness(C1, "read_ok", true, t + MILLI) as f64;
    let second_type = clock.harness(C1, "broadcast_ok", true, t + 2 * MILLI) as f64;
    assert!(first >= floor, "first reply: {first} ns");
    assert!(again < floor / 4.0, "same type again: {again} ns");
    assert!(second_type >= floor / 2.0, "a new type: {second_type} ns");
    // Node-bound messages never pay it: their receive threads are not held up.
    let node_bound = clock.harness(receive(1), "gossip", false, t + 3 * MILLI) as f64;
    assert!(node_bound < floor / 4.0, "to a node: {node_bound} ns");
}
