//! What the lab costs: the same program run alone and run under the lab, against one
//! local picture server in this process, in the same run.
//!
//! - lesson 06 (five processes, one picture each): the watcher's cost in wall time.
//! - lesson 12's async way at a thousand pictures: the cost at scale, where the lab
//!   follows a thousand requests (and the run checks that its record holds them all).
//!
//! `alone` runs the binary with the lab's environment set by hand, as a learner's
//! own crate would run; `under the lab` is `lab::run::watch` on the same command.

// A benchmark whose set-up fails has nothing to measure: it stops, with the reason.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::ffi::OsString;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use criterion::Criterion;
use workbook::lab::run::{Setting, watch};
use workbook::lab::{WATCHED, signals};
use workbook::server::{PictureServer, ServerConfig};

#[path = "common.rs"]
mod common;

/// One program, its arguments, and how many pictures it is told to bring.
struct Program {
    name: &'static str,
    command: Vec<OsString>,
    count: usize,
}

fn alone_and_under_the_lab(c: &mut Criterion) {
    let server = PictureServer::start(ServerConfig {
        latency: Duration::from_millis(common::latency_ms()),
        ..ServerConfig::default()
    })
    .expect("the picture server starts");
    let url = server.picture_url(200, 3000);
    let small = server.picture_url(200, 300);
    let out = tempfile::tempdir().expect("a temporary folder");
    let stops = signals::listen();
    let thousand = if common::quick() { 100 } else { 1000 };
    let programs = [
        Program {
            name: "lesson06",
            command: vec![env!("CARGO_BIN_EXE_lesson06").into()],
            count: 5,
        },
        Program {
            name: "lesson12 async",
            // Told where and how many through the environment, as any program is.
            command: [env!("CARGO_BIN_EXE_lesson12"), "--mode", "async"]
                .into_iter()
                .map(OsString::from)
                .collect(),
            count: thousand,
        },
    ];

    let mut group = c.benchmark_group(common::with_latency("lab"));
    for program in &programs {
        let url = if program.count == 5 { &url } else { &small };
        let setting = Setting {
            url,
            out: out.path(),
            count: program.count,
            time_limit: Duration::from_secs(60),
            server: Some(&server),
            pass_through: false,
            pictures: true,
        };
        let alone = || run_alone(&program.command, url, out.path(), program.count);
        let under_the_lab = || {
            let record = watch(&setting, &program.command, &stops).expect("watched");
            assert!(record.exit.success(), "{}", record.exit);
            // The record is complete: every request the program made is in it.
            assert_eq!(record.requests.len(), program.count);
            assert!(record.requests.iter().all(|request| request.complete));
        };
        // The two alternate: each timed run follows one of the other kind, untimed.
        // Run as two blocks instead, the second would meet a machine the first had
        // changed (a thousand connections each time, left in TIME_WAIT, make the
        // next connects slower), and the ratio would measure the order.
        group.bench_function(format!("{} alone", program.name), |b| {
            b.iter_custom(|iterations| alternating(iterations, &under_the_lab, &alone));
        });
        group.bench_function(format!("{} under the lab", program.name), |b| {
            b.iter_custom(|iterations| alternating(iterations, &alone, &under_the_lab));
        });
    }
    group.finish();
}

/// `iterations` times: `other` (not timed), then `timed`; the time of the `timed` runs.
fn alternating(iterations: u64, other: &dyn Fn(), timed: &dyn Fn()) -> Duration {
    let mut total = Duration::ZERO;
    for _ in 0..iterations {
        other();
        let start = Instant::now();
        timed();
        total += start.elapsed();
    }
    total
}

/// The program on its own, told where things are as the lab would tell it.
fn run_alone(command: &[OsString], url: &str, out: &Path, count: usize) {
    let status = Command::new(&command[0])
        .args(&command[1..])
        .env(WATCHED, "1")
        .env("PICTURES_URL", url)
        .env("PICTURES_DIR", out)
        .env("PICTURES_COUNT", count.to_string())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .expect("starts");
    assert!(status.success(), "{status}");
}

fn main() {
    common::run(&[alone_and_under_the_lab]);
}
