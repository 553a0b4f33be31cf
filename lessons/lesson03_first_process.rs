//! Lesson 03: the first process, in the tutorial's four steps.
//!
//! Define a function, create a process for it, start it, join it. The child is a real
//! OS process: it prints its own name and pid (and its parent's), and the parent
//! prints how the child ended.

use clap::Parser;
use workbook::process::{self, Process, Task, current_process};
use workbook::{MainResult, cli, say};

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

// ANCHOR: main
fn main() -> MainResult {
    // The main guard: in the child, run `greet` here and exit.
    process::init(&[GREET]);
    let args: Args = cli::parse("lesson03", ABOUT);

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
    if !exit.success() {
        return Err(anyhow::anyhow!("{exit}").into());
    }
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
