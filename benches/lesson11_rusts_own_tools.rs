//! Lesson 11 measured: what a message costs between threads, between processes and
//! through Python's `multiprocessing.Queue`, and what a contended lock costs against an
//! atomic. Each group's rows are measured in the same run, so compare within a group.

// A benchmark whose set-up fails has nothing to measure: it stops, with the reason.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::mpsc;
use std::thread;
use std::time::Duration;

use criterion::{BenchmarkId, Criterion, Throughput};

#[path = "common.rs"]
mod common;

const MESSAGES: usize = 10_000;

// ANCHOR: messages
/// Threads: each number is moved into the channel; nothing is copied or encoded.
/// Returns how many arrived.
fn through_a_channel(messages: usize) -> usize {
    let (sender, receiver) = mpsc::channel::<usize>();
    let worker = thread::spawn(move || {
        for k in 0..messages {
            sender.send(k).expect("the receiver is listening");
        }
    });
    let received = receiver.iter().count(); // ends when the worker drops its sender
    worker.join().expect("the sender ends");
    received
}

/// Processes: this program again, as a child that writes each number as a line of
/// text to a pipe, read back here. Returns how many arrived.
fn through_a_pipe(messages: usize) -> usize {
    let mut child = Command::new(std::env::current_exe().expect("its own path"))
        .args([SEND_MANY, &messages.to_string()])
        .stdout(Stdio::piped())
        .spawn()
        .expect("the child starts");
    let pipe = child.stdout.take().expect("the child's pipe");
    let received = BufReader::new(pipe).lines().map_while(Result::ok).count();
    assert!(child.wait().expect("the child ends").success());
    received
}

/// The child's side of `through_a_pipe`: `--send-many N` prints 0 to N - 1, one a line.
const SEND_MANY: &str = "--send-many";

fn send_many_if_asked() {
    let args: Vec<String> = std::env::args().collect();
    if let [_, flag, n] = args.as_slice()
        && flag == SEND_MANY
    {
        for k in 0..n.parse::<usize>().expect("a number") {
            println!("{k}");
        }
        std::process::exit(0);
    }
}
// ANCHOR_END: messages

// ANCHOR: python
/// Python: `python/queue_throughput.py` times its own child and queue and prints the
/// rate, so the interpreter's own start is left out, as the Rust rows leave out the
/// bench's start. `None` when there is no `python3` here.
fn python_queue(messages: usize) -> Option<Duration> {
    let script = concat!(env!("CARGO_MANIFEST_DIR"), "/python/queue_throughput.py");
    let output = Command::new("python3")
        .arg(script)
        .arg(messages.to_string())
        .output()
        .ok()?;
    assert!(output.status.success(), "{script} failed: {output:?}");
    let text = String::from_utf8_lossy(&output.stdout);
    let rate: f64 = text
        .split_whitespace()
        .next()
        .and_then(|rate| rate.parse().ok())
        .unwrap_or_else(|| panic!("{script} printed no rate: {text}"));
    Some(Duration::from_secs_f64(messages as f64 / rate))
}
// ANCHOR_END: python

fn messages(c: &mut Criterion) {
    let mut group = c.benchmark_group("lesson11 messages");
    group.throughput(Throughput::Elements(MESSAGES as u64));
    group.bench_function(BenchmarkId::new("mpsc threads", MESSAGES), |b| {
        b.iter(|| assert_eq!(through_a_channel(MESSAGES), MESSAGES));
    });
    group.bench_function(BenchmarkId::new("pipe processes", MESSAGES), |b| {
        b.iter(|| assert_eq!(through_a_pipe(MESSAGES), MESSAGES));
    });
    if python_queue(1).is_some() {
        group.bench_function(BenchmarkId::new("python Queue", MESSAGES), |b| {
            b.iter_custom(|runs| {
                (0..runs)
                    .map(|_| python_queue(MESSAGES).expect("python3 ran before"))
                    .sum()
            });
        });
    } else {
        println!("lesson11 messages/python Queue: skipped, python3 is not installed");
    }
    group.finish();
}

// ANCHOR: counter
/// Every thread takes the lock for each addition; the total at the end.
fn add_with_a_mutex(threads: usize, additions: u64) -> u64 {
    let counter = Mutex::new(0u64);
    thread::scope(|s| {
        for _ in 0..threads {
            s.spawn(|| {
                for _ in 0..additions {
                    *counter.lock().expect("no thread panics") += 1;
                }
            });
        }
    });
    counter.into_inner().expect("no thread panics")
}

/// Every thread adds with one atomic instruction, no lock; the total at the end.
fn add_with_an_atomic(threads: usize, additions: u64) -> u64 {
    let counter = AtomicU64::new(0);
    thread::scope(|s| {
        for _ in 0..threads {
            s.spawn(|| {
                for _ in 0..additions {
                    counter.fetch_add(1, Ordering::Relaxed);
                }
            });
        }
    });
    counter.into_inner()
}
// ANCHOR_END: counter

fn counters(c: &mut Criterion) {
    const ADDS: u64 = 20_000;
    // Twice as many threads as CPUs, so that they contend for the one counter.
    let threads = 2 * thread::available_parallelism().map_or(1, |n| n.get());
    let mut group = c.benchmark_group("lesson11 counter");
    group.throughput(Throughput::Elements(ADDS * threads as u64));
    group.bench_function(BenchmarkId::new("mutex", threads), |b| {
        b.iter(|| assert_eq!(add_with_a_mutex(threads, ADDS), ADDS * threads as u64));
    });
    group.bench_function(BenchmarkId::new("atomic", threads), |b| {
        b.iter(|| assert_eq!(add_with_an_atomic(threads, ADDS), ADDS * threads as u64));
    });
    group.finish();
}

fn main() {
    // The main guard: the pipe measurement runs this bench again as its child.
    send_many_if_asked();
    common::run(&[messages, counters]);
}
