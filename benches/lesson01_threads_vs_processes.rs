//! Lesson 01 measured: what it costs to start a worker that does nothing and wait for
//! it, as a thread and as a child process (this program run again).

use criterion::Criterion;

#[path = "common.rs"]
mod common;

fn start_and_join(c: &mut Criterion) {
    let mut group = c.benchmark_group("lesson01");
    group.bench_function("thread start+join", |b| {
        b.iter(|| std::thread::spawn(|| {}).join().expect("the thread ends"));
    });
    group.bench_function("process start+join", |b| {
        b.iter(|| common::start_and_join_nothing(&[]));
    });
    group.finish();
}

fn main() {
    common::run(&[common::NOTHING], &[start_and_join]);
}
