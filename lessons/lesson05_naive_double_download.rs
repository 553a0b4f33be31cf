//! Lesson 05: the tutorial's mistake, made on purpose.
//!
//! Inside one loop, the program calls the download itself *and* starts a child process
//! to do the same download. Every picture is downloaded twice, and because the direct
//! call blocks the loop, the processes start one by one, late: slower than doing it
//! sequentially, let alone in parallel. The server's request counter gives it away.

use workbook::download::DOWNLOAD_IMAGE;
use workbook::{Downloader, Lesson, MainResult, Process, cli, process};

const ABOUT: &str =
    "Lesson 05: the naive version: download each picture directly AND in a child process.";

// ANCHOR: main
fn main() -> MainResult {
    // The main guard: in a child process, run its download and exit right here.
    process::init(&[DOWNLOAD_IMAGE]);
    let args = cli::parse("lesson05", ABOUT);
    let lesson = Lesson::start("lesson05", &args)?;

    download_all_naively(&lesson)?;

    // How does the mistake compare with plain sequential downloads?
    let summary = lesson.summary();
    lesson.print_speedup("naive", &summary)?;
    summary.into_result()
}
// ANCHOR_END: main

// ANCHOR: naive
/// The tutorial's naive loop: it calls `download_image` AND starts a process for it.
pub fn download_all_naively(lesson: &Lesson) -> anyhow::Result<()> {
    let downloader = Downloader::new(lesson.timeout)?;
    let mut processes = Vec::new();
    for i in 0..lesson.count {
        // The mistake: this call downloads picture i right here, and the loop waits...
        let _ = downloader.download_image(&lesson.url, &lesson.file_path(i), i);
        // ...then a child process is started to download the very same picture again.
        let p = Process::new(&DOWNLOAD_IMAGE)
            .args(lesson.download_args(i))
            .start()?;
        processes.push(p);
    }
    for p in processes {
        let exit = p.join()?;
        lesson.check_exit(&exit);
    }
    Ok(())
}
// ANCHOR_END: naive
