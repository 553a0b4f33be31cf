//! Lesson 02: the toolbox. The Rust counterpart of each piece of Python's
//! `multiprocessing`, each shown working: `Process` and `current_process()` (a
//! `Command` and a pid), `Queue` (a pipe), `Pool.map` (on threads with rayon, and on
//! child processes) and `cpu_count()`.

use std::env;
use std::process::{self, Child, Command, Stdio};
use std::thread;
use std::time::Instant;

use anyhow::{Context, bail};
use clap::Parser;
use rayon::prelude::*;

/// Lesson 02: the toolbox: Process, current_process, Queue, Pool and cpu_count in Rust.
#[derive(Parser)]
struct Args {
    /// How many child processes the process pool uses [default: available_parallelism].
    #[arg(long, value_parser = clap::value_parser!(u32).range(1..=64))]
    workers: Option<u32>,
}

/// The work item of this lesson: the sum of k² for k below n (wrapping on overflow).
/// `black_box` keeps the optimizer from replacing the loop by a closed formula, and
/// `inline(never)` makes every caller run the same machine code, so that the pools
/// compare the same work.
#[inline(never)]
pub fn sum_of_squares(n: u64) -> u64 {
    (0..n).fold(0u64, |sum, k| {
        sum.wrapping_add(std::hint::black_box(k).wrapping_mul(k))
    })
}

// ANCHOR: children
/// The main guard: a child is this program run again with `--child WHAT ...`. It
/// prints its messages, one a line, on its stdout: the pipe is its queue.
pub fn run_child_if_asked() {
    // `args_os`, not `args`: an argument that is not UTF-8 must not panic.
    let args: Vec<String> = env::args_os()
        .map(|arg| arg.to_string_lossy().into_owned())
        .collect();
    match args.get(1..).unwrap_or_default() {
        [flag, what] if flag == "--child" && what == "introduce" => {
            println!("pid {} is here", process::id());
        }
        [flag, what, items @ ..] if flag == "--child" && what == "sum_of_squares" => {
            // Each item is `index:n`; each answer is `index result`.
            for item in items {
                let Some((index, n)) = item.split_once(':') else {
                    process::exit(2);
                };
                let Ok(n) = n.parse() else {
                    process::exit(2);
                };
                println!("{index} {}", sum_of_squares(n));
            }
        }
        [flag, ..] if flag == "--child" => process::exit(2),
        _ => return, // not a child: go on with main
    }
    process::exit(0);
}

/// Starts this program as a child with these words after `--child`, its stdout a pipe.
fn start_child(words: &[String]) -> anyhow::Result<Child> {
    Ok(Command::new(env::current_exe()?)
        .arg("--child")
        .args(words)
        .stdout(Stdio::piped())
        .spawn()?)
}

/// Waits for a child, reading its pipe to the end; its lines, or why there are none.
fn messages_of(child: Child) -> anyhow::Result<Vec<String>> {
    let output = child.wait_with_output()?;
    if !output.status.success() {
        bail!("a child ended with {}", output.status);
    }
    Ok(String::from_utf8(output.stdout)?
        .lines()
        .map(str::to_string)
        .collect())
}
// ANCHOR_END: children

// ANCHOR: main
fn main() -> anyhow::Result<()> {
    workbook::lab::watch_processes();
    run_child_if_asked();
    let args = Args::parse();

    // cpu_count(): how many CPUs may we use?
    let cpus = thread::available_parallelism().map_or(1, |n| n.get());
    println!("cpu_count       -> std::thread::available_parallelism(): {cpus}");

    // current_process(): who am I?
    println!(
        "current_process -> std::process::id(): pid {}",
        process::id()
    );

    // Process + Queue: three children, each with a pipe; the parent reads them.
    let children = (0..3)
        .map(|_| start_child(&["introduce".to_string()]))
        .collect::<anyhow::Result<Vec<_>>>()?;
    for child in children {
        for message in messages_of(child)? {
            println!("Queue           -> got: {message}");
        }
    }

    // Pool.map on threads and on processes, on the same items.
    let items: Vec<u64> = (1..=8).map(|m| m * 1_000_000).collect();
    let start = Instant::now();
    let on_threads = pool_of_threads(&items);
    let threads_took = start.elapsed();
    let workers = args.workers.map_or(cpus, |w| w as usize);
    let start = Instant::now();
    let on_processes = pool_of_processes(&items, workers)?;
    let processes_took = start.elapsed();
    println!(
        "Pool.map        -> rayon, {} threads: {:?}... in {:.1} ms",
        rayon::current_num_threads(),
        &on_threads[..1],
        threads_took.as_secs_f64() * 1e3
    );
    println!(
        "Pool.map        -> {workers} child processes: {:?}... in {:.1} ms",
        &on_processes[..1],
        processes_took.as_secs_f64() * 1e3
    );
    anyhow::ensure!(on_threads == on_processes, "the two pools disagree");
    println!(
        "                   same {} results from both pools",
        items.len()
    );
    Ok(())
}
// ANCHOR_END: main

// ANCHOR: pools
/// Python's `ThreadPool.map`, or `Pool.map` without the processes: rayon.
pub fn pool_of_threads(items: &[u64]) -> Vec<u64> {
    items.par_iter().map(|&n| sum_of_squares(n)).collect()
}

/// Python's `Pool(workers).map`: the items are dealt out to `workers` child processes,
/// which send back `index result` lines through their pipes.
pub fn pool_of_processes(items: &[u64], workers: usize) -> anyhow::Result<Vec<u64>> {
    let workers = workers.max(1);
    let mut children = Vec::new();
    for w in 0..workers {
        let mut words = vec!["sum_of_squares".to_string()];
        for i in (w..items.len()).step_by(workers) {
            words.push(format!("{i}:{}", items[i]));
        }
        children.push(start_child(&words)?);
    }
    // Every child runs; now collect what each sent, and put it back in item order.
    let mut results = vec![None; items.len()];
    for child in children {
        for message in messages_of(child)? {
            let (index, value) = message
                .split_once(' ')
                .with_context(|| format!("bad result {message:?}"))?;
            let slot = results
                .get_mut(index.parse::<usize>()?)
                .with_context(|| format!("no item {index}"))?;
            *slot = Some(value.parse()?);
        }
    }
    results
        .into_iter()
        .enumerate()
        .map(|(i, r)| r.with_context(|| format!("no result for item {i}")))
        .collect()
}
// ANCHOR_END: pools
