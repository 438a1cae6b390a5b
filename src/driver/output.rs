//! What glomers prints. Standard output (the reports, tables and scripts): every write is
//! checked, so a full disk or `> /dev/full` ends the program with a message (exit 2) instead of
//! a panic, and a reader that went away (`glomers report | head`) silences the rest without a
//! word: the command still ends with its own exit code, so a run's verdict is never lost to a
//! closed pipe. Standard error (progress and notes): best effort, never fatal.

use super::plan::Format;
use crate::exit;
use crate::report::{render, RunReport};
use std::io::Write;
use std::sync::atomic::{AtomicBool, Ordering};

/// Set once standard output's reader has gone: nothing more is written there.
static READER_GONE: AtomicBool = AtomicBool::new(false);

/// Writes `text` to standard output and flushes it.
pub fn say(text: &str) -> anyhow::Result<()> {
    if READER_GONE.load(Ordering::SeqCst) {
        return Ok(());
    }
    let mut stdout = std::io::stdout().lock();
    match stdout
        .write_all(text.as_bytes())
        .and_then(|()| stdout.flush())
    {
        Ok(()) => Ok(()),
        // SIGPIPE is ignored, so a closed pipe is this error rather than a silent death.
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => {
            READER_GONE.store(true, Ordering::SeqCst);
            Ok(())
        }
        Err(e) => Err(exit::setup(format!("writing to standard output: {e}"))),
    }
}

/// Writes one line to standard error, ignoring failure: a closed or full stderr must not end a
/// run (`eprintln!` would panic).
pub fn tell(line: &str) {
    let mut stderr = std::io::stderr().lock();
    let _ = writeln!(stderr, "{line}");
}

/// Prints one judged run in `format`.
pub(crate) fn print_report(report: &RunReport, format: Format) -> anyhow::Result<()> {
    say(&match format {
        Format::Json => render::run_json(report) + "\n",
        Format::Markdown => render::run_markdown(report),
        Format::Text => render::run_text(report),
    })
}
