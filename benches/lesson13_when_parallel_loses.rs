//! Lesson 13 measured: summing with `iter` and `par_iter` at a small and a large size,
//! and threads holding a lock during their work against holding it for the update.

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

fn main() {
    common::run(&[], &[too_small_to_split, lock_width]);
}
