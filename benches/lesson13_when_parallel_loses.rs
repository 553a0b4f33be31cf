//! Lesson 13 measured: summing with `iter` and `par_iter` at a small and a large size,
//! threads holding a lock during their work against holding it for the update, uneven
//! jobs, too many workers, and Amdahl's job (2 units serial, 8 split) on 1 to 2x the
//! CPUs of workers.

// A benchmark whose set-up fails has nothing to measure: it stops, with the reason.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::hint::black_box;
use std::sync::Mutex;
use std::thread;

use criterion::{BenchmarkId, Criterion};
use rayon::prelude::*;

#[path = "common.rs"]
mod common;

fn too_small_to_split(c: &mut Criterion) {
    let mut group = c.benchmark_group("lesson13 sum");
    for size in [1_000u64, 1_000_000] {
        let numbers: Vec<u64> = (0..size).collect();
        group.bench_function(BenchmarkId::new("sequential", size), |b| {
            b.iter(|| black_box(numbers.iter().sum::<u64>()));
        });
        group.bench_function(BenchmarkId::new("par_iter", size), |b| {
            b.iter(|| black_box(numbers.par_iter().sum::<u64>()));
        });
    }
    group.finish();
}

fn work(n: u64) -> u64 {
    (0..n).fold(0u64, |sum, k| sum.wrapping_add(black_box(k) ^ (sum >> 3)))
}

fn lock_width(c: &mut Criterion) {
    let threads = workbook::cpus::available().max(2);
    let mut group = c.benchmark_group("lesson13 lock");
    let total = Mutex::new(0u64);
    group.bench_function(BenchmarkId::new("held while working", threads), |b| {
        b.iter(|| {
            thread::scope(|s| {
                for _ in 0..threads {
                    s.spawn(|| {
                        let mut total = total.lock().expect("lock");
                        *total = total.wrapping_add(work(200_000));
                    });
                }
            })
        });
    });
    group.bench_function(BenchmarkId::new("held for the update", threads), |b| {
        b.iter(|| {
            thread::scope(|s| {
                for _ in 0..threads {
                    s.spawn(|| {
                        let result = work(200_000);
                        let mut total = total.lock().expect("lock");
                        *total = total.wrapping_add(result);
                    });
                }
            })
        });
    });
    group.finish();
}

/// Jobs of 6, 1, 1, 1, 1, 1, 1, 1 units: fixed chunks against rayon's work stealing.
fn uneven_work(c: &mut Criterion) {
    const UNIT: u64 = 100_000;
    let jobs: Vec<u64> = [6, 1, 1, 1, 1, 1, 1, 1].iter().map(|k| k * UNIT).collect();
    let workers = workbook::cpus::available();
    let mut group = c.benchmark_group("lesson13 uneven");
    group.bench_function(BenchmarkId::new("sequential", workers), |b| {
        b.iter(|| {
            jobs.iter().for_each(|&n| {
                black_box(work(n));
            })
        });
    });
    group.bench_function(BenchmarkId::new("fixed chunks", workers), |b| {
        b.iter(|| {
            thread::scope(|s| {
                for chunk in jobs.chunks(jobs.len().div_ceil(workers)) {
                    s.spawn(move || {
                        chunk.iter().for_each(|&n| {
                            black_box(work(n));
                        })
                    });
                }
            })
        });
    });
    group.bench_function(BenchmarkId::new("work stealing", workers), |b| {
        b.iter(|| {
            jobs.par_iter().with_max_len(1).for_each(|&n| {
                black_box(work(n));
            })
        });
    });
    group.finish();
}

/// Four times the CPUs' worth of one-unit jobs on 1 to 4x the CPUs of threads.
fn too_many_workers(c: &mut Criterion) {
    const UNIT: u64 = 100_000;
    let cpus = workbook::cpus::available();
    let jobs = 4 * cpus;
    let mut group = c.benchmark_group("lesson13 workers");
    let mut workers = 1;
    while workers <= 4 * cpus {
        group.bench_function(BenchmarkId::new("threads", workers), |b| {
            b.iter(|| {
                let next = std::sync::atomic::AtomicUsize::new(0);
                thread::scope(|s| {
                    for _ in 0..workers {
                        s.spawn(|| {
                            while next.fetch_add(1, std::sync::atomic::Ordering::Relaxed) < jobs {
                                black_box(work(UNIT));
                            }
                        });
                    }
                })
            });
        });
        workers *= 2;
    }
    group.finish();
}

/// Amdahl's job, as lesson 13 runs it: 2 units that one thread does, then 8 units
/// split among the workers; from 1 to 2x the CPUs of workers. The book's chart
/// (`pictures/lesson13/amdahl.svg`) is drawn from this table.
fn amdahl(c: &mut Criterion) {
    const UNIT: u64 = 100_000;
    let cpus = workbook::cpus::available();
    let mut group = c.benchmark_group("lesson13 amdahl");
    for workers in 1..=2 * cpus {
        group.bench_function(BenchmarkId::new("threads", workers), |b| {
            b.iter(|| {
                black_box(work(2 * UNIT));
                let share = 8 * UNIT / workers as u64;
                thread::scope(|s| {
                    for _ in 0..workers {
                        s.spawn(move || black_box(work(share)));
                    }
                })
            });
        });
    }
    group.finish();
}

fn main() {
    common::run(&[
        too_small_to_split,
        lock_width,
        uneven_work,
        too_many_workers,
        amdahl,
    ]);
}
