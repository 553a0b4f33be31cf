// Does not compile, on purpose: `Rc` counts its owners without atomic operations, so
// two threads changing the count at once would corrupt it. The compiler says `Rc` is
// not `Send`: it may not be moved to another thread. `Arc` is the thread-safe one.
use std::rc::Rc;
use std::thread;

fn main() {
    let pictures = Rc::new(vec!["0.jpg", "1.jpg"]);
    let shared = Rc::clone(&pictures);
    let worker = thread::spawn(move || println!("{} pictures", shared.len()));
    worker.join().unwrap();
}
