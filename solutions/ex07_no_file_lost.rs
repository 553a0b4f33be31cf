//! Solution 07: start the threads in a scope. `thread::scope` returns only when every
//! thread started in it has finished, so "all done" comes after the downloads, and
//! the threads may even borrow the downloader and the lesson instead of cloning.

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

    thread::scope(|scope| {
        for i in 0..lesson.count {
            let (downloader, lesson) = (&downloader, &lesson);
            scope.spawn(move || downloader.download_image(&lesson.url, &lesson.file_path(i), i));
        }
    }); // every thread has finished here

    let saved = lesson.pictures_saved();
    say!("all done, with {saved} of {} pictures saved", lesson.count);
    lesson.finish(&[])
}
