//! What `/proc/<pid>/stat` says of a process: its parent, its process group and its state.
//! Read to find every process below one ([`super::descendants`]) and to see a process group
//! really gone after its SIGKILL ([`super::group`]). Linux only: where there is no /proc, no
//! process is found.

/// One process, as its stat line shows it now.
#[derive(Clone, Copy, Debug)]
pub(super) struct Entry {
    pub pid: i32,
    pub ppid: i32,
    pub pgrp: i32,
    /// The state letter: `R` running, `S` sleeping, `T` stopped, `Z` zombie…
    pub state: char,
}

impl Entry {
    /// Exited: a zombie waiting to be reaped, or dead.
    pub fn is_gone(&self) -> bool {
        matches!(self.state, 'Z' | 'X' | 'x')
    }

    /// Stopped by a signal or by a tracer.
    pub fn is_stopped(&self) -> bool {
        matches!(self.state, 'T' | 't')
    }
}

/// Process `pid` now, or `None` if it is gone or cannot be read.
pub(super) fn entry(pid: i32) -> Option<Entry> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    parse(pid, &stat)
}

/// A stat line's fields after the command name: state, parent, process group.
fn parse(pid: i32, stat: &str) -> Option<Entry> {
    // The command name is in parentheses and may hold anything, spaces and ')' included.
    let mut fields = stat.rsplit_once(')')?.1.split_whitespace();
    let state = fields.next()?.chars().next()?;
    let ppid = fields.next()?.parse().ok()?;
    let pgrp = fields.next()?.parse().ok()?;
    Some(Entry {
        pid,
        ppid,
        pgrp,
        state,
    })
}

/// Every process on the machine (that can be read), as it is now.
pub(super) fn scan() -> Vec<Entry> {
    let Ok(dir) = std::fs::read_dir("/proc") else {
        return Vec::new();
    };
    dir.filter_map(Result::ok)
        .filter_map(|e| e.file_name().to_str()?.parse::<i32>().ok())
        .filter_map(entry)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_command_name_with_spaces_and_parentheses_is_skipped_whole() {
        let e = parse(42, "42 (a) b (c)) T 7 9 9 0 -1").expect("parsed");
        assert_eq!((e.pid, e.ppid, e.pgrp, e.state), (42, 7, 9, 'T'));
        assert!(e.is_stopped() && !e.is_gone());
        assert!(parse(42, "42 (cut short) Z").is_none());
    }

    #[test]
    fn this_process_reads_as_running_with_its_parent_and_group() {
        let me = entry(std::process::id() as i32).expect("readable");
        assert_eq!(me.ppid, nix::unistd::getppid().as_raw());
        assert_eq!(me.pgrp, nix::unistd::getpgrp().as_raw());
        assert!(!me.is_gone() && !me.is_stopped());
        assert!(scan().iter().any(|e| e.pid == me.pid));
    }
}
