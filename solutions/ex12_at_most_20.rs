//! Solution 12: a pool of AT_MOST threads. Each takes the next picture number from a
//! shared atomic counter until none is left: never more than AT_MOST downloads in
//! flight, and a thread that finishes early takes the next picture at once (a sliding
//! window, not chunks that wait for their slowest).

use std::sync::atomic::{AtomicUsize, Ordering};
use std::thread;

use workbook::{Downloader, Lesson, cli, process, say};

const NAME: &str = env!("CARGO_CRATE_NAME");
const AT_MOST: usize = 20;

fn main() -> anyhow::Result<()> {
    process::init(&[]);
    let mut args: workbook::cli::LessonArgs =
        cli::parse(NAME, "Exercise 12: 200 pictures, at most 20 in flight.");
    args.count = Some(args.count.unwrap_or(200));
    let lesson = Lesson::start(NAME, &args)?;
    let url = lesson.url_for_size(200, 300);
    let downloader = Downloader::new(lesson.limits, &lesson.timeline)?;

    let next = AtomicUsize::new(0);
    let saved = AtomicUsize::new(0);
    thread::scope(|s| {
        for _ in 0..AT_MOST {
            s.spawn(|| {
                loop {
                    let i = next.fetch_add(1, Ordering::Relaxed);
                    if i >= lesson.count {
                        break;
                    }
                    if downloader
                        .download_image(&url, &lesson.file_path(i), i)
                        .is_ok()
                    {
                        saved.fetch_add(1, Ordering::Relaxed);
                    }
                }
            });
        }
    });
    say!(
        "{} of {} pictures saved",
        saved.load(Ordering::Relaxed),
        lesson.count
    );
    lesson.finish(&[])
}
