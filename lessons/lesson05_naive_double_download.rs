//! Lesson 05: the tutorial's mistake, made on purpose.
//!
//! Inside one loop, the program calls the download itself *and* starts a child process
//! to do the same download. Every picture is downloaded twice, and because the direct
//! call blocks the loop, the processes start one by one, late: slower than doing it
//! sequentially, let alone in parallel. The server's request counter gives it away.

use workbook::download::DOWNLOAD_IMAGE;
use workbook::process::Exit;
use workbook::{Downloader, Lesson, Process, cli, compare, process};

const NAME: &str = env!("CARGO_CRATE_NAME");
const ABOUT: &str =
    "Lesson 05: the naive version: download each picture directly AND in a child process.";

// ANCHOR: main
fn main() -> anyhow::Result<()> {
    // The main guard: in a child process, run its download and exit right here.
    process::init(&[DOWNLOAD_IMAGE]);
    let args = cli::parse(NAME, ABOUT);
    let lesson = Lesson::start(NAME, &args)?;

    let exits = download_all_naively(&lesson)?;

    // How does the mistake compare with plain sequential downloads?
    let summary = lesson.report(&exits);
    compare::print_speedup(&lesson, "naive", &summary);
    summary.into_result()
}
// ANCHOR_END: main

// ANCHOR: naive
/// The tutorial's naive loop: it calls `download_image` AND starts a process for it.
/// Returns how each child ended.
pub fn download_all_naively(lesson: &Lesson) -> anyhow::Result<Vec<Exit>> {
    let downloader = Downloader::new(lesson.limits, &lesson.timeline)?;
    let mut processes = Vec::new();
    for i in 0..lesson.count {
        // The mistake: this call downloads picture i right here, and the loop waits...
        match downloader.download_image(&lesson.url, &lesson.file_path(i), i) {
            Ok(_bytes) => {}
            Err(_already_on_the_timeline) => {}
        }
        // ...then a child process is started to download the very same picture again.
        let p = Process::new(&DOWNLOAD_IMAGE)
            .args(lesson.download_args(i))
            .timeline(&lesson.timeline)
            .start()?;
        processes.push(p);
    }
    let mut exits = Vec::new();
    for p in processes {
        exits.push(p.join()?);
    }
    Ok(exits)
}
// ANCHOR_END: naive
