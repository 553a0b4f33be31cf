//! Solution 06: go through the pictures in chunks of `max_at_once`: start a chunk,
//! join it, start the next. (A finer way keeps `max_at_once` running all the time,
//! starting a new one as soon as any ends; chunks are the simplest that is correct.)

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

    let pictures: Vec<usize> = (0..lesson.count).collect();
    let mut exits = Vec::new();
    for chunk in pictures.chunks(max_at_once) {
        let mut processes = Vec::new();
        for &i in chunk {
            processes.push(
                Process::new(&DOWNLOAD_IMAGE)
                    .args(lesson.download_args(i))
                    .timeline(&lesson.timeline)
                    .start()?,
            );
        }
        for p in processes {
            exits.push(p.join()?);
        }
    }

    lesson.finish(&exits)
}
