//! Solution 11b: `Arc`, the atomically counted `Rc`. Its count is changed with atomic
//! operations, so clones may be made and dropped on several threads at once: `Arc<T>`
//! is `Send` when `T` is `Send + Sync`, and a `Client` is both. (A `Client` is also
//! cheap to clone, so cloning it would do too; `Arc` is the general answer.)

use std::sync::Arc;
use std::thread;

#[path = "../lessons/picture.rs"]
pub mod picture;

fn main() -> anyhow::Result<()> {
    workbook::lab::watch();
    let job = picture::Job::from_env()?;
    let client = Arc::new(picture::client()?);

    let mut workers = Vec::new();
    for i in 0..job.count {
        let client = Arc::clone(&client);
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
