//! Lesson 03: the first process, in the tutorial's four steps.
//!
//! Define a function, create a process for it, start it, join it. Rust's standard
//! library has no `fork`: the child is a fresh run of this same program, with a marker
//! on its command line that tells it to be the child. It prints its own pid and its
//! parent's, and the parent prints how the child ended.
//!
//! It downloads nothing: its lab line only watches its processes and passes on what it
//! prints. What it shows, it prints itself.

use std::env;
use std::process::{self, Command};

use clap::error::ErrorKind;
use clap::{CommandFactory, Parser};

/// Lesson 03: create a process, start it, join it; the child says who it is.
#[derive(Parser)]
struct Args {
    /// The child's name (Python's `Process(name=...)`).
    #[arg(long, default_value = "Process-1")]
    name: String,

    /// Make the child panic, to see how the parent learns of it.
    #[arg(long)]
    crash: bool,
}

/// The marker that tells a run of this program that it is the child.
const CHILD: &str = "--child";

// ANCHOR: function
/// Step 1: the function the child runs.
fn greet(name: &str, crash: bool) {
    println!(
        "hello from {name} (pid {}), my parent is pid {}",
        process::id(),
        parent_pid()
    );
    if crash {
        panic!("{name} crashes on purpose");
    }
}
// ANCHOR_END: function

// ANCHOR: main
fn main() -> anyhow::Result<()> {
    workbook::lab::watch_processes();
    // The main guard: a run with the marker is the child. It runs `greet` and stops.
    // `args_os`, not `args`: an argument that is not UTF-8 must not panic.
    let args: Vec<String> = env::args_os()
        .map(|arg| arg.to_string_lossy().into_owned())
        .collect();
    if let [_, marker, name, rest @ ..] = args.as_slice()
        && marker == CHILD
    {
        greet(name, rest.iter().any(|arg| arg == "crash"));
        return Ok(());
    }

    let args = Args::parse();
    if args.name.chars().any(char::is_control) {
        // Printed as it is, a name with a newline in it could forge a line of output.
        let why = format!(
            "--name {:?}: a name cannot hold a newline or a tab",
            args.name
        );
        Args::command().error(ErrorKind::InvalidValue, why).exit();
    }
    println!("main (pid {}) creates a process", process::id());

    // Step 2: create. A `Command` describes the process: this very program, with the
    // marker and the child's name. Nothing runs yet.
    let mut command = Command::new(env::current_exe()?);
    command.arg(CHILD).arg(&args.name);
    if args.crash {
        command.arg("crash");
    }

    // Step 3: start. `spawn` asks the OS for a new process and returns at once; from
    // here on, the two run at the same time.
    let mut child = command.spawn()?;
    println!("main started {} with pid {}", args.name, child.id());

    // Step 4: join. `wait` blocks until the child has exited, and says how.
    let status = child.wait()?;
    println!("main joined {}: {status}", args.name);
    anyhow::ensure!(status.success(), "{} ended with {status}", args.name);
    Ok(())
}
// ANCHOR_END: main

/// The parent's pid: std knows it on Unix only.
fn parent_pid() -> String {
    #[cfg(unix)]
    return std::os::unix::process::parent_id().to_string();
    #[cfg(not(unix))]
    return "unknown on this OS".into();
}
