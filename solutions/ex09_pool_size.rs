//! Solution 09: `available_parallelism` says how many threads can really run at once
//! for this process (it follows `taskset` and container CPU quotas). It can fail on
//! unusual systems; then one worker is a safe answer.

use workbook::pool::run_on_pool;
use workbook::{process, say, server};

fn main() -> anyhow::Result<()> {
    process::init(&[]);

    let workers = std::thread::available_parallelism().map_or(1, |n| n.get());

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
