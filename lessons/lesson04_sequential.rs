//! Lesson 04: download the pictures one after another.
//!
//! Each download waits for the server's answer before the next one starts, so the
//! total time is the sum of all the waits: the timeline shows a staircase.

use clap::Parser;

pub mod picture;
use picture::Job;

/// Lesson 04: download the pictures one after another.
#[derive(Parser)]
struct Args {}

// ANCHOR: main
fn main() -> anyhow::Result<()> {
    workbook::lab::watch();
    Args::parse(); // only --help: the lesson has no options of its own

    let job = Job::from_env()?;
    download_all_sequentially(&job)?;
    println!("all done");
    Ok(())
}
// ANCHOR_END: main

// ANCHOR: sequential
/// The tutorial's loop: one download at a time. A picture that fails is reported and
/// the loop goes on with the next; the program fails at the end if any did.
pub fn download_all_sequentially(job: &Job) -> anyhow::Result<()> {
    // One HTTP client for all the downloads: it keeps the connection open between them.
    let client = picture::client()?;
    let mut failed = 0;
    for i in 0..job.count {
        let path = job.path(i);
        // This call returns only when picture i is saved or has failed.
        match picture::download(&client, &job.url, &path) {
            Ok(bytes) => println!("saved {} ({bytes} bytes)", path.display()),
            Err(error) => {
                eprintln!("FAILED {}: {error:#}", path.display());
                failed += 1;
            }
        }
    }
    if failed > 0 {
        anyhow::bail!("{failed} of {} pictures did not arrive", job.count);
    }
    Ok(())
}
// ANCHOR_END: sequential
