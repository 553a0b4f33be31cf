//! Solution 05: the direct call goes; the loop only starts processes, and a second
//! loop joins them (lesson 06's shape). Each picture is downloaded once, all at once.

use workbook::download::DOWNLOAD_IMAGE;
use workbook::{Lesson, Process, cli, process};

const NAME: &str = env!("CARGO_CRATE_NAME");

fn main() -> anyhow::Result<()> {
    process::init(&[DOWNLOAD_IMAGE]);
    let args = cli::parse(
        NAME,
        "Exercise 05: download each picture once, in parallel.",
    );
    let lesson = Lesson::start(NAME, &args)?;

    let mut processes = Vec::new();
    for i in 0..lesson.count {
        // Only start the child here: start() returns at once, so the loop does not wait.
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

    lesson.finish(&exits)
}
