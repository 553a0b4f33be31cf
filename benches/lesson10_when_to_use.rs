//! Lesson 10 measured: tiny, CPU-bound and I/O-bound jobs (8 each), run sequentially,
//! on one thread per job, on rayon's pool and in one child process per job, with the
//! lesson's own functions.

use criterion::{BenchmarkId, Criterion};
use workbook::Downloader;
use workbook::download::DOWNLOAD_IMAGE;

#[path = "common.rs"]
mod common;
#[allow(dead_code)]
#[path = "../lessons/lesson10_when_to_use.rs"]
mod lesson10;

const JOBS: usize = 8;

fn four_ways(c: &mut Criterion) {
    let out = tempfile::tempdir().expect("a temporary folder");
    let lesson = common::lesson("lesson10", JOBS, out.path());
    let downloader = Downloader::new(lesson.limits, &lesson.timeline).expect("client");
    let mut group = c.benchmark_group(common::with_latency("lesson10"));
    for work in lesson10::works(&lesson, &downloader) {
        let kind = work.name.split(':').next().unwrap_or(work.name);
        group.bench_function(BenchmarkId::new(format!("{kind} sequential"), JOBS), |b| {
            b.iter(|| lesson10::sequentially(&work.job, JOBS).expect("runs"));
        });
        group.bench_function(BenchmarkId::new(format!("{kind} threads"), JOBS), |b| {
            b.iter(|| lesson10::on_threads(&work.job, JOBS).expect("runs"));
        });
        group.bench_function(BenchmarkId::new(format!("{kind} rayon"), JOBS), |b| {
            b.iter(|| lesson10::with_rayon(&work.job, JOBS).expect("runs"));
        });
        group.bench_function(BenchmarkId::new(format!("{kind} processes"), JOBS), |b| {
            b.iter(|| lesson10::in_processes(&work, JOBS, &lesson.timeline).expect("runs"));
        });
        lesson.timeline.clear();
    }
    group.finish();
}

fn main() {
    common::run(
        &[lesson10::TINY, lesson10::DRAW, DOWNLOAD_IMAGE],
        &[four_ways],
    );
}
