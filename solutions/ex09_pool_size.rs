//! Solution 09: the pool size comes from `available_parallelism()`, which counts the
//! CPUs this process may use (it follows `taskset` and a container's CPU quota). It
//! returns a Result, because some systems cannot tell: then one worker is the safe
//! answer.

use std::thread;
use std::time::Instant;

fn main() {
    let workers = thread::available_parallelism().map_or(1, |n| n.get());

    println!("pool size: {workers}");
    let jobs = 2 * workers;
    let start = Instant::now();
    thread::scope(|scope| {
        for w in 0..workers {
            // Worker `w` takes jobs w, w + workers, ...: every job once.
            scope.spawn(move || {
                for _ in (w..jobs).step_by(workers) {
                    std::hint::black_box(count_primes(150_000));
                }
            });
        }
    });
    println!("{jobs} jobs in {:.3} s", start.elapsed().as_secs_f64());
}

/// Work for the CPU alone: count the primes below `below`, by trial division.
fn count_primes(below: u64) -> usize {
    (2..below)
        .filter(|&n| (2..).take_while(|d| d * d <= n).all(|d| n % d != 0))
        .count()
}
