//! Exercise 12: two hundred pictures, at most twenty in flight.
//!
//! This program starts one thread per picture: two hundred downloads at once. A real
//! server would not thank you for that. Keep at most 20 downloads in flight at any
//! moment, and still get every picture.
//!
//! Check: `cargo run --bin check -- 12`. Start over: `cargo run --bin check -- 12 --reset`.

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

    // TODO: at most AT_MOST at a time. One way: AT_MOST worker threads that take the
    // next picture number from a shared counter (or a channel) until none is left.
    let _ = AT_MOST;
    let saved = thread::scope(|s| {
        let handles: Vec<_> = (0..lesson.count)
            .map(|i| {
                let (downloader, url, lesson) = (&downloader, &url, &lesson);
                s.spawn(move || downloader.download_image(url, &lesson.file_path(i), i))
            })
            .collect();
        handles
            .into_iter()
            .map(|handle| handle.join())
            .filter(|result| matches!(result, Ok(Ok(_bytes))))
            .count()
    });
    say!("{saved} of {} pictures saved", lesson.count);
    lesson.finish(&[])
}
