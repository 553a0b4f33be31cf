//! Lesson 10: when do processes pay off? Measure, then decide.
//!
//! The same three kinds of work, 8 jobs each, run four ways: sequentially, one thread
//! per job, on rayon's pool, and one child process per job. Tiny jobs show the cost of
//! starting workers; counting primes shows computing; downloads show waiting. The
//! table at the end is measured in this run, on this machine.

use std::env;
use std::process::Command;
use std::thread;
use std::time::{Duration, Instant};

use clap::Parser;
use rayon::prelude::*;

pub mod picture;
use picture::Job;

/// Lesson 10: when to use processes: tiny, computing and waiting jobs, four ways each.
#[derive(Parser)]
struct Args {
    /// Jobs of each kind.
    #[arg(long, default_value_t = 8, value_parser = clap::value_parser!(u32).range(1..=100))]
    jobs: u32,
}

/// The three kinds of work.
#[derive(Clone, Copy)]
pub enum Work {
    Tiny,
    Computing,
    Waiting,
}

impl Work {
    const ALL: [Work; 3] = [Work::Tiny, Work::Computing, Work::Waiting];

    /// Job `i` of this kind, in this process.
    pub fn run(self, job: &Job, i: usize) -> anyhow::Result<()> {
        match self {
            Work::Tiny => {
                std::hint::black_box(i * 2);
            }
            Work::Computing => {
                std::hint::black_box(count_primes(150_000));
            }
            Work::Waiting => {
                // A client per job: a child process has to make its own anyway.
                picture::download(&picture::client()?, &job.url, &job.path(i))?;
            }
        }
        Ok(())
    }

    fn name(self) -> &'static str {
        match self {
            Work::Tiny => "tiny: i * 2",
            Work::Computing => "computing: primes",
            Work::Waiting => "waiting: download",
        }
    }

    /// The word that tells a child which kind of job to do: `--child tiny 3`.
    fn word(self) -> &'static str {
        match self {
            Work::Tiny => "tiny",
            Work::Computing => "computing",
            Work::Waiting => "waiting",
        }
    }
}

// ANCHOR: main
fn main() -> anyhow::Result<()> {
    workbook::lab::watch();
    run_child_if_asked();
    let jobs = Args::parse().jobs as usize;
    let job = Job::from_env()?;

    println!(
        "{jobs} jobs of each kind; rayon's pool has {} threads\n",
        rayon::current_num_threads()
    );
    println!(
        "{:<18} | {:>10} | {:>10} | {:>10} | {:>10}",
        "work", "sequential", "threads", "rayon", "processes"
    );
    for work in Work::ALL {
        println!(
            "{:<18} | {:>10} | {:>10} | {:>10} | {:>10}",
            work.name(),
            shown(sequentially(work, &job, jobs)?),
            shown(on_threads(work, &job, jobs)?),
            shown(with_rayon(work, &job, jobs)?),
            shown(in_processes(work, &job, jobs)?),
        );
    }
    Ok(())
}

/// The main guard: `--child KIND I` runs job `I` of that kind, and exits.
pub fn run_child_if_asked() {
    // `args_os`, not `args`: an argument that is not UTF-8 must not panic.
    let args: Vec<String> = env::args_os()
        .map(|arg| arg.to_string_lossy().into_owned())
        .collect();
    if let [_, flag, kind, i] = args.as_slice()
        && flag == "--child"
    {
        let work = Work::ALL.into_iter().find(|work| work.word() == kind);
        let done = match (work, i.parse()) {
            (Some(work), Ok(i)) => Job::from_env().and_then(|job| work.run(&job, i)),
            _ => Err(anyhow::anyhow!("not a job: {kind} {i}")),
        };
        if let Err(error) = done {
            eprintln!("job {kind} {i} failed: {error:#}");
            std::process::exit(1);
        }
        std::process::exit(0);
    }
}
// ANCHOR_END: main

// ANCHOR: ways
pub fn sequentially(work: Work, job: &Job, jobs: usize) -> anyhow::Result<Duration> {
    let start = Instant::now();
    for i in 0..jobs {
        work.run(job, i)?;
    }
    Ok(start.elapsed())
}

pub fn on_threads(work: Work, job: &Job, jobs: usize) -> anyhow::Result<Duration> {
    let start = Instant::now();
    thread::scope(|scope| {
        // A `Builder` returns an error if the OS refuses a thread (`spawn` panics).
        let threads = (0..jobs)
            .map(|i| thread::Builder::new().spawn_scoped(scope, move || work.run(job, i)))
            .collect::<Result<Vec<_>, _>>()?;
        for thread in threads {
            thread
                .join()
                .map_err(|_| anyhow::anyhow!("a thread panicked"))??;
        }
        anyhow::Ok(())
    })?;
    Ok(start.elapsed())
}

pub fn with_rayon(work: Work, job: &Job, jobs: usize) -> anyhow::Result<Duration> {
    let start = Instant::now();
    (0..jobs)
        .into_par_iter()
        .try_for_each(|i| work.run(job, i))?;
    Ok(start.elapsed())
}

pub fn in_processes(work: Work, job: &Job, jobs: usize) -> anyhow::Result<Duration> {
    let start = Instant::now();
    let me = env::current_exe()?;
    let mut children = Vec::new();
    for i in 0..jobs {
        let mut command = Command::new(&me);
        command.arg("--child").arg(work.word()).arg(i.to_string());
        // What to download and where: the child reads it as `main` did.
        command
            .env("PICTURES_URL", &job.url)
            .env("PICTURES_DIR", &job.dir);
        match command.spawn() {
            Ok(child) => children.push(child),
            Err(error) => {
                // Leave nothing running behind: wait for those already started.
                for mut child in children {
                    let _ = child.wait();
                }
                anyhow::bail!("cannot start the child for job {i}: {error}");
            }
        }
    }
    // Every child is waited for before a failure is reported.
    let mut failed = None;
    for mut child in children {
        let status = child.wait()?;
        if !status.success() {
            failed.get_or_insert(status);
        }
    }
    if let Some(status) = failed {
        anyhow::bail!("a child ended with {status}");
    }
    Ok(start.elapsed())
}
// ANCHOR_END: ways

/// Work for the CPU alone: count the primes below `below`, by trial division.
pub fn count_primes(below: u64) -> usize {
    (2..below)
        .filter(|&n| (2..).take_while(|d| d * d <= n).all(|d| n % d != 0))
        .count()
}

/// `56 ns`, `2.1 µs`, `11.01 ms`, `2.429 s`.
fn shown(time: Duration) -> String {
    match time.as_secs_f64() {
        s if s < 1e-6 => format!("{:.0} ns", s * 1e9),
        s if s < 1e-3 => format!("{:.1} µs", s * 1e6),
        s if s < 1.0 => format!("{:.2} ms", s * 1e3),
        s => format!("{s:.3} s"),
    }
}
