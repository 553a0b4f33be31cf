//! Lesson 06 measured: sequential vs one process per picture vs one thread per picture
//! vs rayon's pool, for 1 to 16 pictures. Each runs the lesson's own function.
//!
//! What to expect: processes and threads stay near one download whatever the count
//! (each picture has its own worker); rayon's pool has one thread per core, so it
//! needs count / cores rounds; sequential needs count rounds.

use criterion::{BenchmarkId, Criterion};
use workbook::Lesson;
use workbook::download::DOWNLOAD_IMAGE;

#[path = "common.rs"]
mod common;
#[allow(dead_code)]
#[path = "../lessons/lesson04_sequential.rs"]
mod lesson04;
#[allow(dead_code)]
#[path = "../lessons/lesson06_fixed_parallel.rs"]
mod lesson06;

type Variant = fn(&Lesson) -> anyhow::Result<()>;

fn parallel_vs_sequential(c: &mut Criterion) {
    let out = tempfile::tempdir().expect("a temporary folder");
    let mut group = c.benchmark_group(common::with_latency("lesson06"));
    let variants: [(&str, Variant); 4] = [
        ("sequential", lesson04::download_all_sequentially),
        ("processes", |lesson| {
            lesson06::download_all_in_processes(lesson).map(drop)
        }),
        ("threads", lesson06::download_all_in_threads),
        ("rayon", lesson06::download_all_with_rayon),
    ];
    for count in [1, 2, 5, 10, 16] {
        let lesson = common::lesson("lesson06", count, out.path());
        for (name, download_all) in variants {
            group.bench_function(BenchmarkId::new(name, count), |b| {
                b.iter(|| {
                    download_all(&lesson).expect("downloads");
                    lesson.timeline.clear();
                });
            });
        }
    }
    group.finish();
}

fn main() {
    common::run(&[DOWNLOAD_IMAGE], &[parallel_vs_sequential]);
}
