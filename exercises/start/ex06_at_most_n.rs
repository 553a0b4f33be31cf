//! Exercise 06: at most N downloads at a time.
//!
//! One process per picture is fine for 5 pictures; for 500 it would start 500
//! processes at once. Change the loop so that at most `--max-at-once` (default 2)
//! child processes run at the same time, and every picture still arrives.
//!
//! Check: `cargo run --bin check -- 06`. Start over: `cargo run --bin check -- 06 --reset`.

use clap::Parser;
use workbook::cli::LessonArgs;
use workbook::download::DOWNLOAD_IMAGE;
use workbook::{Lesson, Process, cli, process};

#[derive(Parser)]
struct Args {
    #[command(flatten)]
    lesson: LessonArgs,

    /// How many child processes may run at the same time.
    #[arg(long, default_value_t = 2, value_parser = clap::value_parser!(u32).range(1..=64))]
    max_at_once: u32,
}

const NAME: &str = env!("CARGO_CRATE_NAME");

fn main() -> anyhow::Result<()> {
    process::init(&[DOWNLOAD_IMAGE]);
    let args: Args = cli::parse(
        NAME,
        "Exercise 06: download in parallel, at most N at a time.",
    );
    let lesson = Lesson::start(NAME, &args.lesson)?;
    let max_at_once = args.max_at_once as usize;

    // TODO: start at most `max_at_once` processes, wait for them, then start the next
    // ones. (One way: go through the pictures in chunks of `max_at_once`.)
    let _ = max_at_once;
    let mut processes = Vec::new();
    for i in 0..lesson.count {
        processes.push(
            Process::new(&DOWNLOAD_IMAGE)
                .args(lesson.download_args(i))
                .timeline(&lesson.timeline)
                .start()?,
        );
    }
    let mut exits = Vec::new();
    for p in processes {
        exits.push(p.join()?);
    }

    lesson.finish(&exits)
}
