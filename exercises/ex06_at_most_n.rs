//! Exercise 06: at most N downloads at a time.
//!
//! One process per picture is fine for 5 pictures; for 500 it would start 500
//! processes at once. Change the loop so that at most `--max-at-once` (default 2)
//! child processes run at the same time, and every picture still arrives.
//!
//! Check: `cargo run --bin check -- 06`. Start over: `cargo run --bin check -- 06 --reset`.

use std::env;
use std::process::{Child, Command};

use anyhow::bail;
use clap::Parser;

#[path = "../lessons/picture.rs"]
pub mod picture;

/// Exercise 06: download in parallel, at most N at a time.
#[derive(Parser)]
struct Args {
    /// How many child processes may run at the same time.
    #[arg(long, default_value_t = 2, value_parser = clap::value_parser!(u32).range(1..=64))]
    max_at_once: u32,
}

fn main() -> anyhow::Result<()> {
    workbook::lab::watch();

    // The main guard: a child is this same program, run again with `--child URL PATH`.
    picture::run_child_if_asked();

    let args = Args::parse();
    let job = picture::Job::from_env()?;
    let max_at_once = args.max_at_once as usize;
    let me = env::current_exe()?;

    // TODO: never more than `max_at_once` processes running. (One way: when that many
    // are running, wait for the oldest before you start the next.)
    let _ = max_at_once;
    let mut children: Vec<Child> = Vec::new();
    for i in 0..job.count {
        let child = Command::new(&me)
            .arg("--child")
            .arg(&job.url)
            .arg(job.path(i))
            .spawn()?;
        children.push(child);
    }
    let mut failed = 0;
    for mut child in children {
        if !child.wait()?.success() {
            failed += 1;
        }
    }

    if failed > 0 {
        bail!("{failed} of {} pictures did not arrive", job.count);
    }
    Ok(())
}
