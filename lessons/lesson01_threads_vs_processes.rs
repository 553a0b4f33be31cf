//! Lesson 01: threads and processes, what each shares and what each costs.
//!
//! Four experiments, each shown by a run: a thread changes memory that `main` then
//! sees, a child process cannot; a crashing child leaves the parent standing, a
//! panicking thread is reported at `join`; starting a thread costs microseconds, a
//! process about a millisecond; and, unlike Python's threads, Rust's threads compute
//! in parallel.

use std::hint::black_box;
use std::sync::atomic::{AtomicU64, Ordering};
use std::thread;
use std::time::{Duration, Instant};

use clap::Parser;
use workbook::process::{self, Process, Task};
use workbook::{cli, say};

const NAME: &str = env!("CARGO_CRATE_NAME");

const ABOUT: &str =
    "Lesson 01: threads vs processes: shared memory, crashes, start-up cost, CPU work.";

/// The four experiments, each of which can be run alone with `--only`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
enum Experiment {
    Memory,
    Crashes,
    Cost,
    Cpu,
}

#[derive(Parser)]
struct Args {
    /// Run just this experiment (all four without it).
    #[arg(long, value_enum)]
    only: Option<Experiment>,

    /// How many starts to time for each kind of worker.
    #[arg(long, default_value_t = 20, value_parser = clap::value_parser!(u32).range(1..=1000))]
    starts: u32,
}

/// A counter in this program's memory. Every process has its own copy of it.
static COUNTER: AtomicU64 = AtomicU64::new(0);

const ADD_ONE: Task = Task {
    name: "add_one",
    run: |_| {
        COUNTER.fetch_add(1, Ordering::SeqCst);
        say!(
            "the child's counter is now {}",
            COUNTER.load(Ordering::SeqCst)
        );
        Ok(())
    },
};
const CRASH: Task = Task {
    name: "crash",
    run: |_| panic!("the child process crashes"),
};
const NOTHING: Task = Task {
    name: "nothing",
    run: |_| Ok(()),
};

// ANCHOR: main
fn main() -> anyhow::Result<()> {
    process::init(&[ADD_ONE, CRASH, NOTHING]); // the main guard
    let args: Args = cli::parse(NAME, ABOUT);
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
// ANCHOR_END: main

// ANCHOR: memory
fn shared_or_separate_memory() -> anyhow::Result<()> {
    say!("1. Memory");
    say!(
        "   the counter in main starts at {}",
        COUNTER.load(Ordering::SeqCst)
    );
    // A thread runs in this process: it changes *our* counter.
    thread::spawn(|| COUNTER.fetch_add(1, Ordering::SeqCst))
        .join()
        .map_err(|_| anyhow::anyhow!("the thread panicked"))?;
    say!(
        "   after a thread added 1:        {}",
        COUNTER.load(Ordering::SeqCst)
    );
    // A child process has its own memory: it changes *its* counter, not ours.
    Process::new(&ADD_ONE).start()?.join()?.require_success()?;
    say!(
        "   after a child process added 1: {}",
        COUNTER.load(Ordering::SeqCst)
    );
    Ok(())
}
// ANCHOR_END: memory

// ANCHOR: crashes
fn crashes() -> anyhow::Result<()> {
    say!("\n2. Crashes");
    let exit = Process::new(&CRASH).name("crasher").start()?.join()?;
    say!("   a child that panics: {exit}; the parent goes on");
    let joined = thread::spawn(|| panic!("the thread panics")).join();
    say!(
        "   a thread that panics: join() returned {}",
        if joined.is_err() {
            "Err (the panic)"
        } else {
            "Ok"
        }
    );
    say!(
        "   the process is still running: pid {}",
        std::process::id()
    );
    Ok(())
}
// ANCHOR_END: crashes

// ANCHOR: cost
fn start_up_cost(starts: usize) -> anyhow::Result<()> {
    say!("\n3. Start-up cost: start and join a worker that does nothing ({starts} times)");
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
        Process::new(&NOTHING).start()?.join()?.require_success()?;
        process_times.push(start.elapsed());
    }
    // The same child started with nothing but std, as a yardstick for `Process`.
    let program = std::env::current_exe()?;
    let mut plain_times = Vec::new();
    for _ in 0..starts {
        let start = Instant::now();
        let status = std::process::Command::new(&program)
            .args([workbook::run::CHILD_FLAG, "nothing", "plain", "0"])
            .status()?;
        anyhow::ensure!(status.success(), "the plain child failed: {status}");
        plain_times.push(start.elapsed());
    }
    let (thread, process) = (median(&mut thread_times), median(&mut process_times));
    let plain = median(&mut plain_times);
    say!("   thread:  median {:>9.1} µs", thread.as_secs_f64() * 1e6);
    say!("   process: median {:>9.1} µs", process.as_secs_f64() * 1e6);
    say!(
        "   (a bare Command::status() of the same child: median {:.1} µs)",
        plain.as_secs_f64() * 1e6
    );
    say!(
        "   a process cost {:.0}x as much as a thread to start",
        process.as_secs_f64() / thread.as_secs_f64()
    );
    Ok(())
}
// ANCHOR_END: cost

// ANCHOR: cpu
fn cpu_work_in_parallel() {
    say!("\n4. CPU work: 4 jobs of summing squares, on 1 thread and on 4 threads");
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
    say!("   1 thread:  {:.3} s", one.as_secs_f64());
    say!(
        "   4 threads: {:.3} s  ({:.1}x faster; {} CPUs here)",
        four.as_secs_f64(),
        one.as_secs_f64() / four.as_secs_f64(),
        workbook::cpus::available()
    );
    say!("   no GIL: Rust's threads compute at the same time, one per CPU");
}
// ANCHOR_END: cpu

fn median(times: &mut [Duration]) -> Duration {
    times.sort();
    times[times.len() / 2]
}
