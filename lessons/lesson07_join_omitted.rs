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
use std::time::Duration;

use clap::Parser;
use workbook::cli::LessonArgs;
use workbook::download::{DOWNLOAD_IMAGE, leftover_temp_files};
use workbook::lesson::{picture_path, pictures_on_disk};
use workbook::process::{Exit, Task};
use workbook::timeline::What;
use workbook::{Downloader, Lesson, MainResult, Process, cli, process, say, timeline};

const ABOUT: &str = "Lesson 07: start the workers and do not join them: what really happens.";

/// The worker kind the forgetful program uses.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
enum Workers {
    Processes,
    Threads,
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

// ANCHOR: forgetful
/// Starts a worker per picture, works on something else for a moment and, unless
/// told to join them, says "all done" and returns.
/// Arguments: mode, join, count, url, folder, timeout in s, other work in ms.
fn forgetful(args: &[String]) -> anyhow::Result<()> {
    let [mode, join, count, url, folder, timeout, other_work] = args else {
        anyhow::bail!("forgetful needs 7 arguments, got {args:?}");
    };
    let (count, folder): (usize, PathBuf) = (count.parse()?, folder.into());
    let timeout = Duration::from_secs(timeout.parse()?);
    let other_work = Duration::from_millis(other_work.parse()?);

    if mode == "processes" {
        let mut processes = Vec::new();
        for i in 0..count {
            let path = picture_path(&folder, i).to_string_lossy().into_owned();
            let args = [
                url.clone(),
                path,
                i.to_string(),
                timeout.as_secs().to_string(),
            ];
            processes.push(Process::new(&DOWNLOAD_IMAGE).args(args).start()?);
        }
        thread::sleep(other_work); // the rest of the program
        if join == "join" {
            for p in processes {
                p.join()?;
            }
        }
        // Without the join, the handles are dropped here. That does not stop the
        // children: they go on without us.
    } else {
        let downloader = Downloader::new(timeout)?;
        let mut threads = Vec::new();
        for i in 0..count {
            let (downloader, url, path) =
                (downloader.clone(), url.clone(), picture_path(&folder, i));
            let worker = thread::Builder::new().name(format!("Thread-{}", i + 1));
            threads.push(worker.spawn(move || downloader.download_image(&url, &path, i))?);
        }
        thread::sleep(other_work); // the rest of the program
        if join == "join" {
            for t in threads {
                let _ = t.join();
            }
        }
        // Without the join, the threads are still downloading when we return. Returning
        // ends the process, and every thread in it with no warning.
    }
    let seconds = timeline::elapsed().as_secs_f64();
    let on_disk = pictures_on_disk(&folder, count);
    say!("all done at {seconds:.3} s, with {on_disk} of {count} pictures on disk");
    Ok(())
}
// ANCHOR_END: forgetful

// ANCHOR: main
fn main() -> MainResult {
    // The main guard: a child runs its task (the forgetful program or a download) here.
    process::init(&[FORGETFUL, DOWNLOAD_IMAGE]);
    let args: Args = cli::parse("lesson07", ABOUT);
    let lesson = Lesson::start("lesson07", &args.lesson)?;
    let mode = match args.mode {
        Workers::Processes => "processes",
        Workers::Threads => "threads",
    };
    let join = if args.join { "join" } else { "no-join" };

    // ANCHOR: watch
    let forgetful = Process::new(&FORGETFUL)
        .name("forgetful")
        .args([mode, join, &lesson.count.to_string(), &lesson.url])
        .arg(lesson.out.to_string_lossy())
        .arg(lesson.timeout.as_secs().to_string())
        .arg(args.other_work_ms.to_string())
        .start()?;
    let pid = forgetful.pid();
    // join() returns when the program has exited *and* everyone writing to its
    // output has closed it: orphaned children keep that pipe open until they end.
    let exit = forgetful.join()?;
    let exited_at = exit.ended_at.as_secs_f64();
    let now = timeline::elapsed().as_secs_f64();
    say!("the forgetful program (pid {pid}) exited at {exited_at:.3} s");
    report_files(&lesson.out, lesson.count, now);
    if args.mode == Workers::Threads {
        // Give any download that might still be going on a fair chance to land.
        thread::sleep(args.lesson.latency() + Duration::from_millis(500));
        report_files(&lesson.out, lesson.count, timeline::elapsed().as_secs_f64());
    }
    // ANCHOR_END: watch

    conclude(&exit, lesson.count, args.join);
    lesson.check_exit(&exit);
    lesson.finish()
}
// ANCHOR_END: main

/// Says what the run showed: who saved pictures after the forgetful program was gone.
fn conclude(exit: &Exit, count: usize, joined: bool) {
    let saved: Vec<(Duration, u32)> = timeline::snapshot()
        .into_iter()
        .filter(|event| matches!(event.what, What::Saved { .. }))
        .map(|event| (event.at, event.pid))
        .collect();
    let after: Vec<String> = saved
        .iter()
        .filter(|(at, _)| *at > exit.ended_at)
        .map(|(_, pid)| pid.to_string())
        .collect();
    let exited = exit.ended_at.as_secs_f64();
    if saved.is_empty() {
        say!(
            "=> no picture arrived: the workers died with the forgetful program at {exited:.3} s."
        );
    } else if !after.is_empty() {
        let last = saved.iter().map(|(at, _)| *at).max().unwrap_or_default();
        say!(
            "=> {} of {count} pictures were saved after the forgetful program had exited, by its \
             orphaned children (pids {}). Its \"all done\" came {:.3} s too early.",
            after.len(),
            after.join(", "),
            last.as_secs_f64() - exited
        );
    } else if joined {
        say!("=> every picture was saved before the program exited: it joined its workers.");
    } else {
        say!(
            "=> every picture was saved before the forgetful program exited, although it did \
             not wait: its other work simply took longer than the downloads. Luck, not a fix."
        );
    }
}

fn report_files(folder: &Path, count: usize, at: f64) {
    let on_disk = pictures_on_disk(folder, count);
    let partial = leftover_temp_files(folder).len();
    say!("at {at:.3} s: {on_disk} of {count} pictures on disk, {partial} partial files");
}
