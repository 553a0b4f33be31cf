//! Lesson 06: download the pictures in parallel, the right way.
//!
//! Start one child process per picture, and only when all are started, wait for them
//! all. The downloads overlap, so the total is about one download instead of five.
//! `--mode threads` and `--mode rayon` do the same with threads, for comparison.

use std::thread;

use clap::Parser;
use rayon::prelude::*;
use workbook::cli::{LessonArgs, Mode};
use workbook::download::DOWNLOAD_IMAGE;
use workbook::{Downloader, Lesson, MainResult, Process, cli, process, say};

const ABOUT: &str =
    "Lesson 06: download the pictures in parallel: start every process, then join them all.";

#[derive(Parser)]
struct Args {
    #[command(flatten)]
    lesson: LessonArgs,

    /// Run the downloads in child processes, in threads, or on rayon's thread pool.
    #[arg(long, value_enum, default_value_t = Mode::Processes)]
    mode: Mode,
}

// ANCHOR: main
fn main() -> MainResult {
    // The main guard: in a child process, run its download and exit right here.
    process::init(&[DOWNLOAD_IMAGE]);
    let args: Args = cli::parse("lesson06", ABOUT);
    let lesson = Lesson::start("lesson06", &args.lesson)?;

    match args.mode {
        Mode::Processes => download_all_in_processes(&lesson)?,
        Mode::Threads => download_all_in_threads(&lesson)?,
        Mode::Rayon => {
            say!(
                "rayon: {} threads in the pool",
                rayon::current_num_threads()
            );
            download_all_with_rayon(&lesson)?
        }
    }

    let summary = lesson.summary();
    lesson.print_speedup(&args.mode.to_string(), &summary)?;
    summary.into_result()
}
// ANCHOR_END: main

// ANCHOR: processes
pub fn download_all_in_processes(lesson: &Lesson) -> anyhow::Result<()> {
    // First start them all: each start returns at once, the child runs on its own.
    let mut processes = Vec::new();
    for i in 0..lesson.count {
        let p = Process::new(&DOWNLOAD_IMAGE)
            .args(lesson.download_args(i))
            .start()?;
        processes.push(p);
    }
    // Then wait for them all. Joining inside the first loop would make it sequential.
    for p in processes {
        let exit = p.join()?;
        lesson.check_exit(&exit);
    }
    Ok(())
}
// ANCHOR_END: processes

// ANCHOR: threads
pub fn download_all_in_threads(lesson: &Lesson) -> anyhow::Result<()> {
    // Threads share memory, so they can share one HTTP client (and its connections).
    let downloader = Downloader::new(lesson.timeout)?;
    // A scope joins every thread started in it before it returns: no join to forget.
    thread::scope(|scope| {
        for i in 0..lesson.count {
            let downloader = &downloader;
            thread::Builder::new()
                .name(format!("Thread-{}", i + 1))
                .spawn_scoped(scope, move || {
                    let _ = downloader.download_image(&lesson.url, &lesson.file_path(i), i);
                })?;
        }
        Ok::<(), std::io::Error>(())
    })?;
    Ok(())
}
// ANCHOR_END: threads

// ANCHOR: rayon
pub fn download_all_with_rayon(lesson: &Lesson) -> anyhow::Result<()> {
    let downloader = Downloader::new(lesson.timeout)?;
    // rayon's pool has one thread per CPU core: on 2 cores, 2 downloads at a time.
    let pool = rayon::ThreadPoolBuilder::new()
        .thread_name(|i| format!("rayon-{i}"))
        .build()?;
    pool.install(|| {
        (0..lesson.count).into_par_iter().for_each(|i| {
            let _ = downloader.download_image(&lesson.url, &lesson.file_path(i), i);
        });
    });
    Ok(())
}
// ANCHOR_END: rayon
