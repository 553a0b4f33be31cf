//! Lesson 12: a thousand downloads, five ways: a tokio task each, a thread each, a
//! pool of threads, child processes at most N at once, and rayon. Without `--mode`
//! it runs all five; under the lab each runs in a process of its own, measured apart.

use std::collections::{HashMap, VecDeque};
use std::path::{Path, PathBuf};
use std::process::{Child, Command};
use std::sync::{Arc, Mutex, mpsc};
use std::thread;

use anyhow::{Context, anyhow, bail};
use clap::{Parser, ValueEnum};
use rayon::prelude::*;

pub mod picture;
pub mod picture_async;
use picture::Job;

/// Lesson 12: a thousand downloads, five ways.
#[derive(Parser)]
struct Args {
    /// Only this way (all five without it).
    #[arg(long, value_enum)]
    mode: Option<Way>,

    /// Most requests in flight (`async`) or children alive (`processes`) at once
    /// [default: async all of them, processes 64].
    #[arg(long, value_parser = clap::value_parser!(u32).range(1..=10_000))]
    max_at_once: Option<u32>,

    /// Threads in the `pool` way.
    #[arg(long, default_value_t = 100, value_parser = clap::value_parser!(u32).range(1..=10_000))]
    workers: u32,

    /// Pictures for the `rayon` way: with one thread per CPU, a thousand waits take
    /// minutes; this many show the point.
    #[arg(long, default_value_t = 20, value_parser = clap::value_parser!(u32).range(1..=10_000))]
    rayon_count: u32,
}

/// One result a picture: the bytes saved, or why not.
type Results = Vec<anyhow::Result<usize>>;

#[derive(Clone, Copy, Debug, ValueEnum)]
enum Way {
    Async,
    Threads,
    Pool,
    Processes,
    Rayon,
}

// ANCHOR: main
fn main() -> anyhow::Result<()> {
    workbook::lab::watch_each_way(
        "--mode",
        &["async", "threads", "pool", "processes", "rayon"],
    );
    picture::run_child_if_asked(); // the main guard: a child downloads one picture
    let args = Args::parse();
    let job = Job::from_env()?;
    let ways = match args.mode {
        Some(way) => vec![way],
        None => Way::value_variants().to_vec(),
    };
    let mut all_arrived = true;
    for way in ways {
        let count = match way {
            Way::Rayon => job.count.min(args.rayon_count as usize),
            _ => job.count,
        };
        let results = match way {
            Way::Async => with_async(&job, count, args.max_at_once)?,
            Way::Threads => one_thread_each(&job, count)?,
            Way::Pool => with_a_pool(&job, count, args.workers as usize)?,
            Way::Processes => processes_at_most(&job, count, args.max_at_once.unwrap_or(64))?,
            Way::Rayon => with_rayon(&job, count)?,
        };
        all_arrived &= report(way, &results);
    }
    if !all_arrived {
        bail!("not every picture arrived (the reasons are above)");
    }
    Ok(())
}
// ANCHOR_END: main

/// One line for the way, then why downloads failed: a thousand failures are usually
/// one or two causes, each said once, with how often and one whole message.
/// True if every picture came.
fn report(way: Way, results: &[anyhow::Result<usize>]) -> bool {
    let saved = results.iter().filter(|result| result.is_ok()).count();
    let name = format!("{way:?}").to_lowercase();
    println!("{name}: {saved} of {} pictures saved", results.len());
    // The cause is the message's last part: `...: Too many open files (os error 24)`.
    let mut reasons: HashMap<String, (usize, String)> = HashMap::new();
    for error in results.iter().filter_map(|result| result.as_ref().err()) {
        let message = format!("{error:#}");
        let cause = message.rsplit(": ").next().unwrap_or_default().to_string();
        reasons.entry(cause).or_insert((0, message)).0 += 1;
    }
    let mut reasons: Vec<_> = reasons.into_iter().collect();
    reasons.sort_by(|a, b| b.1.0.cmp(&a.1.0).then(a.0.cmp(&b.0)));
    for (cause, (times, example)) in reasons.iter().take(3) {
        println!("  {times} x {cause}\n      (one of them: {example})");
    }
    if reasons.len() > 3 {
        println!("  ... and {} other reasons", reasons.len() - 3);
    }
    saved == results.len()
}

// ANCHOR: async
/// One tokio task per picture, at most `max_at_once` downloading (a semaphore's
/// permits). A task that waits for the server gives its thread to another task.
pub fn with_async(job: &Job, count: usize, max_at_once: Option<u32>) -> anyhow::Result<Results> {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        // Saving a file blocks, so it runs on tokio's threads for blocking work; a
        // few save as fast as the default 512 into one folder, with less memory.
        .max_blocking_threads(8)
        .enable_all()
        .build()?;
    let client = picture_async::client()?;
    let permits = Arc::new(tokio::sync::Semaphore::new(
        max_at_once.map_or(count, |n| n as usize),
    ));
    runtime.block_on(async {
        let mut tasks = tokio::task::JoinSet::new();
        for i in 0..count {
            let (client, permits) = (client.clone(), permits.clone());
            let (url, path) = (job.url.clone(), job.path(i));
            tasks.spawn(async move {
                let _permit = permits.acquire_owned().await?; // waits for a free permit
                picture_async::download(&client, &url, path).await
            });
        }
        let mut results = Vec::new();
        while let Some(done) = tasks.join_next().await {
            results.push(done.map_err(anyhow::Error::from).and_then(|result| result));
        }
        Ok(results)
    })
}
// ANCHOR_END: async

// ANCHOR: threads
/// One thread per picture, with small stacks: a thread that waits needs little of
/// the 2 MiB Rust gives a new thread by default (256 KiB is room for a debug build).
pub fn one_thread_each(job: &Job, count: usize) -> anyhow::Result<Results> {
    let client = picture::client()?;
    Ok(thread::scope(|s| {
        let mut handles = Vec::new();
        for i in 0..count {
            let client = &client;
            let started = thread::Builder::new()
                .stack_size(256 * 1024)
                .spawn_scoped(s, move || picture::download(client, &job.url, &job.path(i)));
            handles.push(started);
        }
        handles
            .into_iter()
            .map(|started| match started {
                Ok(handle) => handle
                    .join()
                    .unwrap_or_else(|_| Err(anyhow!("a thread panicked"))),
                Err(error) => Err(anyhow!("cannot start a thread: {error}")),
            })
            .collect()
    }))
}
// ANCHOR_END: threads

// ANCHOR: pool
/// A fixed pool: `workers` threads take the next picture from a channel as soon as
/// they are free (a sliding window, not fixed chunks).
pub fn with_a_pool(job: &Job, count: usize, workers: usize) -> anyhow::Result<Results> {
    let client = picture::client()?;
    let (sender, receiver) = mpsc::channel::<usize>();
    for i in 0..count {
        sender.send(i)?;
    }
    drop(sender); // the channel ends when the last picture has been taken
    // mpsc has one receiver; the workers share it, as one inbox, behind a Mutex.
    let inbox = Mutex::new(receiver);
    let (results, done) = mpsc::channel();
    thread::scope(|s| {
        for _ in 0..workers.min(count) {
            let (client, inbox, results) = (&client, &inbox, results.clone());
            // `--workers` is yours to choose: a `Builder` says so if the OS refuses
            // a thread, where `s.spawn` would panic.
            thread::Builder::new().spawn_scoped(s, move || {
                loop {
                    // The lock is held only to take a number, not while downloading.
                    let next = inbox.lock().unwrap_or_else(|p| p.into_inner()).recv();
                    let Ok(i) = next else { break };
                    let _ = results.send(picture::download(client, &job.url, &job.path(i)));
                }
            })?;
        }
        anyhow::Ok(())
    })?;
    drop(results);
    Ok(done.into_iter().collect())
}
// ANCHOR_END: pool

// ANCHOR: processes
/// One child process per picture (this program again, with `--child`), never more
/// than `max_at_once` alive: when the window is full, wait for the oldest first.
pub fn processes_at_most(job: &Job, count: usize, max_at_once: u32) -> anyhow::Result<Results> {
    let me = std::env::current_exe().context("cannot find this program's own file")?;
    let mut alive: VecDeque<(PathBuf, Child)> = VecDeque::new();
    let mut results = Vec::new();
    for i in 0..count {
        if alive.len() == max_at_once as usize
            && let Some((path, oldest)) = alive.pop_front()
        {
            results.push(wait_for(&path, oldest));
        }
        let started = Command::new(&me)
            .arg("--child")
            .arg(&job.url)
            .arg(job.path(i))
            .stdout(std::process::Stdio::null()) // a thousand "saved" lines are noise
            .spawn();
        match started {
            Ok(child) => alive.push_back((job.path(i), child)),
            Err(error) => results.push(Err(anyhow!("cannot start a child: {error}"))),
        }
    }
    results.extend(
        alive
            .into_iter()
            .map(|(path, child)| wait_for(&path, child)),
    );
    Ok(results)
}

/// A child's exit status, as the result of its picture's download. A child that
/// failed said why on stderr; one that was killed could not, so this names it.
fn wait_for(path: &Path, mut child: Child) -> anyhow::Result<usize> {
    let picture = path.display();
    match child.wait() {
        // The child knows how many bytes it saved; its parent knows only that it did.
        Ok(status) if status.success() => Ok(0),
        // `signal: 9 (SIGKILL)` without its colon: the report groups by the last part.
        Ok(status) => Err(anyhow!(
            "{picture}: its process ended with {}",
            status.to_string().replace(": ", " ")
        )),
        Err(error) => Err(anyhow!("{picture}: cannot wait for its process: {error}")),
    }
}
// ANCHOR_END: processes

// ANCHOR: rayon
/// rayon: `par_iter` on its pool of one thread per CPU. Fine for computing; for
/// waiting, only that many downloads are ever in flight.
pub fn with_rayon(job: &Job, count: usize) -> anyhow::Result<Results> {
    let client = picture::client()?;
    Ok((0..count)
        .into_par_iter()
        .map(|i| picture::download(&client, &job.url, &job.path(i)))
        .collect())
}
// ANCHOR_END: rayon
