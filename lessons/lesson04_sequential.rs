//! Lesson 04: download five pictures one after another.
//!
//! Each download waits for the server's answer before the next one starts, so the
//! total time is the sum of all the waits: the timeline shows a staircase.

use workbook::{Downloader, Lesson, MainResult, cli, process};

const ABOUT: &str = "Lesson 04: download the pictures one after another (sequentially).";

// ANCHOR: main
fn main() -> MainResult {
    // The main guard. This lesson starts no child processes, but every lesson begins
    // with it, because a child is a fresh run of this same program (see lesson 08).
    process::init(&[]);
    let args = cli::parse("lesson04", ABOUT);
    let lesson = Lesson::start("lesson04", &args)?;

    download_all_sequentially(&lesson)?;

    lesson.finish()
}
// ANCHOR_END: main

// ANCHOR: sequential
/// The tutorial's loop: one download at a time.
pub fn download_all_sequentially(lesson: &Lesson) -> anyhow::Result<()> {
    let downloader = Downloader::new(lesson.timeout)?;
    for i in 0..lesson.count {
        // This call returns only when picture i is saved (or has failed).
        let _ = downloader.download_image(&lesson.url, &lesson.file_path(i), i);
    }
    Ok(())
}
// ANCHOR_END: sequential
