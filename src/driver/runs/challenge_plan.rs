//! One challenge's run, resolved once: the profile, the options that run (the profile's with
//! the user's over them), the node program and its arguments, the engine, the wall-clock
//! timeout, where the run folder goes and the words that replay it. `glomers run` derives one
//! per challenge from the command line ([`ChallengePlan::derive`]); every runner (a single run,
//! a seed sweep, `run all`, a flag sweep, either engine) takes it as it is and derives nothing
//! again. Tests and benchmarks build theirs with [`ChallengePlan::own`] and
//! [`ChallengePlan::foreign`].

use crate::challenge::{Profile, TestOpts};
use crate::driver::plan::RunPlan;
use crate::driver::runs::engine::Choice;
use crate::sim::external::Program;
use std::path::PathBuf;
use std::time::Duration;

/// Which node runs, with the arguments it gets.
#[derive(Clone, Debug)]
pub enum NodeProgram {
    /// Glomers' own node: `node <workload>` with the profile's flags, then the user's.
    Own { args: Vec<String> },
    /// The user's program (`--bin`), with only the user's arguments.
    Foreign(Program),
}

/// Everything one challenge's run needs, derived once.
#[derive(Clone, Debug)]
pub struct ChallengePlan {
    pub profile: Profile,
    /// The options that run: the profile's, with the user's over them.
    pub opts: TestOpts,
    pub node: NodeProgram,
    pub(crate) engine: Choice,
    /// The simulator's seed, if the user fixed one (a single run draws one otherwise).
    pub seed: Option<u64>,
    /// Wall-clock time before the harness and every node are stopped: the user's `--timeout`,
    /// or the run's own length plus ten minutes, as a Maelstrom run gets. (Glomers' own node
    /// in the simulator runs in virtual time and needs none.)
    pub timeout: Duration,
    /// `--store DIR`: where the run folder's `store/` goes (default: the current folder).
    pub store: Option<PathBuf>,
    /// What follows `--seed N` in the command that replays a simulator run: the user's
    /// options, `--bin` as given and each `--node-arg`.
    pub replay_words: Vec<String>,
}

/// The grace a run gets beyond its own length before it is stopped, as Maelstrom gives.
const GRACE_SECS: u64 = 600;

impl ChallengePlan {
    /// The plan for `profile` from the command line, to run on `engine`. A `--bin` that is
    /// missing or that this machine cannot start is refused here, before anything runs.
    /// Its engine is the simulator until the command chooses ([`ChallengePlan::on`]): `glomers
    /// run` chooses once for all its challenges, after their plans say whether any needs the
    /// simulator.
    pub(crate) fn derive(profile: &Profile, run: &RunPlan) -> anyhow::Result<Self> {
        let node = match &run.bin {
            Some(bin) => NodeProgram::Foreign(crate::driver::runs::node_program::resolve(
                bin,
                profile,
                &run.node_args,
            )?),
            None => NodeProgram::Own {
                args: profile
                    .node_args
                    .iter()
                    .chain(&run.node_args)
                    .cloned()
                    .collect(),
            },
        };
        let mut replay_words = run.opts.to_args();
        if let Some(bin) = &run.bin {
            replay_words.extend(["--bin".to_string(), bin.clone()]);
        }
        for arg in &run.node_args {
            replay_words.extend(["--node-arg".to_string(), arg.clone()]);
        }
        let mut plan = Self::with_node(profile, &run.opts, node)?;
        plan.seed = run.seed;
        if let Some(secs) = run.timeout {
            plan.timeout = Duration::from_secs(secs.max(1));
        }
        plan.store = run.store.clone();
        plan.replay_words = replay_words;
        Ok(plan)
    }

    /// Glomers' own node on `profile` in the simulator, `overrides` over its options.
    pub fn own(profile: &Profile, overrides: &TestOpts) -> anyhow::Result<Self> {
        let node = NodeProgram::Own {
            args: profile.node_args.clone(),
        };
        Self::with_node(profile, overrides, node)
    }

    /// `program` as every node on `profile` in the simulator, `overrides` over its options.
    pub fn foreign(
        profile: &Profile,
        overrides: &TestOpts,
        program: Program,
    ) -> anyhow::Result<Self> {
        let node = NodeProgram::Foreign(program);
        Self::with_node(profile, overrides, node)
    }

    fn with_node(
        profile: &Profile,
        overrides: &TestOpts,
        node: NodeProgram,
    ) -> anyhow::Result<Self> {
        let opts = profile.opts.merged(overrides);
        let time_limit = u64::from(opts.resolve()?.time_limit_secs);
        Ok(ChallengePlan {
            profile: profile.clone(),
            opts,
            node,
            engine: Choice::sim("--engine sim"),
            seed: None,
            timeout: Duration::from_secs(time_limit + GRACE_SECS),
            store: None,
            replay_words: overrides.to_args(),
        })
    }

    /// The same plan on `engine`.
    pub(crate) fn on(mut self, engine: Choice) -> Self {
        self.engine = engine;
        self
    }

    /// The same plan with `timeout` instead of the default.
    pub fn with_timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout;
        self
    }

    /// The node's arguments: for glomers' own node, its flags after `node <workload>`.
    pub fn node_args(&self) -> &[String] {
        match &self.node {
            NodeProgram::Own { args } => args,
            NodeProgram::Foreign(program) => &program.args,
        }
    }

    /// The user's program, if the plan runs one.
    pub fn foreign_program(&self) -> Option<&Program> {
        match &self.node {
            NodeProgram::Own { .. } => None,
            NodeProgram::Foreign(program) => Some(program),
        }
    }

    /// The command that replays a simulator run of this plan on `seed`.
    pub fn replay_command(&self, seed: u64) -> Vec<String> {
        let mut words: Vec<String> = ["glomers", "run", &self.profile.id, "--engine", "sim"]
            .iter()
            .map(|s| s.to_string())
            .collect();
        words.extend(["--seed".to_string(), seed.to_string()]);
        words.extend(self.replay_words.iter().cloned());
        words
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::challenge::Profiles;

    fn profile(id: &str) -> Profile {
        Profiles::builtin().find(id).expect("known").clone()
    }

    #[test]
    fn the_plan_merges_once_and_appends_the_users_node_flags() {
        let run = RunPlan {
            opts: TestOpts::parse_args(&["--time-limit", "5"]).expect("valid"),
            node_args: vec!["--fanout".into(), "4".into()],
            seed: Some(9),
            ..RunPlan::new("3d")
        };
        let p = profile("3d");
        let plan = ChallengePlan::derive(&p, &run).expect("plan");
        assert_eq!(plan.opts.to_args(), p.opts.merged(&run.opts).to_args());
        assert!(plan.node_args().ends_with(&["--fanout".into(), "4".into()]));
        assert_eq!(plan.node_args().len(), p.node_args.len() + 2);
        assert_eq!(plan.timeout, Duration::from_secs(5 + GRACE_SECS));
        assert_eq!(
            plan.replay_command(9),
            [
                "glomers",
                "run",
                "3d",
                "--engine",
                "sim",
                "--seed",
                "9",
                "--time-limit",
                "5",
                "--node-arg",
                "--fanout",
                "--node-arg",
                "4"
            ]
        );
    }

    #[test]
    fn a_foreign_node_gets_only_the_users_arguments_and_a_bad_bin_is_refused() {
        let p = profile("1");
        let run = RunPlan {
            bin: Some("sh".into()),
            node_args: vec!["-v".into()],
            timeout: Some(0),
            ..RunPlan::new("1")
        };
        let plan = ChallengePlan::derive(&p, &run).expect("plan");
        assert_eq!(plan.node_args(), ["-v"]);
        assert!(plan.foreign_program().is_some_and(|p| p.bin.is_absolute()));
        assert_eq!(plan.timeout, Duration::from_secs(1), "at least a second");
        let missing = RunPlan {
            bin: Some("./no/such/node".into()),
            ..RunPlan::new("1")
        };
        let err = ChallengePlan::derive(&p, &missing).unwrap_err();
        assert_eq!(crate::exit::code_of(&err), crate::exit::SETUP);
    }
}
