//! Exercise 11b: share it between threads. This program does not compile yet.
//!
//! The workers share one HTTP client through an `Rc`. Read the compiler's message
//! (`cargo run --bin check -- 11b` shows it): why may an `Rc` not go to another
//! thread? Make it compile with the thread-safe way to share ownership, and keep
//! every worker downloading at the same time.
//!
//! Check: `cargo run --bin check -- 11b`. Start over: `cargo run --bin check -- 11b --reset`.

use std::rc::Rc;
use std::thread;

#[path = "../lessons/picture.rs"]
pub mod picture;

fn main() -> anyhow::Result<()> {
    workbook::lab::watch();
    let job = picture::Job::from_env()?;
    // TODO: an `Rc` cannot be sent to another thread. What can?
    let client = Rc::new(picture::client()?);

    let mut workers = Vec::new();
    for i in 0..job.count {
        let client = Rc::clone(&client);
        let (url, path) = (job.url.clone(), job.path(i));
        workers.push(thread::spawn(move || {
            picture::download(&client, &url, &path)
        }));
    }
    let mut saved = 0;
    for worker in workers {
        if let Ok(Ok(_bytes)) = worker.join() {
            saved += 1;
        }
    }
    println!("{saved} pictures saved by threads sharing one client");
    Ok(())
}
