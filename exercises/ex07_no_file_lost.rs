//! Exercise 07: threads that lose no picture.
//!
//! Like lesson 07's forgetful program, this starts one thread per picture and does
//! not wait for them: `main` returns, the process ends, the threads die, and the
//! pictures never arrive. Make every picture arrive before "all done" is printed.
//!
//! Check: `cargo run --bin check -- 07`. Start over: `cargo run --bin check -- 07 --reset`.

use std::thread;

#[path = "../lessons/picture.rs"]
pub mod picture;

fn main() -> anyhow::Result<()> {
    workbook::lab::watch();

    let job = picture::Job::from_env()?;
    let client = picture::client()?;

    // TODO: nothing waits for these threads. Make sure they finish before "all done".
    for i in 0..job.count {
        let (client, url, path) = (client.clone(), job.url.clone(), job.path(i));
        thread::spawn(move || match picture::download(&client, &url, &path) {
            Ok(bytes) => println!("saved {} ({bytes} bytes)", path.display()),
            Err(error) => eprintln!("FAILED {}: {error:#}", path.display()),
        });
    }

    println!("all done");
    Ok(())
}
