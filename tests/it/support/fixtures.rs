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

/// The figures real Maelstrom 0.2.4 reported for reference broadcast node `node` (`flood`,
/// `star`) on the official 3d command: `tests/fixtures/calibration/broadcast-3d-<node>/`.
pub fn calibration_figures(node: &str) -> glomers::verdict::Figures {
    let file = path(&format!("calibration/broadcast-3d-{node}/results.edn"));
    let text = std::fs::read_to_string(&file).unwrap_or_else(|e| panic!("{}: {e}", file.display()));
    let results =
        glomers::report::edn::parse(text).unwrap_or_else(|e| panic!("{}: {e}", file.display()));
    glomers::verdict::Figures::from_results(&glomers::report::edn::to_json(&results), None)
}

/// The stable-latency quantiles 0, 0.5, 0.95, 0.99 and 1 of `f`, in ms (NaN where missing).
pub fn stable_quantiles(f: &glomers::verdict::Figures) -> [f64; 5] {
    let q = f.stable_latencies.clone().unwrap_or_default();
    ["0", "0.5", "0.95", "0.99", "1"].map(|k| q.get(k).copied().unwrap_or(f64::NAN))
}
