//! Lesson 05 measured: the naive loop (every picture downloaded directly AND in a
//! child process) against the sequential loop of lesson 04, for 5 pictures. Each runs
//! the lesson's own function. (Lesson 06's bench measures the fixed version.)

use criterion::{BenchmarkId, Criterion};
use workbook::download::DOWNLOAD_IMAGE;

#[path = "common.rs"]
mod common;
#[allow(dead_code)]
#[path = "../lessons/lesson04_sequential.rs"]
mod lesson04;
#[allow(dead_code)]
#[path = "../lessons/lesson05_naive_double_download.rs"]
mod lesson05;

fn naive_vs_clean(c: &mut Criterion) {
    let out = tempfile::tempdir().expect("a temporary folder");
    let lesson = common::lesson("lesson05", 5, out.path());
    let mut group = c.benchmark_group(common::with_latency("lesson05"));
    // Lesson 04's plain loop, against the same server.
    let job = lesson04::picture::Job {
        url: lesson.url.clone(),
        dir: out.path().to_path_buf(),
        count: 5,
    };
    group.bench_function(BenchmarkId::new("sequential", 5), |b| {
        b.iter(|| lesson04::download_all_sequentially(&job).expect("downloads"));
    });
    group.bench_function(BenchmarkId::new("naive", 5), |b| {
        b.iter(|| {
            lesson05::download_all_naively(&lesson).expect("downloads");
            lesson.timeline.clear();
        });
    });
    group.finish();
}

fn main() {
    common::run(&[DOWNLOAD_IMAGE], &[naive_vs_clean]);
}
