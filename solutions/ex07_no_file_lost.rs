//! Solution 07: start the threads in a scope. `thread::scope` returns only when every
//! thread started in it has finished, so "all done" comes after the downloads, and
//! the threads may even borrow the client and the job instead of cloning them.

use std::thread;

#[path = "../lessons/picture.rs"]
pub mod picture;

fn main() -> anyhow::Result<()> {
    workbook::lab::watch();

    let job = picture::Job::from_env()?;
    let client = picture::client()?;

    thread::scope(|scope| {
        for i in 0..job.count {
            let (client, job) = (&client, &job);
            scope.spawn(move || {
                let path = job.path(i);
                match picture::download(client, &job.url, &path) {
                    Ok(bytes) => println!("saved {} ({bytes} bytes)", path.display()),
                    Err(error) => eprintln!("FAILED {}: {error:#}", path.display()),
                }
            });
        }
    }); // every thread has finished here

    println!("all done");
    Ok(())
}
