//! Lesson 05: the tutorial's mistake, made on purpose.
//!
//! Inside one loop, the program calls the download itself *and* starts a child process
//! to do the same download. Every picture is downloaded twice, and because the direct
//! call blocks the loop, the processes start one by one, late. The server's count of
//! requests gives it away: ten for five pictures.

use std::env;
use std::process::{Child, Command};

use clap::Parser;

pub mod picture;
use picture::Job;

/// Lesson 05: the tutorial's mistake: every picture downloaded twice.
#[derive(Parser)]
struct Args {}

// ANCHOR: main
fn main() -> anyhow::Result<()> {
    workbook::lab::watch();

    // The main guard: a child is this same program, run again with `--child URL PATH`.
    picture::run_child_if_asked();
    Args::parse(); // only --help: the lesson has no options of its own

    let job = Job::from_env()?;
    download_all_naively(&job)?;
    println!("all done");
    Ok(())
}
// ANCHOR_END: main

// ANCHOR: naive
/// The tutorial's naive loop: it calls the download AND starts a process for it.
pub fn download_all_naively(job: &Job) -> anyhow::Result<()> {
    let client = picture::client()?;
    let me = env::current_exe()?;
    let mut children: Vec<Child> = Vec::new();
    let mut failed = 0;
    for i in 0..job.count {
        let path = job.path(i);
        // The mistake: this call downloads picture i right here, and the loop waits...
        match picture::download(&client, &job.url, &path) {
            Ok(bytes) => println!("saved {} ({bytes} bytes)", path.display()),
            Err(error) => {
                eprintln!("FAILED {}: {error:#}", path.display());
                failed += 1;
            }
        }
        // ...then a child process is started to download the very same picture again.
        let started = Command::new(&me)
            .arg("--child")
            .arg(&job.url)
            .arg(&path)
            .spawn();
        match started {
            Ok(child) => children.push(child),
            Err(error) => {
                eprintln!("cannot start the process for picture {i}: {error}");
                failed += 1;
                break;
            }
        }
    }
    // Wait for every child that was started, whatever happened above.
    for mut child in children {
        if !child.wait().is_ok_and(|status| status.success()) {
            failed += 1;
        }
    }
    if failed > 0 {
        anyhow::bail!("{failed} downloads failed (the reasons are above)");
    }
    Ok(())
}
// ANCHOR_END: naive
