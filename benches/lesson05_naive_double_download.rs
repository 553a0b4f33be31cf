//! Lesson 05 measured: the naive loop (every picture downloaded directly AND in a
//! child process) against the sequential loop of lesson 04, for 5 pictures. Each runs
//! the lesson's own function. (Lesson 06's bench measures the fixed version.)

// A benchmark whose set-up fails has nothing to measure: it stops, with the reason.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use criterion::{BenchmarkId, Criterion};
use workbook::server::{PictureServer, ServerConfig};

#[path = "common.rs"]
mod common;
#[allow(dead_code)]
#[path = "../lessons/lesson04_sequential.rs"]
mod lesson04;
// Each lesson brings its own copy of picture.rs, as a learner's crate would: two here.
#[allow(dead_code, clippy::duplicate_mod)]
#[path = "../lessons/lesson05_naive_double_download.rs"]
mod lesson05;

fn naive_vs_sequential(c: &mut Criterion) {
    let out = tempfile::tempdir().expect("a temporary folder");
    let server = PictureServer::start(ServerConfig {
        latency: std::time::Duration::from_millis(common::latency_ms()),
        ..ServerConfig::default()
    })
    .expect("the picture server starts");
    let url = server.picture_url(200, 3000);
    let dir = out.path().to_path_buf();
    let mut group = c.benchmark_group(common::with_latency("lesson05"));
    let sequential = lesson04::picture::Job {
        url: url.clone(),
        dir: dir.clone(),
        count: 5,
    };
    group.bench_function(BenchmarkId::new("sequential", 5), |b| {
        b.iter(|| lesson04::download_all_sequentially(&sequential).expect("downloads"));
    });
    let naive = lesson05::picture::Job { url, dir, count: 5 };
    group.bench_function(BenchmarkId::new("naive", 5), |b| {
        b.iter(|| lesson05::download_all_naively(&naive).expect("downloads"));
    });
    group.finish();
}

fn main() {
    // The lesson's own guard comes first: the naive loop re-runs this bench
    // executable as its children, with `--child URL PATH`.
    lesson05::picture::run_child_if_asked();
    common::run(&[naive_vs_sequential]);
}
