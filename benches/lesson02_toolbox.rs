//! Lesson 02 measured: `Pool.map` of the same items on rayon's thread pool and on a
//! pool of child processes (1 and available_parallelism of them), using the lesson's
//! own functions.

// A benchmark whose set-up fails has nothing to measure: it stops, with the reason.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use criterion::{BenchmarkId, Criterion};
use workbook::cpus;

#[path = "common.rs"]
mod common;
#[allow(dead_code)]
#[path = "../lessons/lesson02_toolbox.rs"]
mod lesson02;

fn pools(c: &mut Criterion) {
    let items: Vec<u64> = (1..=8).map(|m| m * 1_000_000).collect();
    let mut group = c.benchmark_group("lesson02");
    group.bench_function(BenchmarkId::new("sequential", 8), |b| {
        b.iter(|| {
            items
                .iter()
                .map(|&n| lesson02::sum_of_squares(n))
                .collect::<Vec<_>>()
        });
    });
    group.bench_function(BenchmarkId::new("rayon threads", 8), |b| {
        b.iter(|| lesson02::pool_of_threads(&items));
    });
    for workers in [1, cpus::available()] {
        let name = if workers == 1 {
            "1 process".to_string()
        } else {
            format!("{workers} processes")
        };
        group.bench_function(BenchmarkId::new(name, 8), |b| {
            b.iter(|| lesson02::pool_of_processes(&items, workers).expect("the pool works"));
        });
    }
    group.finish();
}

fn main() {
    // The lesson's guard: the process pool re-runs this bench as its children.
    lesson02::run_child_if_asked();
    common::run(&[pools]);
}
