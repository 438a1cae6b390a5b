//! Where a run's `store/` goes: `--store DIR`, or the current folder. The path is resolved
//! before anything is created, so `--store a/x/../y` means `a/y` and never leaves a stray
//! `a/x` behind (`create_dir_all` would make every folder the path names, `..` or not). The
//! part of the path that exists is canonicalised, so a `..` after a symlink goes where the
//! system would take it; `..` in the part that does not exist yet is taken lexically, since
//! no folder there can be a symlink.

use anyhow::Context;
use std::path::{Component, Path, PathBuf};

/// The folder that holds (or will hold) `store/`: `store`, resolved as the module says, or the
/// current folder.
pub(crate) fn store_root(store: Option<&Path>) -> anyhow::Result<PathBuf> {
    let cwd = std::env::current_dir().context("finding the current folder")?;
    match store {
        Some(dir) => Ok(resolve(&cwd.join(dir))),
        None => Ok(cwd),
    }
}

/// `path` (absolute) with its longest existing ancestor canonicalised and `.` and `..` taken
/// out of the rest.
pub(crate) fn resolve(path: &Path) -> PathBuf {
    let mut existing = path;
    let mut rest: Vec<Component<'_>> = Vec::new();
    let base = loop {
        if let Ok(real) = existing.canonicalize() {
            break real;
        }
        match (existing.parent(), existing.components().next_back()) {
            (Some(parent), Some(last)) => {
                rest.push(last);
                existing = parent;
            }
            // Nothing of it exists, not even the root: leave it to the caller's error.
            _ => break PathBuf::new(),
        }
    };
    let mut out = base;
    for part in rest.into_iter().rev() {
        match part {
            Component::CurDir => {}
            Component::ParentDir => {
                out.pop();
            }
            other => out.push(other.as_os_str()),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dot_dot_in_a_missing_part_creates_no_stray_folder() {
        let root = tempfile::tempdir().unwrap();
        let base = root.path().canonicalize().unwrap();
        let asked = root.path().join("a/x/../y");
        assert_eq!(resolve(&asked), base.join("a/y"));
        assert_eq!(resolve(&root.path().join("a/./b/../../c")), base.join("c"));
        assert_eq!(resolve(root.path()), base);
    }

    #[test]
    fn dot_dot_after_an_existing_symlink_goes_where_the_system_goes() {
        let root = tempfile::tempdir().unwrap();
        let base = root.path().canonicalize().unwrap();
        std::fs::create_dir_all(base.join("far/inner")).unwrap();
        std::os::unix::fs::symlink(base.join("far/inner"), base.join("near")).unwrap();
        // `near/..` is `far`, as the kernel resolves it, not `root`.
        assert_eq!(resolve(&base.join("near/../new")), base.join("far/new"));
    }

    #[test]
    fn no_store_means_the_current_folder() {
        let cwd = std::env::current_dir().unwrap();
        assert_eq!(store_root(None).unwrap(), cwd);
    }
}
