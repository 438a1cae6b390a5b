//! The glomers binary under test, and executable scripts that stand in for the tools it runs.

use std::path::Path;
use std::process::Command;

/// The glomers binary under test, isolated from the developer's own Maelstrom settings.
pub fn glomers() -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_glomers"));
    for var in [
        "GLOMERS_MAELSTROM",
        "GLOMERS_MAELSTROM_URL",
        "GLOMERS_MAELSTROM_SHA256",
    ] {
        cmd.env_remove(var);
    }
    cmd
}

/// Writes `text` to `path` with mode 0755.
pub fn write_executable(path: &Path, text: &str) {
    use std::os::unix::fs::PermissionsExt;
    std::fs::write(path, text).unwrap();
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o755)).unwrap();
}

/// How one run of the binary ended: its exit code (`None` when a signal ended it) and its
/// output as text.
pub struct Ran {
    pub code: Option<i32>,
    pub stdout: String,
    pub stderr: String,
}

/// Runs `cmd` to the end and keeps what it said.
pub fn ran(cmd: &mut Command) -> Ran {
    let out = cmd.output().unwrap();
    Ran {
        code: out.status.code(),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}
