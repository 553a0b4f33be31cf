//! Exercise 13: a lock held too long.
//!
//! Four workers each download a picture and add its size to a shared total. They
//! should download at the same time, but the timeline shows a staircase: each worker
//! holds the lock on the total for its whole download. Hold it only as long as it
//! takes to add, and the downloads overlap again.
//!
//! Check: `cargo run --bin check -- 13`. Start over: `cargo run --bin check -- 13 --reset`.

use std::sync::Mutex;
use std::thread;

#[path = "../lessons/picture.rs"]
pub mod picture;

fn main() -> anyhow::Result<()> {
    workbook::lab::watch();
    let job = picture::Job::from_env()?;
    let client = picture::client()?;

    let total = Mutex::new(0);
    thread::scope(|s| {
        for i in 0..job.count {
            let (client, job, total) = (&client, &job, &total);
            s.spawn(move || {
                // TODO: this lock is held during the whole download.
                let mut total = total.lock().unwrap_or_else(|p| p.into_inner());
                if let Ok(bytes) = picture::download(client, &job.url, &job.path(i)) {
                    *total += bytes;
                }
            });
        }
    });
    let total = total.into_inner().unwrap_or_else(|p| p.into_inner());
    println!("total: {total} bytes from {} pictures", job.count);
    Ok(())
}
