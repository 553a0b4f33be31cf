//! Lesson 11: Rust's own tools for the same job.
//!
//! The download job again, written with plain `std` and rayon the way you would in
//! your own program: results back from threads through their `JoinHandle`, borrowing
//! in a scope, rayon's `map().collect()` as Python's `Pool.map`, a channel as Python's
//! `Queue`, a shared total behind a `Mutex` or in an atomic. Then, measured in the same
//! run: messages per second through a channel between threads, through a pipe between
//! processes, and (if `python3` is here) through Python's `multiprocessing.Queue`; and
//! a contended counter, `Mutex` against atomic.

use std::env;
use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::mpsc;
use std::sync::{Arc, Mutex};
use std::thread;
use std::time::{Duration, Instant};

use anyhow::Context;
use clap::Parser;
use rayon::prelude::*;
use reqwest::blocking::Client;

pub mod picture;
use picture::Job;

/// Lesson 11: Rust's own tools: results from threads, channels, shared state, measured.
#[derive(Parser)]
struct Args {
    /// How many messages to send through each channel in the measurements.
    #[arg(long, default_value_t = 100_000,
          value_parser = clap::value_parser!(u32).range(1..=10_000_000))]
    messages: u32,

    /// How many increments each thread makes to the shared counter.
    #[arg(long, default_value_t = 200_000,
          value_parser = clap::value_parser!(u32).range(1..=100_000_000))]
    increments: u32,
}

// ANCHOR: main
fn main() -> anyhow::Result<()> {
    workbook::lab::watch();
    run_child_if_asked();
    let args = Args::parse();
    let job = Job::from_env()?;
    let client = picture::client()?;

    println!("1. Results back from workers");
    results_through_join_handles(&job, &client)?;
    results_in_a_scope(&job, &client)?;
    results_with_rayon(&job, &client)?;

    println!("\n2. A channel is Python's Queue");
    progress_through_a_channel(&job, &client)?;

    println!("\n3. A shared total");
    shared_total(&job, &client)?;

    println!("\n4. Measured in this run");
    channel_throughput(args.messages as usize)?;
    counter_contention(args.increments as u64);
    Ok(())
}

/// The main guard: `--child send_many N` is the child of the pipe measurement. It
/// prints the numbers 0 to N - 1, one a line, and exits.
pub fn run_child_if_asked() {
    // `args_os`, not `args`: an argument that is not UTF-8 must not panic.
    let args: Vec<String> = env::args_os()
        .map(|arg| arg.to_string_lossy().into_owned())
        .collect();
    if let [_, flag, what, n] = args.as_slice()
        && flag == "--child"
        && what == "send_many"
    {
        for k in 0..n.parse::<usize>().unwrap_or(0) {
            println!("{k}");
        }
        std::process::exit(0);
    }
}
// ANCHOR_END: main

// ANCHOR: join_handles
/// Each thread owns what it needs (`move`) and returns its result; `join` hands it
/// back: `Err` if the thread panicked, else the closure's own `Result`.
fn results_through_join_handles(job: &Job, client: &Client) -> anyhow::Result<()> {
    let mut handles = Vec::new();
    for i in 0..job.count {
        // Clones to move into the thread: a `Client` is cheap to clone (its connection
        // pool is shared inside), a `String` and a `PathBuf` are copied.
        let (client, url, path) = (client.clone(), job.url.clone(), job.path(i));
        let handle: thread::JoinHandle<anyhow::Result<usize>> =
            thread::spawn(move || picture::download(&client, &url, &path));
        handles.push(handle);
    }
    // Join every thread first, then look at the results: returning at the first
    // error would leave the other threads running on their own.
    let mut results = Vec::new();
    for handle in handles {
        let result = handle
            .join()
            .map_err(|_| anyhow::anyhow!("a download thread panicked"))?;
        results.push(result);
    }
    let mut total = 0;
    for result in results {
        total += result?; // a failed download ends this part with its error
    }
    println!(
        "   JoinHandle<T>: {} pictures, {total} bytes, each result from its own thread",
        job.count
    );
    Ok(())
}
// ANCHOR_END: join_handles

// ANCHOR: scope
/// In a scope, threads may borrow: every thread ends before the scope does, so the
/// borrowed `client` and `job` outlive them. No clones, no `'static`.
fn results_in_a_scope(job: &Job, client: &Client) -> anyhow::Result<()> {
    let total: usize = thread::scope(|s| {
        let handles: Vec<_> = (0..job.count)
            // `move` moves only `i` (and the two references) into each closure.
            .map(|i| s.spawn(move || picture::download(client, &job.url, &job.path(i))))
            .collect();
        let mut total = 0;
        for handle in handles {
            let result = handle
                .join()
                .map_err(|_| anyhow::anyhow!("a download thread panicked"))?;
            total += result?;
        }
        anyhow::Ok(total)
    })?;
    println!(
        "   thread::scope:  {} pictures, {total} bytes, borrowed instead of cloned",
        job.count
    );
    Ok(())
}
// ANCHOR_END: scope

// ANCHOR: rayon
/// Python's `Pool.map`: rayon maps every item on its pool and collects the results in
/// the items' order. Collecting into `Result<Vec<_>, _>` stops at the first error.
fn results_with_rayon(job: &Job, client: &Client) -> anyhow::Result<()> {
    let sizes: Vec<usize> = (0..job.count)
        .into_par_iter()
        .map(|i| picture::download(client, &job.url, &job.path(i)))
        .collect::<Result<_, _>>()?;
    println!("   rayon map/collect: sizes in order {sizes:?}");
    Ok(())
}
// ANCHOR_END: rayon

// ANCHOR: channel
/// What a worker tells the main thread.
enum Progress {
    Started(usize),
    Saved(usize, usize),
    Failed(usize, String),
}

/// Workers send progress as it happens; the main thread prints it as it arrives and
/// stops when the last sender is gone: no counting, no sentinel value.
fn progress_through_a_channel(job: &Job, client: &Client) -> anyhow::Result<()> {
    let (sender, receiver) = mpsc::channel::<Progress>();
    thread::scope(|s| {
        for i in 0..job.count {
            let sender = sender.clone(); // one sender per worker
            s.spawn(move || {
                // A send fails only if the receiver is gone; then nobody is listening.
                let _ = sender.send(Progress::Started(i));
                let message = match picture::download(client, &job.url, &job.path(i)) {
                    Ok(bytes) => Progress::Saved(i, bytes),
                    Err(error) => Progress::Failed(i, format!("{error:#}")),
                };
                let _ = sender.send(message);
            });
        }
        drop(sender); // ours: now the workers hold the only senders
        // `recv` waits for the next message; it fails once every sender is dropped.
        while let Ok(progress) = receiver.recv() {
            match progress {
                Progress::Started(i) => println!("   picture {i}: started"),
                Progress::Saved(i, bytes) => println!("   picture {i}: saved, {bytes} bytes"),
                Progress::Failed(i, why) => println!("   picture {i}: FAILED, {why}"),
            }
        }
    });
    println!("   the channel closed: every worker has finished");
    Ok(())
}
// ANCHOR_END: channel

// ANCHOR: shared_total
/// Two ways to keep one total that every worker adds to.
fn shared_total(job: &Job, client: &Client) -> anyhow::Result<()> {
    // A Mutex: one thread at a time holds the lock to add. Arc shares ownership of it.
    let total = Arc::new(Mutex::new(0u64));
    // An atomic: the processor adds without a lock.
    let atomic_total = Arc::new(AtomicU64::new(0));
    let mut handles = Vec::new();
    for i in 0..job.count {
        let (total, atomic_total) = (Arc::clone(&total), Arc::clone(&atomic_total));
        let (client, url, path) = (client.clone(), job.url.clone(), job.path(i));
        handles.push(thread::spawn(move || -> anyhow::Result<()> {
            let bytes = picture::download(&client, &url, &path)? as u64;
            // The lock is held only for the addition, not for the download.
            *total
                .lock()
                .unwrap_or_else(|poisoned| poisoned.into_inner()) += bytes;
            // Relaxed: we need the additions to be atomic, not ordered with anything
            // else; `join` below makes every addition visible before we read.
            atomic_total.fetch_add(bytes, Ordering::Relaxed);
            Ok(())
        }));
    }
    for handle in handles {
        handle
            .join()
            .map_err(|_| anyhow::anyhow!("a download thread panicked"))??;
    }
    let total = *total
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner());
    let atomic_total = atomic_total.load(Ordering::Relaxed);
    println!("   Arc<Mutex<u64>>: {total} bytes; AtomicU64: {atomic_total} bytes");
    anyhow::ensure!(total == atomic_total, "the two totals disagree");
    Ok(())
}
// ANCHOR_END: shared_total

// ANCHOR: throughput
/// The same number of small messages three ways: between threads through a channel,
/// between processes through a pipe, and Python's `multiprocessing.Queue`.
fn channel_throughput(messages: usize) -> anyhow::Result<()> {
    println!("   {messages} messages from one worker to the main thread or process:");
    let start = Instant::now();
    let received = through_a_channel(messages)?;
    let threads = rate(received, start.elapsed());
    let start = Instant::now();
    let received = through_a_pipe(messages)?;
    let processes = rate(received, start.elapsed());

    println!("   mpsc channel, threads:    {threads:>12.0} messages/s");
    println!(
        "   pipe, processes:          {processes:>12.0} messages/s  ({:.0}x fewer)",
        threads / processes
    );
    match python_queue_rate(messages) {
        Ok(python) => println!(
            "   multiprocessing.Queue:    {python:>12.0} messages/s  ({:.0}x fewer than threads)",
            threads / python
        ),
        Err(why) => println!("   multiprocessing.Queue:    skipped ({why})"),
    }
    Ok(())
}

/// Threads: each number is moved into the channel; nothing is copied or encoded.
/// Returns how many arrived.
pub fn through_a_channel(messages: usize) -> anyhow::Result<usize> {
    let (sender, receiver) = mpsc::channel::<usize>();
    let worker = thread::spawn(move || {
        for k in 0..messages {
            let _ = sender.send(k);
        }
    });
    let received = receiver.iter().count(); // ends when the worker drops its sender
    worker
        .join()
        .map_err(|_| anyhow::anyhow!("the sender panicked"))?;
    Ok(received)
}

/// Processes: each number is written as a line of text to a pipe and read back.
/// Returns how many arrived.
pub fn through_a_pipe(messages: usize) -> anyhow::Result<usize> {
    let mut child = Command::new(env::current_exe()?)
        .args(["--child", "send_many", &messages.to_string()])
        .stdout(Stdio::piped())
        .spawn()?;
    let pipe = child.stdout.take().context("the child's pipe")?;
    let received = BufReader::new(pipe).lines().map_while(Result::ok).count();
    let status = child.wait()?;
    anyhow::ensure!(status.success(), "the sending child ended with {status}");
    Ok(received)
}

fn rate(messages: usize, took: Duration) -> f64 {
    messages as f64 / took.as_secs_f64().max(1e-9)
}

/// Runs `python/queue_throughput.py` (standard library only) from the workbook's
/// folder and reads its rate; `Err` says why there is none.
fn python_queue_rate(messages: usize) -> Result<f64, String> {
    let script =
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("python/queue_throughput.py");
    let output = Command::new("python3")
        .arg(&script)
        .arg(messages.to_string())
        .output()
        .map_err(|_| "python3 not found".to_string())?;
    let text = String::from_utf8_lossy(&output.stdout);
    match text.split_whitespace().next().map(str::parse::<f64>) {
        Some(Ok(rate)) if output.status.success() => Ok(rate),
        _ => Err(format!(
            "{} gave no rate: {}",
            script.display(),
            String::from_utf8_lossy(&output.stderr)
                .lines()
                .last()
                .unwrap_or("no output")
        )),
    }
}
// ANCHOR_END: throughput

// ANCHOR: contention
/// Twice as many threads as CPUs add 1 to one counter, `increments` times each:
/// behind a `Mutex`, and as an atomic. Both are correct; the lock costs more when
/// threads contend.
fn counter_contention(increments: u64) {
    let threads = 2 * thread::available_parallelism().map_or(1, |n| n.get());
    let start = Instant::now();
    let with_mutex_total = add_with_a_mutex(threads, increments);
    let with_mutex = start.elapsed();
    let start = Instant::now();
    let with_atomic_total = add_with_an_atomic(threads, increments);
    let with_atomic = start.elapsed();
    let per_add = |took: Duration| took.as_secs_f64() * 1e9 / (threads as u64 * increments) as f64;
    println!("   {threads} threads adding 1, {increments} times each, to one counter:");
    println!(
        "   Mutex<u64>: {:>6.1} ns per add   (total {with_mutex_total})",
        per_add(with_mutex)
    );
    println!(
        "   AtomicU64:  {:>6.1} ns per add   (total {with_atomic_total}), {:.1}x faster",
        per_add(with_atomic),
        with_mutex.as_secs_f64() / with_atomic.as_secs_f64().max(1e-9)
    );
}

/// Every thread takes the lock for each addition; the total at the end.
pub fn add_with_a_mutex(threads: usize, increments: u64) -> u64 {
    let counter = Mutex::new(0u64);
    thread::scope(|s| {
        for _ in 0..threads {
            s.spawn(|| {
                for _ in 0..increments {
                    *counter
                        .lock()
                        .unwrap_or_else(|poisoned| poisoned.into_inner()) += 1;
                }
            });
        }
    });
    counter
        .into_inner()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

/// Every thread adds with one atomic instruction, no lock; the total at the end.
pub fn add_with_an_atomic(threads: usize, increments: u64) -> u64 {
    let counter = AtomicU64::new(0);
    thread::scope(|s| {
        for _ in 0..threads {
            s.spawn(|| {
                for _ in 0..increments {
                    counter.fetch_add(1, Ordering::Relaxed);
                }
            });
        }
    });
    counter.into_inner()
}
// ANCHOR_END: contention
