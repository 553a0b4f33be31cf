//! Lesson 04: download five pictures one after another.
//!
//! Each download waits for the server's answer before the next one starts, so the
//! total time is the sum of all the waits: the timeline shows a staircase.

use workbook::{Downloader, Lesson, cli, process};

/// This program's name (`lesson04`), from Cargo: its output folder and its `--help`.
const NAME: &str = env!("CARGO_CRATE_NAME");
const ABOUT: &str = "Lesson 04: download the pictures one after another (sequentially).";

// ANCHOR: main
fn main() -> anyhow::Result<()> {
    // The main guard. This lesson starts no child processes, but every lesson begins
    // with it, because a child is a fresh run of this same program (see lesson 08).
    process::init(&[]);
    let args = cli::parse(NAME, ABOUT);
    let lesson = Lesson::start(NAME, &args)?;

    download_all_sequentially(&lesson)?;

    // Draw the timeline, print the summary, fail if a picture is missing.
    lesson.finish(&[])
}
// ANCHOR_END: main

// ANCHOR: sequential
/// The tutorial's loop: one download at a time.
pub fn download_all_sequentially(lesson: &Lesson) -> anyhow::Result<()> {
    // One HTTP client for all downloads; each start and end goes into the timeline.
    let downloader = Downloader::new(lesson.limits, &lesson.timeline)?;
    for i in 0..lesson.count {
        // This call returns only when picture i is saved or has failed.
        match downloader.download_image(&lesson.url, &lesson.file_path(i), i) {
            Ok(_bytes) => {}
            // The timeline has printed why (a FAILED line). Like the tutorial's loop,
            // go on with the next picture; the summary counts what arrived.
            Err(_already_on_the_timeline) => {}
        }
    }
    Ok(())
}
// ANCHOR_END: sequential
