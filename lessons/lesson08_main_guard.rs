//! Lesson 08: why the guard comes first in `main`.
//!
//! A child process here is this same program, run again with a marker (lesson 03;
//! Python's "spawn" start method works the same way). Everything in `main` before the
//! guard therefore runs again in every child. If that code starts a process, each
//! child starts another one: a chain without end. This lesson runs that chain,
//! stopped by a hard cap of three generations, after the same program with the guard.
//!
//! It downloads nothing: its lab line only watches its processes and passes on what it
//! prints. What it shows, it prints itself.

use std::env;
use std::process::{self, Command};

use clap::Parser;

/// Lesson 08: the main guard: what happens to code before it, with a capped demo.
#[derive(Parser)]
struct Args {
    /// Only run the demo in which a process is started before the guard.
    #[arg(long)]
    without_guard: bool,

    /// Which generation of the unguarded chain this process is (its parent says).
    #[arg(long, default_value_t = 0, hide = true)]
    generation: u32,
}

/// The hard limit on the unguarded chain: generation 0 is the program you ran.
const MAX_GENERATIONS: u32 = 3;

// ANCHOR: main
fn main() -> anyhow::Result<()> {
    workbook::lab::watch_processes();
    // ANCHOR: before_the_guard
    // Code up here runs in every process of this program, the children included,
    // because each child is this program run again from the top.
    // `args_os`, not `args`: an argument that is not UTF-8 must not panic.
    let args: Vec<String> = env::args_os()
        .map(|arg| arg.to_string_lossy().into_owned())
        .collect();
    if args.iter().any(|arg| arg == "--without-guard") {
        start_a_worker_before_the_guard(&args)?;
    }
    // ANCHOR_END: before_the_guard

    // The guard: a child does its work here and stops.
    if args.get(1).is_some_and(|arg| arg == "--child") {
        println!("pid {}: doing the work", process::id());
        return Ok(());
    }
    let args = Args::parse();
    if args.without_guard {
        return Ok(());
    }

    // ANCHOR: with_the_guard
    println!("With the guard: pid {} starts one worker", process::id());
    let status = Command::new(env::current_exe()?).arg("--child").status()?;
    anyhow::ensure!(status.success(), "the worker ended with {status}");
    println!("2 processes, as intended\n");
    // ANCHOR_END: with_the_guard

    println!("Without the guard: the same program, starting its worker before the guard");
    let status = Command::new(env::current_exe()?)
        .arg("--without-guard")
        .status()?;
    anyhow::ensure!(status.success(), "the unguarded demo ended with {status}");
    println!("without the cap (MAX_GENERATIONS = {MAX_GENERATIONS}), the chain would not end");
    Ok(())
}
// ANCHOR_END: main

// ANCHOR: unguarded
/// What the unguarded program does at its top: start a worker and wait for it. Every
/// generation runs this again, so each one starts the next, until the cap.
fn start_a_worker_before_the_guard(args: &[String]) -> anyhow::Result<()> {
    // `--generation N` comes from the parent; the program you ran is generation 0.
    let generation: u32 = args
        .windows(2)
        .find(|pair| pair[0] == "--generation")
        .and_then(|pair| pair[1].parse().ok())
        .unwrap_or(0);
    let me = format!(
        "{}generation {generation} (pid {}, parent {})",
        "   ".repeat(generation.min(MAX_GENERATIONS) as usize),
        process::id(),
        parent_pid()
    );
    if generation >= MAX_GENERATIONS {
        println!("{me}: the cap stops the chain here");
        return Ok(()); // without the cap, this would go on until the OS says no
    }
    println!("{me}: starts a worker before the guard");
    // The worker gets the flag that brought us here, as a Python child gets its
    // parent's `sys.argv`, so it repeats what we did.
    let status = Command::new(env::current_exe()?)
        .args(["--child", "--without-guard", "--generation"])
        .arg((generation + 1).to_string())
        .status()?;
    anyhow::ensure!(
        status.success(),
        "generation {} ended with {status}",
        generation + 1
    );
    Ok(())
}
// ANCHOR_END: unguarded

/// The parent's pid: std knows it on Unix only.
fn parent_pid() -> String {
    #[cfg(unix)]
    return std::os::unix::process::parent_id().to_string();
    #[cfg(not(unix))]
    return "?".into();
}
