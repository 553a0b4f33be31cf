//! Solution 05: the direct call goes; the loop only starts processes, and a second
//! loop joins them (lesson 06's shape). Each picture is downloaded once, all at once.

use workbook::download::DOWNLOAD_IMAGE;
use workbook::{Lesson, MainResult, Process, cli, process};

fn main() -> MainResult {
    process::init(&[DOWNLOAD_IMAGE]);
    let args = cli::parse(
        "ex05",
        "Exercise 05: download each picture once, in parallel.",
    );
    let lesson = Lesson::start("ex05", &args)?;

    let mut processes = Vec::new();
    for i in 0..lesson.count {
        // Only start the child here: start() returns at once, so the loop does not wait.
        let p = Process::new(&DOWNLOAD_IMAGE)
            .args(lesson.download_args(i))
            .start()?;
        processes.push(p);
    }
    for p in processes {
        let exit = p.join()?;
        lesson.check_exit(&exit);
    }

    lesson.finish()
}
