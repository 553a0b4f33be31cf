//! Solution 13: download first, then take the lock just to add. The lock guards the
//! total, not the download: held for an addition, it is free almost all the time, and
//! the four downloads overlap. (An `AtomicU64` would need no lock at all.)

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
                if let Ok(bytes) = downloader.download_image(&lesson.url, &lesson.file_path(i), i) {
                    *total.lock().unwrap_or_else(|p| p.into_inner()) += bytes;
                }
            });
        }
    });
    let total = total.into_inner().unwrap_or_else(|p| p.into_inner());
    say!("total: {total} bytes");
    lesson.finish(&[])
}
