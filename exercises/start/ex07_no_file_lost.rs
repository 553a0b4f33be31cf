//! Exercise 07: threads that lose no picture.
//!
//! Like lesson 07's forgetful program, this starts one thread per picture and does
//! not wait for them: `main` returns, the process ends, the threads die, and the
//! pictures never arrive. Make every picture arrive before "all done" is printed.
//!
//! Check: `cargo run --bin check -- 07`. Start over: `cargo run --bin check -- 07 --reset`.

use std::thread;

use workbook::{Downloader, Lesson, cli, process, say};

const NAME: &str = env!("CARGO_CRATE_NAME");

fn main() -> anyhow::Result<()> {
    process::init(&[]);
    let args = cli::parse(
        NAME,
        "Exercise 07: start a thread per picture and lose none.",
    );
    let lesson = Lesson::start(NAME, &args)?;
    let downloader = Downloader::new(lesson.limits, &lesson.timeline)?;

    // TODO: nothing waits for these threads. Make sure they finish before the end.
    for i in 0..lesson.count {
        let (downloader, url, path) = (downloader.clone(), lesson.url.clone(), lesson.file_path(i));
        thread::spawn(move || downloader.download_image(&url, &path, i));
    }

    let saved = lesson.pictures_saved();
    say!("all done, with {saved} of {} pictures saved", lesson.count);
    lesson.finish(&[])
}
