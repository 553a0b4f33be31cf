//! Lesson 13's measuring tools: a unit of CPU work, the fastest of a few runs, jobs
//! handed out to threads with the time each one ran, and those times drawn as bars.
//! Plain Rust, copied with the lesson (`mod timing;`).

use std::hint::black_box;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Mutex, PoisonError};
use std::thread;
use std::time::{Duration, Instant};

/// CPU work: `n` rounds of a loop the compiler cannot remove.
pub fn work(n: u64) -> u64 {
    (0..n).fold(0u64, |sum, k| sum.wrapping_add(black_box(k) ^ (sum >> 3)))
}

/// How many rounds of `work` take about `target` on this machine.
pub fn calibrate(target: Duration) -> u64 {
    let mut n = 10_000;
    loop {
        let start = Instant::now();
        black_box(work(n));
        let took = start.elapsed();
        if took >= Duration::from_millis(5) {
            return (n as f64 * target.as_secs_f64() / took.as_secs_f64()) as u64;
        }
        n *= 4;
    }
}

/// The fastest of `times` runs of `f`: the least disturbed by the rest of the machine.
pub fn best_of(times: usize, mut f: impl FnMut()) -> Duration {
    (0..times)
        .map(|_| {
            let start = Instant::now();
            f();
            start.elapsed()
        })
        .min()
        .unwrap_or_default()
}

/// When some work ran: its row (a job's or a worker's number), and its start and end
/// since the part began.
pub type Span = (usize, Duration, Duration);

/// Runs `jobs` on `workers` threads, each taking the next job from a shared counter;
/// returns the total time and when each job ran.
pub fn on_threads<J: Sync>(
    workers: usize,
    jobs: &[J],
    run: impl Fn(&J) + Sync,
) -> (Duration, Vec<Span>) {
    let next = AtomicUsize::new(0);
    let spans = Mutex::new(Vec::new());
    let start = Instant::now();
    thread::scope(|s| {
        for _ in 0..workers {
            s.spawn(|| {
                loop {
                    let i = next.fetch_add(1, Ordering::Relaxed);
                    let Some(job) = jobs.get(i) else { break };
                    let from = start.elapsed();
                    run(job);
                    let span = (i, from, start.elapsed());
                    spans
                        .lock()
                        .unwrap_or_else(PoisonError::into_inner)
                        .push(span);
                }
            });
        }
    });
    let spans = spans.into_inner().unwrap_or_else(PoisonError::into_inner);
    (start.elapsed(), spans)
}

/// Draws one row of bars per job or worker on one time axis. A staircase means one
/// at a time; a short row, a worker left idle.
pub fn draw(row_name: &str, mut spans: Vec<Span>, total: Duration) {
    const WIDTH: usize = 40;
    let column = |t: Duration| (t.as_secs_f64() / total.as_secs_f64() * WIDTH as f64) as usize;
    spans.sort_by_key(|&(row, ..)| row);
    for row in spans.chunk_by(|a, b| a.0 == b.0) {
        let mut line = [' '; WIDTH];
        for &(_, from, to) in row {
            let a = column(from).min(WIDTH - 1);
            let b = column(to).clamp(a + 1, WIDTH);
            line[a..b].fill('#');
        }
        let bars: String = line.iter().collect();
        println!("   {row_name} {} |{bars}|", row[0].0);
    }
}

/// `56 ns`, `2.1 µs`, `11.01 ms`, `2.429 s`.
pub fn shown(time: Duration) -> String {
    match time.as_secs_f64() {
        s if s < 1e-6 => format!("{:.0} ns", s * 1e9),
        s if s < 1e-3 => format!("{:.1} µs", s * 1e6),
        s if s < 1.0 => format!("{:.2} ms", s * 1e3),
        s => format!("{s:.3} s"),
    }
}
