//! `glomers sweep <challenge> --flag NAME=VALUES …`: a grid of node flags over seeds in the
//! simulator, with its table and frontier plot (see [`crate::driver::runs::flag_sweep`]).

use crate::challenge::Profiles;
use crate::driver::runs::flag_sweep::{self, SweepPlan};
use std::path::Path;

/// Runs the sweep; `profiles` is the profiles file given, if any.
pub fn run(challenge: &str, profiles: Option<&Path>, plan: &SweepPlan) -> anyhow::Result<u8> {
    let (profiles, _) = Profiles::load(profiles)?;
    let profile = profiles.find(challenge)?.clone();
    flag_sweep::command(&profile, plan)
}
