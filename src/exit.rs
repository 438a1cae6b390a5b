//! Errors that carry their exit code, so a failure deep in the driver reaches `main` with the
//! documented code: 2 usage or setup error, 3 the harness crashed or wrote no results, 130
//! interrupted by Ctrl-C. Any other error is a usage or setup error (2).

use std::fmt;

/// Exit code: usage or setup error (bad flags, Maelstrom or Java missing, download failed).
pub(crate) const SETUP: u8 = 2;
/// Exit code: the harness crashed, timed out, or wrote no results.
pub(crate) const HARNESS: u8 = 3;
/// Exit code: interrupted (Ctrl-C), the shell convention 128 + SIGINT.
pub(crate) const INTERRUPTED: u8 = 130;

/// An error with the exit code it should end the program with.
#[derive(Debug)]
pub(crate) struct Exit {
    pub(crate) code: u8,
    pub(crate) message: String,
}

impl fmt::Display for Exit {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for Exit {}

/// The harness crashed or produced nothing to judge (exit 3).
pub(crate) fn harness(message: impl Into<String>) -> anyhow::Error {
    anyhow::Error::new(Exit {
        code: HARNESS,
        message: message.into(),
    })
}

/// A usage or setup problem (exit 2).
pub(crate) fn setup(message: impl Into<String>) -> anyhow::Error {
    anyhow::Error::new(Exit {
        code: SETUP,
        message: message.into(),
    })
}

/// Stopped by Ctrl-C (exit 130), with every node process stopped.
pub(crate) fn interrupted() -> anyhow::Error {
    anyhow::Error::new(Exit {
        code: INTERRUPTED,
        message: "interrupted; every node process was stopped".into(),
    })
}

/// The exit code an error maps to: the first [`Exit`] in its chain, else 2.
pub fn code_of(err: &anyhow::Error) -> u8 {
    err.chain()
        .find_map(|e| e.downcast_ref::<Exit>())
        .map(|e| e.code)
        .unwrap_or(SETUP)
}

#[cfg(test)]
mod tests {
    use super::*;
    use anyhow::Context;

    #[test]
    fn code_survives_context() {
        let err = Err::<(), _>(harness("no results"))
            .context("running 3b")
            .unwrap_err();
        assert_eq!(code_of(&err), HARNESS);
        assert_eq!(code_of(&anyhow::anyhow!("plain")), SETUP);
    }
}
