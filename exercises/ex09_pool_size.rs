//! Exercise 09: size the pool from the CPUs this program may use.
//!
//! The pool below always has 8 workers, whatever the machine. For CPU-bound work
//! that is too many on 2 CPUs and too few on 32. Make it use as many workers as
//! `std::thread::available_parallelism()` says (so that `taskset -c 0` gives 1).
//!
//! Check: `cargo run --bin check -- 09`. Start over: `cargo run --bin check -- 09 --reset`.

use workbook::pool::run_on_pool;
use workbook::{process, say, server};

fn main() -> anyhow::Result<()> {
    process::init(&[]);

    // TODO: ask the operating system instead of guessing.
    let workers = 8;

    say!("pool size: {workers}");
    let took = run_on_pool(workers, 2 * workers, |_| {
        std::hint::black_box(server::draw_jpeg(200, 600));
        Ok::<(), anyhow::Error>(())
    })?;
    say!(
        "drew {} pictures in {:.3} s",
        2 * workers,
        took.as_secs_f64()
    );
    Ok(())
}
