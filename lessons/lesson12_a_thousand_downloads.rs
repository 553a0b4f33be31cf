//! Lesson 12: a thousand downloads.
//!
//! The tutorial stops at five pictures. At a thousand, one process or one thread per
//! picture stops being an answer: this lesson downloads N small pictures (default
//! 1,000) in five ways and measures each in the same run: wall time, CPU time, the
//! peak memory of its whole process tree, and what one unit of concurrency costs.
//!
//! - `processes`: one child process per picture, at most `--max-at-once` alive;
//! - `threads`: one thread per picture;
//! - `pool`: a fixed pool of `--workers` threads taking pictures from a channel;
//! - `rayon`: rayon's pool, one thread per CPU: the wrong tool for waiting;
//! - `async`: tokio tasks with reqwest's async client, at most `--max-at-once` at a time.
//!
//! Each way runs in a child process of its own, so that its memory and CPU time are
//! its own and not the sum of the ways before it.

use std::collections::VecDeque;
use std::sync::{Arc, Mutex, mpsc};
use std::thread;
use std::time::{Duration, Instant};

use anyhow::Context;
use clap::Parser;
use rayon::prelude::*;
use workbook::cli::LessonArgs;
use workbook::download::{AsyncDownloader, DOWNLOAD_IMAGE};
use workbook::event::{Event, EventKind};
use workbook::process::{Running, Task};
use workbook::timeline::Timeline;
use workbook::units::duration;
use workbook::{Downloader, Lesson, Limits, Process, cli, process, say, usage};

const NAME: &str = env!("CARGO_CRATE_NAME");
const ABOUT: &str =
    "Lesson 12: a thousand downloads: processes, threads, a pool, rayon and async, measured.";

/// The ways to download, in the order a run without `--mode` tries them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Way {
    Async,
    Threads,
    Pool,
    Processes,
    Rayon,
}

impl Way {
    const ALL: [Way; 5] = [
        Way::Async,
        Way::Threads,
        Way::Pool,
        Way::Processes,
        Way::Rayon,
    ];

    fn name(self) -> &'static str {
        match self {
            Way::Async => "async",
            Way::Threads => "threads",
            Way::Pool => "pool",
            Way::Processes => "processes",
            Way::Rayon => "rayon",
        }
    }

    /// What units of this way's concurrency are.
    fn units(self) -> &'static str {
        match self {
            Way::Async => "tasks",
            Way::Threads | Way::Pool | Way::Rayon => "threads",
            Way::Processes => "processes",
        }
    }
}

#[derive(Parser)]
struct Args {
    #[command(flatten)]
    lesson: LessonArgs,

    /// Only this way (all five without it, one after another, then a table).
    #[arg(long, value_enum)]
    mode: Option<Way>,

    /// Most processes alive at once (`processes`) or requests in flight (`async`)
    /// [default: processes 64, async all of them].
    #[arg(long, value_parser = clap::value_parser!(u32).range(1..=10_000))]
    max_at_once: Option<u32>,

    /// Threads in the `pool` way.
    #[arg(long, default_value_t = 100, value_parser = clap::value_parser!(u32).range(1..=10_000))]
    workers: u32,

    /// Pictures for the `rayon` way: its pool has one thread per CPU, so a thousand
    /// waits of 300 ms would take minutes; this many show the point.
    #[arg(long, default_value_t = 20, value_parser = clap::value_parser!(u32).range(1..=10_000))]
    rayon_count: u32,
}

/// What a way's run needs: which way, how many pictures, where from and to.
pub struct Job {
    pub way: Way,
    pub count: usize,
    pub url: String,
    pub out: String,
    pub limits: Limits,
    pub max_at_once: usize,
    pub workers: usize,
}

impl Job {
    fn to_args(&self) -> Vec<String> {
        vec![
            self.way.name().into(),
            self.count.to_string(),
            self.url.clone(),
            self.out.clone(),
            self.limits.timeout.as_secs().to_string(),
            self.limits.max_bytes.to_string(),
            self.max_at_once.to_string(),
            self.workers.to_string(),
        ]
    }

    fn from_args(args: &[String]) -> anyhow::Result<Job> {
        let [
            way,
            count,
            url,
            out,
            timeout,
            max_bytes,
            max_at_once,
            workers,
        ] = args
        else {
            anyhow::bail!("a way's job needs 8 arguments, got {args:?}");
        };
        let way = Way::ALL
            .into_iter()
            .find(|w| w.name() == way)
            .with_context(|| format!("no way named {way}"))?;
        Ok(Job {
            way,
            count: count.parse()?,
            url: url.clone(),
            out: out.clone(),
            limits: Limits {
                timeout: Duration::from_secs(timeout.parse()?),
                max_bytes: max_bytes.parse()?,
            },
            max_at_once: max_at_once.parse()?,
            workers: workers.parse()?,
        })
    }

    fn path(&self, i: usize) -> std::path::PathBuf {
        workbook::lesson::picture_path(std::path::Path::new(&self.out), i)
    }
}

/// A child process that runs one way and reports how many pictures arrived.
const RUN_ONE_WAY: Task = Task {
    name: "run_one_way",
    run: |args| {
        let job = Job::from_args(args)?;
        let timeline = Timeline::to_parent();
        let saved = match job.way {
            Way::Async => with_async(&job, &timeline)?,
            Way::Threads => one_thread_each(&job, &timeline)?,
            Way::Pool => with_a_pool(&job, &timeline)?,
            Way::Processes => processes_at_most(&job, &timeline)?,
            Way::Rayon => with_rayon(&job, &timeline)?,
        };
        workbook::queue::put_to_parent(&saved.to_string());
        Ok(())
    },
};

// ANCHOR: main
fn main() -> anyhow::Result<()> {
    process::init(&[RUN_ONE_WAY, DOWNLOAD_IMAGE]); // the main guard
    let mut args: Args = cli::parse(NAME, ABOUT);
    let count = args.lesson.count.map_or(1000, |n| n as usize);
    args.lesson.count = Some(count as u32);
    let lesson = Lesson::start_quiet(NAME, &args.lesson)?;
    // Small pictures (200x300, about 23 KB): the disk must not be what limits.
    let url = lesson.url_for_size(200, 300);
    say!("  each picture: {url}");

    // A thousand connections at once need a thousand sockets, twice over when the
    // server is in this process: raise the open-files limit as far as we may.
    let wanted = 2 * count as u64 + 256;
    let open_files = usage::raise_open_files_limit(wanted);
    // Two open files per download, after 128 kept for everything else.
    let fits = match open_files {
        Some(limit) => (limit.saturating_sub(128) / 2) as usize,
        None => count,
    };
    if let Some(limit) = open_files.filter(|&limit| limit < wanted) {
        say!(
            "open files are limited to {limit} (ulimit -n): \
             at most {fits} downloads at once"
        );
    }

    let ways: Vec<Way> = match args.mode {
        Some(way) => vec![way],
        None => Way::ALL.to_vec(),
    };
    let mut rows = Vec::new();
    for way in ways {
        let (count, max_at_once) = match way {
            Way::Rayon => ((args.rayon_count as usize).min(count), count),
            Way::Processes => (count, args.max_at_once.map_or(64, |n| n as usize)),
            _ => (count, args.max_at_once.map_or(count, |n| n as usize)),
        };
        let in_flight_needed = match way {
            Way::Threads => count,
            Way::Pool => args.workers as usize,
            Way::Rayon => rayon::current_num_threads(),
            Way::Async | Way::Processes => max_at_once,
        };
        if in_flight_needed > fits {
            let fewer = match way {
                Way::Async | Way::Processes => "a lower --max-at-once",
                Way::Pool => "fewer --workers",
                Way::Threads => "a lower --count",
                Way::Rayon => "a smaller RAYON_NUM_THREADS",
            };
            say!(
                "{}: {in_flight_needed} at once do not fit \
                 the open-files limit: skipped",
                way.name()
            );
            say!("  (raise it with `ulimit -n {wanted}`, or try {fewer})");
            continue;
        }
        let job = Job {
            way,
            count,
            url: url.clone(),
            out: lesson.out.to_string_lossy().into_owned(),
            limits: lesson.limits,
            max_at_once: max_at_once.min(fits),
            workers: args.workers as usize,
        };
        let row = measure(&lesson, &job)?;
        say!("{}", row.describe());
        rows.push(row);
    }
    print_table(&rows, count, args.lesson.latency());
    // With `--trace FILE`, every download of every way, for Perfetto (lesson 06).
    lesson.write_trace()?;
    let short: Vec<String> = rows
        .iter()
        .filter(|row| row.saved < row.count)
        .map(|row| format!("{} {} of {}", row.way.name(), row.saved, row.count))
        .collect();
    anyhow::ensure!(
        short.is_empty(),
        "not every picture arrived: {} (the reasons are above)",
        short.join(", ")
    );
    Ok(())
}
// ANCHOR_END: main

/// One way's measurements.
struct Row {
    way: Way,
    count: usize,
    saved: usize,
    wall: Duration,
    cpu: Option<Duration>,
    peak_bytes: Option<u64>,
    most_in_flight: usize,
    profile: String,
    /// Why downloads failed: each reason once, with how many times, most first.
    failures: Vec<(usize, String)>,
}

impl Row {
    fn describe(&self) -> String {
        let mut text = format!(
            "{:<9} {:>5} in {:>9}  in flight |{}| at most {}",
            self.way.name(),
            self.count,
            duration(self.wall),
            self.profile,
            self.most_in_flight
        );
        if self.saved < self.count {
            text += &format!("\n  {} of {} arrived", self.saved, self.count);
        }
        // A thousand failures are a few reasons: each once, with its count.
        for (times, reason) in self.failures.iter().take(3) {
            text += &format!("\n  {times} x {reason}");
        }
        if self.failures.len() > 3 {
            let others = self.failures.len() - 3;
            text += &format!(
                "\n  ... and {}",
                workbook::units::count(others, "other reason", "other reasons")
            );
        }
        text
    }
}

/// Each reason a download failed, with how many times, most frequent first.
fn failure_reasons(events: &[Event]) -> Vec<(usize, String)> {
    let mut reasons: Vec<(usize, String)> = Vec::new();
    for event in events {
        if let EventKind::Failed { reason } = &event.kind {
            match reasons.iter_mut().find(|(_, seen)| seen == reason) {
                Some((times, _)) => *times += 1,
                None => reasons.push((1, reason.clone())),
            }
        }
    }
    reasons.sort_by_key(|(times, _)| std::cmp::Reverse(*times));
    reasons
}

/// Runs one way in a child process of its own and measures it from outside.
fn measure(lesson: &Lesson, job: &Job) -> anyhow::Result<Row> {
    let queue = workbook::queue::Queue::new();
    let cpu_before = usage::children_cpu_time();
    let from = lesson.timeline.elapsed();
    let start = Instant::now();
    let child = Process::new(&RUN_ONE_WAY)
        .name(job.way.name())
        .args(job.to_args())
        .timeline(&lesson.timeline)
        .queue(&queue)
        .start()?;
    let memory = usage::TreeMemory::watch(child.pid());
    let exit = child.join()?;
    let wall = start.elapsed();
    let peak_bytes = memory.stop();
    let cpu = match (cpu_before, usage::children_cpu_time()) {
        (Some(before), Some(after)) => Some(after.saturating_sub(before)),
        _ => None,
    };
    exit.require_success()?;
    let saved = queue
        .get(Duration::from_secs(1))
        .and_then(|n| n.parse().ok())
        .unwrap_or(0);
    let events: Vec<Event> = lesson
        .timeline
        .events()
        .into_iter()
        .filter(|event| event.at >= from)
        .collect();
    let (profile, most_in_flight) = in_flight_profile(&events, 30);
    let failures = failure_reasons(&events);
    Ok(Row {
        way: job.way,
        count: job.count,
        saved,
        wall,
        cpu,
        peak_bytes,
        most_in_flight,
        profile,
        failures,
    })
}

// ANCHOR: async
/// Threads that save the async downloads' files.
const WRITERS: usize = 8;

/// Async: one task per picture on a tokio runtime, at most `max_at_once` in flight
/// (a semaphore's permits). A waiting task holds no thread.
pub fn with_async(job: &Job, timeline: &Timeline) -> anyhow::Result<usize> {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(workbook::cpus::available())
        // Saving a file blocks, so it runs on tokio's threads for blocking work. The
        // default allows 512 of them; a thousand saves into one folder mostly wait for
        // the folder's lock, so a few threads save as fast and take less memory.
        .max_blocking_threads(WRITERS)
        .enable_all()
        .build()?;
    let downloader = AsyncDownloader::new(job.limits, timeline)?;
    let permits = Arc::new(tokio::sync::Semaphore::new(job.max_at_once));
    runtime.block_on(async {
        let mut tasks = tokio::task::JoinSet::new();
        for i in 0..job.count {
            let (downloader, permits) = (downloader.clone(), permits.clone());
            let (url, path) = (job.url.clone(), job.path(i));
            tasks.spawn(async move {
                // Waits here while all the permits are taken.
                let _permit = permits.acquire_owned().await.ok()?;
                downloader.download_image(&url, &path, i).await.ok()
            });
        }
        let mut saved = 0;
        while let Some(done) = tasks.join_next().await {
            if matches!(done, Ok(Some(_bytes))) {
                saved += 1;
            }
        }
        Ok(saved)
    })
}
// ANCHOR_END: async

// ANCHOR: threads
/// One thread per picture, with small stacks: a waiting thread needs little of the
/// 2 MiB that Rust gives a new thread by default.
pub fn one_thread_each(job: &Job, timeline: &Timeline) -> anyhow::Result<usize> {
    let downloader = Downloader::new(job.limits, timeline)?;
    thread::scope(|s| {
        let mut handles = Vec::new();
        for i in 0..job.count {
            let downloader = &downloader;
            let handle = thread::Builder::new()
                .stack_size(64 * 1024)
                .spawn_scoped(s, move || {
                    downloader.download_image(&job.url, &job.path(i), i)
                })?;
            handles.push(handle);
        }
        let mut saved = 0;
        for handle in handles {
            if matches!(handle.join(), Ok(Ok(_bytes))) {
                saved += 1;
            }
        }
        anyhow::Ok(saved)
    })
}
// ANCHOR_END: threads

// ANCHOR: pool
/// A fixed pool: `workers` threads take the next picture from a channel as soon as
/// they are free (a sliding window, not fixed chunks).
pub fn with_a_pool(job: &Job, timeline: &Timeline) -> anyhow::Result<usize> {
    let downloader = Downloader::new(job.limits, timeline)?;
    let (sender, receiver) = mpsc::channel::<usize>();
    for i in 0..job.count {
        sender.send(i)?;
    }
    drop(sender); // the channel ends when the last picture has been taken
    // mpsc has one receiver; the workers share it, as one inbox, behind a Mutex.
    let inbox = Mutex::new(receiver);
    let (results, saved) = mpsc::channel::<bool>();
    thread::scope(|s| {
        for _ in 0..job.workers {
            let (downloader, inbox) = (&downloader, &inbox);
            let results = results.clone();
            s.spawn(move || {
                loop {
                    // The lock is held only to take a number, not while downloading.
                    let next = inbox.lock().unwrap_or_else(|p| p.into_inner()).recv();
                    let Ok(i) = next else { break };
                    let done = downloader.download_image(&job.url, &job.path(i), i);
                    let _ = results.send(done.is_ok());
                }
            });
        }
    });
    drop(results);
    Ok(saved.iter().filter(|&ok| ok).count())
}
// ANCHOR_END: pool

// ANCHOR: processes
/// One child process per picture, never more than `max_at_once` alive: when the
/// window is full, wait for the oldest before starting the next.
pub fn processes_at_most(job: &Job, timeline: &Timeline) -> anyhow::Result<usize> {
    let mut alive = VecDeque::new();
    let mut saved = 0;
    for i in 0..job.count {
        if alive.len() == job.max_at_once {
            let oldest: Running = alive.pop_front().context("a child")?;
            saved += usize::from(oldest.join()?.success());
        }
        let download = [
            job.url.clone(),
            job.path(i).to_string_lossy().into_owned(),
            i.to_string(),
            job.limits.timeout.as_secs().to_string(),
            job.limits.max_bytes.to_string(),
        ];
        let child = Process::new(&DOWNLOAD_IMAGE)
            .args(download)
            .timeline(timeline);
        alive.push_back(child.start()?);
    }
    for child in alive {
        saved += usize::from(child.join()?.success());
    }
    Ok(saved)
}
// ANCHOR_END: processes

// ANCHOR: rayon
/// rayon: `par_iter` on its pool of one thread per CPU. Fine for computing; for
/// waiting, only that many downloads are ever in flight.
pub fn with_rayon(job: &Job, timeline: &Timeline) -> anyhow::Result<usize> {
    let downloader = Downloader::new(job.limits, timeline)?;
    let saved = (0..job.count)
        .into_par_iter()
        .filter(|&i| downloader.download_image(&job.url, &job.path(i), i).is_ok())
        .count();
    Ok(saved)
}
// ANCHOR_END: rayon

/// How many downloads were in flight over time, as `width` characters, each the most
/// in flight during its slice of the run, from `.` (few) to `@` (the most); and that
/// most. A thousand rows would be unreadable: this is one.
fn in_flight_profile(events: &[Event], width: usize) -> (String, usize) {
    let mut changes: Vec<(Duration, i64)> = events
        .iter()
        .map(|event| match event.kind {
            EventKind::Started { .. } => (event.at, 1),
            _ => (event.at, -1),
        })
        .collect();
    changes.sort_by_key(|&(at, change)| (at, change));
    let (Some(first), Some(last)) = (changes.first(), changes.last()) else {
        return (" ".repeat(width), 0);
    };
    let (from, span) = (
        first.0,
        last.0.saturating_sub(first.0).max(Duration::from_micros(1)),
    );
    // Each slot: the most in flight at any moment of it, the count carried over from
    // the slot before included.
    let mut most = vec![0i64; width];
    let (mut now, mut next) = (0i64, 0);
    for (slot, most) in most.iter_mut().enumerate() {
        let slot_end = from + span.mul_f64((slot + 1) as f64 / width as f64);
        *most = now;
        while next < changes.len() && (changes[next].0 <= slot_end || slot == width - 1) {
            now += changes[next].1;
            *most = (*most).max(now);
            next += 1;
        }
    }
    let peak = most.iter().copied().max().unwrap_or(0).max(1);
    const LEVELS: &[u8] = b" .:-=+*#%@";
    let profile = most
        .iter()
        .map(|&n| LEVELS[((n * (LEVELS.len() as i64 - 1) + peak - 1) / peak) as usize] as char)
        .collect();
    (profile, peak as usize)
}

/// The table: each way's time against the fastest, its CPU time, its tree's peak
/// memory, and what one unit of its concurrency cost: the memory above the smallest
/// run's (what every way pays anyway), shared among the most in flight.
fn print_table(rows: &[Row], count: usize, latency: Duration) {
    let Some(fastest) = rows
        .iter()
        .filter(|row| row.count == count)
        .map(|row| row.wall)
        .min()
    else {
        return;
    };
    let baseline = rows
        .iter()
        .filter_map(|row| row.peak_bytes)
        .min()
        .unwrap_or(0);
    say!("\nway       pictures      wall  vs fastest       CPU  peak MB    per unit  in flight");
    for row in rows {
        let ratio = row.wall.as_secs_f64() / fastest.as_secs_f64().max(1e-9);
        let cpu = row.cpu.map_or("n/a".into(), duration);
        let mb = row
            .peak_bytes
            .map_or("n/a".into(), |b| format!("{:.1}", b as f64 / 1e6));
        let per_unit = match row.peak_bytes {
            Some(bytes) if rows.len() > 1 => {
                let each = bytes.saturating_sub(baseline) / row.most_in_flight.max(1) as u64;
                if each >= 1_000_000 {
                    format!("{:.1} MB", each as f64 / 1e6)
                } else {
                    format!("{} KB", each / 1000)
                }
            }
            _ => "n/a".into(),
        };
        let vs = if row.count == count {
            format!("{ratio:.1}x")
        } else {
            "-".into()
        };
        say!(
            "{:<9} {:>8} {:>9} {:>11} {:>9} {:>8} {:>11}  {:>5} {}",
            row.way.name(),
            row.count,
            duration(row.wall),
            vs,
            cpu,
            mb,
            per_unit,
            row.most_in_flight,
            row.way.units()
        );
    }
    if let Some(rayon) = rows.iter().find(|row| row.way == Way::Rayon) {
        let rounds = count.div_ceil(rayon.most_in_flight.max(1));
        say!(
            "rayon did {} pictures; {count} would take about {rounds} rounds of {} = {}",
            rayon.count,
            duration(latency),
            duration(latency * rounds as u32)
        );
    }
    if rows.len() > 1 {
        say!(
            "(per unit: peak memory above the smallest run's, {:.1} MB, / most in flight)",
            baseline as f64 / 1e6
        );
    }
}
