//! Running one test alone in a fresh process of this test binary, for tests that measure their
//! whole process (its peak memory) and so cannot share it with the other tests of the binary.

use std::process::Command;

/// Set in the fresh process to the test it runs alone.
const ALONE: &str = "GLOMERS_TEST_ALONE";

/// For a test that measures its whole process. `test` is its full path
/// (`concat!(module_path!(), "::name")`). Returns true when this process is the fresh one running
/// `test` alone: the caller then does the work. Otherwise runs `test` alone in a fresh process of
/// this binary, fails if it failed, and returns false: the caller returns.
pub fn in_own_process(test: &str) -> bool {
    // libtest names tests without the crate's own name (`report::limits::x`, not `it::...`).
    let name = test.split_once("::").map_or(test, |(_, rest)| rest);
    if std::env::var_os(ALONE).is_some_and(|running| running == name) {
        return true;
    }
    let exe = std::env::current_exe().expect("the test binary's path");
    let out = Command::new(exe)
        .args([name, "--exact", "--test-threads=1", "--nocapture"])
        .env(ALONE, name)
        .output()
        .expect("start the test binary");
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    // A misspelled name would run no test and pass; demand exactly the one.
    assert!(
        out.status.success() && stdout.contains("test result: ok. 1 passed"),
        "{name} alone in its own process failed ({}):\n{stdout}\n{stderr}",
        out.status
    );
    // Its figures (seed, memory growth) stay visible with --nocapture.
    eprint!("{stderr}");
    false
}
