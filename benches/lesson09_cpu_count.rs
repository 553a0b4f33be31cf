//! Lesson 09 measured: the same jobs on pools of 1 to 2 × available_parallelism
//! workers, for CPU-bound jobs (count the primes below 150,000) and I/O-bound jobs
//! (download a picture from the local server), with the lesson's own pool and jobs.
//! CPU-bound stops scaling at available_parallelism; I/O-bound goes on.

// A benchmark whose set-up fails has nothing to measure: it stops, with the reason.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use criterion::{BenchmarkId, Criterion};
use workbook::server::{PictureServer, ServerConfig};

#[path = "common.rs"]
mod common;
#[allow(dead_code)]
#[path = "../lessons/lesson09_cpu_count.rs"]
mod lesson09;

use lesson09::picture;

fn scaling(c: &mut Criterion) {
    let available = std::thread::available_parallelism().map_or(1, |n| n.get());
    let jobs = 4 * available;
    let out = tempfile::tempdir().expect("a temporary folder");
    let server = PictureServer::start(ServerConfig {
        latency: std::time::Duration::from_millis(common::latency_ms()),
        ..ServerConfig::default()
    })
    .expect("the picture server starts");
    let url = server.picture_url(200, 3000);
    let client = picture::client().expect("a client");
    let mut group = c.benchmark_group(common::with_latency("lesson09"));
    for workers in 1..=2 * available {
        group.bench_function(BenchmarkId::new("cpu-bound", workers), |b| {
            b.iter(|| {
                lesson09::run_on_pool(workers, jobs, |_| {
                    std::hint::black_box(lesson09::count_primes(150_000));
                    Ok(())
                })
                .expect("no job fails")
            });
        });
        group.bench_function(BenchmarkId::new("io-bound", workers), |b| {
            b.iter(|| {
                lesson09::run_on_pool(workers, jobs, |i| {
                    let path = out.path().join(format!("{i}.jpg"));
                    picture::download(&client, &url, &path)?;
                    Ok(())
                })
                .expect("downloads")
            });
        });
    }
    group.finish();
}

fn main() {
    common::run(&[scaling]);
}
