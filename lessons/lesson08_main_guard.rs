//! Lesson 08: why every lesson's `main` begins with the guard.
//!
//! A child process here is this same program, started again and told which task to
//! run (Python's "spawn" start method works the same way). Everything in `main` before
//! the guard therefore runs again in every child. If that code starts a process, each
//! child starts another one: a chain without end. This lesson runs that chain, stopped
//! by an explicit cap of three generations, and then the same program with the guard.

use std::time::Duration;

use clap::Parser;
use workbook::process::{self, Process, Task};
use workbook::queue::{self, Queue};
use workbook::{cli, run, say};

const NAME: &str = env!("CARGO_CRATE_NAME");

const ABOUT: &str =
    "Lesson 08: the main guard: what happens to code before it, with a capped demo.";

#[derive(Parser)]
struct Args {
    /// Only run the demo in which a process is started before the guard.
    #[arg(long)]
    without_guard: bool,
}

/// The hard limit on the unguarded chain: generation 0 is the program you ran.
const MAX_GENERATIONS: u32 = 3;
/// Tells each process of the chain its generation.
const GENERATION_VAR: &str = "WORKBOOK_GENERATION";

/// The task the program means to run in a child.
const WORK: Task = Task {
    name: "work",
    run: |_| {
        say!("pid {}: doing the work", std::process::id());
        Ok(())
    },
};

// ANCHOR: main
fn main() -> anyhow::Result<()> {
    // Each process of the unguarded chain reports itself here (see `print_the_chain`).
    let chain = Queue::new();
    // ANCHOR: before_the_guard
    // Code up here runs in every process of this program, the children included,
    // because each child is this program run again from the top.
    if std::env::args().any(|arg| arg == "--without-guard") {
        start_a_worker_before_the_guard(&chain)?;
    }
    // ANCHOR_END: before_the_guard

    // The guard: a child stops here and runs its task.
    process::init(&[WORK]);
    let args: Args = cli::parse(NAME, ABOUT);
    if args.without_guard {
        print_the_chain(&chain);
        return Ok(());
    }

    // ANCHOR: with_the_guard
    say!("With the guard: start one worker after process::init");
    let worker = Process::new(&WORK).start()?;
    let worker_pid = worker.pid();
    worker.join()?.require_success()?;
    say!("pid {}  the program you ran", std::process::id());
    say!("└─ pid {worker_pid}  its worker: 2 processes, as intended\n");
    // ANCHOR_END: with_the_guard

    say!("Without the guard: the same program, starting its worker before process::init");
    let demo = std::process::Command::new(std::env::current_exe()?)
        .arg("--without-guard")
        .status()?;
    anyhow::ensure!(demo.success(), "the unguarded demo failed: {demo}");
    Ok(())
}
// ANCHOR_END: main

// ANCHOR: unguarded
/// What the unguarded program does at its top: start a worker. Every generation runs
/// it again, so each one starts the next, until the cap.
fn start_a_worker_before_the_guard(chain: &Queue) -> anyhow::Result<()> {
    let generation: u32 = match std::env::var(GENERATION_VAR) {
        Ok(text) => text.parse().unwrap_or(MAX_GENERATIONS), // unreadable: stop
        Err(_) => 0,
    };
    // Tell the first process who we are, for the tree it prints.
    let me = format!("{generation} {} {}", std::process::id(), parent_pid());
    if run::is_child() {
        queue::put_to_parent(&me);
    } else {
        chain.put(me);
    }
    if generation >= MAX_GENERATIONS {
        say!(
            "generation {generation} (pid {}): the cap stops the chain here",
            std::process::id()
        );
        return Ok(()); // the cap: without it, this would go on until the OS says no
    }
    say!(
        "generation {generation} (pid {}): starts a worker before the guard",
        std::process::id()
    );
    let worker = Process::new(&WORK)
        .arg("--without-guard") // the flag that brought us here, so the child repeats it
        .env(GENERATION_VAR, (generation + 1).to_string())
        .queue(chain)
        .start()?;
    worker.join()?;
    Ok(())
}
// ANCHOR_END: unguarded

/// Prints the processes of the unguarded chain as a tree, from their queue messages.
fn print_the_chain(queue: &Queue) {
    let mut chain: Vec<(u32, String, String)> = Vec::new();
    while let Some(message) = queue.get(Duration::from_millis(100)) {
        let mut words = message.split(' ').map(str::to_string);
        if let (Some(generation), Some(pid), Some(parent)) =
            (words.next(), words.next(), words.next())
        {
            chain.push((generation.parse().unwrap_or(0), pid, parent));
        }
    }
    chain.sort();
    for (generation, pid, parent) in &chain {
        let indent = "   ".repeat(*generation as usize);
        let branch = if *generation == 0 { "" } else { "└─ " };
        let note = match generation {
            0 => "the program you ran".to_string(),
            g if *g == MAX_GENERATIONS => format!("started by {parent}; stopped here by the cap"),
            _ => format!("started by {parent}, and starts the next"),
        };
        say!(
            "{}{branch}pid {pid}  generation {generation}: {note}",
            indent.get(3..).unwrap_or("")
        );
    }
    say!("{} processes for 1 intended worker;", chain.len());
    say!("without the cap (MAX_GENERATIONS = {MAX_GENERATIONS}), the chain would not end.");
}

fn parent_pid() -> String {
    #[cfg(unix)]
    return std::os::unix::process::parent_id().to_string();
    #[cfg(not(unix))]
    return "?".into();
}
