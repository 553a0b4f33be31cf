//! Lesson 06: download the pictures in parallel, the right way.
//!
//! Start one child process per picture, and only when all are started, wait for them
//! all. The downloads overlap, so the total is about one download instead of five.
//! `--mode threads` and `--mode rayon` do the same with threads; `--mode sequential`
//! is lesson 04's loop, to compare with.

use std::env;
use std::process::{Child, Command};
use std::thread;

use anyhow::{anyhow, bail};
use clap::{Parser, ValueEnum};
use rayon::prelude::*;

pub mod picture;
use picture::Job;

/// Lesson 06: download the pictures in parallel: start every process, then wait for them all.
#[derive(Parser)]
struct Args {
    /// Download in child processes, in threads, on rayon's pool, or one after another.
    #[arg(long, value_enum, default_value_t = Mode::Processes)]
    mode: Mode,
}

#[derive(Clone, Copy, ValueEnum)]
enum Mode {
    Processes,
    Threads,
    Rayon,
    Sequential,
}

// ANCHOR: main
fn main() -> anyhow::Result<()> {
    workbook::lab::watch_compared_with(&["--mode", "sequential"]);

    // The main guard: a child is this same program, run again with `--child URL PATH`.
    // It downloads its one picture and ends there, before any of the parent's work.
    picture::run_child_if_asked();

    let args = Args::parse();
    let job = Job::from_env()?;
    match args.mode {
        Mode::Processes => download_all_in_processes(&job)?,
        Mode::Threads => download_all_in_threads(&job)?,
        Mode::Rayon => download_all_with_rayon(&job)?,
        Mode::Sequential => download_all_sequentially(&job)?,
    }
    println!("all done");
    Ok(())
}
// ANCHOR_END: main

// ANCHOR: processes
pub fn download_all_in_processes(job: &Job) -> anyhow::Result<()> {
    let me = env::current_exe()?;
    // First start them all: `spawn` returns at once, and the child runs on its own.
    let mut children: Vec<Child> = Vec::new();
    for i in 0..job.count {
        let path = job.path(i);
        let started = Command::new(&me)
            .arg("--child")
            .arg(&job.url)
            .arg(&path)
            .spawn();
        match started {
            Ok(child) => children.push(child),
            Err(error) => {
                // Leave nothing running behind us: stop those already started.
                for mut child in children {
                    let _ = child.kill();
                    let _ = child.wait();
                }
                bail!("cannot start the process for picture {i}: {error}");
            }
        }
    }
    // Then wait for them all. Waiting inside the first loop would make it sequential.
    let mut failed = 0;
    for (i, mut child) in children.into_iter().enumerate() {
        let status = child.wait()?;
        if status.code().is_none() {
            // Killed: it could not say why itself.
            eprintln!(
                "FAILED {}: its process was stopped ({status})",
                job.path(i).display()
            );
        }
        if !status.success() {
            failed += 1;
        }
    }
    all_arrived(failed, job.count)
}
// ANCHOR_END: processes

// ANCHOR: threads
pub fn download_all_in_threads(job: &Job) -> anyhow::Result<()> {
    // Threads share memory, so they can share one HTTP client.
    let client = picture::client()?;
    // A scope waits for every thread started in it before it returns. So the threads
    // may borrow `client` and `job`, and there is no join to forget.
    let failed = thread::scope(|s| {
        let mut handles = Vec::new();
        for i in 0..job.count {
            let client = &client;
            // `move` gives the thread its own `i` and `client` (a reference). The
            // `Builder` returns an error if the OS refuses a thread (`s.spawn` panics).
            let thread = thread::Builder::new();
            handles.push(
                thread.spawn_scoped(s, move || download_one(client, &job.url, &job.path(i)))?,
            );
        }
        let results = handles.into_iter().map(|handle| {
            handle
                .join()
                .unwrap_or_else(|_| Err(anyhow!("a download thread panicked")))
        });
        anyhow::Ok(results.filter(said_if_failed).count())
    })?;
    all_arrived(failed, job.count)
}
// ANCHOR_END: threads

// ANCHOR: rayon
pub fn download_all_with_rayon(job: &Job) -> anyhow::Result<()> {
    let client = picture::client()?;
    // rayon's pool has one thread per CPU: on 2 CPUs, 2 downloads at a time.
    println!(
        "rayon: {} threads in its pool",
        rayon::current_num_threads()
    );
    let failed = (0..job.count)
        .into_par_iter()
        .map(|i| download_one(&client, &job.url, &job.path(i)))
        .filter(said_if_failed)
        .count();
    all_arrived(failed, job.count)
}
// ANCHOR_END: rayon

pub fn download_all_sequentially(job: &Job) -> anyhow::Result<()> {
    let client = picture::client()?;
    let failed = (0..job.count)
        .map(|i| download_one(&client, &job.url, &job.path(i)))
        .filter(said_if_failed)
        .count();
    all_arrived(failed, job.count)
}

// ANCHOR: helpers
/// One download, and a line that says it arrived (or why not, on stderr).
fn download_one(
    client: &reqwest::blocking::Client,
    url: &str,
    path: &std::path::Path,
) -> anyhow::Result<()> {
    let bytes = picture::download(client, url, path)?;
    println!("saved {} ({bytes} bytes)", path.display());
    Ok(())
}

/// Prints why a download failed, and says whether it did.
fn said_if_failed(result: &anyhow::Result<()>) -> bool {
    if let Err(error) = result {
        eprintln!("FAILED {error}");
    }
    result.is_err()
}

/// The run's result: an error if any picture did not arrive.
fn all_arrived(failed: usize, count: usize) -> anyhow::Result<()> {
    if failed > 0 {
        bail!("{failed} of {count} pictures did not arrive (the reasons are above)");
    }
    Ok(())
}
// ANCHOR_END: helpers
