//! Solution 11: a channel. Each worker gets its own clone of the sender and sends
//! its result; the main thread drops its own sender, so that the loop over the
//! receiver ends when the last worker has sent and finished. The results arrive in
//! the order the downloads end, and nothing is shared but the channel.

use std::sync::mpsc;
use std::thread;

#[path = "../lessons/picture.rs"]
pub mod picture;

fn main() -> anyhow::Result<()> {
    workbook::lab::watch();
    let job = picture::Job::from_env()?;
    let client = picture::client()?;

    let (sender, receiver) = mpsc::channel();
    thread::scope(|s| {
        for i in 0..job.count {
            let (sender, client, job) = (sender.clone(), &client, &job);
            s.spawn(move || {
                let bytes = picture::download(client, &job.url, &job.path(i)).unwrap_or(0);
                // Fails only if the receiver is gone, and it is not: main is reading.
                let _ = sender.send((i, bytes));
            });
        }
        drop(sender); // ours; the workers' senders end the loop below when dropped
        let mut total = 0;
        let mut count = 0;
        for (i, bytes) in receiver {
            println!("result: picture {i}, {bytes} bytes");
            total += bytes;
            count += 1;
        }
        println!("total: {total} bytes from {count} results");
    });
    Ok(())
}
