//! Lesson 03 measured: one start+join of a child process. Re-running this program
//! (what `Process` does) against running another, tiny program (`true`).

use criterion::Criterion;

#[path = "common.rs"]
mod common;

fn one_process(c: &mut Criterion) {
    let mut group = c.benchmark_group("lesson03");
    group.bench_function("Process start+join (this program again)", |b| {
        b.iter(|| common::start_and_join_nothing(&[]));
    });
    if std::process::Command::new("true").status().is_ok() {
        group.bench_function("Command start+wait (the program true)", |b| {
            b.iter(|| {
                std::process::Command::new("true")
                    .status()
                    .expect("true runs")
            });
        });
    }
    group.finish();
}

fn main() {
    common::run(&[common::NOTHING], &[one_process]);
}
