//! Challenge profiles: `maelstrom.toml`, compiled into the binary and overridable by a file in
//! the current folder or `--profiles FILE`. A profile is a workload plus Maelstrom's options
//! (the official command), the node flags that tune our node, the official pass criteria and our
//! own tighter goals. Maelstrom's options themselves ([`TestOpts`]) live in `crate::challenge`.

use super::criterion::Criterion;
use super::{TestOpts, Workload};
use anyhow::{bail, Context};
use serde::Deserialize;
use std::path::{Path, PathBuf};

/// The profiles shipped with the binary.
const BUILTIN: &str = include_str!("../../maelstrom.toml");

/// The pinned Maelstrom release.
#[derive(Clone, Debug, Deserialize)]
#[serde(rename_all = "kebab-case", deny_unknown_fields)]
pub struct Release {
    pub(crate) version: String,
    pub(crate) url: String,
    pub(crate) sha256: String,
}

/// One challenge.
#[derive(Clone, Debug, Deserialize)]
#[serde(rename_all = "kebab-case", deny_unknown_fields)]
pub struct Profile {
    /// Fly.io's number: `1`, `2`, `3a` … `6c`.
    pub id: String,
    pub(crate) title: String,
    #[serde(default)]
    aliases: Vec<String>,
    pub workload: Workload,
    /// Maelstrom options of the official command.
    pub opts: TestOpts,
    /// Flags for `glomers node <workload>`.
    #[serde(default)]
    pub node_args: Vec<String>,
    /// Fly.io's pass criteria beyond Maelstrom's own `:valid?`.
    #[serde(default)]
    pub criteria: Vec<Criterion>,
    /// Our own, tighter targets: reported alongside, and held by the test suite.
    #[serde(default)]
    pub goals: Vec<Criterion>,
}

/// The whole file.
#[derive(Clone, Debug, Deserialize)]
#[serde(rename_all = "kebab-case", deny_unknown_fields)]
pub struct Profiles {
    pub(crate) maelstrom: Release,
    #[serde(rename = "challenge")]
    pub challenges: Vec<Profile>,
}

impl Profiles {
    pub fn parse(text: &str, origin: &str) -> anyhow::Result<Profiles> {
        let profiles: Profiles = toml::from_str(text).map_err(|e| {
            let line = e
                .span()
                .and_then(|s| text.get(..s.start))
                // Count line breaks, not lines: an error that starts a line sits after the
                // break that `lines()` would not count.
                .map(|before| before.matches('\n').count() + 1);
            match line {
                Some(line) => anyhow::anyhow!("{origin}, line {line}: {}", e.message()),
                None => anyhow::anyhow!("{origin}: {}", e.message()),
            }
        })?;
        let mut seen = std::collections::BTreeSet::new();
        for p in &profiles.challenges {
            for name in std::iter::once(&p.id).chain(&p.aliases) {
                if !seen.insert(name.clone()) {
                    bail!("{origin}: challenge name {name:?} is used twice");
                }
            }
        }
        Ok(profiles)
    }

    /// The built-in profiles.
    pub fn builtin() -> Profiles {
        // The shipped file is checked by a unit test, so this cannot fail in a release.
        Profiles::parse(BUILTIN, "built-in maelstrom.toml").expect("built-in maelstrom.toml")
    }

    /// `explicit` (from `--profiles`) if given, else `./maelstrom.toml` if present, else the
    /// built-in file. Returns the profiles and where they came from.
    pub fn load(explicit: Option<&Path>) -> anyhow::Result<(Profiles, String)> {
        let candidate: Option<PathBuf> = match explicit {
            Some(p) => Some(p.to_path_buf()),
            None => Some(PathBuf::from("maelstrom.toml")).filter(|p| p.is_file()),
        };
        match candidate {
            Some(path) => {
                let text = std::fs::read_to_string(&path)
                    .with_context(|| format!("reading {}", path.display()))?;
                let origin = path.display().to_string();
                Ok((Profiles::parse(&text, &origin)?, origin))
            }
            None => Ok((Profiles::builtin(), "built-in".to_string())),
        }
    }

    /// Finds a challenge by number or alias.
    pub fn find(&self, name: &str) -> anyhow::Result<&Profile> {
        self.challenges
            .iter()
            .find(|p| p.id == name || p.aliases.iter().any(|a| a == name))
            .with_context(|| {
                let known: Vec<&str> = self.challenges.iter().map(|p| p.id.as_str()).collect();
                format!("unknown challenge {name:?}; known: {}", known.join(", "))
            })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn builtin_file_parses_and_covers_every_challenge() {
        let p = Profiles::parse(BUILTIN, "maelstrom.toml").unwrap();
        let ids: Vec<&str> = p.challenges.iter().map(|c| c.id.as_str()).collect();
        assert_eq!(
            ids,
            [
                "1", "2", "3a", "3b", "3c", "3d", "3d-fast", "3e", "4", "5a", "5b", "5c", "6a",
                "6b", "6c"
            ]
        );
        assert_eq!(p.find("broadcast-efficient-1").unwrap().id, "3d");
    }

    #[test]
    fn malformed_file_names_the_line() {
        let text = "[maelstrom]\nversion = \"0.2.4\"\nurl = \"u\"\nsha256 = \"s\"\n\n[[challenge]]\nid = \"1\"\ntitle = \"t\"\nworkload = \"echo\"\nopts = { node-count = \"one\" }\n";
        let err = Profiles::parse(text, "m.toml").unwrap_err().to_string();
        assert!(err.contains("m.toml, line 10"), "{err}");
    }

    #[test]
    fn an_error_at_the_start_of_a_line_names_that_line() {
        let text = "[maelstrom]\nversion = \"0.2.4\"\nurl = \"u\"\nsha256 = \"s\"\n\n[[challenge]]\nid = \"1\"\ntitle = \"t\"\nworkload = \"echo\"\nopts = {}\nbogus = 1\n";
        let err = Profiles::parse(text, "m.toml").unwrap_err().to_string();
        assert!(err.contains("m.toml, line 11"), "{err}");
    }

    #[test]
    fn out_of_range_options_in_a_profile_name_the_option() {
        let text = "[maelstrom]\nversion = \"0.2.4\"\nurl = \"u\"\nsha256 = \"s\"\n\n[[challenge]]\nid = \"1\"\ntitle = \"t\"\nworkload = \"echo\"\nopts = { rate = nan }\n";
        let err = Profiles::parse(text, "m.toml").unwrap_err().to_string();
        assert!(err.contains("line 10") && err.contains("rate"), "{err}");
    }

    #[test]
    fn nan_criteria_are_refused() {
        let text = "[maelstrom]\nversion = \"0.2.4\"\nurl = \"u\"\nsha256 = \"s\"\n\n[[challenge]]\nid = \"1\"\ntitle = \"t\"\nworkload = \"echo\"\nopts = {}\ncriteria = [\"availability >= nan\"]\n";
        let err = Profiles::parse(text, "m.toml").unwrap_err().to_string();
        assert!(err.contains("line 11") && err.contains("nan"), "{err}");
    }
}
