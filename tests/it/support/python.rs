//! The Python reference nodes in `tests/nodes/`, and whether Python 3 is there to run them.

use std::path::PathBuf;
use std::process::{Command, Stdio};

/// Whether `python3` runs; if not, says that the Python nodes are skipped.
pub fn python_present() -> bool {
    let found = Command::new("python3")
        .arg("--version")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success());
    if !found {
        eprintln!("SKIPPED: python3 is not on PATH, so the Python reference nodes are not tested");
    }
    found
}

/// `tests/nodes/<name>`.
pub fn node_script(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests")
        .join("nodes")
        .join(name)
}
