//! Exercise 12: two hundred pictures, at most twenty in flight.
//!
//! This program starts one thread per picture: two hundred downloads at once. A real
//! server would not thank you for that. Keep at most 20 downloads in flight at any
//! moment, and still get every picture.
//!
//! Check: `cargo run --bin check -- 12`. Start over: `cargo run --bin check -- 12 --reset`.

use std::thread;

#[path = "../lessons/picture.rs"]
pub mod picture;

const AT_MOST: usize = 20;

fn main() -> anyhow::Result<()> {
    workbook::lab::watch();
    let job = picture::Job::from_env()?;
    let client = picture::client()?;

    // TODO: at most AT_MOST at a time. One way: AT_MOST worker threads that take the
    // next picture number from a shared counter (or a channel) until none is left.
    let _ = AT_MOST;
    let saved = thread::scope(|s| {
        let handles: Vec<_> = (0..job.count)
            .map(|i| {
                let (client, job) = (&client, &job);
                s.spawn(move || picture::download(client, &job.url, &job.path(i)))
            })
            .collect();
        handles
            .into_iter()
            .map(|handle| handle.join())
            .filter(|result| matches!(result, Ok(Ok(_bytes))))
            .count()
    });
    println!("{saved} of {} pictures saved", job.count);
    Ok(())
}
