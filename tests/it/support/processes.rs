//! Process checks read from /proc (state, process group), for tests that must prove glomers
//! left nothing running.

/// (state, process group) of a process, from /proc.
pub fn proc_state(pid: i32) -> Option<(char, i32)> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    let rest = stat.rsplit_once(')')?.1;
    let mut fields = rest.split_whitespace();
    let state = fields.next()?.chars().next()?;
    let _ppid = fields.next()?;
    let pgrp = fields.next()?.parse().ok()?;
    Some((state, pgrp))
}

/// Processes in group `pgid` that are still running (zombies waiting to be reaped excluded).
pub fn running_in_group(pgid: i32) -> Vec<i32> {
    std::fs::read_dir("/proc")
        .unwrap()
        .filter_map(Result::ok)
        .filter_map(|e| e.file_name().to_str()?.parse::<i32>().ok())
        .filter(|pid| matches!(proc_state(*pid), Some((s, g)) if g == pgid && s != 'Z'))
        .collect()
}

pub fn is_running(pid: i32) -> bool {
    matches!(proc_state(pid), Some((s, _)) if s != 'Z')
}
