//! `glomers list`: the challenges and their official Maelstrom commands.

use crate::challenge::Profiles;
use crate::driver::output::say;
use std::path::Path;

pub fn run(profiles: Option<&Path>) -> anyhow::Result<u8> {
    let (profiles, origin) = Profiles::load(profiles)?;
    let mut text = format!("challenges ({origin}):\n");
    for p in &profiles.challenges {
        text.push_str(&format!(
            "  {:<4} {:<48} -w {} {}\n",
            p.id,
            p.title,
            p.workload.maelstrom_name(),
            p.opts.to_args().join(" ")
        ));
    }
    text.push_str(
        "\nrun one: glomers run <challenge> (glomers' own node)\n\
         test your own node: glomers run <challenge> --bin ./my-node [--node-arg ARG]… \
         [--engine sim for no JVM]\n\
         every challenge, one program each: glomers run all --bin 'bin/{id}' \
         ({id}: the challenge, {workload}: the workload)\n",
    );
    say(&text)?;
    Ok(0)
}
