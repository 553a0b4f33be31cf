//! Lesson 06: download the pictures in parallel, the right way.
//!
//! Start one child process per picture, and only when all are started, wait for them
//! all. The downloads overlap, so the total is about one download instead of five.
//! `--mode threads` and `--mode rayon` do the same with threads, for comparison.

use std::thread;

use anyhow::bail;
use clap::Parser;
use rayon::prelude::*;
use workbook::cli::{LessonArgs, Mode};
use workbook::download::DOWNLOAD_IMAGE;
use workbook::process::Exit;
use workbook::{Downloader, Lesson, Process, cli, compare, process, say};

const NAME: &str = env!("CARGO_CRATE_NAME");
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
fn main() -> anyhow::Result<()> {
    // The main guard: in a child process, run its download and exit right here.
    process::init(&[DOWNLOAD_IMAGE]);
    let args: Args = cli::parse(NAME, ABOUT);
    let lesson = Lesson::start(NAME, &args.lesson)?;

    let exits = match args.mode {
        Mode::Processes => download_all_in_processes(&lesson)?,
        Mode::Threads => {
            download_all_in_threads(&lesson)?;
            Vec::new() // no child processes
        }
        Mode::Rayon => {
            say!(
                "rayon: {} threads in its pool",
                rayon::current_num_threads()
            );
            download_all_with_rayon(&lesson)?;
            Vec::new()
        }
    };

    let summary = lesson.report(&exits);
    compare::print_speedup(&lesson, &args.mode.to_string(), &summary);
    summary.into_result()
}
// ANCHOR_END: main

// ANCHOR: processes
pub fn download_all_in_processes(lesson: &Lesson) -> anyhow::Result<Vec<Exit>> {
    // First start them all: each start returns at once, the child runs on its own.
    let mut processes = Vec::new();
    for i in 0..lesson.count {
        let p = Process::new(&DOWNLOAD_IMAGE)
            .args(lesson.download_args(i))
            .timeline(&lesson.timeline) // the child's events come back to ours
            .start()?;
        processes.push(p);
    }
    // Then wait for them all. Joining inside the first loop would make it sequential.
    let mut exits = Vec::new();
    for p in processes {
        exits.push(p.join()?);
    }
    Ok(exits)
}
// ANCHOR_END: processes

// ANCHOR: threads
pub fn download_all_in_threads(lesson: &Lesson) -> anyhow::Result<()> {
    // Threads share memory, so they can share one HTTP client (and its connections).
    let downloader = Downloader::new(lesson.limits, &lesson.timeline)?;
    // A scope joins every thread started in it before it returns, so the threads may
    // borrow `downloader` and `lesson`: no `move` of owned copies, no join to forget.
    thread::scope(|s| {
        let handles: Vec<_> = (0..lesson.count)
            .map(|i| {
                let downloader = &downloader;
                s.spawn(move || downloader.download_image(&lesson.url, &lesson.file_path(i), i))
            })
            .collect();
        for handle in handles {
            // Err here means the thread panicked; a failed download is an Ok(Err(..))
            // that the timeline has already printed.
            if handle.join().is_err() {
                bail!("a download thread panicked");
            }
        }
        Ok(())
    })
}
// ANCHOR_END: threads

// ANCHOR: rayon
pub fn download_all_with_rayon(lesson: &Lesson) -> anyhow::Result<()> {
    let downloader = Downloader::new(lesson.limits, &lesson.timeline)?;
    // rayon's global pool has one thread per logical CPU: on 2 CPUs, 2 downloads at
    // a time, however many pictures there are.
    (0..lesson.count).into_par_iter().for_each(|i| {
        match downloader.download_image(&lesson.url, &lesson.file_path(i), i) {
            Ok(_bytes) => {}
            Err(_already_on_the_timeline) => {}
        }
    });
    Ok(())
}
// ANCHOR_END: rayon
