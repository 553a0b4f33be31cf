//! Lesson 06 measured: sequential vs one process per picture vs one thread per picture
//! vs rayon's pool, for 1 to 16 pictures. Each runs the lesson's own function, against
//! a local picture server in this process.
//!
//! What to expect: processes and threads stay near one download whatever the count
//! (each picture has its own worker); rayon's pool has one thread per core, so it
//! needs count / cores rounds; sequential needs count rounds.

// A benchmark whose set-up fails has nothing to measure: it stops, with the reason.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use criterion::{BenchmarkId, Criterion};
use workbook::server::{PictureServer, ServerConfig};

#[path = "common.rs"]
mod common;
#[allow(dead_code)]
#[path = "../lessons/lesson06_fixed_parallel.rs"]
mod lesson06;

use lesson06::picture::Job;

type Variant = fn(&Job) -> anyhow::Result<()>;

fn parallel_vs_sequential(c: &mut Criterion) {
    let out = tempfile::tempdir().expect("a temporary folder");
    let server = PictureServer::start(ServerConfig {
        latency: std::time::Duration::from_millis(common::latency_ms()),
        ..ServerConfig::default()
    })
    .expect("the picture server starts");
    let mut group = c.benchmark_group(common::with_latency("lesson06"));
    let variants: [(&str, Variant); 4] = [
        ("sequential", lesson06::download_all_sequentially),
        ("processes", lesson06::download_all_in_processes),
        ("threads", lesson06::download_all_in_threads),
        ("rayon", lesson06::download_all_with_rayon),
    ];
    for count in [1, 2, 5, 10, 16] {
        let job = Job {
            url: server.picture_url(200, 3000),
            dir: out.path().to_path_buf(),
            count,
        };
        for (name, download_all) in variants {
            group.bench_function(BenchmarkId::new(name, count), |b| {
                b.iter(|| download_all(&job).expect("downloads"));
            });
        }
    }
    group.finish();
}

fn main() {
    // The lesson's own guard comes first: the processes variant re-runs this bench
    // executable as its children, with `--child URL PATH`.
    lesson06::picture::run_child_if_asked();
    common::run(&[parallel_vs_sequential]);
}
