//! Unit tests of the timing model: the handoff distribution's quantiles, the warm-up curve,
//! hot versus cold, the engine-specific parts, and replay from a seed.

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

#[test]
fn the_jvm_starts_slow_and_warms_up() {
    let h = Harness::maelstrom();
    assert!((h.warmup(0) - (1.0 + h.warmup_gain)).abs() < 1e-9);
    assert!(h.warmup(SECOND) > h.warmup(10 * SECOND));
    assert!(h.warmup(20 * SECOND) < 1.25);
}

#[test]
fn a_quiet_network_hands_over_cold() {
    let mut clock = Clock::new(Timing::external());
    clock.seed(&mut ChaCha8Rng::seed_from_u64(3));
    let h = Harness::maelstrom();
    let t0 = 30 * SECOND; // past the warm-up
    let first = clock.harness(t0);
    assert!(first as f64 >= h.cold.floor_ms * MILLI as f64, "{first}");
    // Straight after, the network is hot: never below the hot floor, and below the cold floor
    // unless a spike hit (seeded: it does not here).
    let next = clock.harness(t0 + MILLI);
    assert!(next >= (h.hot.floor_ms * MILLI as f64) as Nanos);
    assert!((next as f64) < h.cold.floor_ms * MILLI as f64, "{next}");
}

#[test]
fn each_engine_gets_its_own_parts() {
    let mut exact = Clock::new(Timing::exact());
    exact.seed(&mut ChaCha8Rng::seed_from_u64(1));
    assert_eq!((exact.harness(SECOND), exact.node(SECOND)), (0, 0));
    let mut external = Clock::new(Timing::external());
    external.seed(&mut ChaCha8Rng::seed_from_u64(1));
    assert_eq!(
        external.node(SECOND),
        0,
        "a real process pays its own pipes"
    );
    assert!(external.harness(SECOND) > 0);
    let mut in_process = Clock::new(Timing::in_process());
    in_process.seed(&mut ChaCha8Rng::seed_from_u64(1));
    assert!(in_process.node(SECOND) > 0 && in_process.harness(SECOND) > 0);
}

#[test]
fn the_model_replays_from_its_seed_and_differs_between_seeds() {
    let run = |seed: u64| {
        let mut clock = Clock::new(Timing::in_process());
        clock.seed(&mut ChaCha8Rng::seed_from_u64(seed));
        (0..1000u64)
            .map(|i| clock.harness(i * 3 * MILLI) + clock.node(i * 3 * MILLI))
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
