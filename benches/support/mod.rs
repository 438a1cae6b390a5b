//! What the benchmarks share: reading a process's peak memory from `/proc`.

/// The peak resident set (`VmHWM`) of process `pid` (a number, or `self`) so far, in MiB;
/// None where `/proc` does not say (not Linux, or the process is gone).
pub fn peak_mib(pid: &str) -> Option<f64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    Some(line.split_whitespace().nth(1)?.parse::<f64>().ok()? / 1024.0)
}
