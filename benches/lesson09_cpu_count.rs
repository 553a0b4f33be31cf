//! Lesson 09 measured: the same jobs on pools of 1 to 2 × available_parallelism
//! workers, for CPU-bound jobs (draw a 200x3000 JPEG) and I/O-bound jobs (download a
//! picture from the local server). CPU-bound stops scaling at available_parallelism;
//! I/O-bound goes on.

use criterion::{BenchmarkId, Criterion};
use workbook::pool::run_on_pool;
use workbook::{Downloader, cpus, server};

#[path = "common.rs"]
mod common;

fn scaling(c: &mut Criterion) {
    let available = cpus::available();
    let jobs = 4 * available;
    let out = tempfile::tempdir().expect("a temporary folder");
    let lesson = common::lesson("lesson09", jobs, out.path());
    let downloader = Downloader::new(lesson.limits, &lesson.timeline).expect("client");
    let mut group = c.benchmark_group(common::with_latency("lesson09"));
    for workers in 1..=2 * available {
        group.bench_function(BenchmarkId::new("cpu-bound", workers), |b| {
            b.iter(|| {
                run_on_pool(workers, jobs, |_| {
                    std::hint::black_box(server::draw_jpeg(200, 3000));
                    Ok::<(), ()>(())
                })
            });
        });
        group.bench_function(BenchmarkId::new("io-bound", workers), |b| {
            b.iter(|| {
                run_on_pool(workers, jobs, |i| {
                    downloader
                        .download_image(&lesson.url, &lesson.file_path(i), i)
                        .map(|_| ())
                })
                .expect("downloads");
                lesson.timeline.clear();
            });
        });
    }
    group.finish();
}

fn main() {
    common::run(&[], &[scaling]);
}
