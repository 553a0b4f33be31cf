//! Lesson 11: Rust's own tools for the same job.
//!
//! The download job again, written with plain `std` and rayon the way you would in
//! your own program: results back from threads through their `JoinHandle`, borrowing
//! in a scope, rayon's `map().collect()` as Python's `Pool.map`, a channel as Python's
//! `Queue`, a shared total behind a `Mutex` or in an atomic. Then, measured in the same
//! run: messages per second through a channel between threads, through a pipe between
//! processes, and (if `python3` is here) through Python's `multiprocessing.Queue`; and
//! a contended counter, `Mutex` against atomic.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::mpsc;
use std::sync::{Arc, Mutex};
use std::thread;
use std::time::{Duration, Instant};

use anyhow::Context;
use clap::Parser;
use rayon::prelude::*;
use workbook::cli::LessonArgs;
use workbook::download::DownloadError;
use workbook::process::Task;
use workbook::queue::{self, Queue};
use workbook::{Downloader, Lesson, Process, cli, process, say};

const NAME: &str = env!("CARGO_CRATE_NAME");
const ABOUT: &str =
    "Lesson 11: Rust's own tools: results from threads, channels, shared state, measured.";

#[derive(Parser)]
struct Args {
    #[command(flatten)]
    lesson: LessonArgs,

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
    process::init(&[SEND_MANY]); // the main guard
    let args: Args = cli::parse(NAME, ABOUT);
    let lesson = Lesson::start_quiet(NAME, &args.lesson)?;
    let downloader = Downloader::new(lesson.limits, &lesson.timeline)?;

    say!("\n1. Results back from workers");
    results_through_join_handles(&lesson, &downloader)?;
    results_in_a_scope(&lesson, &downloader)?;
    results_with_rayon(&lesson, &downloader)?;

    say!("\n2. A channel is Python's Queue");
    progress_through_a_channel(&lesson, &downloader)?;

    say!("\n3. A shared total");
    shared_total(&lesson, &downloader)?;

    say!("\n4. Measured in this run");
    channel_throughput(args.messages as usize)?;
    counter_contention(args.increments as u64);
    // With `--trace FILE`, every download of the run, for Perfetto (lesson 06).
    lesson.write_trace()?;
    Ok(())
}
// ANCHOR_END: main

// ANCHOR: join_handles
/// Each thread owns what it needs (`move`) and returns its result; `join` hands it
/// back: `Err` if the thread panicked, else the closure's own `Result`.
fn results_through_join_handles(lesson: &Lesson, downloader: &Downloader) -> anyhow::Result<()> {
    let mut handles = Vec::new();
    for i in 0..lesson.count {
        // Clones to move into the thread: a `Downloader` is cheap to clone (its HTTP
        // client is shared inside), a `String` and a `PathBuf` are copied.
        let (downloader, url, path) = (downloader.clone(), lesson.url.clone(), lesson.file_path(i));
        let handle: thread::JoinHandle<Result<u64, DownloadError>> =
            thread::spawn(move || downloader.download_image(&url, &path, i));
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
    say!(
        "   JoinHandle<T>: {} pictures, {total} bytes, each result from its own thread",
        lesson.count
    );
    Ok(())
}
// ANCHOR_END: join_handles

// ANCHOR: scope
/// In a scope, threads may borrow: every thread ends before the scope does, so the
/// borrowed `downloader` and `lesson` outlive them. No clones, no `'static`.
fn results_in_a_scope(lesson: &Lesson, downloader: &Downloader) -> anyhow::Result<()> {
    let total: u64 = thread::scope(|s| {
        let handles: Vec<_> = (0..lesson.count)
            // `move` moves only `i` (and the two references) into each closure.
            .map(|i| {
                s.spawn(move || downloader.download_image(&lesson.url, &lesson.file_path(i), i))
            })
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
    say!(
        "   thread::scope:  {} pictures, {total} bytes, borrowed instead of cloned",
        lesson.count
    );
    Ok(())
}
// ANCHOR_END: scope

// ANCHOR: rayon
/// Python's `Pool.map`: rayon maps every item on its pool and collects the results in
/// the items' order. Collecting into `Result<Vec<_>, _>` stops at the first error.
fn results_with_rayon(lesson: &Lesson, downloader: &Downloader) -> anyhow::Result<()> {
    let sizes: Vec<u64> = (0..lesson.count)
        .into_par_iter()
        .map(|i| downloader.download_image(&lesson.url, &lesson.file_path(i), i))
        .collect::<Result<_, _>>()?;
    say!("   rayon map/collect: sizes in order {sizes:?}");
    Ok(())
}
// ANCHOR_END: rayon

// ANCHOR: channel
/// What a worker tells the main thread.
enum Progress {
    Started(usize),
    Saved(usize, u64),
    Failed(usize, String),
}

/// Workers send progress as it happens; the main thread prints it as it arrives and
/// stops when the last sender is gone: no counting, no sentinel value.
fn progress_through_a_channel(lesson: &Lesson, downloader: &Downloader) -> anyhow::Result<()> {
    let (sender, receiver) = mpsc::channel::<Progress>();
    thread::scope(|s| {
        for i in 0..lesson.count {
            let sender = sender.clone(); // one sender per worker
            s.spawn(move || {
                // A send fails only if the receiver is gone; then nobody is listening.
                let _ = sender.send(Progress::Started(i));
                let message = match downloader.download_image(&lesson.url, &lesson.file_path(i), i)
                {
                    Ok(bytes) => Progress::Saved(i, bytes),
                    Err(error) => Progress::Failed(i, error.to_string()),
                };
                let _ = sender.send(message);
            });
        }
        drop(sender); // ours: now the workers hold the only senders
        // `recv` waits for the next message; it fails once every sender is dropped.
        while let Ok(progress) = receiver.recv() {
            match progress {
                Progress::Started(i) => say!("   picture {i}: started"),
                Progress::Saved(i, bytes) => say!("   picture {i}: saved, {bytes} bytes"),
                Progress::Failed(i, why) => say!("   picture {i}: FAILED, {why}"),
            }
        }
    });
    say!("   the channel closed: every worker has finished");
    Ok(())
}
// ANCHOR_END: channel

// ANCHOR: shared_total
/// Two ways to keep one total that every worker adds to.
fn shared_total(lesson: &Lesson, downloader: &Downloader) -> anyhow::Result<()> {
    // A Mutex: one thread at a time holds the lock to add. Arc shares ownership of it.
    let total = Arc::new(Mutex::new(0u64));
    // An atomic: the processor adds without a lock.
    let atomic_total = Arc::new(AtomicU64::new(0));
    let mut handles = Vec::new();
    for i in 0..lesson.count {
        let (total, atomic_total) = (Arc::clone(&total), Arc::clone(&atomic_total));
        let (downloader, url, path) = (downloader.clone(), lesson.url.clone(), lesson.file_path(i));
        handles.push(thread::spawn(move || -> Result<(), DownloadError> {
            let bytes = downloader.download_image(&url, &path, i)?;
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
    say!("   Arc<Mutex<u64>>: {total} bytes; AtomicU64: {atomic_total} bytes");
    anyhow::ensure!(total == atomic_total, "the two totals disagree");
    Ok(())
}
// ANCHOR_END: shared_total

// ANCHOR: throughput
/// A child that puts `n` numbered messages on its queue (the pipe to its parent).
const SEND_MANY: Task = Task {
    name: "send_many",
    run: |args| {
        let n: usize = args.first().context("how many messages?")?.parse()?;
        for k in 0..n {
            queue::put_to_parent(&k.to_string());
        }
        Ok(())
    },
};

/// The same number of small messages three ways: between threads through a channel,
/// between processes through a pipe, and Python's `multiprocessing.Queue`.
fn channel_throughput(messages: usize) -> anyhow::Result<()> {
    say!("   {messages} messages from one worker to the main thread or process:");
    // Threads: the message is moved into the channel; nothing is copied or encoded.
    let start = Instant::now();
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
    let threads = rate(received, start.elapsed());

    // Processes: each message is written as a line of text to a pipe and read back.
    let start = Instant::now();
    let queue = Queue::new();
    let child = Process::new(&SEND_MANY)
        .arg(messages.to_string())
        .queue(&queue)
        .start()?;
    let mut received = 0;
    while queue.get(Duration::from_secs(30)).is_some() {
        received += 1;
        if received == messages {
            break;
        }
    }
    child.join()?.require_success()?;
    let processes = rate(received, start.elapsed());

    say!("   mpsc channel, threads:    {threads:>12.0} messages/s");
    say!(
        "   pipe, processes:          {processes:>12.0} messages/s  ({:.0}x fewer)",
        threads / processes
    );
    match python_queue_rate(messages) {
        Ok(python) => say!(
            "   multiprocessing.Queue:    {python:>12.0} messages/s  ({:.0}x fewer than threads)",
            threads / python
        ),
        Err(why) => say!("   multiprocessing.Queue:    skipped ({why})"),
    }
    Ok(())
}

fn rate(messages: usize, took: Duration) -> f64 {
    messages as f64 / took.as_secs_f64().max(1e-9)
}

/// Runs `python/queue_throughput.py` (standard library only) from the workbook's
/// folder and reads its rate; `Err` says why there is none.
fn python_queue_rate(messages: usize) -> Result<f64, String> {
    let script =
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("python/queue_throughput.py");
    let output = std::process::Command::new("python3")
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
/// Every CPU's thread adds 1 to one counter, `increments` times: behind a `Mutex`,
/// and as an atomic. Both are correct; the lock costs more when threads contend.
fn counter_contention(increments: u64) {
    let threads = 2 * workbook::cpus::available();
    let counter = Mutex::new(0u64);
    let start = Instant::now();
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
    let with_mutex = start.elapsed();
    let atomic = AtomicU64::new(0);
    let start = Instant::now();
    thread::scope(|s| {
        for _ in 0..threads {
            s.spawn(|| {
                for _ in 0..increments {
                    atomic.fetch_add(1, Ordering::Relaxed);
                }
            });
        }
    });
    let with_atomic = start.elapsed();
    let expected = threads as u64 * increments;
    let per_add = |took: Duration| took.as_secs_f64() * 1e9 / expected as f64;
    say!("   {threads} threads adding 1, {increments} times each, to one counter:");
    say!(
        "   Mutex<u64>: {:>6.1} ns per add   (total {})",
        per_add(with_mutex),
        counter
            .into_inner()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    );
    say!(
        "   AtomicU64:  {:>6.1} ns per add   (total {}), {:.1}x faster",
        per_add(with_atomic),
        atomic.load(Ordering::Relaxed),
        with_mutex.as_secs_f64() / with_atomic.as_secs_f64().max(1e-9)
    );
}
// ANCHOR_END: contention
