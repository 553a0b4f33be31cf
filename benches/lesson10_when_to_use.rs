//! Lesson 10 measured: tiny, computing and waiting jobs (8 each), run sequentially,
//! on one thread per job, on rayon's pool and in one child process per job, with the
//! lesson's own functions.

// A benchmark whose set-up fails has nothing to measure: it stops, with the reason.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use criterion::{BenchmarkId, Criterion};
use workbook::server::{PictureServer, ServerConfig};

#[path = "common.rs"]
mod common;
#[allow(dead_code)]
#[path = "../lessons/lesson10_when_to_use.rs"]
mod lesson10;

use lesson10::Work;

const JOBS: usize = 8;

type Way = fn(Work, &lesson10::picture::Job, usize) -> anyhow::Result<std::time::Duration>;

fn four_ways(c: &mut Criterion) {
    let out = tempfile::tempdir().expect("a temporary folder");
    let server = PictureServer::start(ServerConfig {
        latency: std::time::Duration::from_millis(common::latency_ms()),
        ..ServerConfig::default()
    })
    .expect("the picture server starts");
    let job = lesson10::picture::Job {
        url: server.picture_url(200, 3000),
        dir: out.path().to_path_buf(),
        count: JOBS,
    };
    let mut group = c.benchmark_group(common::with_latency("lesson10"));
    let ways: [(&str, Way); 4] = [
        ("sequential", lesson10::sequentially),
        ("threads", lesson10::on_threads),
        ("rayon", lesson10::with_rayon),
        ("processes", lesson10::in_processes),
    ];
    for (kind, work) in [
        ("tiny", Work::Tiny),
        ("computing", Work::Computing),
        ("waiting", Work::Waiting),
    ] {
        for (way, run) in ways {
            group.bench_function(BenchmarkId::new(format!("{kind} {way}"), JOBS), |b| {
                b.iter(|| run(work, &job, JOBS).expect("runs"));
            });
        }
    }
    group.finish();
    drop((server, out));
}

fn main() {
    lesson10::run_child_if_asked();
    common::run(&[four_ways]);
}
