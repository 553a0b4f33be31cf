//! Lesson 07: what really happens when the parent does not wait for its workers.
//!
//! A "forgetful" program starts one worker per picture, prints "all done" and exits,
//! without joining anything. This lesson runs that program as a child of its own and
//! watches what happens after it is gone:
//!
//! - `--mode processes`: the worker processes are orphaned, not killed. They go on and
//!   finish their downloads after their parent has exited. What was wrong is the
//!   parent's "all done": it came before any picture existed.
//! - `--mode threads`: when `main` returns, the process exits and its threads die with
//!   it, mid-download. The pictures never arrive; thanks to atomic writes no half
//!   file is left either.
//!
//! `--join` makes the forgetful program wait for its workers: the fix.

use std::path::{Path, PathBuf};
use std::thread;
use std::time::{Duration, SystemTime};

use clap::Parser;
use workbook::cli::LessonArgs;
use workbook::download::DOWNLOAD_IMAGE;
use workbook::event::EventKind;
use workbook::lesson::picture_path;
use workbook::process::{Exit, Task};
use workbook::timeline::Timeline;
use workbook::{Downloader, Lesson, Limits, Process, cli, process, say, temp};

const NAME: &str = env!("CARGO_CRATE_NAME");

const ABOUT: &str = "Lesson 07: start the workers and do not join them: what really happens.";

/// The worker kind the forgetful program uses.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
enum Workers {
    Processes,
    Threads,
}

impl Workers {
    fn name(self) -> &'static str {
        match self {
            Workers::Processes => "processes",
            Workers::Threads => "threads",
        }
    }
}

#[derive(Parser)]
struct Args {
    #[command(flatten)]
    lesson: LessonArgs,

    /// Workers of the forgetful program: child processes or threads.
    #[arg(long, value_enum, default_value_t = Workers::Processes)]
    mode: Workers,

    /// Let the forgetful program join its workers (the fix).
    #[arg(long)]
    join: bool,

    /// How long the forgetful program works on other things after starting its
    /// workers, before it says "all done" (while the downloads are under way).
    #[arg(long, value_name = "MS", default_value_t = 100,
          value_parser = clap::value_parser!(u64).range(0..=10_000))]
    other_work_ms: u64,
}

/// The forgetful program, run as a child process so that we can watch it from outside.
const FORGETFUL: Task = Task {
    name: "forgetful",
    run: forgetful,
};

/// The forgetful program's own command line, typed like any program's.
#[derive(Parser)]
struct ForgetfulArgs {
    #[arg(long, value_enum)]
    mode: Workers,
    #[arg(long)]
    join: bool,
    #[arg(long)]
    count: usize,
    #[arg(long)]
    url: String,
    #[arg(long)]
    folder: PathBuf,
    #[arg(long)]
    timeout_secs: u64,
    #[arg(long)]
    max_bytes: u64,
    #[arg(long)]
    other_work_ms: u64,
}

// ANCHOR: forgetful
/// Starts a worker per picture, works on something else for a moment and, unless
/// told to join them, says "all done" and returns.
fn forgetful(args: &[String]) -> anyhow::Result<()> {
    let args = ForgetfulArgs::try_parse_from(
        std::iter::once("forgetful").chain(args.iter().map(String::as_str)),
    )?;
    let started = a_moment_ago();
    let limits = Limits {
        timeout: Duration::from_secs(args.timeout_secs),
        max_bytes: args.max_bytes,
    };
    // A child's timeline sends each event to the parent that watches us.
    let timeline = Timeline::to_parent();

    match args.mode {
        Workers::Processes => {
            let mut processes = Vec::new();
            for i in 0..args.count {
                let path = picture_path(&args.folder, i).to_string_lossy().into_owned();
                let download = [
                    args.url.clone(),
                    path,
                    i.to_string(),
                    args.timeout_secs.to_string(),
                    args.max_bytes.to_string(),
                ];
                processes.push(Process::new(&DOWNLOAD_IMAGE).args(download).start()?);
            }
            thread::sleep(Duration::from_millis(args.other_work_ms)); // the rest of the program
            if args.join {
                for p in processes {
                    p.join()?;
                }
            }
            // Without the join, the handles are dropped here. That does not stop the
            // children: they go on without us.
        }
        Workers::Threads => {
            let downloader = Downloader::new(limits, &timeline)?;
            let mut threads = Vec::new();
            for i in 0..args.count {
                let (downloader, url, path) = (
                    downloader.clone(),
                    args.url.clone(),
                    picture_path(&args.folder, i),
                );
                let worker = thread::Builder::new().name(format!("Thread-{}", i + 1));
                threads.push(worker.spawn(move || downloader.download_image(&url, &path, i))?);
            }
            thread::sleep(Duration::from_millis(args.other_work_ms)); // the rest of the program
            if args.join {
                for t in threads {
                    if t.join().is_err() {
                        anyhow::bail!("a download thread panicked");
                    }
                }
            }
            // Without the join, the threads are still downloading when we return. Returning
            // ends the process, and every thread in it with no warning.
        }
    }
    let seconds = timeline.elapsed().as_secs_f64();
    let new = pictures_written_since(&args.folder, args.count, started);
    say!(
        "all done at {seconds:.3} s, with {new} of {} pictures on disk",
        args.count
    );
    Ok(())
}
// ANCHOR_END: forgetful

// ANCHOR: main
fn main() -> anyhow::Result<()> {
    // The main guard: a child runs its task (the forgetful program or a download) here.
    process::init(&[FORGETFUL, DOWNLOAD_IMAGE]);
    let args: Args = cli::parse(NAME, ABOUT);
    let lesson = Lesson::start(NAME, &args.lesson)?;
    let started = a_moment_ago();

    // ANCHOR: watch
    let forgetful = Process::new(&FORGETFUL)
        .name("forgetful")
        .args(["--mode", args.mode.name(), "--url", &lesson.url])
        .args(["--count".to_string(), lesson.count.to_string()])
        .args([
            "--folder".to_string(),
            lesson.out.to_string_lossy().into_owned(),
        ])
        .args([
            "--timeout-secs".to_string(),
            lesson.limits.timeout.as_secs().to_string(),
        ])
        .args([
            "--max-bytes".to_string(),
            lesson.limits.max_bytes.to_string(),
        ])
        .args([
            "--other-work-ms".to_string(),
            args.other_work_ms.to_string(),
        ])
        .args(args.join.then_some("--join"))
        .timeline(&lesson.timeline)
        .start()?;
    let pid = forgetful.pid();
    // join() returns when the program has exited *and* everyone writing to its
    // output has closed it: orphaned children keep that pipe open until they end.
    let exit = forgetful.join()?;
    let exited_at = exit.ended_at.as_secs_f64();
    say!("the forgetful program (pid {pid}) exited at {exited_at:.3} s");
    report_files(&lesson, started);
    if args.mode == Workers::Threads {
        // Give any download that might still be going on a fair chance to land.
        thread::sleep(args.lesson.latency() + Duration::from_millis(500));
        report_files(&lesson, started);
    }
    // ANCHOR_END: watch

    conclude(&lesson, &exit, args.join);
    lesson.finish(&[exit])
}
// ANCHOR_END: main

/// Says what the run showed: who saved pictures after the forgetful program was gone.
fn conclude(lesson: &Lesson, exit: &Exit, joined: bool) {
    let count = lesson.count;
    let saved: Vec<(Duration, u32)> = lesson
        .timeline
        .events()
        .into_iter()
        .filter(|event| matches!(event.kind, EventKind::Saved { .. }))
        .map(|event| (event.at, event.pid))
        .collect();
    let after: Vec<String> = saved
        .iter()
        .filter(|(at, _)| *at > exit.ended_at)
        .map(|(_, pid)| pid.to_string())
        .collect();
    let exited = exit.ended_at.as_secs_f64();
    if saved.is_empty() {
        say!("=> no picture arrived: the workers died with the forgetful program");
        say!("   at {exited:.3} s.");
    } else if !after.is_empty() {
        let last = saved.iter().map(|(at, _)| *at).max().unwrap_or_default();
        say!(
            "=> {} of {count} pictures were saved after the forgetful program had exited,",
            after.len()
        );
        say!("   by its orphaned children (pids {}).", after.join(", "));
        say!(
            "   Its \"all done\" came {:.3} s too early.",
            last.as_secs_f64() - exited
        );
    } else if joined {
        say!("=> every picture was saved before the program exited:");
        say!("   it joined its workers.");
    } else {
        say!("=> every picture was saved before the forgetful program exited, although");
        say!("   it did not wait: its other work simply took longer than the downloads.");
        say!("   Luck, not a fix.");
    }
}

/// What is on disk now: the pictures this run wrote, and temporary files.
fn report_files(lesson: &Lesson, started: SystemTime) {
    let at = lesson.timeline.elapsed().as_secs_f64();
    let new = pictures_written_since(&lesson.out, lesson.count, started);
    let partial = temp::leftovers(&lesson.out).len();
    say!(
        "at {at:.3} s: {new} of {} pictures on disk, {partial} partial files",
        lesson.count
    );
}

/// Now, less the few milliseconds by which a file system's timestamps can lag behind
/// the clock (they come from a coarser clock).
fn a_moment_ago() -> SystemTime {
    SystemTime::now() - Duration::from_millis(20)
}

/// How many of `0.jpg` .. `<count - 1>.jpg` in `folder` were written since `since`:
/// pictures from an earlier run do not count.
fn pictures_written_since(folder: &Path, count: usize, since: SystemTime) -> usize {
    (0..count)
        .filter(|&i| {
            std::fs::metadata(picture_path(folder, i))
                .and_then(|meta| meta.modified())
                .is_ok_and(|modified| modified >= since)
        })
        .count()
}
