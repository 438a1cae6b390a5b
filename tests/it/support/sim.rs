//! The simulator's shipped profiles and sweeps of one run over many seeds.

use glomers::challenge::{Profile, Profiles};

/// The built-in profile `id` (a challenge such as "3d").
pub fn profile(id: &str) -> Profile {
    Profiles::builtin()
        .find(id)
        .unwrap_or_else(|e| panic!("built-in profile {id}: {e:#}"))
        .clone()
}

/// Runs `f` on seeds 1..=`seeds` over the machine's cores (at most 4 threads); results in seed
/// order.
pub fn sweep_seeds<T: Send>(seeds: u64, f: impl Fn(u64) -> T + Sync) -> Vec<T> {
    let threads = std::thread::available_parallelism()
        .map_or(2, |n| n.get())
        .min(4);
    let mut out: Vec<Option<T>> = (0..seeds).map(|_| None).collect();
    std::thread::scope(|scope| {
        let handles: Vec<_> = (0..threads)
            .map(|t| {
                let f = &f;
                scope.spawn(move || {
                    (1..=seeds)
                        .filter(|s| (s - 1) as usize % threads == t)
                        .map(|s| (s, f(s)))
                        .collect::<Vec<_>>()
                })
            })
            .collect();
        for h in handles {
            for (seed, r) in h.join().expect("sweep thread") {
                out[(seed - 1) as usize] = Some(r);
            }
        }
    });
    out.into_iter()
        .map(|r| r.expect("every seed ran"))
        .collect()
}
