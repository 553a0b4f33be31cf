// Does not compile, on purpose: `thread::spawn` may outlive `main`'s locals, so its
// closure may not borrow them. Either `move` them in (the thread owns them) or use
// `thread::scope`, which ends every thread before the locals go away.
use std::thread;

fn main() {
    let url = String::from("http://127.0.0.1:8000/200/3000");
    let worker = thread::spawn(|| println!("downloading {url}"));
    worker.join().unwrap();
}
