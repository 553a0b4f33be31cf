//! Exercise 05: download each picture once, all at the same time.
//!
//! This is lesson 05's naive loop: it downloads every picture twice (the direct call
//! AND a child process), and the direct call makes the loop wait. Change the loop so
//! that each picture is downloaded exactly once and all downloads overlap.
//!
//! Check: `cargo run --bin check -- 05`. Start over: `cargo run --bin check -- 05 --reset`.

use std::env;
use std::process::{Child, Command};

#[path = "../lessons/picture.rs"]
pub mod picture;

fn main() -> anyhow::Result<()> {
    workbook::lab::watch();

    // The main guard: a child is this same program, run again with `--child URL PATH`.
    picture::run_child_if_asked();

    let job = picture::Job::from_env()?;
    let client = picture::client()?;
    let me = env::current_exe()?;

    let mut children: Vec<Child> = Vec::new();
    for i in 0..job.count {
        let path = job.path(i);
        // TODO: one of these two steps has to go. Which one keeps the loop from waiting?
        picture::download(&client, &job.url, &path)?;
        let child = Command::new(&me)
            .arg("--child")
            .arg(&job.url)
            .arg(&path)
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
        anyhow::bail!("{failed} of {} pictures did not arrive", job.count);
    }
    println!("all done");
    Ok(())
}
