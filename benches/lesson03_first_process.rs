//! Lesson 03 measured: one start and wait of a child with std's bare `Command`, for
//! this program run again (what `Process` starts) and for a tiny program (`true`).
//! `Process` start+join itself is measured once, in lesson 01's bench.

// A benchmark whose set-up fails has nothing to measure: it stops, with the reason.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::process::Command;

use criterion::Criterion;

#[path = "common.rs"]
mod common;

fn one_process(c: &mut Criterion) {
    let mut group = c.benchmark_group("lesson03");
    let this_program = std::env::current_exe().expect("the bench knows its own path");
    group.bench_function("Command start+wait (this program again)", |b| {
        b.iter(|| {
            Command::new(&this_program)
                .arg(common::NOTHING)
                .status()
                .expect("this program runs again")
        });
    });
    if Command::new("true").status().is_ok() {
        group.bench_function("Command start+wait (the program true)", |b| {
            b.iter(|| Command::new("true").status().expect("true runs"));
        });
    }
    group.finish();
}

fn main() {
    common::run(&[one_process]);
}
