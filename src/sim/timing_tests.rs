//! Unit tests of the timing model: the handoff distribution's quantiles, the warm-up under load
//! and at rest, hot versus cold, the engine-specific parts, and replay from a seed.

use super::*;

fn quantile(mut xs: Vec<f64>, q: f64) -> f64 {
    xs.sort_by(f64::total_cmp);
    xs[((xs.len() - 1) as f64 * q).round() as usize]
}

fn draws(handoff: Handoff, n: usize, seed: u64) -> Vec<f64> {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    (0..n).map(|_| handoff.draw(&mut rng)).collect()
}

#[test]
fn a_hot_handoff_has_a_sub_millisecond_body_and_a_rare_tail_of_milliseconds() {
    let hot = Harness::maelstrom().hot;
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
        let ms = clock.harness("c1", "read_ok", true, t) as f64 / MILLI as f64;
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
    let h = Harness::maelstrom();
    let t0 = 30 * SECOND; // past the warm-up
    let first = clock.harness("receive n0", "read", false, t0);
    assert!(first as f64 >= h.cold.floor_ms * MILLI as f64, "{first}");
    // Straight after, the network is hot: never below the hot floor, and below the cold floor
    // unless a spike hit (seeded: it does not here).
    let next = clock.harness("receive n0", "read", false, t0 + MILLI);
    assert!(next >= (h.hot.floor_ms * MILLI as f64) as Nanos);
    assert!((next as f64) < h.cold.floor_ms * MILLI as f64, "{next}");
}

#[test]
fn each_engine_gets_its_own_parts() {
    let mut exact = Clock::new(Timing::exact());
    exact.seed(&mut ChaCha8Rng::seed_from_u64(1));
    assert_eq!(
        (
            exact.harness("receive n0", "read", false, SECOND),
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
    assert!(external.harness("receive n0", "read", false, SECOND) > 0);
    let mut in_process = Clock::new(Timing::in_process());
    in_process.seed(&mut ChaCha8Rng::seed_from_u64(1));
    assert!(
        in_process.node(SECOND) > 0 && in_process.harness("receive n0", "read", false, SECOND) > 0
    );
}

#[test]
fn the_model_replays_from_its_seed_and_differs_between_seeds() {
    let run = |seed: u64| {
        let mut clock = Clock::new(Timing::in_process());
        clock.seed(&mut ChaCha8Rng::seed_from_u64(seed));
        (0..1000u64)
            .map(|i| {
                clock.harness("receive n0", "read", false, i * 3 * MILLI)
                    + clock.node(i * 3 * MILLI)
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

#[test]
fn coldness_is_per_thread_and_grows_with_how_long_it_was_parked() {
    let h = Harness::maelstrom();
    let cold_floor = (h.cold.floor_ms * MILLI as f64) as Nanos;
    let count_cold = |parked: Nanos| -> usize {
        let mut clock = Clock::new(Timing::external());
        clock.seed(&mut ChaCha8Rng::seed_from_u64(5));
        let mut t = 30 * SECOND;
        let mut cold = 0;
        for _ in 0..400 {
            // Another thread keeps the network busy meanwhile: it does not warm this one.
            let mut busy = t;
            while busy < t + parked {
                clock.harness("receive n1", "read", false, busy);
                busy += MILLI;
            }
            t += parked;
            cold += usize::from(clock.harness("receive n0", "read", false, t) >= cold_floor);
        }
        cold
    };
    let (short, half, long) = (
        count_cold(MILLI),
        count_cold(50 * MILLI),
        count_cold(SECOND),
    );
    assert!(short < 40, "parked 1 ms: {short} of 400 cold");
    assert!(
        (120..280).contains(&half),
        "parked 50 ms: {half} of 400 cold"
    );
    assert!(long == 400, "parked 1 s: {long} of 400 cold");
}

#[test]
fn a_relay_burst_crowds_the_cores_and_a_steady_stream_does_not() {
    // Spikes counted as handoffs 2 ms over the crowded body's usual range.
    let spikes = |per_ms: u64| -> usize {
        let mut clock = Clock::new(Timing::external());
        clock.seed(&mut ChaCha8Rng::seed_from_u64(9));
        let mut spikes = 0;
        for ms in 0..2000u64 {
            for i in 0..per_ms {
                let t = 30 * SECOND + ms * MILLI + i * MILLI / per_ms;
                let d = clock.harness(&format!("receive n{i}"), "read", false, t);
                spikes += usize::from(d > 2 * MILLI);
            }
        }
        spikes
    };
    let steady = spikes(4); // 800 ops/s: 4 handoffs in every ms
    let burst = spikes(32); // a 3d burst: 32 in every ms
    assert!(steady < 30, "steady 4/ms: {steady} spikes in 8000 handoffs");
    assert!(burst > 5_000, "32/ms: {burst} spikes in 64 000 handoffs");
}

#[test]
fn only_the_first_reply_of_each_type_pays_its_first_use_and_later_types_less() {
    let mut clock = Clock::new(Timing::external());
    clock.seed(&mut ChaCha8Rng::seed_from_u64(11));
    let h = Harness::maelstrom();
    let floor = h.jit.first_use.floor_ms * MILLI as f64;
    let t = 30 * SECOND;
    let first = clock.harness("c1", "read_ok", true, t) as f64;
    let again = clock.harness("c1", "read_ok", true, t + MILLI) as f64;
    let second_type = clock.harness("c1", "broadcast_ok", true, t + 2 * MILLI) as f64;
    assert!(first >= floor, "first reply: {first} ns");
    assert!(again < floor / 4.0, "same type again: {again} ns");
    assert!(second_type >= floor / 2.0, "a new type: {second_type} ns");
    // Node-bound messages never pay it: their receive threads are not held up.
    let node_bound = clock.harness("receive n1", "gossip", false, t + 3 * MILLI) as f64;
    assert!(node_bound < floor / 4.0, "to a node: {node_bound} ns");
}
