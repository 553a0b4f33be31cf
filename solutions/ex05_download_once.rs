//! Solution 05: the direct call goes; the loop only starts processes, and a second
//! loop waits for them (lesson 06's shape). Each picture is downloaded once, all at
//! once: `spawn` returns as soon as the child has started.

use std::env;
use std::process::{Child, Command};

#[path = "../lessons/picture.rs"]
pub mod picture;

fn main() -> anyhow::Result<()> {
    workbook::lab::watch();

    // The main guard: a child is this same program, run again with `--child URL PATH`.
    picture::run_child_if_asked();

    let job = picture::Job::from_env()?;
    let me = env::current_exe()?;

    let mut children: Vec<Child> = Vec::new();
    for i in 0..job.count {
        // Only start the child here: the loop does not wait for its download.
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
        anyhow::bail!("{failed} of {} pictures did not arrive", job.count);
    }
    println!("all done");
    Ok(())
}
