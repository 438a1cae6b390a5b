//! The layout of glomers' Maelstrom cache, shared by the installer (which writes it) and the
//! search (which reads it): the cache root, one install folder per version, the jar inside an
//! install, the marker file the installer leaves there, and the file that remembers a failed
//! download ([`crate::driver::maelstrom::failed_download`]). Nothing here touches the disk.

use std::ffi::OsString;
use std::path::{Path, PathBuf};

/// The jar inside an install folder.
pub(crate) const JAR: &str = "lib/maelstrom.jar";
/// Written into an install folder by the installer: where it came from (`version=`, `url=`,
/// `sha256=`).
pub(crate) const MARKER: &str = ".glomers-release";

/// `$XDG_CACHE_HOME/glomers`, else `$HOME/.cache/glomers`. A relative `$XDG_CACHE_HOME` is
/// invalid per the XDG base directory spec and is ignored, with a warning on stderr (once per
/// process) naming the fallback.
pub(crate) fn cache_root() -> Option<PathBuf> {
    static WARNED: std::sync::Once = std::sync::Once::new();
    let (root, warning) =
        cache_root_from(std::env::var_os("XDG_CACHE_HOME"), std::env::var_os("HOME"));
    if let Some(warning) = warning {
        WARNED.call_once(|| crate::driver::output::tell(&format!("glomers: warning: {warning}")));
    }
    root
}

/// [`cache_root`] from the two variables' values: the root, and a warning when
/// `$XDG_CACHE_HOME` was set but had to be ignored.
fn cache_root_from(
    xdg_cache_home: Option<OsString>,
    home: Option<OsString>,
) -> (Option<PathBuf>, Option<String>) {
    let xdg = xdg_cache_home.filter(|v| !v.is_empty()).map(PathBuf::from);
    if let Some(xdg) = xdg.as_ref().filter(|p| p.is_absolute()) {
        return (Some(xdg.join("glomers")), None);
    }
    let fallback = home
        .filter(|v| !v.is_empty())
        .map(|home| PathBuf::from(home).join(".cache").join("glomers"));
    let warning = xdg.map(|relative| {
        let instead = match &fallback {
            Some(root) => format!("using {} instead", root.display()),
            None => "and $HOME is not set either, so there is no cache folder".to_string(),
        };
        format!(
            "$XDG_CACHE_HOME is the relative path {:?}; the XDG spec allows only absolute paths, so it is ignored, {instead}",
            relative.display().to_string()
        )
    });
    (fallback, warning)
}

/// The install folder for `version` under the cache root.
pub(crate) fn install_dir(cache_root: &Path, version: &str) -> PathBuf {
    cache_root.join(format!("maelstrom-{version}"))
}

/// The file that remembers a failed attempt to download and install `version`.
pub(crate) fn failed_download(cache_root: &Path, version: &str) -> PathBuf {
    cache_root.join(format!("maelstrom-{version}.download-failed"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_version_has_its_own_folder_holding_the_jar() {
        let dir = install_dir(Path::new("/c/glomers"), "0.2.4");
        assert_eq!(dir, Path::new("/c/glomers/maelstrom-0.2.4"));
        assert_eq!(
            dir.join(JAR),
            Path::new("/c/glomers/maelstrom-0.2.4/lib/maelstrom.jar")
        );
    }

    /// The installer and the search share this layout, not each other: neither imports the
    /// other, so either can change without dragging the other along.
    #[test]
    fn install_and_locate_do_not_import_each_other() {
        let install = include_str!("install.rs");
        let locate = include_str!("locate.rs");
        assert!(
            !install.contains("crate::driver::maelstrom::locate"),
            "install.rs imports locate"
        );
        assert!(
            !locate.contains("crate::driver::maelstrom::install"),
            "locate.rs imports install"
        );
        assert!(
            install.contains("crate::driver::maelstrom::cache")
                && locate.contains("crate::driver::maelstrom::cache")
        );
    }

    #[test]
    fn a_relative_xdg_cache_home_is_ignored_with_a_warning() {
        let (root, warning) = cache_root_from(Some("/c".into()), Some("/h".into()));
        assert_eq!(root, Some(PathBuf::from("/c/glomers")));
        assert_eq!(warning, None);
        let (root, warning) = cache_root_from(Some("rel/cache".into()), Some("/h".into()));
        assert_eq!(root, Some(PathBuf::from("/h/.cache/glomers")));
        let warning = warning.unwrap();
        assert!(
            warning.contains("$XDG_CACHE_HOME")
                && warning.contains("rel/cache")
                && warning.contains("/h/.cache/glomers"),
            "{warning}"
        );
        let (root, warning) = cache_root_from(Some("rel".into()), None);
        assert_eq!(root, None);
        assert!(warning.unwrap().contains("$HOME is not set"));
        // Unset or empty is no mistake: no warning.
        assert_eq!(cache_root_from(Some("".into()), Some("/h".into())).1, None);
        assert_eq!(cache_root_from(None, Some("/h".into())).1, None);
    }
}
