//! Lesson 02: the toolbox. The Rust counterpart of each piece of Python's
//! `multiprocessing`, each shown working: `Process`, `current_process()`, `Queue`,
//! `Pool.map` (on threads with rayon, and on child processes) and `cpu_count()`.

use std::time::{Duration, Instant};

use rayon::prelude::*;
use workbook::process::{self, Process, Task, current_process};
use workbook::queue::{self, Queue};
use workbook::{cli, cpus, say};

const NAME: &str = env!("CARGO_CRATE_NAME");

const ABOUT: &str =
    "Lesson 02: the toolbox: Process, current_process, Queue, Pool and cpu_count in Rust.";

#[derive(clap::Parser)]
struct Args {
    /// How many child processes the process pool uses [default: available_parallelism].
    #[arg(long, value_parser = clap::value_parser!(u32).range(1..=64))]
    workers: Option<u32>,
}

/// The work item of this lesson: the sum of k² for k below n (wrapping on overflow).
/// `black_box` keeps the optimizer from replacing the loop by a closed formula, and
/// `inline(never)` makes every caller run the same machine code, so that the pools
/// compare the same work.
#[inline(never)]
pub fn sum_of_squares(n: u64) -> u64 {
    (0..n).fold(0u64, |sum, k| {
        sum.wrapping_add(std::hint::black_box(k).wrapping_mul(k))
    })
}

// ANCHOR: tasks
/// A child that introduces itself through the queue.
const INTRODUCE: Task = Task {
    name: "introduce",
    run: |_| {
        let me = current_process();
        queue::put_to_parent(&format!("{} (pid {}) is here", me.name, me.pid));
        Ok(())
    },
};

/// A child of the process pool: for each `index:n` argument, it puts `index result`.
pub const SQUARES: Task = Task {
    name: "sum_of_squares",
    run: |args| {
        for arg in args {
            let (index, n) = arg
                .split_once(':')
                .ok_or_else(|| anyhow::anyhow!("bad item {arg:?}"))?;
            let n: u64 = n.parse()?;
            queue::put_to_parent(&format!("{index} {}", sum_of_squares(n)));
        }
        Ok(())
    },
};
// ANCHOR_END: tasks

// ANCHOR: main
fn main() -> anyhow::Result<()> {
    process::init(&[INTRODUCE, SQUARES]); // the main guard
    let args: Args = cli::parse(NAME, ABOUT);

    // cpu_count(): how many CPUs may we use?
    let cpus = cpus::available();
    say!("cpu_count      -> std::thread::available_parallelism(): {cpus}");

    // current_process(): who am I?
    let me = current_process();
    say!(
        "current_process -> workbook::current_process(): {} (pid {})",
        me.name,
        me.pid
    );

    // Process + Queue: children put messages, the parent gets them.
    let queue = Queue::new();
    let children: Vec<_> = (0..3)
        .map(|_| Process::new(&INTRODUCE).queue(&queue).start())
        .collect::<Result<_, _>>()?;
    for child in children {
        child.join()?.require_success()?;
    }
    while let Some(message) = queue.get(Duration::ZERO) {
        say!("Queue          -> got: {message}");
    }

    // Pool.map on threads and on processes, on the same items.
    let items: Vec<u64> = (1..=8).map(|m| m * 1_000_000).collect();
    let start = Instant::now();
    let on_threads = pool_of_threads(&items);
    let threads_took = start.elapsed();
    let workers = args.workers.map_or(cpus, |w| w as usize);
    let start = Instant::now();
    let on_processes = pool_of_processes(&items, workers)?;
    let processes_took = start.elapsed();
    say!(
        "Pool.map       -> rayon, {} threads: {:?}... in {:.1} ms",
        rayon::current_num_threads(),
        &on_threads[..1],
        threads_took.as_secs_f64() * 1e3
    );
    say!(
        "Pool.map       -> {workers} child processes: {:?}... in {:.1} ms",
        &on_processes[..1],
        processes_took.as_secs_f64() * 1e3
    );
    anyhow::ensure!(on_threads == on_processes, "the two pools disagree");
    say!(
        "                  same {} results from both pools",
        items.len()
    );
    Ok(())
}
// ANCHOR_END: main

// ANCHOR: pools
/// Python's `ThreadPool.map`, or `Pool.map` without the processes: rayon.
pub fn pool_of_threads(items: &[u64]) -> Vec<u64> {
    items.par_iter().map(|&n| sum_of_squares(n)).collect()
}

/// Python's `Pool(workers).map`: the items are dealt out to `workers` child processes,
/// which send back `index result` lines through the queue.
pub fn pool_of_processes(items: &[u64], workers: usize) -> anyhow::Result<Vec<u64>> {
    let queue = Queue::new();
    let mut children = Vec::new();
    for w in 0..workers.max(1) {
        let share: Vec<String> = (w..items.len())
            .step_by(workers.max(1))
            .map(|i| format!("{i}:{}", items[i]))
            .collect();
        children.push(Process::new(&SQUARES).args(share).queue(&queue).start()?);
    }
    // join() returns once a child has exited and all it sent is in the queue.
    for child in children {
        child.join()?.require_success()?;
    }
    let mut results = vec![None; items.len()];
    while let Some(message) = queue.get(Duration::ZERO) {
        let (index, value) = message
            .split_once(' ')
            .ok_or_else(|| anyhow::anyhow!("bad result {message:?}"))?;
        let index: usize = index.parse()?;
        *results
            .get_mut(index)
            .ok_or_else(|| anyhow::anyhow!("no item {index}"))? = Some(value.parse()?);
    }
    results
        .into_iter()
        .enumerate()
        .map(|(i, r)| r.ok_or_else(|| anyhow::anyhow!("no result for item {i}")))
        .collect()
}
// ANCHOR_END: pools
