//! Exercise 07: threads that lose no picture.
//!
//! Like lesson 07's forgetful program, this starts one thread per picture and does
//! not wait for them: `main` returns, the process ends, the threads die, and the
//! pictures never arrive. Make every picture arrive before "all done" is printed.
//!
//! Check: `cargo run --bin check -- 07`. Start over: `cargo run --bin check -- 07 --reset`.

use std::thread;

use workbook::lesson::pictures_on_disk;
use workbook::{Downloader, Lesson, MainResult, cli, process, say};

fn main() -> MainResult {
    process::init(&[]);
    let args = cli::parse(
        "ex07",
        "Exercise 07: start a thread per picture and lose none.",
    );
    let lesson = Lesson::start("ex07", &args)?;
    let downloader = Downloader::new(lesson.timeout)?;

    // TODO: nothing waits for these threads. Make sure they finish before the end.
    for i in 0..lesson.count {
        let (downloader, url, path) = (downloader.clone(), lesson.url.clone(), lesson.file_path(i));
        thread::spawn(move || downloader.download_image(&url, &path, i));
    }

    let on_disk = pictures_on_disk(&lesson.out, lesson.count);
    say!(
        "all done, with {on_disk} of {} pictures on disk",
        lesson.count
    );
    lesson.finish()
}
