//! Lesson 12 measured: 10, 100 and 1,000 small downloads with one thread each, a pool
//! of 100 threads, and async tasks; bounded processes (64 at once) at 100. Each runs
//! the lesson's own function, against the local server at the benchmark latency.

// A benchmark whose set-up fails has nothing to measure: it stops, with the reason.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use criterion::{BenchmarkId, Criterion};
use workbook::server::{PictureServer, ServerConfig};

#[path = "common.rs"]
mod common;
#[allow(dead_code)]
#[path = "../lessons/lesson12_a_thousand_downloads.rs"]
mod lesson12;

use lesson12::picture::Job;

type Way = fn(&Job, usize) -> anyhow::Result<Vec<anyhow::Result<usize>>>;

fn ways(c: &mut Criterion) {
    let out = tempfile::tempdir().expect("a temporary folder");
    // A thousand connections: a socket at each end, both in this process.
    workbook::usage::raise_open_files_limit(4096);
    let server = PictureServer::start(ServerConfig {
        latency: std::time::Duration::from_millis(common::latency_ms()),
        ..ServerConfig::default()
    })
    .expect("the picture server starts");
    let job = Job {
        url: server.picture_url(200, 300),
        dir: out.path().to_path_buf(),
        count: 1000,
    };
    let mut group = c.benchmark_group(common::with_latency("lesson12"));
    let ways: [(&str, Way, &[usize]); 4] = [
        (
            "async",
            |job, n| lesson12::with_async(job, n, None),
            &[10, 100, 1000],
        ),
        (
            "threads",
            |job, n| lesson12::one_thread_each(job, n),
            &[10, 100, 1000],
        ),
        (
            "pool",
            |job, n| lesson12::with_a_pool(job, n, 100),
            &[10, 100, 1000],
        ),
        (
            "processes",
            |job, n| lesson12::processes_at_most(job, n, 64),
            &[100],
        ),
    ];
    for (name, way, counts) in ways {
        for &count in counts {
            group.bench_function(BenchmarkId::new(name, count), |b| {
                b.iter(|| {
                    let results = way(&job, count).expect("runs");
                    assert_eq!(results.len(), count);
                    assert!(
                        results.iter().all(Result::is_ok),
                        "{name}: a download failed"
                    );
                });
            });
        }
    }
    group.finish();
    drop((server, out));
}

fn main() {
    lesson12::picture::run_child_if_asked();
    common::run(&[ways]);
}
