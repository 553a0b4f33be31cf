// Does not compile, on purpose: `RefCell` checks its borrows at run time with a plain
// counter, which two threads could change at once. The compiler says it is not
// `Sync`: it may not be shared between threads. `Mutex` is the thread-safe one.
use std::cell::RefCell;
use std::thread;

fn main() {
    let total = RefCell::new(0u64);
    thread::scope(|s| {
        s.spawn(|| *total.borrow_mut() += 217_113);
        s.spawn(|| *total.borrow_mut() += 217_113);
    });
    println!("{}", total.borrow());
}
