//! Which node a run tests: glomers' own (the default), or the user's program given with
//! `--bin`. A `--bin` may be a template with `{id}` (the challenge, e.g. `3d`) and `{workload}`
//! (Maelstrom's workload, e.g. `broadcast`), so that `run all --bin 'bin/{id}'` tests one
//! binary per challenge. The program is found as a shell would (a bare name on `PATH`, anything
//! with a `/` from the current folder) and must be an executable file that this machine can
//! start ([`crate::driver::runs::runnable`]: a native binary or a `#!` script), checked before a run starts.

use crate::challenge::Profile;
use crate::exit;
use crate::sim::external::Program;
use std::os::unix::fs::PermissionsExt;
use std::path::PathBuf;

/// The placeholders a `--bin` template may use.
const PLACEHOLDERS: [&str; 2] = ["{id}", "{workload}"];

/// `template` with the placeholders filled in for `profile`.
pub fn expand(template: &str, profile: &Profile) -> anyhow::Result<String> {
    let filled = template
        .replace("{id}", &profile.id)
        .replace("{workload}", profile.workload.maelstrom_name());
    if let Some(start) = filled.find('{') {
        let rest = &filled[start..];
        if let Some(end) = rest.find('}') {
            return Err(exit::setup(format!(
                "--bin {template:?}: unknown placeholder {} (known: {})",
                &rest[..=end],
                PLACEHOLDERS.join(", ")
            )));
        }
    }
    Ok(filled)
}

/// Finds the executable `--bin` names for `profile`; `node_args` are passed to it as they are
/// (a foreign program gets none of the profile's own node flags).
pub fn resolve(template: &str, profile: &Profile, node_args: &[String]) -> anyhow::Result<Program> {
    let name = expand(template, profile)?;
    let path = locate(&name).map_err(|why| exit::setup(format!("--bin {name}: {why}")))?;
    Ok(Program {
        bin: path,
        args: node_args.to_vec(),
    })
}

fn locate(name: &str) -> Result<PathBuf, String> {
    if name.is_empty() {
        return Err("the path is empty".into());
    }
    let candidate = if name.contains('/') {
        PathBuf::from(name)
    } else {
        which::which(name).map_err(|_| {
            "no such program on PATH (a program in the current folder is written ./name)"
                .to_string()
        })?
    };
    let meta = std::fs::metadata(&candidate).map_err(|e| format!("{e}"))?;
    if !meta.is_file() {
        return Err("not a file".into());
    }
    if meta.permissions().mode() & 0o111 == 0 {
        return Err(format!(
            "not executable (try `chmod +x {}`; a script also needs a #! line)",
            candidate.display()
        ));
    }
    if let Some(why) = crate::driver::runs::runnable::refusal(&candidate) {
        return Err(why);
    }
    candidate.canonicalize().map_err(|e| format!("{e}"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::challenge::Profiles;

    fn profile(id: &str) -> Profile {
        let (profiles, _) = Profiles::load(None).expect("built-in profiles");
        profiles.find(id).expect("known challenge").clone()
    }

    #[test]
    fn templates_name_the_challenge_and_the_workload() {
        let p = profile("3d");
        assert_eq!(expand("bin/{id}", &p).unwrap(), "bin/3d");
        assert_eq!(expand("./{workload}-node", &p).unwrap(), "./broadcast-node");
        assert_eq!(expand("plain", &p).unwrap(), "plain");
        let err = expand("bin/{challenge}", &p).unwrap_err().to_string();
        assert!(err.contains("unknown placeholder {challenge}"), "{err}");
    }

    #[test]
    fn missing_and_unexecutable_programs_are_clear_errors() {
        let dir = tempfile::tempdir().expect("temp dir");
        let script = dir.path().join("node.py");
        std::fs::write(&script, "#!/usr/bin/env python3\n").expect("write");
        let p = profile("1");
        let err = resolve(&script.display().to_string(), &p, &[]).unwrap_err();
        assert!(err.to_string().contains("not executable"), "{err}");
        assert_eq!(exit::code_of(&err), exit::SETUP);
        let err = resolve("./no/such/node", &p, &[]).unwrap_err();
        assert!(err.to_string().contains("No such file"), "{err}");
        let err = resolve(&dir.path().display().to_string(), &p, &[]).unwrap_err();
        assert!(err.to_string().contains("not a file"), "{err}");
        std::fs::set_permissions(&script, std::fs::Permissions::from_mode(0o755)).expect("chmod");
        let program = resolve(&script.display().to_string(), &p, &["-v".into()]).expect("found");
        assert!(program.bin.is_absolute());
        assert_eq!(program.args, ["-v"]);
    }

    #[test]
    fn a_file_this_machine_cannot_start_is_refused_before_any_run() {
        let dir = tempfile::tempdir().expect("temp dir");
        let text = dir.path().join("node.txt");
        std::fs::write(&text, "print('hello')\n").expect("write");
        std::fs::set_permissions(&text, std::fs::Permissions::from_mode(0o755)).expect("chmod");
        let err = resolve(&text.display().to_string(), &profile("1"), &[]).unwrap_err();
        assert_eq!(exit::code_of(&err), exit::SETUP);
        let message = err.to_string();
        assert!(message.contains("#! line"), "{message}");
        assert!(!message.contains('\n'), "one line: {message}");
    }

    #[test]
    fn a_bare_name_is_looked_up_on_path() {
        let p = profile("1");
        let program = resolve("sh", &p, &[]).expect("sh is on PATH");
        assert!(program.bin.is_absolute());
    }
}
