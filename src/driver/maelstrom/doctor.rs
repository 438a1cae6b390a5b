//! `glomers maelstrom doctor`: Java 11+ (Maelstrom 0.2.4's dependencies are built for Java 11),
//! gnuplot (without it Maelstrom's perf checker throws and every verdict becomes `:unknown`),
//! graphviz `dot` (Elle's anomaly plots; optional) and Maelstrom itself with its version. Each
//! missing piece is named with the command that installs it.

use crate::driver::maelstrom::locate::{self, Found, Search};
use std::fmt::Write;
use std::path::{Path, PathBuf};
use std::process::Command;

/// The oldest Java Maelstrom 0.2.4 runs on.
const MIN_JAVA: u32 = 11;

/// The version string and major version in `java -version` output (which goes to stderr):
/// `java version "1.8.0_381"` → 8, `openjdk version "11.0.2"` → 11, `"17.0.15"` → 17,
/// `"21"` → 21, `"22-ea"` → 22. Lines such as `Picked up JAVA_TOOL_OPTIONS` are skipped.
fn parse_java_version(output: &str) -> Option<(String, u32)> {
    let quoted = output.lines().find_map(|line| {
        let at = line.find(" version \"")?;
        let rest = &line[at + " version \"".len()..];
        Some(rest[..rest.find('"')?].to_string())
    })?;
    let mut parts = quoted.split(|c: char| !c.is_ascii_digit());
    let first: u32 = parts.next()?.parse().ok()?;
    let major = if first == 1 {
        parts.next()?.parse().ok()?
    } else {
        first
    };
    Some((quoted, major))
}

/// What `java` on PATH is.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Java {
    Missing,
    Found {
        path: PathBuf,
        version: String,
        major: u32,
    },
    /// Present, but `java -version` said something we could not read.
    Unreadable {
        path: PathBuf,
        output: String,
    },
}

impl Java {
    /// Looks up `java` on PATH (as Maelstrom's own wrapper does) and asks its version.
    pub(crate) fn detect() -> Java {
        let Ok(path) = which::which("java") else {
            return Java::Missing;
        };
        let output = match Command::new(&path).arg("-version").output() {
            Ok(o) => format!(
                "{}{}",
                String::from_utf8_lossy(&o.stderr),
                String::from_utf8_lossy(&o.stdout)
            ),
            Err(e) => {
                return Java::Unreadable {
                    path,
                    output: e.to_string(),
                }
            }
        };
        match parse_java_version(&output) {
            Some((version, major)) => Java::Found {
                path,
                version,
                major,
            },
            None => Java::Unreadable { path, output },
        }
    }

    /// Java 11 or newer.
    pub(crate) fn usable(&self) -> Option<&Path> {
        match self {
            Java::Found { path, major, .. } if *major >= MIN_JAVA => Some(path),
            _ => None,
        }
    }

    /// Why this Java cannot run Maelstrom, if it cannot.
    pub(crate) fn problem(&self) -> Option<String> {
        match self {
            Java::Missing => Some("java is not on PATH".into()),
            Java::Found { version, major, .. } if *major < MIN_JAVA => Some(format!(
                "java {version} is too old (Maelstrom needs Java {MIN_JAVA} or newer)"
            )),
            Java::Found { .. } => None,
            Java::Unreadable { path, .. } => Some(format!(
                "could not read the version of {} (`java -version`)",
                path.display()
            )),
        }
    }
}

/// How to install a missing tool, per package manager.
pub(crate) const JAVA_INSTALL: &str =
    "sudo apt-get install openjdk-17-jre-headless   (macOS: brew install openjdk)";
pub(crate) const GNUPLOT_INSTALL: &str =
    "sudo apt-get install gnuplot-nox   (macOS: brew install gnuplot)";
const GRAPHVIZ_INSTALL: &str = "sudo apt-get install graphviz   (macOS: brew install graphviz)";
const MAELSTROM_INSTALL: &str =
    "glomers maelstrom install   (`glomers run` also installs it on demand)";

/// One line of the doctor's report.
#[derive(Clone, Debug)]
struct Item {
    name: &'static str,
    required: bool,
    /// `Ok(what was found)` or `Err(what is wrong)`.
    status: Result<String, String>,
    /// What it is for.
    purpose: &'static str,
    install: &'static str,
}

/// Everything the doctor checked.
#[derive(Clone, Debug)]
pub(crate) struct Report {
    items: Vec<Item>,
}

impl Report {
    /// Every required piece is present.
    pub(crate) fn ok(&self) -> bool {
        self.items.iter().all(|i| !i.required || i.status.is_ok())
    }

    pub(crate) fn render(&self) -> String {
        let mut out = String::new();
        for item in &self.items {
            let (mark, text) = match &item.status {
                Ok(found) => ("ok     ", found.clone()),
                Err(problem) if item.required => ("MISSING", problem.clone()),
                Err(problem) => ("missing", format!("{problem} (optional)")),
            };
            let _ = writeln!(out, "{:<10} {mark}  {text}", item.name);
            if item.status.is_err() {
                let _ = writeln!(out, "{:<10}          needed for: {}", "", item.purpose);
                let _ = writeln!(out, "{:<10}          install:    {}", "", item.install);
            }
        }
        let _ = writeln!(
            out,
            "{}",
            if self.ok() {
                "everything Maelstrom needs is here"
            } else {
                "something Maelstrom needs is missing (see above); `glomers run --engine sim` works without it"
            }
        );
        out
    }
}

/// The first line a tool prints for its version flag (stdout or stderr), if it runs.
fn tool_version(name: &str, flag: &str) -> Result<String, String> {
    let path = which::which(name).map_err(|_| format!("{name} is not on PATH"))?;
    match Command::new(&path).arg(flag).output() {
        Ok(o) => {
            let text = format!(
                "{}{}",
                String::from_utf8_lossy(&o.stdout),
                String::from_utf8_lossy(&o.stderr)
            );
            let first = text.lines().next().unwrap_or("").trim().to_string();
            Ok(format!("{first} ({})", path.display()))
        }
        Err(e) => Err(format!("{} does not run: {e}", path.display())),
    }
}

fn maelstrom_status(search: &Search) -> Result<String, String> {
    match locate::locate(search) {
        Ok(Some(found)) => Ok(describe(&found)),
        Ok(None) => Err(match search.cache_dir() {
            Some(dir) => format!(
                "not found (looked in the cache {} and on PATH)",
                dir.display()
            ),
            None => "not found".into(),
        }),
        Err(e) => Err(format!("{e:#}")),
    }
}

/// `0.2.4 at /path (cache)`.
pub(crate) fn describe(found: &Found) -> String {
    let version = found.version().unwrap_or_else(|| "version unknown".into());
    let kind = if found.needs_java() { "" } else { ", launcher" };
    format!(
        "{version} at {} ({}{kind})",
        found.path().display(),
        found.source
    )
}

/// Runs every check.
pub fn check(search: &Search) -> Report {
    let java = Java::detect();
    let java_status = match (&java, java.problem()) {
        (_, Some(problem)) => Err(problem),
        (Java::Found { path, version, .. }, None) => Ok(format!("{version} ({})", path.display())),
        _ => Err("java is not usable".into()),
    };
    Report {
        items: vec![
            Item {
                name: "java",
                required: true,
                status: java_status,
                purpose: "Maelstrom runs on the JVM (Java 11 or newer)",
                install: JAVA_INSTALL,
            },
            Item {
                name: "gnuplot",
                required: true,
                status: tool_version("gnuplot", "--version"),
                purpose: "Maelstrom's latency and rate plots; without it every verdict is :unknown",
                install: GNUPLOT_INSTALL,
            },
            Item {
                name: "dot",
                required: false,
                status: tool_version("dot", "-V"),
                purpose: "graphviz draws Elle's anomaly plots for the txn challenges",
                install: GRAPHVIZ_INSTALL,
            },
            Item {
                name: "maelstrom",
                required: true,
                status: maelstrom_status(search),
                purpose: "the test harness itself",
                install: MAELSTROM_INSTALL,
            },
        ],
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn java_versions_of_every_vintage() {
        let v = |s: &str| parse_java_version(s).map(|(_, m)| m);
        assert_eq!(
            v("java version \"1.8.0_381\"\nJava(TM) SE Runtime Environment (build 1.8.0_381-b09)\n"),
            Some(8)
        );
        assert_eq!(
            v("openjdk version \"11.0.2\" 2019-01-15\nOpenJDK Runtime Environment 18.9\n"),
            Some(11)
        );
        assert_eq!(
            v("openjdk version \"17.0.15\" 2025-04-15\nOpenJDK Runtime Environment (build 17.0.15+6-Debian-1deb12u1)\n"),
            Some(17)
        );
        assert_eq!(v("openjdk version \"21\" 2023-09-19\n"), Some(21));
        assert_eq!(v("openjdk version \"22-ea\" 2024-03-19\n"), Some(22));
        assert_eq!(
            v("Picked up JAVA_TOOL_OPTIONS: -Xmx512m\nopenjdk version \"17.0.2\" 2022-01-18\n"),
            Some(17)
        );
        assert_eq!(v("bash: java: command not found\n"), None);
        assert_eq!(
            parse_java_version("openjdk version \"11.0.2\" 2019-01-15").map(|(s, _)| s),
            Some("11.0.2".to_string())
        );
    }

    #[test]
    fn old_java_is_a_problem() {
        let old = Java::Found {
            path: "/usr/bin/java".into(),
            version: "1.8.0_381".into(),
            major: 8,
        };
        assert!(old.usable().is_none());
        assert!(old.problem().unwrap().contains("too old"));
        let new = Java::Found {
            path: "/usr/bin/java".into(),
            version: "17.0.15".into(),
            major: 17,
        };
        assert_eq!(new.usable(), Some(Path::new("/usr/bin/java")));
        assert!(Java::Missing.problem().unwrap().contains("not on PATH"));
    }

    #[test]
    fn report_names_what_is_missing_and_how_to_install_it() {
        let report = Report {
            items: vec![
                Item {
                    name: "java",
                    required: true,
                    status: Err("java is not on PATH".into()),
                    purpose: "the JVM",
                    install: JAVA_INSTALL,
                },
                Item {
                    name: "dot",
                    required: false,
                    status: Err("dot is not on PATH".into()),
                    purpose: "plots",
                    install: GRAPHVIZ_INSTALL,
                },
            ],
        };
        assert!(!report.ok());
        let text = report.render();
        assert!(text.contains("java       MISSING"), "{text}");
        assert!(text.contains("apt-get install openjdk"), "{text}");
        assert!(text.contains("brew install graphviz"), "{text}");
        assert!(text.contains("(optional)"), "{text}");
        let only_optional = Report {
            items: report.items[1..].to_vec(),
        };
        assert!(only_optional.ok());
    }
}
