//! Solution 07: start the threads in a scope. `thread::scope` returns only when every
//! thread started in it has finished, so "all done" comes after the downloads, and
//! the threads may even borrow the downloader and the lesson instead of cloning.

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

    thread::scope(|scope| {
        for i in 0..lesson.count {
            let (downloader, lesson) = (&downloader, &lesson);
            scope.spawn(move || downloader.download_image(&lesson.url, &lesson.file_path(i), i));
        }
    }); // every thread has finished here

    let on_disk = pictures_on_disk(&lesson.out, lesson.count);
    say!(
        "all done, with {on_disk} of {} pictures on disk",
        lesson.count
    );
    lesson.finish()
}
