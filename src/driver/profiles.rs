//! The challenge catalog now lives in [`crate::challenge`]; these names stay for callers that
//! still import them from here.

pub use crate::challenge::catalog::BUILTIN;
pub use crate::challenge::{Profile, Profiles, Release, TestOpts};
