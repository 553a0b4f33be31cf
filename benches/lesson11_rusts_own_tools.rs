//! Lesson 11 measured: messages through a channel between threads and through a pipe
//! between processes, and a contended counter behind a `Mutex` against an atomic.

use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::mpsc;
use std::thread;
use std::time::Duration;

use criterion::{BenchmarkId, Criterion, Throughput};
use workbook::Process;
use workbook::process::Task;
use workbook::queue::{self, Queue};

#[path = "common.rs"]
mod common;

const MESSAGES: usize = 10_000;

/// The same child as the lesson's: it puts `n` numbered messages on its queue.
const SEND_MANY: Task = Task {
    name: "send_many",
    run: |args| {
        let n: usize = args.first().map_or(Ok(0), |n| n.parse())?;
        for k in 0..n {
            queue::put_to_parent(&k.to_string());
        }
        Ok(())
    },
};

fn channels(c: &mut Criterion) {
    let mut group = c.benchmark_group("lesson11 channels");
    group.throughput(Throughput::Elements(MESSAGES as u64));
    group.bench_function(BenchmarkId::new("mpsc threads", MESSAGES), |b| {
        b.iter(|| {
            let (sender, receiver) = mpsc::channel::<usize>();
            let worker = thread::spawn(move || {
                for k in 0..MESSAGES {
                    let _ = sender.send(k);
                }
            });
            assert_eq!(receiver.iter().count(), MESSAGES);
            worker.join().expect("the sender ends");
        });
    });
    group.bench_function(BenchmarkId::new("pipe processes", MESSAGES), |b| {
        b.iter(|| {
            let queue = Queue::new();
            let child = Process::new(&SEND_MANY)
                .arg(MESSAGES.to_string())
                .queue(&queue)
                .start()
                .expect("starts");
            for _ in 0..MESSAGES {
                queue.get(Duration::from_secs(30)).expect("a message");
            }
            assert!(child.join().expect("joins").success());
        });
    });
    group.finish();
}

fn counters(c: &mut Criterion) {
    const ADDS: u64 = 20_000;
    let threads = 2 * workbook::cpus::available();
    let mut group = c.benchmark_group("lesson11 counter");
    group.throughput(Throughput::Elements(ADDS * threads as u64));
    group.bench_function(BenchmarkId::new("mutex", threads), |b| {
        b.iter(|| {
            let counter = Mutex::new(0u64);
            thread::scope(|s| {
                for _ in 0..threads {
                    s.spawn(|| {
                        for _ in 0..ADDS {
                            *counter.lock().expect("lock") += 1;
                        }
                    });
                }
            });
            assert_eq!(counter.into_inner().expect("lock"), ADDS * threads as u64);
        });
    });
    group.bench_function(BenchmarkId::new("atomic", threads), |b| {
        b.iter(|| {
            let counter = AtomicU64::new(0);
            thread::scope(|s| {
                for _ in 0..threads {
                    s.spawn(|| {
                        for _ in 0..ADDS {
                            counter.fetch_add(1, Ordering::Relaxed);
                        }
                    });
                }
            });
            assert_eq!(counter.load(Ordering::Relaxed), ADDS * threads as u64);
        });
    });
    group.finish();
}

fn main() {
    common::run(&[SEND_MANY], &[channels, counters]);
}
