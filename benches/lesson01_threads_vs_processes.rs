//! Lesson 01 measured: what it costs to start a worker that does nothing and wait for
//! it, as a thread and as a child process (this program run again), with the lesson's
//! own `run_child`.

// A benchmark whose set-up fails has nothing to measure: it stops, with the reason.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use criterion::Criterion;

#[path = "common.rs"]
mod common;
#[allow(dead_code)]
#[path = "../lessons/lesson01_threads_vs_processes.rs"]
mod lesson01;

fn start_and_join(c: &mut Criterion) {
    let mut group = c.benchmark_group("lesson01");
    group.bench_function("thread start+join", |b| {
        b.iter(|| std::thread::spawn(|| {}).join().expect("the thread ends"));
    });
    group.bench_function("process start+join", |b| {
        b.iter(|| {
            let status = lesson01::run_child(&["nothing"]).expect("starts");
            assert!(status.success());
        });
    });
    group.finish();
}

fn main() {
    // The lesson's guard, in the bench: a child is this bench run with `--child WHAT`.
    if std::env::args().nth(1).as_deref() == Some("--child") {
        return;
    }
    common::run(&[start_and_join]);
}
