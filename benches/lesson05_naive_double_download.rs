//! Lesson 05 measured: the naive loop (every picture downloaded directly AND in a
//! child process) against the sequential loop of lesson 04, for 5 pictures. Each runs
//! the lesson's own function. (Lesson 06's bench measures the fixed version.)

use criterion::{BenchmarkId, Criterion};
use workbook::Lesson;
use workbook::download::DOWNLOAD_IMAGE;

#[path = "common.rs"]
mod common;
#[allow(dead_code)]
#[path = "../lessons/lesson04_sequential.rs"]
mod lesson04;
#[allow(dead_code)]
#[path = "../lessons/lesson05_naive_double_download.rs"]
mod lesson05;

type Variant = fn(&Lesson) -> anyhow::Result<()>;

fn naive_vs_clean(c: &mut Criterion) {
    let out = tempfile::tempdir().expect("a temporary folder");
    let lesson = common::lesson("lesson05", 5, out.path());
    let mut group = c.benchmark_group(common::with_latency("lesson05"));
    let variants: [(&str, Variant); 2] = [
        ("sequential", lesson04::download_all_sequentially),
        ("naive", |lesson| {
            lesson05::download_all_naively(lesson).map(drop)
        }),
    ];
    for (name, download_all) in variants {
        group.bench_function(BenchmarkId::new(name, 5), |b| {
            b.iter(|| {
                download_all(&lesson).expect("downloads");
                lesson.timeline.clear();
            });
        });
    }
    group.finish();
}

fn main() {
    common::run(&[DOWNLOAD_IMAGE], &[naive_vs_clean]);
}
