//! Lesson 11 measured: messages through a channel between threads and through a pipe
//! between processes, and a contended counter behind a `Mutex` against an atomic, with
//! the lesson's own functions.

// A benchmark whose set-up fails has nothing to measure: it stops, with the reason.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use criterion::{BenchmarkId, Criterion, Throughput};

#[path = "common.rs"]
mod common;
#[allow(dead_code)]
#[path = "../lessons/lesson11_rusts_own_tools.rs"]
mod lesson11;

const MESSAGES: usize = 10_000;

fn channels(c: &mut Criterion) {
    let mut group = c.benchmark_group("lesson11 channels");
    group.throughput(Throughput::Elements(MESSAGES as u64));
    group.bench_function(BenchmarkId::new("mpsc threads", MESSAGES), |b| {
        b.iter(|| {
            assert_eq!(
                lesson11::through_a_channel(MESSAGES).expect("runs"),
                MESSAGES
            )
        });
    });
    group.bench_function(BenchmarkId::new("pipe processes", MESSAGES), |b| {
        b.iter(|| assert_eq!(lesson11::through_a_pipe(MESSAGES).expect("runs"), MESSAGES));
    });
    group.finish();
}

fn counters(c: &mut Criterion) {
    const ADDS: u64 = 20_000;
    let threads = 2 * std::thread::available_parallelism().map_or(1, |n| n.get());
    let mut group = c.benchmark_group("lesson11 counter");
    group.throughput(Throughput::Elements(ADDS * threads as u64));
    group.bench_function(BenchmarkId::new("mutex", threads), |b| {
        b.iter(|| {
            assert_eq!(
                lesson11::add_with_a_mutex(threads, ADDS),
                ADDS * threads as u64
            )
        });
    });
    group.bench_function(BenchmarkId::new("atomic", threads), |b| {
        b.iter(|| {
            assert_eq!(
                lesson11::add_with_an_atomic(threads, ADDS),
                ADDS * threads as u64
            )
        });
    });
    group.finish();
}

fn main() {
    // The lesson's guard: the pipe measurement re-runs this bench as its child.
    lesson11::run_child_if_asked();
    common::run(&[channels, counters]);
}
