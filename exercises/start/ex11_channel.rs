//! Exercise 11: every result through a channel.
//!
//! Each worker thread below puts its result into a `Vec` behind an `Arc<Mutex<_>>`,
//! and the main thread reads the `Vec` at the end. Send the results through a channel
//! instead (`std::sync::mpsc`): the main thread prints each one as it arrives, and no
//! `Mutex` is left in this file.
//!
//! Check: `cargo run --bin check -- 11`. Start over: `cargo run --bin check -- 11 --reset`.

use std::sync::{Arc, Mutex};
use std::thread;

use workbook::{Downloader, Lesson, cli, process, say};

const NAME: &str = env!("CARGO_CRATE_NAME");

fn main() -> anyhow::Result<()> {
    process::init(&[]);
    let args = cli::parse(NAME, "Exercise 11: collect every result through a channel.");
    let lesson = Lesson::start(NAME, &args)?;
    let downloader = Downloader::new(lesson.limits, &lesson.timeline)?;

    // TODO: replace the shared Vec with a channel: `let (sender, receiver) =
    // mpsc::channel();`, a `sender.clone()` moved into each worker, and a loop over
    // `receiver` in the main thread that prints each result as it arrives.
    let results = Arc::new(Mutex::new(Vec::new()));
    let mut workers = Vec::new();
    for i in 0..lesson.count {
        let (downloader, url, path) = (downloader.clone(), lesson.url.clone(), lesson.file_path(i));
        let results = Arc::clone(&results);
        workers.push(thread::spawn(move || {
            let bytes = downloader.download_image(&url, &path, i).unwrap_or(0);
            results
                .lock()
                .unwrap_or_else(|p| p.into_inner())
                .push((i, bytes));
        }));
    }
    for worker in workers {
        if worker.join().is_err() {
            anyhow::bail!("a worker panicked");
        }
    }
    let results = results.lock().unwrap_or_else(|p| p.into_inner());
    let mut total = 0;
    for (i, bytes) in results.iter() {
        say!("result: picture {i}, {bytes} bytes");
        total += bytes;
    }
    say!("total: {total} bytes from {} results", results.len());
    lesson.finish(&[])
}
