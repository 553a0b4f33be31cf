//! Lesson 12 measured: 10, 100 and 1,000 small downloads with one thread each, a pool
//! of 100 threads, and async tasks; bounded processes at 100. Each runs the lesson's
//! own function, against the local server at the benchmark latency.

use criterion::{BenchmarkId, Criterion};
use workbook::download::DOWNLOAD_IMAGE;
use workbook::timeline::Timeline;

#[path = "common.rs"]
mod common;
#[allow(dead_code)]
#[path = "../lessons/lesson12_a_thousand_downloads.rs"]
mod lesson12;

fn ways(c: &mut Criterion) {
    let out = tempfile::tempdir().expect("a temporary folder");
    let lesson = common::lesson("lesson12", 1000, out.path());
    workbook::usage::raise_open_files_limit(4096);
    let url = lesson.url_for_size(200, 300);
    let mut group = c.benchmark_group(common::with_latency("lesson12"));
    type Way = fn(&lesson12::Job, &Timeline) -> anyhow::Result<usize>;
    let ways: [(&str, Way, &[usize]); 4] = [
        ("async", lesson12::with_async, &[10, 100, 1000]),
        ("threads", lesson12::one_thread_each, &[10, 100, 1000]),
        ("pool", lesson12::with_a_pool, &[10, 100, 1000]),
        ("processes", lesson12::processes_at_most, &[100]),
    ];
    for (name, way, counts) in ways {
        for &count in counts {
            let job = lesson12::Job {
                way: lesson12::Way::Async,
                count,
                url: url.clone(),
                out: out.path().to_string_lossy().into_owned(),
                limits: lesson.limits,
                max_at_once: if name == "processes" { 64 } else { count },
                workers: 100,
            };
            group.bench_function(BenchmarkId::new(name, count), |b| {
                b.iter(|| {
                    assert_eq!(way(&job, &lesson.timeline).expect("runs"), count);
                    lesson.timeline.clear();
                });
            });
        }
    }
    group.finish();
}

fn main() {
    common::run(&[DOWNLOAD_IMAGE], &[ways]);
}
