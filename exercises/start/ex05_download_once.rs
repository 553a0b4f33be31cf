//! Exercise 05: download each picture once, all at the same time.
//!
//! This is lesson 05's naive loop: it downloads every picture twice (the direct call
//! AND a child process), and the direct call makes the loop wait. Change the loop so
//! that each picture is downloaded exactly once and all downloads overlap.
//!
//! Check: `cargo run --bin check -- 05`. Start over: `cargo run --bin check -- 05 --reset`.

use workbook::download::DOWNLOAD_IMAGE;
use workbook::{Downloader, Lesson, MainResult, Process, cli, process};

fn main() -> MainResult {
    process::init(&[DOWNLOAD_IMAGE]);
    let args = cli::parse(
        "ex05",
        "Exercise 05: download each picture once, in parallel.",
    );
    let lesson = Lesson::start("ex05", &args)?;
    let downloader = Downloader::new(lesson.timeout)?;

    let mut processes = Vec::new();
    for i in 0..lesson.count {
        // TODO: one of these two lines has to go. Which one keeps the loop from waiting?
        let _ = downloader.download_image(&lesson.url, &lesson.file_path(i), i);
        let p = Process::new(&DOWNLOAD_IMAGE)
            .args(lesson.download_args(i))
            .start()?;
        processes.push(p);
    }
    for p in processes {
        let exit = p.join()?;
        lesson.check_exit(&exit);
    }

    lesson.finish()
}
