//! Exercise 11: every result through a channel.
//!
//! Each worker thread below puts its result into a `Vec` behind an `Arc<Mutex<_>>`,
//! and the main thread reads the `Vec` at the end. Send the results through a channel
//! instead (`std::sync::mpsc`): the main thread prints each one as it arrives, and no
//! `Mutex` is left in this file.
//!
//! Check: `cargo run --bin check -- 11`. Start over: `cargo run --bin check -- 11 --reset`.

use std::sync::{Arc, Mutex};
use std::thread;

#[path = "../lessons/picture.rs"]
pub mod picture;

fn main() -> anyhow::Result<()> {
    workbook::lab::watch();
    let job = picture::Job::from_env()?;
    let client = picture::client()?;

    // TODO: replace the shared Vec with a channel: `let (sender, receiver) =
    // mpsc::channel();`, a `sender.clone()` moved into each worker, and a loop over
    // `receiver` in the main thread that prints each result as it arrives.
    let results = Arc::new(Mutex::new(Vec::new()));
    let mut workers = Vec::new();
    for i in 0..job.count {
        let (client, url, path) = (client.clone(), job.url.clone(), job.path(i));
        let results = Arc::clone(&results);
        workers.push(thread::spawn(move || {
            let bytes = picture::download(&client, &url, &path).unwrap_or(0);
            results
                .lock()
                .unwrap_or_else(|p| p.into_inner())
                .push((i, bytes));
        }));
    }
    for worker in workers {
        if worker.join().is_err() {
            anyhow::bail!("a worker panicked");
        }
    }
    let results = results.lock().unwrap_or_else(|p| p.into_inner());
    let mut total = 0;
    for (i, bytes) in results.iter() {
        println!("result: picture {i}, {bytes} bytes");
        total += bytes;
    }
    println!("total: {total} bytes from {} results", results.len());
    Ok(())
}
