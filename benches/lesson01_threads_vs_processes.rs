//! Lesson 01 measured: what it costs to start a worker that does nothing and wait for
//! it, as a thread and as a child process (this program run again).

use criterion::Criterion;
use workbook::process::{Process, Task};

#[path = "common.rs"]
mod common;

const NOTHING: Task = Task {
    name: "nothing",
    run: |_| Ok(()),
};

fn start_and_join(c: &mut Criterion) {
    let mut group = c.benchmark_group("lesson01");
    group.bench_function("thread start+join", |b| {
        b.iter(|| std::thread::spawn(|| {}).join().expect("the thread ends"));
    });
    group.bench_function("process start+join", |b| {
        b.iter(|| {
            Process::new(&NOTHING)
                .start()
                .expect("starts")
                .join()
                .expect("joins")
        });
    });
    group.finish();
}

fn main() {
    common::run(&[NOTHING], &[start_and_join]);
}
