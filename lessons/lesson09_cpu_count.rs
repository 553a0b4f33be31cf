//! Lesson 09: how many workers? Count the CPUs, then measure.
//!
//! Python's `cpu_count()` gives the machine's logical CPUs. Rust's
//! `available_parallelism()` gives the number this process may really use, which is
//! smaller under `taskset` or a container's CPU quota. Then the lesson runs the same
//! jobs on pools of 1 to 2 × that many workers: computing work stops getting faster
//! once every CPU is busy, waiting work (downloads) does not.

use workbook::cli::LessonArgs;
use workbook::pool::run_on_pool;
use workbook::{Downloader, Lesson, cli, cpus, process, say, server};

const NAME: &str = env!("CARGO_CRATE_NAME");

const ABOUT: &str = "Lesson 09: count the CPUs, then run CPU-bound and I/O-bound jobs on 1 to 2 × that many workers.";

// ANCHOR: main
fn main() -> anyhow::Result<()> {
    process::init(&[]); // the main guard (this lesson uses threads only)
    let mut args: LessonArgs = cli::parse(NAME, ABOUT);

    // ANCHOR: count
    let available = std::thread::available_parallelism()?.get();
    say!("available_parallelism: {available}  (what this process may use)");
    match cpus::logical() {
        Some(n) => say!("logical CPUs:          {n}  (what Python's cpu_count() reports)"),
        None => say!("logical CPUs:          unknown on this system"),
    }
    if let Some((list, n)) = cpus::affinity() {
        let tip = if Some(n) == cpus::logical() {
            "; try taskset -c 0"
        } else {
            ""
        };
        say!("CPU affinity:          {n}  (may run on CPUs {list}{tip})");
    }
    if let Some(quota) = cpus::cgroup_quota() {
        say!("cgroup CPU quota:      {quota}  (quota and period in µs, or max)");
    }
    // ANCHOR_END: count

    // The same jobs for every pool size: enough that 2 × available workers all get some.
    let jobs = args.count.map_or(4 * available, |n| n as usize);
    args.count = Some(jobs as u32);
    // Quiet: one line per pool size instead of one per download.
    let lesson = Lesson::start_quiet(NAME, &args)?;
    let downloader = Downloader::new(lesson.limits, &lesson.timeline)?;

    // ANCHOR: scaling
    say!(
        "\n{jobs} jobs on pools of 1 to {} worker threads:",
        2 * available
    );
    say!("workers | CPU-bound: draw a 200x3000 JPEG | I/O-bound: download a picture");
    let mut speedups = Vec::new();
    let mut one_worker = None;
    for workers in 1..=2 * available {
        let cpu = run_on_pool(workers, jobs, |_| {
            std::hint::black_box(server::draw_jpeg(200, 3000));
            Ok::<(), anyhow::Error>(())
        })?;
        let io = run_on_pool(workers, jobs, |i| {
            downloader.download_image(&lesson.url, &lesson.file_path(i), i)?;
            Ok::<(), anyhow::Error>(())
        })?;
        let (cpu_1, io_1) = *one_worker.get_or_insert((cpu, io));
        let cpu_speedup = cpu_1.as_secs_f64() / cpu.as_secs_f64();
        let io_speedup = io_1.as_secs_f64() / io.as_secs_f64();
        say!(
            "{workers:>7} | {:>9.3} s   speedup {cpu_speedup:>4.1}x | {:>9.3} s   speedup {io_speedup:>4.1}x",
            cpu.as_secs_f64(),
            io.as_secs_f64(),
        );
        speedups.push((workers, cpu_speedup, io_speedup));
    }
    // ANCHOR_END: scaling
    print_verdict(&speedups, available);
    // With `--trace FILE`, every download of the run, for Perfetto (lesson 06).
    lesson.write_trace()?;
    Ok(())
}
// ANCHOR_END: main

/// Says, from the measured speedups, where each kind of work stopped scaling.
fn print_verdict(speedups: &[(usize, f64, f64)], available: usize) {
    let best_cpu = speedups.iter().map(|s| s.1).fold(0.0, f64::max);
    // The fewest workers that got within 10 % of the best CPU-bound speedup.
    let enough = speedups
        .iter()
        .find(|s| s.1 >= 0.9 * best_cpu)
        .map_or(1, |s| s.0);
    let Some(&(most, _, io_at_most)) = speedups.last() else {
        return;
    };
    say!(
        "\nCPU-bound: the best speedup, {best_cpu:.1}x, took {enough} worker{}",
        if enough == 1 { "" } else { "s" }
    );
    say!("  (available_parallelism is {available}); more workers only take turns on the CPUs.");
    say!("I/O-bound: {most} workers were {io_at_most:.1}x faster than 1;");
    say!("  waiting needs no CPU, so more workers keep helping.");
}
