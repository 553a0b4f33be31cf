//! Lesson 10: when do processes pay off? Measure, then decide.
//!
//! The same three kinds of work, 8 jobs each, run four ways: sequentially, one thread
//! per job, on rayon's pool, and one child process per job. Tiny jobs show the cost of
//! starting workers; drawing JPEGs shows computing; downloads show waiting. The table
//! at the end is measured in this run, on this machine.

use std::time::{Duration, Instant};

use rayon::prelude::*;
use workbook::cli::LessonArgs;
use workbook::download::DOWNLOAD_IMAGE;
use workbook::process::{self, Process, Task};
use workbook::timeline::Timeline;
use workbook::units::duration;
use workbook::{Downloader, Lesson, cli, say, server};

const NAME: &str = env!("CARGO_CRATE_NAME");

const ABOUT: &str = "Lesson 10: when to use processes: tiny, CPU-bound and I/O-bound jobs, four ways each, measured.";

/// A job of each kind for a child process.
pub const TINY: Task = Task {
    name: "tiny",
    run: |args| {
        let n: u64 = args.first().map_or(Ok(0), |a| a.parse())?;
        std::hint::black_box(n * 2);
        Ok(())
    },
};
pub const DRAW: Task = Task {
    name: "draw",
    run: |_| {
        std::hint::black_box(server::draw_jpeg(200, 3000));
        Ok(())
    },
};

/// One kind of work: the job in this process, and how a child process does it.
pub struct Work<'a> {
    pub name: &'static str,
    pub job: Box<dyn Fn(usize) -> anyhow::Result<()> + Sync + 'a>,
    pub task: &'static Task,
    pub child_args: Box<dyn Fn(usize) -> Vec<String> + 'a>,
}

/// How long the same jobs took, each way.
#[derive(Debug, Clone, Copy)]
pub struct Times {
    pub sequential: Duration,
    pub threads: Duration,
    pub rayon: Duration,
    pub processes: Duration,
}

impl Times {
    /// The fastest way's name.
    fn fastest(&self) -> &'static str {
        let ways = [
            (self.sequential, "sequential"),
            (self.threads, "threads"),
            (self.rayon, "rayon"),
            (self.processes, "processes"),
        ];
        ways.iter()
            .min_by_key(|(time, _)| *time)
            .map_or("", |(_, name)| name)
    }
}

// ANCHOR: main
fn main() -> anyhow::Result<()> {
    process::init(&[TINY, DRAW, DOWNLOAD_IMAGE]); // the main guard
    let mut args: LessonArgs = cli::parse(NAME, ABOUT);
    args.count = Some(args.count.unwrap_or(8));
    // Quiet: this lesson prints a table, not every download.
    let lesson = Lesson::start_quiet(NAME, &args)?;
    let downloader = Downloader::new(lesson.limits, &lesson.timeline)?;
    let works = works(&lesson, &downloader);

    say!(
        "{} jobs of each kind; rayon's pool has {} threads\n",
        lesson.count,
        rayon::current_num_threads()
    );
    say!(
        "{:<18} | {:>10} | {:>10} | {:>10} | {:>10} | fastest",
        "work",
        "sequential",
        "threads",
        "rayon",
        "processes"
    );
    let mut rows = Vec::new();
    for work in &works {
        let times = Times {
            sequential: sequentially(&work.job, lesson.count)?,
            threads: on_threads(&work.job, lesson.count)?,
            rayon: with_rayon(&work.job, lesson.count)?,
            processes: in_processes(work, lesson.count, &lesson.timeline)?,
        };
        say!(
            "{:<18} | {:>10} | {:>10} | {:>10} | {:>10} | {}",
            work.name,
            duration(times.sequential),
            duration(times.threads),
            duration(times.rayon),
            duration(times.processes),
            times.fastest()
        );
        rows.push(times);
    }
    advise(&rows);
    // With `--trace FILE`, every download of the run, for Perfetto (lesson 06).
    lesson.write_trace()?;
    Ok(())
}

/// Turns the measured rows (tiny, CPU, I/O) into advice, with the ratios of this run.
fn advise(rows: &[Times]) {
    let [tiny, cpu, io] = rows else { return };
    let ratio = |a: Duration, b: Duration| a.as_secs_f64() / b.as_secs_f64().max(1e-9);
    say!("\nWhat this run says:");
    say!(
        "- tiny jobs: processes took {:.0}x as long as doing the work in place,",
        ratio(tiny.processes, tiny.sequential)
    );
    say!(
        "  threads {:.0}x. Starting a worker costs more than such a job: batch them.",
        ratio(tiny.threads, tiny.sequential)
    );
    say!(
        "- computing: threads {:.1}x and rayon {:.1}x faster than sequential,",
        ratio(cpu.sequential, cpu.threads),
        ratio(cpu.sequential, cpu.rayon)
    );
    say!(
        "  processes {:.1}x. No GIL in Rust: threads or rayon; processes for isolation.",
        ratio(cpu.sequential, cpu.processes)
    );
    say!(
        "- waiting: one thread per download {:.1}x faster than sequential,",
        ratio(io.sequential, io.threads)
    );
    say!(
        "  processes {:.1}x, rayon only {:.1}x (its pool is sized for computing).",
        ratio(io.sequential, io.processes),
        ratio(io.sequential, io.rayon)
    );
}
// ANCHOR_END: main

/// The three kinds of work of this lesson.
pub fn works<'a>(lesson: &'a Lesson, downloader: &'a Downloader) -> [Work<'a>; 3] {
    [
        Work {
            name: "tiny: n * 2",
            job: Box::new(|i| {
                std::hint::black_box(i * 2);
                Ok(())
            }),
            task: &TINY,
            child_args: Box::new(|i| vec![i.to_string()]),
        },
        Work {
            name: "CPU: draw a JPEG",
            job: Box::new(|_| {
                std::hint::black_box(server::draw_jpeg(200, 3000));
                Ok(())
            }),
            task: &DRAW,
            child_args: Box::new(|_| Vec::new()),
        },
        Work {
            name: "I/O: download",
            job: Box::new(|i| {
                downloader.download_image(&lesson.url, &lesson.file_path(i), i)?;
                Ok(())
            }),
            task: &DOWNLOAD_IMAGE,
            child_args: Box::new(|i| lesson.download_args(i).to_vec()),
        },
    ]
}

// ANCHOR: ways
pub fn sequentially(
    job: &(dyn Fn(usize) -> anyhow::Result<()> + Sync),
    jobs: usize,
) -> anyhow::Result<Duration> {
    let start = Instant::now();
    for i in 0..jobs {
        job(i)?;
    }
    Ok(start.elapsed())
}

pub fn on_threads(
    job: &(dyn Fn(usize) -> anyhow::Result<()> + Sync),
    jobs: usize,
) -> anyhow::Result<Duration> {
    let start = Instant::now();
    std::thread::scope(|scope| {
        let workers: Vec<_> = (0..jobs).map(|i| scope.spawn(move || job(i))).collect();
        for worker in workers {
            worker
                .join()
                .map_err(|_| anyhow::anyhow!("a thread panicked"))??;
        }
        Ok::<(), anyhow::Error>(())
    })?;
    Ok(start.elapsed())
}

pub fn with_rayon(
    job: &(dyn Fn(usize) -> anyhow::Result<()> + Sync),
    jobs: usize,
) -> anyhow::Result<Duration> {
    let start = Instant::now();
    (0..jobs).into_par_iter().try_for_each(job)?;
    Ok(start.elapsed())
}

pub fn in_processes(work: &Work, jobs: usize, timeline: &Timeline) -> anyhow::Result<Duration> {
    let start = Instant::now();
    let children: Vec<_> = (0..jobs)
        .map(|i| {
            Process::new(work.task)
                .args((work.child_args)(i))
                .timeline(timeline)
                .start()
        })
        .collect::<Result<_, _>>()?;
    for child in children {
        child.join()?.require_success()?;
    }
    Ok(start.elapsed())
}
// ANCHOR_END: ways
