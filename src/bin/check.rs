//! Checks the exercises, in the spirit of rustlings: builds your version of an exercise,
//! runs it for real, and says in plain words what already works and what does not yet,
//! with a hint.
//!
//! ```text
//! cargo run --bin check -- 05              # check exercise 05 (exercises/ex05_*.rs)
//! cargo run --bin check -- --all           # all exercises
//! cargo run --bin check -- 05 --solution   # the same checks on the solution
//! cargo run --bin check -- 05 --reset      # put exercise 05 back as it was
//! cargo run --bin check -- 05 --hint       # a hint; again for the next, closer one
//! ```

use std::ffi::OsString;
use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode};
use std::sync::mpsc::Receiver;
use std::time::Duration;

use clap::Parser;
use colored::Colorize;
use workbook::lab::Record;
use workbook::lab::signals::{self, Stop};
use workbook::outln;
use workbook::units;

/// How long a checked run may take. The exercises finish in about a second; a run
/// that takes this long has a loop that never ends.
const TIME_LIMIT: Duration = Duration::from_secs(60);

/// Check the workbook's exercises.
#[derive(Parser)]
#[command(name = "check")]
struct Args {
    /// Which exercise: 05, 06, 07, 09, 11, 11b, 12 or 13.
    exercise: Option<String>,

    /// Check every exercise.
    #[arg(long, conflicts_with = "exercise")]
    all: bool,

    /// Check the solution instead of your version.
    #[arg(long)]
    solution: bool,

    /// Put the exercise back as it was at the start (your changes are lost).
    #[arg(long, conflicts_with_all = ["solution", "all"])]
    reset: bool,

    /// Show a hint, without building or running anything. Ask again for the next one:
    /// each comes closer to the answer.
    #[arg(long, conflicts_with_all = ["solution", "all", "reset", "program"])]
    hint: bool,

    /// Do not build first (the binaries are already built).
    #[arg(long)]
    no_build: bool,

    /// Judge this command instead (your own crate's binary and its arguments), the same
    /// way: `check 06 --program target/debug/mine`. Exercises judged by the lab only.
    #[arg(long, num_args = 1.., allow_hyphen_values = true, value_name = "CMD")]
    program: Option<Vec<OsString>>,

    /// List the exercises (number, file, chapter), one per line.
    #[arg(long, conflicts_with_all = ["exercise", "all", "reset", "solution"])]
    list: bool,
}

/// One exercise: where it lives, how to run it, and what must hold.
struct Exercise {
    number: &'static str,
    title: &'static str,
    file: &'static str,
    chapter: &'static str,
    args: &'static [&'static str],
    /// How the lab runs it, and what must hold in its record.
    watched: Watched,
    /// Checks on the code itself (its comment lines left out), where the exercise is
    /// about how it is written; not run on a program given with `--program`.
    source_checks: Option<fn(&str) -> Vec<Check>>,
    /// Shipped so that it does not compile (the exercise is to make it compile), and
    /// what to say while it does not.
    broken_on_purpose: Option<&'static str>,
    /// What `--hint` shows, one more each time: where to look, then the way, then
    /// nearly the code.
    hints: [&'static str; 3],
}

/// How the lab runs an exercise it judges: `count` pictures at `latency_ms`, the
/// program's own `args`, then `checks` on the record.
#[derive(Clone, Copy)]
struct Watched {
    count: usize,
    latency_ms: u64,
    /// The pictures' width and height.
    size: (u32, u32),
    checks: fn(&Record) -> Vec<Check>,
    /// Checks on a second run allowed only CPU 0 (`taskset -c 0`, Linux), if any.
    pinned_checks: Option<fn(&Record) -> Vec<Check>>,
}

/// What the checks call a program given with `--program`.
const YOUR_PROGRAM: &str = "your program";

/// One thing that must hold: a description, and a hint if it does not.
struct Check {
    ok: bool,
    what: String,
    hint: &'static str,
}

fn check(ok: bool, what: impl Into<String>, hint: &'static str) -> Check {
    Check {
        ok,
        what: what.into(),
        hint,
    }
}

const EXERCISES: [Exercise; 8] = [
    Exercise {
        number: "05",
        title: "download each picture once, all at the same time",
        file: "ex05_download_once.rs",
        chapter: "lesson05_naive_double_download",
        args: &[],
        watched: Watched {
            count: 5,
            latency_ms: 200,
            size: (200, 3000),
            checks: |record| {
                let at_once = record.most_in_flight();
                vec![
                    record_exited_ok(record),
                    record_pictures(record, 5),
                    check(
                        record.requests.len() == 5,
                        format!(
                            "the server got {} for 5 pictures (it should get 5)",
                            units::count(record.requests.len(), "request", "requests")
                        ),
                        "each picture is still downloaded twice: once by the direct call, \
                         once by the process. Only one of the two steps in the loop may stay.",
                    ),
                    check(
                        at_once == 5,
                        format!("{at_once} of 5 downloads ran at the same time (all 5 should)"),
                        "the loop waits for the direct call before it goes on. Keep the step \
                         that starts a process: spawn() returns at once.",
                    ),
                ]
            },
            pinned_checks: None,
        },
        source_checks: None,
        broken_on_purpose: None,
        hints: [
            "Run it first and read the timeline: each picture is asked for twice, and the second request starts only when the first one ends.",
            "The direct `picture::download` call blocks the loop until its picture arrives. A child process started with `spawn()` does not: `spawn` returns at once.",
            "Delete the `picture::download(&client, &job.url, &path)?;` line and keep the `Command::new(&me)...spawn()` step. The children are still waited for after the loop.",
        ],
    },
    Exercise {
        number: "06",
        title: "at most N downloads at a time",
        file: "ex06_at_most_n.rs",
        chapter: "lesson06_fixed_parallel",
        args: &["--max-at-once", "2"],
        watched: Watched {
            count: 6,
            latency_ms: 200,
            size: (200, 3000),
            checks: |record| {
                let at_once = record.most_in_flight();
                vec![
                    record_exited_ok(record),
                    record_pictures(record, 6),
                    check(
                        record.requests.len() == 6,
                        format!(
                            "the server got {} for 6 pictures",
                            units::count(record.requests.len(), "request", "requests")
                        ),
                        "one request per picture: each child downloads its own picture once.",
                    ),
                    check(
                        at_once <= 2,
                        format!("the server answered {at_once} at once (at most 2 may)"),
                        "all processes are started before any is waited for. Whenever 2 are \
                         running, wait for the oldest before you start the next.",
                    ),
                    check(
                        at_once >= 2,
                        "the downloads still overlap (2 at a time)",
                        "the downloads now run one at a time: start two before you wait.",
                    ),
                ]
            },
            pinned_checks: None,
        },
        source_checks: None,
        broken_on_purpose: None,
        hints: [
            "Right now every child is started before any is waited for. The bound means: before you start child number N+1, one of the N running ones has to end.",
            "Keep the running children in a `VecDeque<Child>`. When it holds `max_at_once`, wait for the oldest (`pop_front`, then `wait()`) before you start the next.",
            "In the loop: `if running.len() == max_at_once { if let Some(mut oldest) = running.pop_front() { if !oldest.wait()?.success() { failed += 1; } } }`, then spawn and `running.push_back(child)`. After the loop, wait for what is left in `running`.",
        ],
    },
    Exercise {
        number: "07",
        title: "threads that lose no picture",
        file: "ex07_no_file_lost.rs",
        chapter: "lesson07_join_omitted",
        args: &[],
        watched: Watched {
            count: 5,
            latency_ms: 200,
            size: (200, 3000),
            checks: |record| {
                let all_done = record
                    .lines
                    .iter()
                    .find(|line| line.stream == "stdout" && line.text.trim() == "all done")
                    .map(|line| line.time);
                let last_answer = record
                    .requests
                    .iter()
                    .map(|request| request.end)
                    .fold(0.0, f64::max);
                let cut_off = record
                    .requests
                    .iter()
                    .filter(|request| !request.complete)
                    .count();
                vec![
                    record_exited_ok(record),
                    record_pictures(record, 5),
                    check(
                        cut_off == 0
                            && record.requests.len() >= 5
                            && all_done.is_some_and(|time| time >= last_answer),
                        match all_done {
                            None => "the program never printed \"all done\"".to_string(),
                            Some(_) if record.requests.len() < 5 => format!(
                                "the server got {} for 5 pictures: the program ended first",
                                units::count(record.requests.len(), "request", "requests")
                            ),
                            Some(_) if cut_off > 0 => format!(
                                "{} cut off when the program ended",
                                units::count(cut_off, "download was", "downloads were")
                            ),
                            Some(time) if time < last_answer => format!(
                                "\"all done\" came at {time:.2} s, before the last download \
                                 ended at {last_answer:.2} s"
                            ),
                            Some(_) => "\"all done\" comes after every download".to_string(),
                        },
                        "nothing waits for the threads, so \"all done\" comes first and the \
                         process ends under them. Start them in `thread::scope(|scope| ...)`, \
                         or keep the handles and join them.",
                    ),
                ]
            },
            pinned_checks: None,
        },
        source_checks: None,
        broken_on_purpose: None,
        hints: [
            "When `main` returns, the process ends and every thread with it. Something has to wait for the threads before \"all done\".",
            "Either keep each `JoinHandle` that `thread::spawn` returns and `join()` them all after the loop, or start the threads inside `thread::scope`, which joins them for you.",
            "Wrap the loop in `thread::scope(|scope| { ... });` and use `scope.spawn(move || ...)` instead of `thread::spawn`. The scope returns only when every thread has finished, so \"all done\" comes after the pictures.",
        ],
    },
    Exercise {
        number: "09",
        title: "size the pool from the CPUs this program may use",
        file: "ex09_pool_size.rs",
        chapter: "lesson09_cpu_count",
        args: &[],
        watched: Watched {
            count: 0,
            latency_ms: 0,
            size: (200, 3000),
            checks: |record| {
                let available = workbook::cpus::available();
                vec![
                    record_exited_ok(record),
                    pool_size_is(
                        record,
                        available,
                        format!("this process may use {available} CPUs"),
                        "the pool size is a guess. `std::thread::available_parallelism()` \
                         says how many threads can run at once (it returns a Result: \
                         `.map_or(1, |n| n.get())`).",
                    ),
                ]
            },
            pinned_checks: Some(|record| {
                vec![pool_size_is(
                    record,
                    1,
                    "under `taskset -c 0`, 1 CPU allowed".to_string(),
                    "count the CPUs this process may use, not the machine's: \
                     available_parallelism follows taskset.",
                )]
            }),
        },
        source_checks: None,
        broken_on_purpose: None,
        hints: [
            "The number 8 is a guess. std can ask the operating system how many CPUs this process may use.",
            "`std::thread::available_parallelism()` returns a `Result<NonZeroUsize>`: it follows `taskset` and a container's CPU limit, and it can fail on an odd system.",
            "`let workers = thread::available_parallelism().map_or(1, |n| n.get());` One worker is the safe answer when the system cannot tell.",
        ],
    },
    Exercise {
        number: "11",
        title: "every result through a channel",
        file: "ex11_channel.rs",
        chapter: "lesson11_rusts_own_tools",
        args: &[],
        watched: Watched {
            count: 5,
            latency_ms: 200,
            size: (200, 3000),
            checks: |record| {
                let results = record
                    .lines
                    .iter()
                    .filter(|line| line.text.starts_with("result: picture"))
                    .count();
                let total_line = record.lines.iter().any(|line| {
                    line.text.starts_with("total: ") && line.text.ends_with("from 5 results")
                });
                vec![
                    record_exited_ok(record),
                    record_pictures(record, 5),
                    check(
                        results == 5 && total_line,
                        format!("{results} of 5 results reached the main thread"),
                        "every worker must send its result, and the main thread must read until \
                         the channel closes: `for result in receiver` ends when every sender is gone.",
                    ),
                    check(
                        record.most_in_flight() == 5,
                        "the 5 downloads still run at the same time",
                        "start every worker before you read from the channel.",
                    ),
                ]
            },
            pinned_checks: None,
        },
        source_checks: Some(|source| {
            vec![check(
                !source.contains("Mutex") && source.contains("mpsc"),
                "the results travel through an mpsc channel, with no Mutex in the file",
                "use `std::sync::mpsc::channel()`; give each worker `sender.clone()` and \
                 drop the original sender in main, or the loop over the receiver never ends.",
            )]
        }),
        broken_on_purpose: None,
        hints: [
            "A channel has two ends: many senders, one receiver. Each worker gets a sender of its own; the main thread keeps the receiver.",
            "`let (sender, receiver) = mpsc::channel();` Move a `sender.clone()` into each worker and `send` its result there. Then drop the original `sender`, or the loop over `receiver` never ends.",
            "After starting the workers: `drop(sender); for result in receiver { println!(...) }`. The loop ends when the last worker's sender is dropped. Then remove the `Arc<Mutex<Vec<_>>>` and its imports.",
        ],
    },
    Exercise {
        number: "11b",
        title: "share one client between threads",
        file: "ex11b_share_with_arc.rs",
        chapter: "lesson11_rusts_own_tools",
        args: &[],
        watched: Watched {
            count: 5,
            latency_ms: 200,
            size: (200, 3000),
            checks: |record| {
                vec![
                    record_exited_ok(record),
                    record_pictures(record, 5),
                    check(
                        record.most_in_flight() == 5,
                        "the 5 downloads run at the same time",
                        "spawn every thread before joining any.",
                    ),
                ]
            },
            pinned_checks: None,
        },
        source_checks: None,
        broken_on_purpose: Some(
            "`Rc` counts its owners without atomic operations, so it is not `Send`: it may \
             not go to another thread. `std::sync::Arc` is the same idea, made thread-safe.",
        ),
        hints: [
            "Read the compiler's first error: it says `Rc<Client>` cannot be sent between threads safely, because `Rc` is not `Send`.",
            "`std::sync::Arc` is `Rc` with an atomic count: the same `clone` to share ownership, and it may go to another thread.",
            "Replace `use std::rc::Rc;` with `use std::sync::Arc;` and `Rc::new` / `Rc::clone` with `Arc::new` / `Arc::clone`. Nothing else changes.",
        ],
    },
    Exercise {
        number: "12",
        title: "two hundred pictures, at most twenty in flight",
        file: "ex12_at_most_20.rs",
        chapter: "lesson12_a_thousand_downloads",
        args: &[],
        watched: Watched {
            count: 200,
            latency_ms: 100,
            size: (200, 300),
            checks: |record| {
                let at_once = record.most_in_flight();
                vec![
                    record_exited_ok(record),
                    record_pictures(record, 200),
                    check(
                        record.requests.len() == 200,
                        format!(
                            "the server got {} for 200 pictures",
                            units::count(record.requests.len(), "request", "requests")
                        ),
                        "every picture must be downloaded once: no number skipped, none twice.",
                    ),
                    check(
                        at_once <= 20,
                        format!("the server answered {at_once} at once (at most 20 may)"),
                        "one thread per picture puts all 200 in flight. Start AT_MOST workers that \
                         each take the next picture number until none is left.",
                    ),
                    check(
                        at_once >= 10,
                        format!("{at_once} downloads overlap (about 20 should)"),
                        "the downloads run nearly one at a time: start all the workers first.",
                    ),
                ]
            },
            pinned_checks: None,
        },
        source_checks: None,
        broken_on_purpose: None,
        hints: [
            "One thread per picture puts all 200 in flight. Fewer threads, each doing many pictures in turn, keeps the number down.",
            "Start `AT_MOST` workers inside the scope. Each takes the next picture number from a shared `AtomicUsize` with `fetch_add(1, Ordering::Relaxed)` and stops once the number reaches `job.count`.",
            "Each worker: `loop { let i = next.fetch_add(1, Ordering::Relaxed); if i >= job.count { break; } /* download picture i */ }`, with `let next = AtomicUsize::new(0);` before the scope. Count the saved pictures the same way, with a second `AtomicUsize`.",
        ],
    },
    Exercise {
        number: "13",
        title: "a lock held too long",
        file: "ex13_narrow_the_lock.rs",
        chapter: "lesson13_when_parallel_loses",
        args: &[],
        watched: Watched {
            count: 4,
            latency_ms: 200,
            size: (200, 3000),
            checks: |record| {
                let at_once = record.most_in_flight();
                let total = record.lines.iter().any(|line| {
                    line.text.starts_with("total: ") && line.text.ends_with("from 4 pictures")
                });
                vec![
                    record_exited_ok(record),
                    record_pictures(record, 4),
                    check(
                        total,
                        "the total was kept",
                        "keep adding each size to the total: only move where the lock is taken.",
                    ),
                    check(
                        at_once == 4,
                        format!("{at_once} of 4 downloads ran at the same time (all 4 should)"),
                        "the lock is taken before the download and held until it ends, so the \
                         workers wait for each other. Download first; lock only to add.",
                    ),
                ]
            },
            pinned_checks: None,
        },
        source_checks: None,
        broken_on_purpose: None,
        hints: [
            "A `MutexGuard` holds the lock until it is dropped. Here it lives from before the download to the end of the block.",
            "Download first, with no lock held. Take the lock only for the addition, after the download has returned.",
            "`if let Ok(bytes) = picture::download(client, &job.url, &job.path(i)) { *total.lock().unwrap_or_else(|p| p.into_inner()) += bytes; }` The guard is a temporary there, dropped at the end of that one statement.",
        ],
    },
];

/// The pool's size as the lab saw it: the most threads the program ran at once, less
/// its main thread. Where the lab cannot count threads (not Linux), what the program
/// says (`pool size: N`).
fn pool_size_is(record: &Record, wanted: usize, why: String, hint: &'static str) -> Check {
    let threads = record
        .processes
        .iter()
        .find(|process| process.parent.is_none())
        .and_then(|process| process.threads);
    let (size, seen) = match threads {
        Some(threads) => (Some(threads.saturating_sub(1) as usize), "the lab saw"),
        None => (
            record
                .text()
                .iter()
                .find_map(|line| line.strip_prefix("pool size: "))
                .and_then(|size| size.trim().parse().ok()),
            "the program says",
        ),
    };
    let pool = size.map_or("no pool".to_string(), |size| {
        format!("a pool of {}", units::count(size, "worker", "workers"))
    });
    check(size == Some(wanted), format!("{seen} {pool}; {why}"), hint)
}

fn record_exited_ok(record: &Record) -> Check {
    let last_error = record
        .lines
        .iter()
        .rev()
        .find(|line| line.stream == "stderr")
        .map_or("", |line| line.text.as_str());
    let ok = record.exit.success() && record.stopped.is_none();
    check(
        ok,
        match (&record.stopped, ok) {
            (Some(why), _) => format!("the lab stopped it: {why}"),
            (None, true) => "it runs and exits with status 0".to_string(),
            (None, false) => format!("it ended with {}: {last_error}", record.exit),
        },
        "read the last lines of its output above: they say what went wrong.",
    )
}

fn record_pictures(record: &Record, count: usize) -> Check {
    let whole = (0..count)
        .filter(|i| {
            let name = format!("{i}.jpg");
            record
                .files
                .iter()
                .any(|file| file.name == name && file.written() && file.whole_jpeg)
        })
        .count();
    let broken = record.broken_files().len();
    check(
        whole == count && broken == 0,
        if broken == 0 {
            format!("{whole} of {count} pictures written, whole")
        } else {
            format!("{whole} of {count} pictures written whole, {broken} broken or half-written")
        },
        "some downloads did not finish. Every worker has to be waited for.",
    )
}

/// What came of checking one exercise.
enum Verdict {
    Passed,
    NotYet,
    /// Ctrl-C (or another stop) arrived: the exercise's tree was stopped, and so is
    /// `check`, with this exit status.
    Stopped(u8),
}

fn main() -> ExitCode {
    let args: Args = workbook::units::parse_args();
    // `colored` follows NO_COLOR and whether stdout is a terminal; a dumb terminal
    // shows escape codes as text, so none for it either.
    if std::env::var_os("TERM").is_some_and(|term| term == "dumb") {
        colored::control::set_override(false);
    }
    // From here Ctrl-C stops the exercise's whole tree, then `check`.
    let stops = signals::listen();
    // The workbook's folder; WORKBOOK_ROOT points elsewhere (the tests use a copy).
    let root = std::env::var_os("WORKBOOK_ROOT")
        .map_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")), PathBuf::from);
    let root = root.as_path();
    if !root.join("exercises").is_dir() {
        eprintln!(
            "check: {} has no exercises folder: is WORKBOOK_ROOT the workbook's folder?",
            root.display()
        );
        return ExitCode::from(2);
    }
    if args.list {
        for exercise in &EXERCISES {
            let state = if exercise.broken_on_purpose.is_some() {
                "does-not-compile-yet"
            } else {
                "compiles"
            };
            outln!(
                "{} {} {} {state}",
                exercise.number,
                exercise.file,
                exercise.chapter
            );
        }
        return ExitCode::SUCCESS;
    }
    let chosen: Vec<&Exercise> = match &args.exercise {
        _ if args.all => EXERCISES.iter().collect(),
        Some(number) => {
            let number = format!("{:0>2}", number.trim_start_matches("ex"));
            match EXERCISES.iter().find(|e| e.number == number) {
                Some(exercise) => vec![exercise],
                None => {
                    let known: Vec<&str> = EXERCISES.iter().map(|e| e.number).collect();
                    eprintln!(
                        "check: there is no exercise {number}; there are {}",
                        known.join(", ")
                    );
                    return ExitCode::from(2);
                }
            }
        }
        None => {
            eprintln!("check: which exercise? e.g. `cargo run --bin check -- 05`, or --all");
            return ExitCode::from(2);
        }
    };

    if args.hint {
        return match chosen.as_slice() {
            [exercise] => show_next_hint(exercise, root),
            _ => ExitCode::from(2),
        };
    }

    if args.reset {
        let mut ok = true;
        for exercise in chosen {
            // The hints start again from the first, too.
            let _ = std::fs::remove_file(hints_seen_file(root, exercise));
            let (start, mine) = (
                root.join("exercises/start").join(exercise.file),
                root.join("exercises").join(exercise.file),
            );
            match std::fs::copy(&start, &mine) {
                Ok(_) => outln!(
                    "exercise {} is back to its starting state: {}",
                    exercise.number,
                    mine.display()
                ),
                Err(error) => {
                    eprintln!(
                        "check: cannot reset {} from {}: {error}",
                        mine.display(),
                        start.display()
                    );
                    ok = false;
                }
            }
        }
        return if ok {
            ExitCode::SUCCESS
        } else {
            ExitCode::FAILURE
        };
    }

    let mut all_passed = true;
    for exercise in chosen {
        match run_checks(exercise, &args, root, &stops) {
            Verdict::Passed => {}
            Verdict::NotYet => all_passed = false,
            Verdict::Stopped(code) => return ExitCode::from(code),
        }
    }
    if all_passed {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    }
}

/// Where `--hint` remembers how many hints of an exercise were shown: under the build
/// folder, which `cargo clean` empties and git ignores.
fn hints_seen_file(root: &Path, exercise: &Exercise) -> PathBuf {
    let target =
        std::env::var_os("CARGO_TARGET_DIR").map_or_else(|| root.join("target"), PathBuf::from);
    target.join("check-hints").join(exercise.number)
}

/// Shows the hints seen so far and one more, and remembers that it did.
fn show_next_hint(exercise: &Exercise, root: &Path) -> ExitCode {
    let seen_file = hints_seen_file(root, exercise);
    let seen: usize = std::fs::read_to_string(&seen_file)
        .ok()
        .and_then(|text| text.trim().parse().ok())
        .unwrap_or(0);
    let shown = (seen + 1).min(exercise.hints.len());
    outln!("Exercise {} · {}", exercise.number, exercise.title);
    for (n, hint) in exercise.hints.iter().take(shown).enumerate() {
        outln!(
            "  {} {hint}",
            format!("hint {} of {}:", n + 1, exercise.hints.len()).yellow()
        );
    }
    if shown < exercise.hints.len() {
        outln!(
            "  Stuck still? `cargo run --bin check -- {} --hint` again shows the next one.",
            exercise.number
        );
    } else {
        outln!(
            "  That was the last hint. The solution is solutions/{}, explained in book/src/solutions.md.",
            exercise.file
        );
    }
    let remembered = seen_file
        .parent()
        .map_or(Ok(()), std::fs::create_dir_all)
        .and_then(|()| std::fs::write(&seen_file, shown.to_string()));
    if let Err(error) = remembered {
        // The hint was shown; only the next `--hint` will show this one again.
        eprintln!(
            "check: cannot remember the hints shown in {}: {error}",
            seen_file.display()
        );
    }
    ExitCode::SUCCESS
}

/// Says that the exercise does not compile yet, with its hint.
fn does_not_compile_yet(exercise: &Exercise, folder: &str) {
    outln!(
        "  {} it does not compile yet: the compiler's messages say where",
        "✗".red()
    );
    let hint = exercise
        .broken_on_purpose
        .unwrap_or("read the first error: its first lines say what and where.");
    outln!("    {} {hint}", "hint:".yellow());
    outln!(
        "  Not yet. Edit {folder}/{} and run `cargo run --bin check -- {}` again.\n",
        exercise.file,
        exercise.number
    );
}

/// Builds and runs one exercise (or its solution) under the lab, prints each check.
fn run_checks(exercise: &Exercise, args: &Args, root: &Path, stops: &Receiver<Stop>) -> Verdict {
    if let Some(program) = &args.program {
        outln!(
            "{} {} · {}   (your program: {})",
            "Exercise".bold(),
            exercise.number.bold(),
            exercise.title,
            program[0].to_string_lossy()
        );
        let mut command = program.clone();
        command.extend(exercise.args.iter().map(OsString::from));
        return judge_watched(exercise, &command, YOUR_PROGRAM, None, stops);
    }
    let (folder, binary) = if args.solution {
        ("solutions", format!("ex{}-solution", exercise.number))
    } else {
        ("exercises", format!("ex{}", exercise.number))
    };
    outln!(
        "{} {} · {}   ({folder}/{})",
        "Exercise".bold(),
        exercise.number.bold(),
        exercise.title,
        exercise.file
    );
    if !args.no_build {
        let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
        let built = Command::new(cargo)
            .args([
                "build",
                "--quiet",
                "-p",
                "workbook-exercises",
                "--bin",
                &binary,
            ])
            .current_dir(root)
            .status();
        // Ctrl-C reaches cargo too, which then fails: that is not the exercise's fault.
        if let Ok(stop) = stops.try_recv() {
            return Verdict::Stopped(stop_code(stop));
        }
        if !built.is_ok_and(|status| status.success()) {
            does_not_compile_yet(exercise, folder);
            return Verdict::NotYet;
        }
    }
    let program = std::env::current_exe().ok().and_then(|me| {
        me.parent()
            .map(|dir| dir.join(format!("{binary}{}", std::env::consts::EXE_SUFFIX)))
    });
    let Some(program) = program.filter(|p| p.exists()) else {
        if exercise.broken_on_purpose.is_some() && !args.solution {
            // Not built because it does not build: as shipped, that is the exercise.
            does_not_compile_yet(exercise, folder);
            return Verdict::NotYet;
        }
        outln!(
            "  {} {binary} is not built: run `cargo build -p workbook-exercises --bin {binary}`\n",
            "✗".red()
        );
        return Verdict::NotYet;
    };
    let mut command = vec![program.into_os_string()];
    command.extend(exercise.args.iter().map(OsString::from));
    judge_watched(
        exercise,
        &command,
        &format!("{folder}/{}", exercise.file),
        Some(&root.join(folder).join(exercise.file)),
        stops,
    )
}

fn stop_code(stop: Stop) -> u8 {
    u8::try_from(stop.exit_code()).unwrap_or(1)
}

/// Prints each check, with its hint where it fails, and the verdict; true if all pass.
fn print_checks(checks: &[Check], exercise: &Exercise, what: &str) -> bool {
    let failed = checks.iter().filter(|c| !c.ok).count();
    for c in checks {
        if c.ok {
            outln!("  {} {}", "✓".green(), c.what);
        } else {
            outln!("  {} {}", "✗".red(), c.what);
            outln!("    {} {}", "hint:".yellow(), c.hint);
        }
    }
    if failed == 0 {
        outln!(
            "  {} (the chapter: book/src/{}.md)\n",
            "All checks pass.".green().bold(),
            exercise.chapter
        );
    } else if what == YOUR_PROGRAM {
        // A program of the learner's own: rebuilt by them, judged by the same command.
        outln!(
            "  Not yet: {failed} of {} checks to go. Change your program, build it, and run the same `check -- {} --program ...` again.\n",
            checks.len(),
            exercise.number
        );
    } else {
        outln!(
            "  Not yet: {failed} of {} checks to go. Edit {what} and run `cargo run --bin check -- {}` again.\n",
            checks.len(),
            exercise.number
        );
    }
    failed == 0
}

/// Runs `command` under the lab against a local server, in a scratch folder, and
/// prints each check on its record (and on a second run allowed one CPU, where the
/// exercise asks for one).
fn judge_watched(
    exercise: &Exercise,
    command: &[OsString],
    what: &str,
    source: Option<&Path>,
    stops: &Receiver<Stop>,
) -> Verdict {
    let watched = exercise.watched;
    let mut checks = match watch_once(watched, command, stops) {
        Ok(record) => {
            if let Some(code) = stopped_by_signal(&record) {
                return Verdict::Stopped(code);
            }
            (watched.checks)(&record)
        }
        Err(error) => {
            outln!("  {} {error:#}\n", "✗".red());
            return Verdict::NotYet;
        }
    };
    if let Some(pinned_checks) = watched.pinned_checks {
        if taskset_works() {
            let mut pinned: Vec<OsString> = vec!["taskset".into(), "-c".into(), "0".into()];
            pinned.extend(command.iter().cloned());
            match watch_once(watched, &pinned, stops) {
                Ok(record) => {
                    if let Some(code) = stopped_by_signal(&record) {
                        return Verdict::Stopped(code);
                    }
                    checks.extend(pinned_checks(&record));
                }
                Err(error) => outln!("  {} {error:#}", "✗".red()),
            }
        } else {
            outln!("  (no `taskset` here: the run allowed one CPU is not checked)");
        }
    }
    if let Some(source_checks) = exercise.source_checks {
        match source {
            Some(path) => checks.extend(source_checks(&without_comments(path))),
            None => {
                outln!("  (the code itself is not checked for a program given with --program)")
            }
        }
    }
    if print_checks(&checks, exercise, what) {
        Verdict::Passed
    } else {
        Verdict::NotYet
    }
}

/// One run of `command` watched by the lab, with its own server and scratch folder.
/// The time limit covers the whole tree: a child left behind holding the output
/// pipes is stopped with it.
fn watch_once(
    watched: Watched,
    command: &[OsString],
    stops: &Receiver<Stop>,
) -> anyhow::Result<Record> {
    use anyhow::Context as _;
    use workbook::lab::run::{Setting, watch};
    use workbook::server::{PictureServer, ServerConfig};
    let server = PictureServer::start(ServerConfig {
        latency: Duration::from_millis(watched.latency_ms),
        ..ServerConfig::default()
    })
    .context("cannot start the picture server")?;
    let out = tempfile::Builder::new()
        .prefix("check-")
        .tempdir()
        .context("cannot make a temporary folder")?;
    let url = server.picture_url(watched.size.0, watched.size.1);
    let setting = Setting {
        url: &url,
        out: out.path(),
        count: watched.count,
        time_limit: TIME_LIMIT,
        server: Some(&server),
        pass_through: false,
        pictures: true,
    };
    let record = watch(&setting, command, stops)?;
    // Clean up before printing: a closed stdout ends `check` at the print.
    drop(out);
    drop(server);
    if record.stopped.as_deref() == Some("time limit") {
        outln!(
            "    {} it did not finish within {} s, the limit for a checked run. A loop that \
             never ends? Every worker you wait for must be able to finish, and every child \
             you start must end.",
            "hint:".yellow(),
            TIME_LIMIT.as_secs()
        );
    }
    Ok(record)
}

/// The exit status for `check` if a stop (Ctrl-C, SIGTERM) ended the run.
fn stopped_by_signal(record: &Record) -> Option<u8> {
    match record.stopped.as_deref() {
        Some("interrupted") => Some(130),
        Some("terminated") => Some(143),
        Some("hung up") => Some(129),
        _ => None,
    }
}

/// Is `taskset` here, and may this process pin a child to CPU 0?
fn taskset_works() -> bool {
    Command::new("taskset")
        .args(["-c", "0", "true"])
        .output()
        .is_ok_and(|output| output.status.success())
}

/// The code of a file without its comment lines: a word in a comment is not a use of it.
fn without_comments(path: &Path) -> String {
    std::fs::read_to_string(path)
        .unwrap_or_default()
        .lines()
        .filter(|line| !line.trim_start().starts_with("//"))
        .collect::<Vec<_>>()
        .join("\n")
}
