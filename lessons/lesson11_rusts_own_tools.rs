//! Lesson 11: Rust's own tools for the same job.
//!
//! The download job again, written with plain `std` and rayon the way you would in
//! your own program: results back from threads through their `JoinHandle`, borrowing
//! in a scope, rayon's `map().collect()` as Python's `Pool.map`, a channel as Python's
//! `Queue`, a shared total behind a `Mutex` or in an atomic. What a message and a lock
//! cost is measured in the lesson's benchmark, `benches/lesson11_rusts_own_tools.rs`.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::mpsc;
use std::sync::{Arc, Mutex};
use std::thread;

use clap::Parser;
use rayon::prelude::*;
use reqwest::blocking::Client;

pub mod picture;
use picture::Job;

/// Lesson 11: Rust's own tools: results from threads, a channel, a shared total.
#[derive(Parser)]
struct Args {}

// ANCHOR: main
fn main() -> anyhow::Result<()> {
    workbook::lab::watch();
    Args::parse(); // only --help: the lesson has no options of its own
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
    Ok(())
}
// ANCHOR_END: main

// ANCHOR: join_handles
/// Each thread owns what it needs (`move`) and returns its result; `join` hands it
/// back: `Err` if the thread panicked, else the closure's own `Result`.
fn results_through_join_handles(job: &Job, client: &Client) -> anyhow::Result<()> {
    let mut handles = Vec::new();
    let mut refused = None;
    for i in 0..job.count {
        // Clones to move into the thread: a `Client` is cheap to clone (its connection
        // pool is shared inside), a `String` and a `PathBuf` are copied.
        let (client, url, path) = (client.clone(), job.url.clone(), job.path(i));
        // `thread::spawn` panics if the OS refuses a thread (too many already); a
        // `Builder` says so as an error. Then start no more, and join what started.
        let started: std::io::Result<thread::JoinHandle<anyhow::Result<usize>>> =
            thread::Builder::new().spawn(move || picture::download(&client, &url, &path));
        match started {
            Ok(handle) => handles.push(handle),
            Err(error) => {
                refused = Some(error);
                break;
            }
        }
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
    if let Some(error) = refused {
        anyhow::bail!("cannot start a thread: {error}");
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
            .map(|i| {
                thread::Builder::new()
                    .spawn_scoped(s, move || picture::download(client, &job.url, &job.path(i)))
            })
            .collect::<Result<_, _>>()?;
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
            thread::Builder::new().spawn_scoped(s, move || {
                // A send fails only if the receiver is gone; then nobody is listening.
                let _ = sender.send(Progress::Started(i));
                let message = match picture::download(client, &job.url, &job.path(i)) {
                    Ok(bytes) => Progress::Saved(i, bytes),
                    Err(error) => Progress::Failed(i, format!("{error:#}")),
                };
                let _ = sender.send(message);
            })?;
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
        anyhow::Ok(())
    })?;
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
    let mut refused = None;
    for i in 0..job.count {
        let (total, atomic_total) = (Arc::clone(&total), Arc::clone(&atomic_total));
        let (client, url, path) = (client.clone(), job.url.clone(), job.path(i));
        let started = thread::Builder::new().spawn(move || -> anyhow::Result<()> {
            let bytes = picture::download(&client, &url, &path)? as u64;
            // The lock is held only for the addition, not for the download.
            *total
                .lock()
                .unwrap_or_else(|poisoned| poisoned.into_inner()) += bytes;
            // Relaxed: we need the additions to be atomic, not ordered with anything
            // else; `join` below makes every addition visible before we read.
            atomic_total.fetch_add(bytes, Ordering::Relaxed);
            Ok(())
        });
        match started {
            Ok(handle) => handles.push(handle),
            Err(error) => {
                refused = Some(error); // as in part 1: join what started
                break;
            }
        }
    }
    // Every thread is joined before the first error is returned.
    let mut failed = refused.map(|error| anyhow::anyhow!("cannot start a thread: {error}"));
    for handle in handles {
        let joined = handle
            .join()
            .map_err(|_| anyhow::anyhow!("a download thread panicked"));
        if let Err(error) = joined.and_then(|result| result) {
            failed.get_or_insert(error);
        }
    }
    if let Some(error) = failed {
        return Err(error);
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
