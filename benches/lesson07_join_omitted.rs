//! Lesson 07 measured: how long until a program that does not join says "done", and
//! how long until the pictures are really on disk, for 5 child processes and for 5
//! threads. The gap between the two is what the missing `join` hides.
//!
//! The workers are joined after each measurement (outside the timed part), so no
//! orphan outlives an iteration.

use std::thread;
use std::time::{Duration, Instant};

use criterion::{BenchmarkId, Criterion};
use workbook::download::DOWNLOAD_IMAGE;
use workbook::{Downloader, Lesson, Process};

#[path = "common.rs"]
mod common;

const COUNT: usize = 5;

/// Which moment a measurement stops at.
#[derive(Clone, Copy)]
enum Until {
    /// Every worker started: where the forgetful program prints "all done".
    Done,
    /// Every picture on disk.
    OnDisk,
}

/// Starts a process per picture; returns the two moments, then joins them (untimed).
fn processes(lesson: &Lesson) -> (Duration, Duration) {
    let start = Instant::now();
    let children: Vec<_> = (0..COUNT)
        .map(|i| {
            Process::new(&DOWNLOAD_IMAGE)
                .args(lesson.download_args(i))
                .timeline(&lesson.timeline)
                .start()
                .expect("starts")
        })
        .collect();
    let done = start.elapsed();
    let on_disk = wait_for_pictures(lesson, start);
    for child in children {
        assert!(child.join().expect("joins").success());
    }
    (done, on_disk)
}

/// Starts a thread per picture; returns the two moments, then joins them (untimed).
fn threads(lesson: &Lesson) -> (Duration, Duration) {
    let start = Instant::now();
    let downloader = Downloader::new(lesson.limits, &lesson.timeline).expect("client");
    let workers: Vec<_> = (0..COUNT)
        .map(|i| {
            let (downloader, url, path) =
                (downloader.clone(), lesson.url.clone(), lesson.file_path(i));
            thread::spawn(move || downloader.download_image(&url, &path, i).map(|_| ()))
        })
        .collect();
    let done = start.elapsed();
    let on_disk = wait_for_pictures(lesson, start);
    for worker in workers {
        assert!(matches!(worker.join(), Ok(Ok(()))));
    }
    (done, on_disk)
}

fn wait_for_pictures(lesson: &Lesson, start: Instant) -> Duration {
    while pictures_on_disk(&lesson.out, COUNT) < COUNT {
        thread::sleep(Duration::from_micros(200));
    }
    start.elapsed()
}

fn pictures_on_disk(folder: &std::path::Path, count: usize) -> usize {
    (0..count)
        .filter(|&i| workbook::lesson::picture_path(folder, i).is_file())
        .count()
}

fn remove_pictures(lesson: &Lesson) {
    for i in 0..COUNT {
        let _ = std::fs::remove_file(lesson.file_path(i));
    }
}

fn done_vs_on_disk(c: &mut Criterion) {
    let out = tempfile::tempdir().expect("a temporary folder");
    let lesson = common::lesson("lesson07", COUNT, out.path());
    let mut group = c.benchmark_group(common::with_latency("lesson07"));
    type Workers = fn(&Lesson) -> (Duration, Duration);
    let kinds: [(&str, Workers); 2] = [("processes", processes), ("threads", threads)];
    for (kind, run) in kinds {
        for (moment, until) in [
            ("until done", Until::Done),
            ("until on disk", Until::OnDisk),
        ] {
            let id = BenchmarkId::new(format!("{kind} {moment}"), COUNT);
            group.bench_function(id, |b| {
                b.iter_custom(|iterations| {
                    let mut total = Duration::ZERO;
                    for _ in 0..iterations {
                        remove_pictures(&lesson);
                        let (done, on_disk) = run(&lesson);
                        lesson.timeline.clear();
                        total += match until {
                            Until::Done => done,
                            Until::OnDisk => on_disk,
                        };
                    }
                    total
                });
            });
        }
    }
    group.finish();
}

fn main() {
    common::run(&[DOWNLOAD_IMAGE], &[done_vs_on_disk]);
}
