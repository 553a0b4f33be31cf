//! Lesson 04 measured: 1 to 5 pictures downloaded one after another from the local
//! picture server. The time grows by one download per picture.
//!
//! The benchmark runs the lesson's own function: the lesson file is compiled in as a
//! module, so what is measured is exactly the code the book shows.

// A benchmark whose set-up fails has nothing to measure: it stops, with the reason.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use criterion::{BenchmarkId, Criterion};
use workbook::server::{PictureServer, ServerConfig};

#[path = "common.rs"]
mod common;
#[allow(dead_code)] // the lesson's `main` is not used here
#[path = "../lessons/lesson04_sequential.rs"]
mod lesson04;

use lesson04::picture::Job;

fn sequential(c: &mut Criterion) {
    let out = tempfile::tempdir().expect("a temporary folder");
    let server = PictureServer::start(ServerConfig {
        latency: std::time::Duration::from_millis(common::latency_ms()),
        ..ServerConfig::default()
    })
    .expect("the picture server starts");
    let mut group = c.benchmark_group(common::with_latency("lesson04"));
    for count in 1..=5 {
        let job = Job {
            url: server.picture_url(200, 3000),
            dir: out.path().to_path_buf(),
            count,
        };
        group.bench_function(BenchmarkId::new("sequential", count), |b| {
            b.iter(|| lesson04::download_all_sequentially(&job).expect("downloads"));
        });
    }
    group.finish();
}

fn main() {
    common::run(&[sequential]);
}
