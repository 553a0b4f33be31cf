//! Solution 06: keep at most `max_at_once` children running. When that many run, wait
//! for the oldest (the first started, so most likely the first to end) before starting
//! the next. (Chunks, start N then wait for all N, are correct too, but every chunk
//! waits for its slowest download; lesson 12 shows why that matters.)

use std::collections::VecDeque;
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

    let mut running: VecDeque<Child> = VecDeque::new();
    let mut failed = 0;
    for i in 0..job.count {
        if running.len() == max_at_once
            && let Some(mut oldest) = running.pop_front()
            && !oldest.wait()?.success()
        {
            failed += 1;
        }
        let child = Command::new(&me)
            .arg("--child")
            .arg(&job.url)
            .arg(job.path(i))
            .spawn()?;
        running.push_back(child);
    }
    for mut child in running {
        if !child.wait()?.success() {
            failed += 1;
        }
    }

    if failed > 0 {
        bail!("{failed} of {} pictures did not arrive", job.count);
    }
    Ok(())
}
