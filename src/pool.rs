//! A pool of worker threads, the smallest that works: `workers` threads take the next
//! job from a shared counter until none is left. Lessons 09 and 10 size it.

use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::thread;
use std::time::{Duration, Instant};

// ANCHOR: pool
/// Runs `job(0)` .. `job(jobs - 1)` on `workers` threads and returns how long it took.
/// Every job runs, even after one fails; the first error is returned.
pub fn run_on_pool<E: Send>(
    workers: usize,
    jobs: usize,
    job: impl Fn(usize) -> Result<(), E> + Sync,
) -> Result<Duration, E> {
    let next_job = AtomicUsize::new(0);
    let first_error = Mutex::new(None);
    let start = Instant::now();
    thread::scope(|scope| {
        for _ in 0..workers.max(1) {
            scope.spawn(|| {
                loop {
                    // Each worker takes the next job number; the counter hands out each once.
                    let i = next_job.fetch_add(1, Ordering::Relaxed);
                    if i >= jobs {
                        break;
                    }
                    if let Err(error) = job(i) {
                        let mut first = first_error.lock().unwrap_or_else(|p| p.into_inner());
                        first.get_or_insert(error);
                    }
                }
            });
        }
    }); // the scope joins every worker here
    let took = start.elapsed();
    match first_error.into_inner().unwrap_or_else(|p| p.into_inner()) {
        Some(error) => Err(error),
        None => Ok(took),
    }
}
// ANCHOR_END: pool

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashSet;

    #[test]
    fn every_job_runs_exactly_once() {
        let done = Mutex::new(Vec::new());
        run_on_pool(3, 10, |i| {
            done.lock().expect("lock").push(i);
            Ok::<(), ()>(())
        })
        .expect("no job fails");
        let mut done = done.into_inner().expect("lock");
        done.sort();
        assert_eq!(done, (0..10).collect::<Vec<_>>());
    }

    #[test]
    fn uses_as_many_threads_as_asked() {
        let threads = Mutex::new(HashSet::new());
        // Each job waits (up to 5 s) until 4 different threads have joined in: with
        // fewer workers, fewer threads ever show up.
        let deadline = Instant::now() + Duration::from_secs(5);
        run_on_pool(4, 4, |_| {
            threads.lock().expect("lock").insert(thread::current().id());
            while threads.lock().expect("lock").len() < 4 && Instant::now() < deadline {
                thread::yield_now();
            }
            Ok::<(), ()>(())
        })
        .expect("no job fails");
        assert_eq!(threads.into_inner().expect("lock").len(), 4);
    }

    #[test]
    fn reports_an_error_and_still_runs_the_rest() {
        let ran = AtomicUsize::new(0);
        let result = run_on_pool(2, 6, |i| {
            ran.fetch_add(1, Ordering::SeqCst);
            if i == 2 {
                Err(format!("job {i} failed"))
            } else {
                Ok(())
            }
        });
        assert_eq!(result, Err("job 2 failed".to_string()));
        assert_eq!(ran.load(Ordering::SeqCst), 6);
    }
}
