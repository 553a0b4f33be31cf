//! Lesson 13: when parallel loses. Five ways, each measured in this run next to its
//! sequential time: too small to split, a lock held while working, uneven work, more
//! workers than CPUs, and a serial part, whose share Amdahl's law makes a ceiling.

use std::hint::black_box;
use std::sync::{Mutex, PoisonError};
use std::thread;
use std::time::{Duration, Instant};

use clap::Parser;
use rayon::prelude::*;

pub mod timing;
use timing::{best_of, calibrate, draw, on_threads, shown, work};

/// Lesson 13: five ways parallel work loses, measured on this machine.
#[derive(Parser)]
struct Args {
    /// How long one unit of CPU work takes, in ms (the lock, uneven and Amdahl parts).
    #[arg(long, default_value_t = 20, value_parser = clap::value_parser!(u64).range(1..=1000))]
    unit_ms: u64,
}

// ANCHOR: main
fn main() -> anyhow::Result<()> {
    workbook::lab::watch_processes();
    // The main guard: a run with `--child` is the child that does nothing (part 1).
    if std::env::args_os()
        .nth(1)
        .is_some_and(|arg| arg == "--child")
    {
        return Ok(());
    }
    let args = Args::parse();
    let cpus = thread::available_parallelism().map_or(1, |n| n.get());
    let unit = calibrate(Duration::from_millis(args.unit_ms));
    println!(
        "{cpus} CPUs available; one unit of work is {} of counting",
        shown(Duration::from_millis(args.unit_ms))
    );

    too_small_to_split();
    a_lock_held_while_working(cpus, unit);
    uneven_work(cpus, unit);
    too_many_workers(cpus, unit);
    amdahl(cpus, unit);
    Ok(())
}
// ANCHOR_END: main

// ANCHOR: too_small
/// Summing numbers: rayon pays for splitting the work and waking its threads, which
/// a short sum never earns back. Where is the crossover on this machine?
fn too_small_to_split() {
    println!("\n1. Too small to split: sum a vector with iter() and par_iter()");
    let mut crossover = None;
    for size in [100usize, 1_000, 10_000, 100_000, 1_000_000, 10_000_000] {
        let numbers: Vec<u64> = (0..size as u64).collect();
        let serial = best_of(5, || {
            black_box(numbers.iter().sum::<u64>());
        });
        let parallel = best_of(5, || {
            black_box(numbers.par_iter().sum::<u64>());
        });
        let speedup = serial.as_secs_f64() / parallel.as_secs_f64().max(1e-12);
        println!(
            "   {size:>10} numbers: iter {:>10}, par_iter {:>10}, speedup {speedup:.2}x",
            shown(serial),
            shown(parallel)
        );
        if speedup > 1.0 && crossover.is_none() {
            crossover = Some(size);
        }
    }
    match crossover {
        Some(size) => println!("   => par_iter starts to win at about {size} numbers here"),
        None => println!("   => par_iter never won here"),
    }
    // The same question for processes: a job must be longer than a process's start.
    let start_cost = best_of(10, || {
        let child = std::env::current_exe()
            .and_then(|me| std::process::Command::new(me).arg("--child").status());
        black_box(child.ok());
    });
    println!(
        "   a process starts and ends in {}: a job shorter than that is not worth one",
        shown(start_cost)
    );
}
// ANCHOR_END: too_small

// ANCHOR: lock
/// Threads that hold a lock while they work run one at a time: the lock turns the
/// parallel program back into a sequential one. Narrowing the lock to the update fixes it.
fn a_lock_held_while_working(cpus: usize, unit: u64) {
    let jobs = vec![unit; cpus.max(2)];
    println!(
        "\n2. A lock held while working: {} threads, one unit of work each",
        jobs.len()
    );
    let total = Mutex::new(0u64);
    let (wide, spans) = on_threads(jobs.len(), &jobs, |&n| {
        let mut total = total.lock().unwrap_or_else(PoisonError::into_inner);
        *total = total.wrapping_add(work(n)); // the work is done under the lock
    });
    println!("   the lock held during the work: {}", shown(wide));
    draw("job", spans, wide);
    let (narrow, spans) = on_threads(jobs.len(), &jobs, |&n| {
        let result = work(n); // the work outside the lock
        let mut total = total.lock().unwrap_or_else(PoisonError::into_inner);
        *total = total.wrapping_add(result);
    });
    println!(
        "   the lock held only for the update: {}, {:.1}x faster",
        shown(narrow),
        wide.as_secs_f64() / narrow.as_secs_f64().max(1e-9)
    );
    draw("job", spans, narrow);
}
// ANCHOR_END: lock

// ANCHOR: uneven
/// Jobs of uneven size: split into fixed halves, one worker gets the big job and
/// more; the other finishes early and idles. rayon's work stealing lets it help.
fn uneven_work(cpus: usize, unit: u64) {
    println!("\n3. Uneven work: jobs of 6, 1, 1, 1, 1, 1, 1, 1 units, a worker per CPU");
    let jobs: Vec<u64> = [6, 1, 1, 1, 1, 1, 1, 1].iter().map(|k| k * unit).collect();
    let sequential = best_of(1, || {
        black_box(jobs.iter().map(|&n| work(n)).fold(0, u64::wrapping_add));
    });
    // Fixed chunks: worker w gets the w-th contiguous slice, whatever is in it. Each
    // chunk is one job for `on_threads`, so chunk w's row is worker w's.
    let chunks: Vec<&[u64]> = jobs.chunks(jobs.len().div_ceil(cpus)).collect();
    let (fixed, chunk_spans) = on_threads(chunks.len(), &chunks, |chunk| {
        for &n in chunk.iter() {
            black_box(work(n));
        }
    });
    // Work stealing: rayon hands out one job at a time (`with_max_len(1)`); an idle
    // worker takes the next one. Each job notes which pool thread ran it.
    let start = Instant::now();
    let busy = Mutex::new(Vec::new());
    jobs.par_iter().with_max_len(1).for_each(|&n| {
        let from = start.elapsed();
        black_box(work(n));
        let worker = rayon::current_thread_index().unwrap_or(0);
        let span = (worker, from, start.elapsed());
        busy.lock()
            .unwrap_or_else(PoisonError::into_inner)
            .push(span);
    });
    let stealing = start.elapsed();
    let stealing_spans = busy.into_inner().unwrap_or_else(PoisonError::into_inner);

    let ratio = |t: Duration| sequential.as_secs_f64() / t.as_secs_f64();
    println!("   sequential {}", shown(sequential));
    println!("   fixed chunks {}: {:.2}x", shown(fixed), ratio(fixed));
    draw("worker", chunk_spans, fixed);
    println!(
        "   rayon (work stealing) {}: {:.2}x",
        shown(stealing),
        ratio(stealing)
    );
    draw("worker", stealing_spans, stealing);
}
// ANCHOR_END: uneven

// ANCHOR: too_many
/// CPU-bound jobs on 1 to 4x the CPUs: throughput stops growing at the CPU count,
/// while each job takes longer because the workers take turns.
fn too_many_workers(cpus: usize, unit: u64) {
    println!("\n4. Too many workers: {} jobs of one unit", 4 * cpus);
    let jobs = vec![unit; 4 * cpus];
    let mut workers = 1;
    while workers <= 4 * cpus {
        let (total, spans) = on_threads(workers, &jobs, |&n| {
            black_box(work(n));
        });
        let busy: Duration = spans.iter().map(|&(_, from, to)| to - from).sum();
        let per_job = busy / spans.len() as u32;
        println!(
            "   {workers:>2} worker{}: {:>10} in all, {:>6.1} jobs/s, each job {:>10}",
            if workers == 1 { "" } else { "s" },
            shown(total),
            jobs.len() as f64 / total.as_secs_f64(),
            shown(per_job)
        );
        workers *= 2;
    }
}
// ANCHOR_END: too_many

// ANCHOR: amdahl
/// A job with a known serial part: 2 units that only one thread can do, then 8
/// units split among the workers. Amdahl: speedup(n) = 1 / (s + (1 - s) / n), where
/// s is the serial share. We fit s from the measured speedups, and compare.
fn amdahl(cpus: usize, unit: u64) {
    println!("\n5. Amdahl: 2 units serial, then 8 units split among n workers");
    let job = |workers: usize| {
        black_box(work(2 * unit)); // the serial part
        let share = 8 * unit / workers as u64;
        thread::scope(|s| {
            for _ in 0..workers {
                s.spawn(move || black_box(work(share)));
            }
        });
    };
    let one = best_of(2, || job(1));
    let mut points = Vec::new();
    for workers in 1..=2 * cpus {
        let took = best_of(2, || job(workers));
        let speedup = one.as_secs_f64() / took.as_secs_f64().max(1e-9);
        points.push((workers as f64, speedup));
        println!(
            "   {workers:>2} worker{}: {:>10}, speedup {speedup:.2}x",
            if workers == 1 { "" } else { "s" },
            shown(took)
        );
    }
    // 1/S = s + (1 - s)/n  <=>  1/S - 1/n = s (1 - 1/n): a line through 0, fitted by
    // least squares on the runs with no more workers than CPUs (beyond, the workers
    // take turns, which Amdahl's law does not model; n = 1 says nothing about s).
    let fitted = points.iter().filter(|(n, _)| *n <= cpus as f64);
    let (xy, xx) = fitted.fold((0.0, 0.0), |(xy, xx), &(n, speedup)| {
        let x = 1.0 - 1.0 / n;
        (xy + x * (1.0 / speedup - 1.0 / n), xx + x * x)
    });
    let serial = if xx > 0.0 {
        (xy / xx).clamp(0.0, 1.0)
    } else {
        1.0
    };
    println!("   fitted serial share s = {serial:.2} (the job's own: 2 of 10 units = 0.20)");
    println!(
        "   predicted ceiling 1/s = {}; best measured {:.2}x",
        if serial > 0.0 {
            format!("{:.1}x", 1.0 / serial)
        } else {
            "none".into()
        },
        points.iter().map(|p| p.1).fold(0.0, f64::max)
    );
    if cpus == 1 {
        println!(
            "   one CPU: the workers take turns, nothing runs at once: no speedup to fit, s = 1"
        );
    }
}
// ANCHOR_END: amdahl
