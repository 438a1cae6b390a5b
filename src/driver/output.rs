//! Standard output for the reporting commands: every write is checked, so a full disk or
//! `> /dev/full` ends the program with a message (exit 2) instead of a panic. A closed pipe ends
//! it quietly: `main` restores SIGPIPE's default action for these commands.

use super::plan::Format;
use crate::exit;
use crate::report::{render, RunReport};
use std::io::Write;

/// Writes `text` to standard output and flushes it.
pub fn say(text: &str) -> anyhow::Result<()> {
    let mut stdout = std::io::stdout().lock();
    stdout
        .write_all(text.as_bytes())
        .and_then(|()| stdout.flush())
        .map_err(|e| exit::setup(format!("writing to standard output: {e}")))
}

/// Prints one judged run in `format`.
pub(crate) fn print_report(report: &RunReport, format: Format) -> anyhow::Result<()> {
    say(&match format {
        Format::Json => render::run_json(report) + "\n",
        Format::Markdown => render::run_markdown(report),
        Format::Text => render::run_text(report),
    })
}
