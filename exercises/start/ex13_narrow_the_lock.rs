//! Exercise 13: a lock held too long.
//!
//! Four workers each download a picture and add its size to a shared total. They
//! should download at the same time, but the timeline shows a staircase: each worker
//! holds the lock on the total for its whole download. Hold it only as long as it
//! takes to add, and the downloads overlap again.
//!
//! Check: `cargo run --bin check -- 13`. Start over: `cargo run --bin check -- 13 --reset`.

use std::sync::Mutex;
use std::thread;

use workbook::{Downloader, Lesson, cli, process, say};

const NAME: &str = env!("CARGO_CRATE_NAME");

fn main() -> anyhow::Result<()> {
    process::init(&[]);
    let mut args: workbook::cli::LessonArgs =
        cli::parse(NAME, "Exercise 13: narrow a lock that is held too long.");
    args.count = Some(args.count.unwrap_or(4));
    let lesson = Lesson::start(NAME, &args)?;
    let downloader = Downloader::new(lesson.limits, &lesson.timeline)?;

    let total = Mutex::new(0u64);
    thread::scope(|s| {
        for i in 0..lesson.count {
            let (downloader, lesson, total) = (&downloader, &lesson, &total);
            s.spawn(move || {
                // TODO: this lock is held during the whole download.
                let mut total = total.lock().unwrap_or_else(|p| p.into_inner());
                if let Ok(bytes) = downloader.download_image(&lesson.url, &lesson.file_path(i), i) {
                    *total += bytes;
                }
            });
        }
    });
    let total = total.into_inner().unwrap_or_else(|p| p.into_inner());
    say!("total: {total} bytes");
    lesson.finish(&[])
}
