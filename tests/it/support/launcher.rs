//! A fake Maelstrom launcher (a bash script) that behaves like the real one on the outside, so
//! `glomers run` can be driven end to end without Java.

use std::path::{Path, PathBuf};

use super::binary::write_executable;
use super::fixtures::store_run;

/// A stand-in for Maelstrom. It records its arguments in `$FAKE_ARGV`, prints Maelstrom's
/// console lines, and then, by `$FAKE_MODE`:
/// - `run` (default): starts the `--bin` node as Maelstrom would (the words after `--`), sends
///   it `init` and keeps its reply in `$FAKE_NODE_OUT`; copies `$FAKE_FIXTURES/<workload>/`'s
///   results.edn and history.edn into `store/<workload>/<time>/` and exits `$FAKE_EXIT`
///   (255 when there is no fixture for the workload, like a crashed test);
/// - `sleep`: starts two long sleeps in its process group (one ignoring SIGTERM), writes its pid
///   and theirs to `$FAKE_PIDS`, and waits;
/// - `usage`: complains about an option and exits 254.
const FAKE_MAELSTROM: &str = r#"#!/bin/bash
printf '%s\n' "$@" > "${FAKE_ARGV:-/dev/null}"
workload=""; bin=""; prev=""; node=(); after=0
for a in "$@"; do
  if [ "$after" = 1 ]; then node+=("$a"); continue; fi
  case "$prev" in -w) workload="$a";; --bin) bin="$a";; esac
  if [ "$a" = "--" ]; then after=1; fi
  prev="$a"
done
echo -e "INFO\t[jepsen test runner] jepsen.core: Command line:"
echo "maelstrom $*"
case "${FAKE_MODE:-run}" in
  usage) echo "Unknown option: --bogus" >&2; exit 254;;
  sleep)
    sleep 600 &
    a=$!
    (trap '' TERM; exec sleep 601) &
    b=$!
    echo "$$ $a $b" > "$FAKE_PIDS"
    echo -e "INFO\t[jepsen test runner] jepsen.core: Relative time begins now"
    wait
    exit 0;;
esac
echo -e "INFO\t[jepsen node n0] maelstrom.db: Setting up n0"
if [ -n "$FAKE_NODE_OUT" ]; then
  echo '{"src":"c0","dest":"n0","body":{"type":"init","msg_id":1,"node_id":"n0","node_ids":["n0"]}}' \
    | "$bin" "${node[@]}" > "$FAKE_NODE_OUT" 2>/dev/null
fi
echo -e "INFO\t[jepsen test runner] jepsen.core: Relative time begins now"
fixture="$FAKE_FIXTURES/$workload"
if [ ! -d "$fixture" ]; then
  echo -e "WARN\t[jepsen test runner] jepsen.core: Test crashed!"
  echo "java.lang.RuntimeException: the node crashed" >&2
  exit 255
fi
echo -e "INFO\t[jepsen test runner] jepsen.core: Run complete, writing"
echo -e "INFO\t[jepsen test runner] jepsen.core: Analyzing..."
stamp="$(date -u +%Y%m%dT%H%M%S).$RANDOM"
dir="store/$workload/$stamp"
mkdir -p "$dir"
cp "$fixture/results.edn" "$fixture/history.edn" "$dir/"
ln -sfn "$workload/$stamp" store/latest
echo -e "INFO\t[jepsen test runner] jepsen.core: Analysis complete"
echo -e "INFO\t[jepsen results] jepsen.store: Wrote $dir/results.edn"
case "${FAKE_EXIT:-0}" in
  0) echo 'Everything looks good! ヽ(‘ー`)ノ';;
  1) echo 'Analysis invalid! (ﾉಥ益ಥ）ﾉ ┻━┻';;
esac
exit "${FAKE_EXIT:-0}"
"#;

/// Writes the fake launcher (executable) and a fixtures folder mapping workloads to fixture
/// run folders; returns (launcher, fixtures dir).
pub fn fake_maelstrom(dir: &Path, fixtures: &[(&str, &str)]) -> (PathBuf, PathBuf) {
    let launcher = dir.join("fake-maelstrom");
    write_executable(&launcher, FAKE_MAELSTROM);
    let by_workload = dir.join("fixtures");
    std::fs::create_dir_all(&by_workload).unwrap();
    for (workload, name) in fixtures {
        std::os::unix::fs::symlink(store_run(name), by_workload.join(workload)).unwrap();
    }
    (launcher, by_workload)
}

/// The arguments the fake recorded in `$FAKE_ARGV`, one per line.
pub fn recorded_argv(path: &Path) -> Vec<String> {
    std::fs::read_to_string(path)
        .unwrap_or_else(|e| panic!("{}: {e}", path.display()))
        .lines()
        .map(str::to_string)
        .collect()
}

/// What Maelstrom must be given for challenge 1's official command with `bin` as the node and
/// `node_words` after a bare `--`.
pub fn echo_test_argv(bin: &Path, node_words: &[&str]) -> Vec<String> {
    let bin = bin.to_str().expect("a UTF-8 path");
    let mut argv: Vec<String> = ["test", "-w", "echo", "--bin", bin]
        .into_iter()
        .chain(["--node-count", "1", "--time-limit", "10", "--"])
        .map(str::to_string)
        .collect();
    argv.extend(node_words.iter().map(|w| w.to_string()));
    argv
}
