//! Lesson 08 measured: code before the guard runs again in every child. A child of
//! this program that finds `WORKBOOK_PRE_GUARD_MS` set sleeps that long before its
//! guard, standing in for set-up work (reading a config, building a table) placed
//! above `process::init`. Every start pays for it.

// A benchmark whose set-up fails has nothing to measure: it stops, with the reason.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::time::Duration;

use criterion::Criterion;

#[path = "common.rs"]
mod common;

const PRE_GUARD_VAR: &str = "WORKBOOK_PRE_GUARD_MS";

fn start_cost(c: &mut Criterion) {
    let mut group = c.benchmark_group("lesson08");
    group.bench_function("nothing before the guard", |b| {
        b.iter(|| common::start_and_join_nothing(&[]));
    });
    group.bench_function("10 ms of set-up before the guard", |b| {
        b.iter(|| common::start_and_join_nothing(&[(PRE_GUARD_VAR, "10")]));
    });
    group.finish();
}

fn main() {
    // The "set-up" above the guard: it runs in every child that is told to do it.
    if let Some(ms) = std::env::var(PRE_GUARD_VAR)
        .ok()
        .and_then(|ms| ms.parse().ok())
    {
        std::thread::sleep(Duration::from_millis(ms));
    }
    common::run(&[start_cost]);
}
