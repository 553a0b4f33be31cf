//! Lesson 03: the first process, in the tutorial's four steps.
//!
//! Define a function, create a process for it, start it, join it. The child is a real
//! OS process: it prints its own name and pid (and its parent's), and the parent
//! prints how the child ended.

use std::io::Read;
use std::process::{Command, Stdio};

use clap::Parser;
use workbook::process::{self, Process, Task, current_process};
use workbook::{cli, say};

const NAME: &str = env!("CARGO_CRATE_NAME");

const ABOUT: &str = "Lesson 03: create a process, start it, join it; the child says who it is.";

#[derive(Parser)]
struct Args {
    /// The child's name (Python's `Process(name=...)`).
    #[arg(long, default_value = "Process-1")]
    name: String,

    /// Make the child panic, to see how the parent learns of it.
    #[arg(long)]
    crash: bool,
}

// ANCHOR: function
/// Step 1: the function the child runs.
const GREET: Task = Task {
    name: "greet",
    run: greet,
};

fn greet(args: &[String]) -> anyhow::Result<()> {
    let me = current_process();
    say!(
        "hello from {} (pid {}), my parent is pid {}",
        me.name,
        me.pid,
        parent_pid()
    );
    if args.first().is_some_and(|arg| arg == "crash") {
        panic!("{} crashes on purpose", me.name);
    }
    Ok(())
}
// ANCHOR_END: function

// ANCHOR: bare
/// The marker that tells a run of this program that it is the bare child.
const BARE_CHILD: &str = "--bare-child";

/// The same four steps with nothing but `std`: run this program again with a marker,
/// read what it prints through a pipe, wait for it. This is what `Process` does for
/// every lesson (plus names, a timeline, and a clean stop on Ctrl-C).
fn first_process_with_std_only() -> anyhow::Result<()> {
    let me = std::env::current_exe()?; // this very program
    let mut child = Command::new(me)
        .arg(BARE_CHILD) // "you are the child": the child's main checks for it first
        .stdout(Stdio::piped()) // what it prints comes to us through a pipe
        .spawn()?; // start: returns at once, the child runs on its own
    let mut said = String::new();
    if let Some(mut pipe) = child.stdout.take() {
        pipe.read_to_string(&mut said)?; // until the child closes its end
    }
    let status = child.wait()?; // join: wait until it has exited
    say!("std only: the child said {:?} and {status}", said.trim());
    Ok(())
}
// ANCHOR_END: bare

// ANCHOR: main
fn main() -> anyhow::Result<()> {
    // The main guard: in the child, run `greet` here and exit.
    process::init(&[GREET]);
    // The bare child of `first_process_with_std_only`, its own guard: say who you
    // are, and stop.
    if std::env::args().nth(1).as_deref() == Some(BARE_CHILD) {
        say!("hello from pid {}", std::process::id());
        return Ok(());
    }
    let args: Args = cli::parse(NAME, ABOUT);
    first_process_with_std_only()?;

    let me = current_process();
    say!("{} (pid {}) creates a process", me.name, me.pid);
    // Step 2: create the process (nothing runs yet).
    let child =
        Process::new(&GREET)
            .name(&args.name)
            .arg(if args.crash { "crash" } else { "greet" });
    // Step 3: start it: a new OS process, running this same program as `greet`.
    let child = child.start()?;
    say!(
        "{} started {} with pid {}",
        me.name,
        child.name(),
        child.pid()
    );
    // Step 4: join it: wait until it has ended.
    let exit = child.join()?;
    say!("{} joined {exit}", me.name);
    anyhow::ensure!(exit.success(), "{exit}");
    Ok(())
}
// ANCHOR_END: main

/// The parent's pid (Unix only in std).
fn parent_pid() -> String {
    #[cfg(unix)]
    return std::os::unix::process::parent_id().to_string();
    #[cfg(not(unix))]
    return "unknown on this OS".into();
}
