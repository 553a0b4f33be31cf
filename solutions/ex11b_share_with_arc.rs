//! Solution 11b: `Arc`, the atomically counted `Rc`. Its count is changed with atomic
//! operations, so clones may be made and dropped on several threads at once: `Arc<T>`
//! is `Send` when `T` is `Send + Sync`, and a `Downloader` is both. (A `Downloader` is
//! also cheap to clone, so cloning it would do too; `Arc` is the general answer.)

use std::sync::Arc;
use std::thread;

use workbook::{Downloader, Lesson, cli, process, say};

const NAME: &str = env!("CARGO_CRATE_NAME");

fn main() -> anyhow::Result<()> {
    process::init(&[]);
    let args = cli::parse(NAME, "Exercise 11b: share one downloader between threads.");
    let lesson = Lesson::start(NAME, &args)?;
    let downloader = Arc::new(Downloader::new(lesson.limits, &lesson.timeline)?);

    let mut workers = Vec::new();
    for i in 0..lesson.count {
        let downloader = Arc::clone(&downloader);
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
