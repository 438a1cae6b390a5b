//! Remembering, in the cache folder, that installing Maelstrom on demand failed, so that
//! `--engine auto` does not try again on every run: without it, a machine with Java but no
//! network (or a blocked download) pays a DNS lookup and a connection attempt, up to the
//! connect timeout, before each simulated run. The memory lasts [`RETRY_AFTER`] and holds
//! only for the same URL; a successful install forgets it, and `glomers maelstrom install` or
//! `--engine maelstrom` always try at once.
//!
//! The marker is one small file beside the installs ([`crate::driver::maelstrom::cache::failed_download`]): the
//! URL and the reason on two lines, its modification time the moment of the failure.

use crate::driver::maelstrom::cache;
use std::path::Path;
use std::time::{Duration, SystemTime};

/// How long a failed attempt holds the next automatic one back.
pub(crate) const RETRY_AFTER: Duration = Duration::from_secs(3600);

/// A recent failed attempt.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Failed {
    /// Time since the attempt.
    pub(crate) age: Duration,
    /// What went wrong then, as it was said.
    pub(crate) why: String,
}

impl Failed {
    /// Why the simulator runs instead, naming the URL once (it is in `why`) and how to retry.
    pub(crate) fn describe(&self) -> String {
        format!(
            "Maelstrom is not installed, and installing it failed {} ago ({}); glomers tries \
             again {} after that, or at once with `glomers maelstrom install`",
            minutes(self.age),
            self.why,
            minutes(RETRY_AFTER)
        )
    }
}

fn minutes(d: Duration) -> String {
    match d.as_secs() / 60 {
        0 => "less than a minute".to_string(),
        1 => "1 minute".to_string(),
        60 => "an hour".to_string(),
        n => format!("{n} minutes"),
    }
}

/// Notes that installing `version` from `url` failed just now, for `why`. Best effort: a cache
/// folder that cannot be written only means the next run tries again.
pub(crate) fn record(cache_root: &Path, version: &str, url: &str, why: &str) {
    let one_line = |s: &str| s.split_whitespace().collect::<Vec<_>>().join(" ");
    let _ = std::fs::create_dir_all(cache_root);
    let _ = std::fs::write(
        cache::failed_download(cache_root, version),
        format!("{}\n{}\n", one_line(url), one_line(why)),
    );
}

/// The failed attempt to install `version` from `url`, if one was made within
/// [`RETRY_AFTER`] of `now`.
pub(crate) fn recent(
    cache_root: &Path,
    version: &str,
    url: &str,
    now: SystemTime,
) -> Option<Failed> {
    let path = cache::failed_download(cache_root, version);
    let text = std::fs::read_to_string(&path).ok()?;
    let mut lines = text.lines();
    if lines.next()? != url {
        return None;
    }
    let why = lines.next().unwrap_or("no reason recorded").to_string();
    // A time in the future (a clock set back) proves nothing: try again.
    let age = now
        .duration_since(std::fs::metadata(&path).ok()?.modified().ok()?)
        .ok()?;
    (age < RETRY_AFTER).then_some(Failed { age, why })
}

/// Forgets any failed attempt to install `version` (after a successful install).
pub(crate) fn forget(cache_root: &Path, version: &str) {
    let _ = std::fs::remove_file(cache::failed_download(cache_root, version));
}

#[cfg(test)]
mod tests {
    use super::*;

    const URL: &str = "https://example.invalid/maelstrom.tar.bz2";

    #[test]
    fn a_failure_holds_back_the_same_url_for_a_while() {
        let root = tempfile::tempdir().unwrap();
        let now = SystemTime::now();
        assert_eq!(recent(root.path(), "0.2.4", URL, now), None);
        record(root.path(), "0.2.4", URL, "download failed:\n no route");
        let failed =
            recent(root.path(), "0.2.4", URL, now + Duration::from_secs(150)).expect("remembered");
        assert_eq!(failed.why, "download failed: no route");
        assert!(failed.age >= Duration::from_secs(149), "{failed:?}");
        let said = failed.describe();
        assert!(
            said.contains("2 minutes ago")
                && said.contains("again an hour after")
                && said.contains("glomers maelstrom install"),
            "{said}"
        );
        // Another URL (a mirror), another version, or an hour later: try again.
        assert_eq!(recent(root.path(), "0.2.4", "http://mirror/m", now), None);
        assert_eq!(recent(root.path(), "0.2.5", URL, now), None);
        assert_eq!(
            recent(root.path(), "0.2.4", URL, now + RETRY_AFTER * 2),
            None
        );
        forget(root.path(), "0.2.4");
        assert_eq!(recent(root.path(), "0.2.4", URL, now), None);
    }
}
