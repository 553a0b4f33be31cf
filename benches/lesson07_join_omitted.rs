//! Lesson 07 measured: how long until a program that does not join says "done", and
//! how long until the pictures are really on disk, for 5 child processes and for 5
//! threads. The gap between the two is what the missing `join` hides.
//!
//! The workers are joined after each measurement (outside the timed part), so no
//! orphan outlives an iteration. A child is this bench again with `--child URL PATH`,
//! as the lessons' own children are (`lessons/picture.rs`).

// A benchmark whose set-up fails has nothing to measure: it stops, with the reason.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::process::Command;
use std::thread;
use std::time::{Duration, Instant};

use criterion::{BenchmarkId, Criterion};
use workbook::server::{PictureServer, ServerConfig};

#[path = "common.rs"]
mod common;
#[allow(dead_code)]
#[path = "../lessons/picture.rs"]
mod picture;

use picture::Job;

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
fn processes(job: &Job) -> (Duration, Duration) {
    let me = std::env::current_exe().expect("this bench's own file");
    let start = Instant::now();
    let children: Vec<_> = (0..COUNT)
        .map(|i| {
            Command::new(&me)
                .arg("--child")
                .arg(&job.url)
                .arg(job.path(i))
                .stdout(std::process::Stdio::null())
                .spawn()
                .expect("starts")
        })
        .collect();
    let done = start.elapsed();
    let on_disk = wait_for_pictures(job, start);
    for mut child in children {
        assert!(child.wait().expect("waits").success());
    }
    (done, on_disk)
}

/// Starts a thread per picture; returns the two moments, then joins them (untimed).
fn threads(job: &Job) -> (Duration, Duration) {
    let start = Instant::now();
    let client = picture::client().expect("a client");
    let workers: Vec<_> = (0..COUNT)
        .map(|i| {
            let (client, url, path) = (client.clone(), job.url.clone(), job.path(i));
            thread::spawn(move || picture::download(&client, &url, &path).map(drop))
        })
        .collect();
    let done = start.elapsed();
    let on_disk = wait_for_pictures(job, start);
    for worker in workers {
        assert!(matches!(worker.join(), Ok(Ok(()))));
    }
    (done, on_disk)
}

fn wait_for_pictures(job: &Job, start: Instant) -> Duration {
    while (0..COUNT).filter(|&i| job.path(i).is_file()).count() < COUNT {
        thread::sleep(Duration::from_micros(200));
    }
    start.elapsed()
}

fn remove_pictures(job: &Job) {
    for i in 0..COUNT {
        let _ = std::fs::remove_file(job.path(i));
    }
}

fn done_vs_on_disk(c: &mut Criterion) {
    let out = tempfile::tempdir().expect("a temporary folder");
    let server = PictureServer::start(ServerConfig {
        latency: Duration::from_millis(common::latency_ms()),
        ..ServerConfig::default()
    })
    .expect("the picture server starts");
    let job = Job {
        url: server.picture_url(200, 3000),
        dir: out.path().to_path_buf(),
        count: COUNT,
    };
    let mut group = c.benchmark_group(common::with_latency("lesson07"));
    type Workers = fn(&Job) -> (Duration, Duration);
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
                        remove_pictures(&job);
                        let (done, on_disk) = run(&job);
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
    drop((server, out));
}

fn main() {
    picture::run_child_if_asked();
    common::run(&[done_vs_on_disk]);
}
