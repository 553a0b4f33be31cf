//! Lesson 07: start the workers, and forget to wait for them.
//!
//! The program starts one worker per picture and says "all done" at once:
//!
//! - `--mode processes`: when the program exits, its children are orphaned, not
//!   killed. They finish their downloads after their parent is gone; the lab sees
//!   them do it. What was wrong is the parent's "all done": no picture existed yet.
//! - `--mode threads`: when `main` returns, the process ends, and its threads die
//!   with it, mid-download. No picture arrives.
//!
//! `--join` waits for the workers before saying "all done": the fix.

use std::env;
use std::process::{Child, Command};
use std::thread;
use std::time::Duration;

use clap::{Parser, ValueEnum};

pub mod picture;
use picture::Job;

/// Lesson 07: start the workers and do not wait for them: what really happens.
#[derive(Parser)]
struct Args {
    /// Workers: child processes or threads.
    #[arg(long, value_enum, default_value_t = Mode::Processes)]
    mode: Mode,

    /// Wait for the workers before saying "all done" (the fix).
    #[arg(long)]
    join: bool,
}

#[derive(Clone, Copy, ValueEnum)]
enum Mode {
    Processes,
    Threads,
}

// ANCHOR: main
fn main() -> anyhow::Result<()> {
    workbook::lab::watch();

    // The main guard: a child is this same program, run again with `--child URL PATH`.
    picture::run_child_if_asked();

    let args = Args::parse();
    let job = Job::from_env()?;
    match args.mode {
        Mode::Processes => start_processes(&job, args.join)?,
        Mode::Threads => start_threads(&job, args.join)?,
    }
    // The rest of the program's work takes a moment, while the downloads are under way.
    thread::sleep(Duration::from_millis(100));
    println!("all done");
    Ok(())
}
// ANCHOR_END: main

// ANCHOR: processes
fn start_processes(job: &Job, join: bool) -> anyhow::Result<()> {
    let me = env::current_exe()?;
    let mut children: Vec<Child> = Vec::new();
    for i in 0..job.count {
        let started = Command::new(&me)
            .arg("--child")
            .arg(&job.url)
            .arg(job.path(i))
            .spawn();
        match started {
            Ok(child) => children.push(child),
            Err(error) => {
                // Forgetful, but not careless: a failed start stops the others.
                for mut child in children {
                    let _ = child.kill();
                    let _ = child.wait();
                }
                anyhow::bail!("cannot start the process for picture {i}: {error}");
            }
        }
    }
    if join {
        for mut child in children {
            child.wait()?;
        }
    }
    // Without the join, `children` is dropped here. Dropping a `Child` does not stop
    // its process: it goes on without us.
    Ok(())
}
// ANCHOR_END: processes

// ANCHOR: threads
fn start_threads(job: &Job, join: bool) -> anyhow::Result<()> {
    let client = picture::client()?;
    let mut handles = Vec::new();
    for i in 0..job.count {
        // `thread::spawn` may outlive this function, so its closure must own what it
        // uses: a clone of the client (cheap, they share one pool), the URL, the path.
        let (client, url, path) = (client.clone(), job.url.clone(), job.path(i));
        handles.push(thread::spawn(move || {
            match picture::download(&client, &url, &path) {
                Ok(bytes) => println!("saved {} ({bytes} bytes)", path.display()),
                Err(error) => eprintln!("FAILED {}: {error:#}", path.display()),
            }
        }));
    }
    if join {
        for handle in handles {
            let _ = handle.join();
        }
    }
    // Without the join, we return while the threads still download. Returning from
    // `main` ends the process, and every thread in it, with no warning.
    Ok(())
}
// ANCHOR_END: threads
