//! Exercise 05: download each picture once, all at the same time.
//!
//! This is lesson 05's naive loop: it downloads every picture twice (the direct call
//! AND a child process), and the direct call makes the loop wait. Change the loop so
//! that each picture is downloaded exactly once and all downloads overlap.
//!
//! Check: `cargo run --bin check -- 05`. Start over: `cargo run --bin check -- 05 --reset`.

use workbook::download::DOWNLOAD_IMAGE;
use workbook::{Downloader, Lesson, Process, cli, process};

const NAME: &str = env!("CARGO_CRATE_NAME");

fn main() -> anyhow::Result<()> {
    process::init(&[DOWNLOAD_IMAGE]);
    let args = cli::parse(
        NAME,
        "Exercise 05: download each picture once, in parallel.",
    );
    let lesson = Lesson::start(NAME, &args)?;
    let downloader = Downloader::new(lesson.limits, &lesson.timeline)?;

    let mut processes = Vec::new();
    for i in 0..lesson.count {
        // TODO: one of these two lines has to go. Which one keeps the loop from waiting?
        match downloader.download_image(&lesson.url, &lesson.file_path(i), i) {
            Ok(_bytes) => {}
            Err(_already_on_the_timeline) => {}
        }
        let p = Process::new(&DOWNLOAD_IMAGE)
            .args(lesson.download_args(i))
            .timeline(&lesson.timeline)
            .start()?;
        processes.push(p);
    }
    let mut exits = Vec::new();
    for p in processes {
        exits.push(p.join()?);
    }

    lesson.finish(&exits)
}
