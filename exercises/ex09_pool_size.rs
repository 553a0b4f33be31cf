//! Exercise 09: size the pool from the CPUs this program may use.
//!
//! The pool below always has 8 workers, whatever the machine. For CPU-bound work
//! that is too many on 2 CPUs and too few on 32. Make it use as many workers as
//! `std::thread::available_parallelism()` says (so that `taskset -c 0` gives 1).
//!
//! Check: `cargo run --bin check -- 09`. Start over: `cargo run --bin check -- 09 --reset`.

use std::thread;
use std::time::Instant;

fn main() {
    // TODO: ask the operating system instead of guessing.
    let workers: usize = 8;

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
