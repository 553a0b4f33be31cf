//! Lesson 01: threads and processes, what each shares and what each costs.
//!
//! Four experiments, each shown by a run: a thread changes memory that `main` then
//! sees, a child process cannot; a crashing child leaves the parent standing, a
//! panicking thread is reported at `join`; starting a thread costs microseconds, a
//! process about a millisecond; and, unlike Python's threads, Rust's threads compute
//! in parallel.

use std::env;
use std::hint::black_box;
use std::process::{Command, ExitStatus};
use std::thread;
use std::time::{Duration, Instant};

use clap::Parser;

/// The four experiments, each of which can be run alone with `--only`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
enum Experiment {
    Memory,
    Crashes,
    Cost,
    Cpu,
}

/// Lesson 01: threads vs processes: shared memory, crashes, start-up cost, CPU work.
#[derive(Parser)]
struct Args {
    /// Run just this experiment (all four without it).
    #[arg(long, value_enum)]
    only: Option<Experiment>,

    /// How many starts to time for each kind of worker.
    #[arg(long, default_value_t = 20, value_parser = clap::value_parser!(u32).range(1..=1000))]
    starts: u32,
}

// ANCHOR: main
fn main() -> anyhow::Result<()> {
    workbook::lab::watch_processes();
    // The main guard: a child is this same program, run again with `--child WHAT`.
    // `args_os`, not `args`: an argument that is not UTF-8 must not panic.
    let args: Vec<String> = env::args_os()
        .map(|arg| arg.to_string_lossy().into_owned())
        .collect();
    if args.get(1).is_some_and(|arg| arg == "--child") {
        return child(&args[2..]);
    }

    let args = Args::parse();
    let run = |experiment| args.only.is_none_or(|only| only == experiment);
    if run(Experiment::Memory) {
        shared_or_separate_memory()?;
    }
    if run(Experiment::Crashes) {
        crashes()?;
    }
    if run(Experiment::Cost) {
        start_up_cost(args.starts as usize)?;
    }
    if run(Experiment::Cpu) {
        cpu_work_in_parallel();
    }
    Ok(())
}

/// What a child does, by the words after `--child`.
fn child(what: &[String]) -> anyhow::Result<()> {
    match what {
        // It was given a copy of the parent's counter, as a forked child would have.
        [add_one, counter] if add_one == "add_one" => {
            let mut counter: u64 = counter.parse()?;
            counter += 1;
            println!("   the child's counter is now {counter}");
        }
        [crash] if crash == "crash" => panic!("the child process crashes"),
        _ => {} // "nothing": start, and end at once
    }
    Ok(())
}

/// Runs this program again as a child with these words after `--child`, and waits.
pub fn run_child(what: &[&str]) -> anyhow::Result<ExitStatus> {
    Ok(Command::new(env::current_exe()?)
        .arg("--child")
        .args(what)
        .status()?)
}
// ANCHOR_END: main

// ANCHOR: memory
fn shared_or_separate_memory() -> anyhow::Result<()> {
    println!("1. Memory");
    let mut counter: u64 = 0;
    println!("   the counter in main starts at {counter}");
    // A thread runs in this process: it changes *our* counter. `thread::scope` lets it
    // borrow `counter`, and waits for it before the scope ends.
    thread::scope(|scope| {
        scope.spawn(|| counter += 1);
    });
    println!("   after a thread added 1:        {counter}");
    // A child process has memory of its own: it gets a copy of the number, and adds 1
    // to its copy. Ours cannot change.
    let status = run_child(&["add_one", &counter.to_string()])?;
    anyhow::ensure!(status.success(), "the child ended with {status}");
    println!("   after a child process added 1: {counter}");
    Ok(())
}
// ANCHOR_END: memory

// ANCHOR: crashes
fn crashes() -> anyhow::Result<()> {
    println!("\n2. Crashes");
    let status = run_child(&["crash"])?;
    println!("   a child that panics: {status}; the parent goes on");
    let joined = thread::spawn(|| panic!("the thread panics")).join();
    println!(
        "   a thread that panics: join() returned {}",
        if joined.is_err() {
            "Err (the panic)"
        } else {
            "Ok"
        }
    );
    println!(
        "   the process is still running: pid {}",
        std::process::id()
    );
    Ok(())
}
// ANCHOR_END: crashes

// ANCHOR: cost
fn start_up_cost(starts: usize) -> anyhow::Result<()> {
    println!("\n3. Start-up cost: start and join a worker that does nothing ({starts} times)");
    let mut thread_times = Vec::new();
    for _ in 0..starts {
        let start = Instant::now();
        thread::spawn(|| {})
            .join()
            .map_err(|_| anyhow::anyhow!("the thread panicked"))?;
        thread_times.push(start.elapsed());
    }
    let mut process_times = Vec::new();
    for _ in 0..starts {
        let start = Instant::now();
        let status = run_child(&["nothing"])?;
        anyhow::ensure!(status.success(), "the child ended with {status}");
        process_times.push(start.elapsed());
    }
    let (thread, process) = (median(&mut thread_times), median(&mut process_times));
    println!("   thread:  median {:>9.1} µs", thread.as_secs_f64() * 1e6);
    println!("   process: median {:>9.1} µs", process.as_secs_f64() * 1e6);
    println!(
        "   a process cost {:.0}x as much as a thread to start",
        process.as_secs_f64() / thread.as_secs_f64()
    );
    Ok(())
}
// ANCHOR_END: cost

// ANCHOR: cpu
fn cpu_work_in_parallel() {
    println!("\n4. CPU work: 4 jobs of summing squares, on 1 thread and on 4 threads");
    let job = || {
        (0..5_000_000u64)
            .map(|n| black_box(n) * n)
            .fold(0u64, u64::wrapping_add)
    };
    let start = Instant::now();
    for _ in 0..4 {
        black_box(job());
    }
    let one = start.elapsed();
    let start = Instant::now();
    thread::scope(|scope| {
        for _ in 0..4 {
            scope.spawn(|| black_box(job()));
        }
    });
    let four = start.elapsed();
    println!("   1 thread:  {:.3} s", one.as_secs_f64());
    println!(
        "   4 threads: {:.3} s  ({:.1}x faster; {} CPUs here)",
        four.as_secs_f64(),
        one.as_secs_f64() / four.as_secs_f64(),
        thread::available_parallelism().map_or(1, |n| n.get())
    );
    println!("   no GIL: Rust's threads compute at the same time, one per CPU");
}
// ANCHOR_END: cpu

fn median(times: &mut [Duration]) -> Duration {
    times.sort();
    times[times.len() / 2]
}
