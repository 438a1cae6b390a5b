//! `glomers report` under hostile input: a seeded fuzz of real run folders (truncated, flipped,
//! deeply nested, huge-numbered and random `results.edn`/`history.edn`) that must never panic
//! nor end with an undocumented exit code, and the history reader's memory staying flat as the
//! history grows. Set `GLOMERS_FUZZ_SEED` to replay a fuzz run.

use crate::support::alone::in_own_process;
use crate::support::binary::glomers;
use crate::support::fixtures::{store_run, BROADCAST_FLOOD, BROADCAST_LOST, ECHO, LIN_KV, TXN};
use glomers::challenge::Profiles;
use glomers::exit;
use glomers::report::{op_stats, run_dir, synthetic_history};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use std::path::Path;

/// A field of `/proc/self/status` in KiB (`VmHWM`, `VmRSS`).
fn status_kib(field: &str) -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap();
    status
        .lines()
        .find_map(|l| l.strip_prefix(field)?.strip_prefix(':'))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .unwrap_or_else(|| panic!("no {field} in /proc/self/status"))
}

/// Resets `VmHWM` to the current RSS; false where the kernel does not allow it.
fn reset_peak() -> bool {
    std::fs::write("/proc/self/clear_refs", "5").is_ok()
}

fn mutate(rng: &mut ChaCha8Rng, original: &[u8]) -> (String, Vec<u8>) {
    let mut bytes = original.to_vec();
    let at = |rng: &mut ChaCha8Rng, len: usize| rng.gen_range(0..=len);
    let what = match rng.gen_range(0..7) {
        0 => {
            bytes.truncate(at(rng, original.len()));
            "truncated"
        }
        1 => {
            for _ in 0..rng.gen_range(1..20) {
                if !bytes.is_empty() {
                    let i = rng.gen_range(0..bytes.len());
                    bytes[i] ^= 1 << rng.gen_range(0..8);
                }
            }
            "bytes flipped"
        }
        2 => {
            let open = ["[", "(", "{:k ", "#{", "#tag ", "#_ "][rng.gen_range(0..6)];
            let depth = rng.gen_range(200..100_000);
            let i = at(rng, bytes.len());
            let deep = open.repeat(depth) + &"]".repeat(rng.gen_range(0..depth));
            bytes.splice(i..i, deep.into_bytes());
            "deeply nested"
        }
        3 => {
            let digits: String = (0..rng.gen_range(19..200_000))
                .map(|_| char::from(b'0' + rng.gen_range(0..10u8)))
                .collect();
            let suffix = ["", "N", "M", ".5", "/3", "e999"][rng.gen_range(0..6)];
            let i = at(rng, bytes.len());
            bytes.splice(i..i, format!(" {digits}{suffix} ").into_bytes());
            "huge number"
        }
        4 => {
            let n = rng.gen_range(0..4096);
            bytes = (0..n).map(|_| rng.gen()).collect();
            "random bytes"
        }
        5 => {
            let tokens = [
                "##Inf",
                "##NaN",
                "1/0",
                "\"\\u",
                "#_",
                "#{",
                "\"",
                "\\",
                ":",
                "#",
                "}",
                ")",
                "\\newline",
                "#inst",
                "-",
                "+",
                "9223372036854775808",
                "\u{fffd}",
                "\n",
                ";",
            ];
            for _ in 0..rng.gen_range(1..10) {
                let i = at(rng, bytes.len());
                let t = tokens[rng.gen_range(0..tokens.len())];
                bytes.splice(i..i, t.bytes());
            }
            "tokens inserted"
        }
        _ => {
            let a = at(rng, bytes.len());
            let b = at(rng, bytes.len());
            let chunk = bytes[a.min(b)..a.max(b)].to_vec();
            let i = at(rng, bytes.len());
            bytes.splice(i..i, chunk);
            "chunk duplicated"
        }
    };
    (what.to_string(), bytes)
}

#[test]
fn fuzzed_run_folders_never_panic_and_exit_with_documented_codes() {
    // It bounds this process's peak memory, which other tests would raise.
    if !in_own_process(concat!(
        module_path!(),
        "::fuzzed_run_folders_never_panic_and_exit_with_documented_codes"
    )) {
        return;
    }
    let seed: u64 = match std::env::var("GLOMERS_FUZZ_SEED") {
        Ok(s) => s.parse().expect("GLOMERS_FUZZ_SEED must be a u64"),
        Err(_) => std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_nanos() as u64)
            .unwrap_or(1),
    };
    eprintln!("fuzz seed {seed} (replay with GLOMERS_FUZZ_SEED={seed})");
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let profiles = Profiles::builtin();
    let fixtures = [ECHO, BROADCAST_LOST, BROADCAST_FLOOD, LIN_KV, TXN];
    let tmp = tempfile::tempdir().unwrap();
    let baseline_kib = status_kib("VmRSS");
    reset_peak();
    let mut codes = std::collections::BTreeMap::new();
    const LIBRARY_RUNS: usize = 400;
    const BINARY_RUNS: usize = 8;
    for round in 0..LIBRARY_RUNS + BINARY_RUNS {
        let name = fixtures[rng.gen_range(0..fixtures.len())];
        let run = tmp.path().join(format!("{round}")).join(name);
        std::fs::create_dir_all(&run).unwrap();
        for file in ["results.edn", "history.edn", "jepsen.log.tail"] {
            std::fs::copy(store_run(name).join(file), run.join(file)).unwrap();
        }
        let mut mutations = Vec::new();
        for file in ["results.edn", "history.edn"] {
            if rng.gen_bool(0.6) {
                let original = std::fs::read(run.join(file)).unwrap();
                let (what, bytes) = mutate(&mut rng, &original);
                std::fs::write(run.join(file), bytes).unwrap();
                mutations.push(format!("{file} {what}"));
            }
        }
        let context = format!("seed {seed}, round {round}, {name}: {mutations:?}");
        let code = if round < LIBRARY_RUNS {
            let outcome = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
                run_dir::load(&run, &profiles, None)
            }))
            .unwrap_or_else(|_| {
                panic!("panicked: {context} (replay with GLOMERS_FUZZ_SEED={seed})")
            });
            match outcome {
                Ok(report) => i32::from(report.exit_code()),
                Err(e) => i32::from(exit::code_of(&e)),
            }
        } else {
            let out = glomers().arg("report").arg(&run).output().unwrap();
            out.status.code().unwrap_or(-1)
        };
        assert!(
            [0, 1, 2, 3].contains(&code),
            "exit code {code}: {context} (replay with GLOMERS_FUZZ_SEED={seed})"
        );
        *codes.entry(code).or_insert(0) += 1;
        std::fs::remove_dir_all(tmp.path().join(format!("{round}"))).unwrap();
    }
    let peak_growth_mib = status_kib("VmHWM").saturating_sub(baseline_kib) / 1024;
    eprintln!("exit codes {codes:?}; peak memory growth {peak_growth_mib} MiB");
    // The largest input is a fixture plus 200 000 inserted bytes; reading it may not cost more
    // than a small multiple of that.
    assert!(
        peak_growth_mib < 64,
        "peak memory grew {peak_growth_mib} MiB (seed {seed})"
    );
    // The fuzz must reach both judged runs and refused ones, or it tests nothing.
    assert!(codes.contains_key(&3), "{codes:?}");
    assert!(
        codes.contains_key(&0) || codes.contains_key(&1),
        "{codes:?}"
    );
}

/// The history is read one operation at a time: summing up a 24 MB history raises the peak
/// memory by far less than the file's size (reading it whole took over 60 MB).
#[test]
fn history_memory_does_not_grow_with_its_size() {
    // It measures this process's peak memory, which other tests would raise.
    if !in_own_process(concat!(
        module_path!(),
        "::history_memory_does_not_grow_with_its_size"
    )) {
        return;
    }
    let tmp = tempfile::tempdir().unwrap();
    let path = tmp.path().join("history.edn");
    let written = {
        let mut out = std::io::BufWriter::new(std::fs::File::create(&path).unwrap());
        let w = synthetic_history::write(&mut out, 24 << 20, 7).unwrap();
        std::io::Write::flush(&mut out).unwrap();
        w
    };
    if !reset_peak() {
        eprintln!("SKIPPED: this kernel does not let a process reset its peak memory");
        return;
    }
    let before_kib = status_kib("VmRSS");
    let stats = op_stats::of_file(Path::new(&path)).unwrap();
    let growth_mib = status_kib("VmHWM").saturating_sub(before_kib) as f64 / 1024.0;
    eprintln!(
        "{} MB, {} lines: peak memory grew {growth_mib:.1} MiB",
        written.bytes >> 20,
        written.lines
    );
    assert_eq!(stats.invocations, written.invocations);
    let latencies: usize = stats.latencies.len();
    assert_eq!(latencies, 3, "{:?}", stats.latencies.keys());
    // What grows is one f64 per completed operation (about 1.5 MiB here).
    assert!(growth_mib < 8.0, "peak memory grew {growth_mib:.1} MiB");
}
