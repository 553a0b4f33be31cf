//! Lesson 09: how many workers? Count the CPUs, then measure.
//!
//! Python's `cpu_count()` gives the machine's logical CPUs. Rust's
//! `available_parallelism()` gives the number this process may really use, which is
//! smaller under `taskset` or a container's CPU quota. Then the lesson runs the same
//! jobs on pools of 1 to 2 × that many workers: computing stops getting faster once
//! every CPU is busy, waiting (downloads) does not.

use std::fs;
use std::thread;
use std::time::{Duration, Instant};

use clap::Parser;

pub mod picture;

/// Lesson 09: count the CPUs, then run computing and waiting jobs on 1 to 2 × that
/// many workers.
#[derive(Parser)]
struct Args {
    /// Jobs for every pool size (default: 4 × available_parallelism).
    #[arg(long, value_parser = clap::value_parser!(u32).range(1..=1000))]
    jobs: Option<u32>,
}

// ANCHOR: main
fn main() -> anyhow::Result<()> {
    workbook::lab::watch();
    let args = Args::parse();

    // ANCHOR: count
    let available = thread::available_parallelism()?.get();
    println!("available_parallelism: {available}  (what this process may use)");
    match linux_cpu_list("/sys/devices/system/cpu/online") {
        Some(n) => println!("logical CPUs:          {n}  (what Python's cpu_count() reports)"),
        None => println!("logical CPUs:          not read on this system"),
    }
    if let Some(n) = allowed_cpus() {
        println!("CPU affinity:          {n}  (the CPUs taskset allows; try taskset -c 0)");
    }
    // ANCHOR_END: count

    let job = picture::Job::from_env()?;
    let client = picture::client()?;
    // The same jobs for every pool size: enough that 2 × available workers all get some.
    let jobs = args.jobs.map_or(4 * available, |n| n as usize);

    // ANCHOR: scaling
    println!(
        "\n{jobs} jobs on pools of 1 to {} worker threads:",
        2 * available
    );
    println!("workers | computing: count primes | waiting: download a picture");
    let mut first = None;
    for workers in 1..=2 * available {
        let computing = run_on_pool(workers, jobs, |_| {
            std::hint::black_box(count_primes(150_000));
            Ok(())
        })?;
        let waiting = run_on_pool(workers, jobs, |i| {
            picture::download(&client, &job.url, &job.path(i))?;
            Ok(())
        })?;
        let (computing_1, waiting_1) = *first.get_or_insert((computing, waiting));
        println!(
            "{workers:>7} | {:>6.3} s  speedup {:>4.1}x | {:>6.3} s  speedup {:>4.1}x",
            computing.as_secs_f64(),
            computing_1.as_secs_f64() / computing.as_secs_f64(),
            waiting.as_secs_f64(),
            waiting_1.as_secs_f64() / waiting.as_secs_f64(),
        );
    }
    // ANCHOR_END: scaling
    Ok(())
}
// ANCHOR_END: main

// ANCHOR: pool
/// Runs `job(0)` .. `job(jobs - 1)` on `workers` threads and says how long it took.
/// Worker `w` takes jobs `w`, `w + workers`, `w + 2 × workers`, ...: the jobs here
/// are all alike, so that shares them evenly.
pub fn run_on_pool(
    workers: usize,
    jobs: usize,
    job: impl Fn(usize) -> anyhow::Result<()> + Sync,
) -> anyhow::Result<Duration> {
    let start = Instant::now();
    thread::scope(|scope| {
        let job = &job;
        let mut handles = Vec::new();
        for w in 0..workers {
            // `move`: each worker gets its own `w` and a copy of the reference `job`.
            let worker = move || (w..jobs).step_by(workers).try_for_each(job);
            // A `Builder` returns an error if the OS refuses a thread (`spawn` panics).
            handles.push(thread::Builder::new().spawn_scoped(scope, worker)?);
        }
        // The first error, if any, after every worker has finished.
        handles
            .into_iter()
            .try_for_each(|handle| match handle.join() {
                Ok(result) => result,
                Err(_) => anyhow::bail!("a worker panicked"),
            })
    })?;
    Ok(start.elapsed())
}
// ANCHOR_END: pool

/// Work for the CPU alone: count the primes below `below`, by trial division.
pub fn count_primes(below: u64) -> usize {
    (2..below)
        .filter(|&n| (2..).take_while(|d| d * d <= n).all(|d| n % d != 0))
        .count()
}

/// How many CPUs a kernel list such as `0-3,8` names (Linux; `None` elsewhere).
fn linux_cpu_list(file: &str) -> Option<usize> {
    let list = fs::read_to_string(file).ok()?;
    count_cpu_list(list.trim())
}

/// The CPUs this process may run on (Linux: `Cpus_allowed_list` in /proc/self/status).
fn allowed_cpus() -> Option<usize> {
    let status = fs::read_to_string("/proc/self/status").ok()?;
    let list = status
        .lines()
        .find_map(|line| line.strip_prefix("Cpus_allowed_list:"))?;
    count_cpu_list(list.trim())
}

/// `0-3,8` is 5 CPUs.
fn count_cpu_list(list: &str) -> Option<usize> {
    let mut count = 0;
    for part in list.split(',') {
        count += match part.split_once('-') {
            Some((first, last)) => last.parse::<usize>().ok()? + 1 - first.parse::<usize>().ok()?,
            None => part.parse::<usize>().map(|_| 1).ok()?,
        };
    }
    Some(count)
}
