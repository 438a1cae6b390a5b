//! The recorded Maelstrom runs under `tests/fixtures/`, and the names of the ones in its store.

use std::path::{Path, PathBuf};

/// `tests/fixtures/<relative>`.
pub fn path(relative: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(relative)
}

/// A run folder of the recorded store, `tests/fixtures/store/<name>`.
pub fn store_run(name: &str) -> PathBuf {
    path("store").join(name)
}

pub const ECHO: &str = "echo-20261121T112534.331Z";
pub const BROADCAST_LOST: &str = "broadcast-20261121T112556.282Z";
pub const BROADCAST_FLOOD: &str = "broadcast-20261121T112625.949Z";
pub const LIN_KV: &str = "lin-kv-20261121T112653.280Z";
pub const TXN: &str = "txn-rw-register-20261121T112710.966Z";
