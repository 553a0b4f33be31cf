//! Solution 12: a pool of AT_MOST threads. Each takes the next picture number from a
//! shared atomic counter until none is left: never more than AT_MOST downloads in
//! flight, and a thread that finishes early takes the next picture at once (a sliding
//! window, not chunks that wait for their slowest).

use std::sync::atomic::{AtomicUsize, Ordering};
use std::thread;

#[path = "../lessons/picture.rs"]
pub mod picture;

const AT_MOST: usize = 20;

fn main() -> anyhow::Result<()> {
    workbook::lab::watch();
    let job = picture::Job::from_env()?;
    let client = picture::client()?;

    let next = AtomicUsize::new(0);
    let saved = AtomicUsize::new(0);
    thread::scope(|s| {
        for _ in 0..AT_MOST {
            s.spawn(|| {
                loop {
                    let i = next.fetch_add(1, Ordering::Relaxed);
                    if i >= job.count {
                        break;
                    }
                    if picture::download(&client, &job.url, &job.path(i)).is_ok() {
                        saved.fetch_add(1, Ordering::Relaxed);
                    }
                }
            });
        }
    });
    println!(
        "{} of {} pictures saved",
        saved.load(Ordering::Relaxed),
        job.count
    );
    Ok(())
}
