//! Solution 11: a channel. Each worker gets its own clone of the sender and sends
//! its result; the main thread drops its own sender, so that the loop over the
//! receiver ends when the last worker has sent and finished. The results arrive in
//! the order the downloads end, and nothing is shared but the channel.

use std::sync::mpsc;
use std::thread;

use workbook::{Downloader, Lesson, cli, process, say};

const NAME: &str = env!("CARGO_CRATE_NAME");

fn main() -> anyhow::Result<()> {
    process::init(&[]);
    let args = cli::parse(NAME, "Exercise 11: collect every result through a channel.");
    let lesson = Lesson::start(NAME, &args)?;
    let downloader = Downloader::new(lesson.limits, &lesson.timeline)?;

    let (sender, receiver) = mpsc::channel();
    thread::scope(|s| {
        for i in 0..lesson.count {
            let (sender, downloader, lesson) = (sender.clone(), &downloader, &lesson);
            s.spawn(move || {
                let bytes = downloader
                    .download_image(&lesson.url, &lesson.file_path(i), i)
                    .unwrap_or(0);
                // Fails only if the receiver is gone, and it is not: main is reading.
                let _ = sender.send((i, bytes));
            });
        }
        drop(sender); // ours; the workers' senders end the loop below when dropped
        let mut total = 0;
        let mut count = 0;
        for (i, bytes) in receiver {
            say!("result: picture {i}, {bytes} bytes");
            total += bytes;
            count += 1;
        }
        say!("total: {total} bytes from {count} results");
    });
    lesson.finish(&[])
}
