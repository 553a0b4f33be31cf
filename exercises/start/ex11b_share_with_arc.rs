//! Exercise 11b: share it between threads. This program does not compile yet.
//!
//! The workers share one `Downloader` through an `Rc`. Read the compiler's message
//! (`cargo run --bin check -- 11b` shows it): why may an `Rc` not go to another
//! thread? Make it compile with the thread-safe way to share ownership, and keep
//! every worker downloading at the same time.
//!
//! Check: `cargo run --bin check -- 11b`. Start over: `cargo run --bin check -- 11b --reset`.

use std::rc::Rc;
use std::thread;

use workbook::{Downloader, Lesson, cli, process, say};

const NAME: &str = env!("CARGO_CRATE_NAME");

fn main() -> anyhow::Result<()> {
    process::init(&[]);
    let args = cli::parse(NAME, "Exercise 11b: share one downloader between threads.");
    let lesson = Lesson::start(NAME, &args)?;
    // TODO: an `Rc` cannot be sent to another thread. What can?
    let downloader = Rc::new(Downloader::new(lesson.limits, &lesson.timeline)?);

    let mut workers = Vec::new();
    for i in 0..lesson.count {
        let downloader = Rc::clone(&downloader);
        let (url, path) = (lesson.url.clone(), lesson.file_path(i));
        workers.push(thread::spawn(move || {
            downloader.download_image(&url, &path, i)
        }));
    }
    let mut saved = 0;
    for worker in workers {
        if let Ok(Ok(_bytes)) = worker.join() {
            saved += 1;
        }
    }
    say!("{saved} pictures saved by threads sharing one downloader");
    lesson.finish(&[])
}
