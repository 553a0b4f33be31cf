//! Lessons 01 to 10 end to end: the real binaries, real processes, real files.
//! The assertions are about behaviour (files, request counts, overlapping intervals,
//! pids), never about how fast something was.

use std::collections::HashSet;

use crate::common;
use common::{stderr, stdout};

const LESSON05: &str = env!("CARGO_BIN_EXE_lesson05");
const LESSON07: &str = env!("CARGO_BIN_EXE_lesson07");
const LESSON09: &str = env!("CARGO_BIN_EXE_lesson09");

#[test]
fn lesson05_downloads_every_picture_twice() {
    let place = common::Place::new();
    let output = place.watch(LESSON05, &["--latency-ms", "100"]);
    assert!(output.status.success(), "{}", stderr(&output));
    let record = place.record();
    assert_eq!(record.requests.len(), 10, "two requests per picture");
    assert_eq!(record.whole_pictures(), 5);
    assert!(record.broken_files().is_empty());
    // The parent's own download blocks the loop: the most at once is the parent's
    // download beside a child or two still at theirs, never all of them.
    let at_once = record.most_in_flight();
    assert!(
        (2..=3).contains(&at_once),
        "{at_once}: {:?}",
        record.requests
    );
    if cfg!(target_os = "linux") {
        // Once by the parent, once each by five children.
        let parent = record.processes[0].pid;
        let by_parent = record
            .requests
            .iter()
            .filter(|request| request.pid == Some(parent))
            .count();
        assert_eq!(by_parent, 5, "{:?}", record.requests);
        let children: HashSet<Option<u32>> = record
            .requests
            .iter()
            .filter(|request| request.pid != Some(parent))
            .map(|request| request.pid)
            .collect();
        // A child's connection lasts one latency; on a machine busy with other tests
        // the lab's look at /proc can miss one (its pid is then None, as the record
        // documents). Every child found is a different process.
        let found = children.iter().flatten().count();
        assert!(found >= 4, "{:?}", record.requests);
        assert_eq!(
            children.len(),
            found + usize::from(children.contains(&None))
        );
        // Each child started only after the parent's download of its picture ended:
        // the n-th child's request comes after the parent's n-th.
        let parents: Vec<_> = record
            .requests
            .iter()
            .filter(|r| r.pid == Some(parent))
            .collect();
        let others: Vec<_> = record
            .requests
            .iter()
            .filter(|r| r.pid != Some(parent))
            .collect();
        for (mine, child) in parents.iter().zip(&others) {
            assert!(mine.end <= child.start, "{mine:?} {child:?}");
        }
    }
}

#[test]
#[ignore = "needs python3 (a static server nobody here wrote); CI runs it"]
fn lesson05_asks_a_server_it_did_not_write_twice_per_picture() {
    let served = common::serve_a_picture();
    let place = common::Place::new();
    let output = place.watch(LESSON05, &["--url", &served.url]);
    assert!(output.status.success(), "{}", stderr(&output));
    assert_eq!(served.server.requests_for("/picture.jpg"), 10);
    assert_eq!(place.record().whole_pictures(), 5);
}

/// When the program said "all done", in seconds from its start.
fn all_done_at(record: &workbook::lab::Record) -> f64 {
    record
        .lines
        .iter()
        .find(|line| line.text == "all done")
        .map(|line| line.time)
        .expect("the program said all done")
}

#[test]
fn lesson07_orphaned_processes_finish_after_their_parent() {
    let place = common::Place::new();
    let output = place.watch(LESSON07, &["--latency-ms", "300"]);
    assert!(output.status.success(), "{}", stderr(&output));
    let record = place.record();
    // "all done" before any picture had arrived...
    let done = all_done_at(&record);
    assert!(
        record.requests.iter().all(|request| request.end > done),
        "{done}: {:?}",
        record.requests
    );
    // ...and yet all five arrived, whole, after the program had exited.
    assert_eq!(record.requests.len(), 5);
    assert_eq!(record.whole_pictures(), 5);
    let program = &record.processes[0];
    let saved: Vec<f64> = record
        .lines
        .iter()
        .filter(|line| line.text.starts_with("saved "))
        .map(|line| line.time)
        .collect();
    assert_eq!(saved.len(), 5, "{:?}", record.lines);
    assert!(
        saved.iter().all(|&time| time > program.end),
        "saved after the program ended at {}: {saved:?}",
        program.end
    );
    if cfg!(target_os = "linux") {
        assert_eq!(record.processes.len(), 6, "{:?}", record.processes);
        assert!(
            record.processes[1..]
                .iter()
                .all(|child| child.end > program.end)
        );
    }
}

#[test]
fn lesson07_threads_die_with_their_process_and_leave_no_partial_file() {
    let place = common::Place::new();
    let output = place.watch(LESSON07, &["--mode", "threads", "--latency-ms", "300"]);
    // The program believes it is done, and says so with its status too.
    assert!(output.status.success(), "{}", stderr(&output));
    let record = place.record();
    assert_eq!(record.requests.len(), 5, "every thread had asked");
    assert!(
        record.requests.iter().all(|request| !request.complete),
        "no answer went out whole: {:?}",
        record.requests
    );
    assert!(
        record.files.iter().all(|file| file.state == "unchanged"),
        "no picture and no partial file: {:?}",
        record.files
    );
    if cfg!(target_os = "linux") {
        assert_eq!(record.processes.len(), 1, "threads, not processes");
    }
}

#[test]
fn lesson07_with_join_says_done_only_when_done() {
    for mode in ["processes", "threads"] {
        let place = common::Place::new();
        let output = place.watch(LESSON07, &["--mode", mode, "--join", "--latency-ms", "100"]);
        assert!(output.status.success(), "{mode}: {}", stderr(&output));
        let record = place.record();
        let done = all_done_at(&record);
        assert!(
            record.requests.iter().all(|request| request.end <= done),
            "{mode}: {done} {:?}",
            record.requests
        );
        assert_eq!(record.whole_pictures(), 5, "{mode}");
    }
}

#[test]
fn lesson09_measures_one_to_twice_the_available_workers() {
    let place = common::Place::new();
    // 100 ms: long enough that the largest pool's 4 downloads overlap even when the
    // machine is busy with other tests (at 10 ms one run saw only 3 at once).
    let output = place.watch(LESSON09, &["--latency-ms", "100", "--jobs", "4"]);
    let text = stdout(&output);
    assert!(output.status.success(), "{text}{}", stderr(&output));
    let available = workbook::cpus::available();
    assert!(
        text.contains(&format!("available_parallelism: {available} ")),
        "{text}"
    );
    // From the server: 4 downloads for each pool size, 1 to 2 x available workers,
    // and the largest pool had as many in flight as it had workers (or jobs).
    let record = place.record();
    assert_eq!(record.requests.len(), 4 * 2 * available, "{text}");
    assert_eq!(record.most_in_flight(), (2 * available).min(4), "{text}");
    assert_eq!(record.whole_pictures(), 4);
    assert!(record.broken_files().is_empty());
}

#[cfg(target_os = "linux")]
#[test]
#[ignore = "needs taskset (util-linux); CI runs it"]
fn lesson09_sees_the_affinity_set_by_taskset() {
    let place = common::Place::new();
    let output = std::process::Command::new("taskset")
        .args([
            "-c",
            "0",
            LESSON09,
            "--latency-ms",
            "5",
            "--jobs",
            "2",
            "--out",
        ])
        .arg(place.out())
        .output()
        .expect("taskset runs");
    let text = stdout(&output);
    assert!(output.status.success(), "{text}");
    assert!(text.contains("available_parallelism: 1 "), "{text}");
    assert!(text.contains("CPU affinity:          1 "), "{text}");
}

const LESSON01: &str = env!("CARGO_BIN_EXE_lesson01");
const LESSON02: &str = env!("CARGO_BIN_EXE_lesson02");
const LESSON03: &str = env!("CARGO_BIN_EXE_lesson03");
const LESSON08: &str = env!("CARGO_BIN_EXE_lesson08");
const LESSON10: &str = env!("CARGO_BIN_EXE_lesson10");

#[test]
fn lesson01_shows_shared_and_separate_memory_and_crash_isolation() {
    let output = common::run(LESSON01, &["--starts", "3"]);
    let text = stdout(&output);
    assert!(output.status.success(), "{text}{}", stderr(&output));
    assert!(text.contains("after a thread added 1:        1"), "{text}");
    // The child added 1 to its copy (2); ours stayed 1.
    assert!(text.contains("the child's counter is now 2"), "{text}");
    assert!(text.contains("after a child process added 1: 1"), "{text}");
    assert!(
        text.contains("a child that panics: exit status: 101; the parent goes on")
            || text.contains("a child that panics: exit code: 101; the parent goes on"),
        "{text}"
    );
    assert!(text.contains("join() returned Err"), "{text}");
    assert!(
        text.contains("thread:  median") && text.contains("process: median"),
        "{text}"
    );
}

#[test]
fn lesson02_children_report_through_the_queue_and_both_pools_agree() {
    let output = common::run(LESSON02, &["--workers", "3"]);
    let text = stdout(&output);
    assert!(output.status.success(), "{text}{}", stderr(&output));
    let arrivals: Vec<&str> = text
        .lines()
        .filter(|line| line.contains("Queue           -> got:"))
        .collect();
    assert_eq!(arrivals.len(), 3, "{text}");
    let pids: HashSet<&str> = arrivals
        .iter()
        .filter_map(|line| line.split("got: pid ").nth(1))
        .collect();
    assert_eq!(pids.len(), 3, "three different processes: {text}");
    assert!(
        text.contains("3 child processes") && text.contains("same 8 results from both pools"),
        "{text}"
    );
}

#[test]
fn lesson03_child_has_its_own_pid_and_its_exit_status_is_reported() {
    let output = common::run(LESSON03, &["--name", "greeter"]);
    let text = stdout(&output);
    assert!(output.status.success(), "{text}");
    // "main (pid 100) creates a process" ... "hello from greeter (pid 101), my parent is pid 100"
    let parent = text
        .split("main (pid ")
        .nth(1)
        .and_then(|rest| rest.split(')').next())
        .expect("parent pid");
    let hello = text
        .lines()
        .find(|line| line.contains("hello from greeter"))
        .expect("the child greets");
    // std knows a parent's pid on Unix only; elsewhere the lesson says so.
    let parent_said = if cfg!(unix) {
        parent.to_string()
    } else {
        "unknown on this OS".to_string()
    };
    assert!(
        hello.ends_with(&format!("my parent is pid {parent_said}")),
        "{hello}"
    );
    assert!(
        !hello.contains(&format!("(pid {parent})")),
        "the child is another process: {hello}"
    );
    // std prints "exit status: 0" on Unix, "exit code: 0" on Windows.
    assert!(text.contains("main joined greeter: exit "), "{text}");
    assert!(text.contains(": 0\n"), "{text}");

    let output = common::run(LESSON03, &["--crash"]);
    assert_eq!(output.status.code(), Some(1));
    assert!(
        stdout(&output).contains("Process-1: exit status: 101")
            || stdout(&output).contains("Process-1: exit code: 101"),
        "{}",
        stdout(&output)
    );
    assert!(
        stderr(&output).contains("Process-1 crashes on purpose"),
        "{}",
        stderr(&output)
    );
}

/// Pids of the running processes whose executable is `binary` and that descend from
/// `root` (Linux: /proc/*/exe and the parent pid in /proc/*/stat). Other tests may run
/// the same binary at the same time; they are not counted.
#[cfg(target_os = "linux")]
fn processes_of(binary: &std::path::Path, root: u32) -> HashSet<u32> {
    let Ok(entries) = std::fs::read_dir("/proc") else {
        return HashSet::new();
    };
    let candidates: Vec<(u32, u32)> = entries
        .filter_map(Result::ok)
        .filter_map(|entry| {
            let pid: u32 = entry.file_name().to_str()?.parse().ok()?;
            if std::fs::read_link(entry.path().join("exe")).ok()? != binary {
                return None;
            }
            // stat: "pid (name) state ppid ..."; the name may hold spaces, so split after ')'.
            let stat = std::fs::read_to_string(entry.path().join("stat")).ok()?;
            let ppid = stat
                .rsplit_once(')')?
                .1
                .split_whitespace()
                .nth(1)?
                .parse()
                .ok()?;
            Some((pid, ppid))
        })
        .collect();
    let mut family = HashSet::from([root]);
    loop {
        let children: Vec<u32> = candidates
            .iter()
            .filter(|(pid, ppid)| family.contains(ppid) && !family.contains(pid))
            .map(|(pid, _)| *pid)
            .collect();
        if children.is_empty() {
            // The root itself counts only while it is there.
            family.retain(|pid| *pid != root || candidates.iter().any(|(p, _)| p == pid));
            return family;
        }
        family.extend(children);
    }
}

#[cfg(target_os = "linux")]
#[test]
fn lesson08_unguarded_chain_never_exceeds_its_cap() {
    use std::time::Duration;
    let binary = std::fs::canonicalize(LESSON08).expect("the binary exists");
    // Without the lab (which is this same binary too): only the chain is counted.
    let mut child = std::process::Command::new(&binary)
        .arg("--without-guard")
        .env(workbook::lab::WATCHED, "1")
        .stdout(std::process::Stdio::piped())
        .spawn()
        .expect("lesson08 starts");
    // Watch the process table while it runs.
    let (mut seen, mut most_at_once) = (HashSet::new(), 0);
    while child.try_wait().expect("try_wait").is_none() {
        let now = processes_of(&binary, child.id());
        most_at_once = most_at_once.max(now.len());
        seen.extend(now);
        std::thread::sleep(Duration::from_micros(500));
    }
    let output = child.wait_with_output().expect("output");
    let text = stdout(&output);
    assert!(output.status.success(), "{text}");
    // The watcher must have seen the chain at all, or the limits below prove nothing.
    assert!(
        seen.len() >= 2,
        "the process table never showed the chain: {seen:?}"
    );
    assert!(
        most_at_once <= 4,
        "{most_at_once} lesson08 processes at once: more than 1 + MAX_GENERATIONS"
    );
    assert!(
        seen.len() <= 4,
        "{} lesson08 processes in all: {seen:?}",
        seen.len()
    );
    assert!(
        text.contains("generation 3 (pid") && text.contains("the cap stops the chain here"),
        "{text}"
    );
    assert!(!text.contains("generation 4"), "{text}");
    assert_eq!(text.matches("doing the work").count(), 3, "{text}");
}

#[test]
fn lesson08_a_generation_from_the_command_line_is_bounded() {
    // The cap holds whatever number a caller gives: the chain stops at once.
    let output = common::run(LESSON08, &["--without-guard", "--generation", "4294967295"]);
    let text = stdout(&output);
    assert!(output.status.success(), "{text}");
    assert_eq!(text.lines().count(), 1, "{text}");
    assert!(text.contains("the cap stops the chain here"), "{text}");
}

#[test]
fn lesson08_with_the_guard_makes_two_processes() {
    let output = common::run(LESSON08, &[]);
    let text = stdout(&output);
    assert!(output.status.success(), "{text}");
    // The guarded part: one worker, another process, that did the work once.
    let guarded = text.split("Without the guard").next().unwrap_or_default();
    let parent: u32 = guarded
        .split("With the guard: pid ")
        .nth(1)
        .and_then(|rest| rest.split_whitespace().next())
        .and_then(|pid| pid.parse().ok())
        .expect("the parent's pid");
    let worker_lines: Vec<&str> = guarded
        .lines()
        .filter(|line| line.contains("doing the work"))
        .collect();
    assert_eq!(worker_lines.len(), 1, "{text}");
    assert!(
        !worker_lines[0].contains(&format!("pid {parent}:")),
        "the work ran in another process: {text}"
    );
    assert!(text.contains("2 processes, as intended"), "{text}");
}

#[test]
fn lesson10_measures_three_kinds_of_work_four_ways() {
    let place = common::Place::new();
    let output = place.watch(LESSON10, &["--latency-ms", "100", "--jobs", "4"]);
    let text = stdout(&output);
    assert!(output.status.success(), "{text}{}", stderr(&output));
    for row in ["tiny: i * 2", "computing: primes", "waiting: download"] {
        let line = text
            .lines()
            .find(|line| line.starts_with(row))
            .unwrap_or_else(|| panic!("no row {row}: {text}"));
        assert_eq!(line.matches('|').count(), 4, "{line}");
    }
    // From the server: 4 downloads for each of the four ways, each picture whole;
    // one thread or process per job puts all 4 in flight at once.
    let record = place.record();
    assert_eq!(record.requests.len(), 16);
    assert_eq!(record.whole_pictures(), 4);
    assert_eq!(record.most_in_flight(), 4);
    if cfg!(target_os = "linux") {
        // The processes way: one child per job of each kind that ran in processes.
        assert!(record.processes.len() > 4, "{:?}", record.processes);
    }
}

const LESSON13: &str = env!("CARGO_BIN_EXE_lesson13");

#[test]
fn lesson13_runs_its_five_ways_of_losing_and_fits_a_serial_share() {
    let output = common::run(LESSON13, &["--unit-ms", "2"]);
    let text = stdout(&output);
    assert!(output.status.success(), "{text}{}", stderr(&output));
    for part in [
        "1. Too small to split",
        "2. A lock held while working",
        "3. Uneven work",
        "4. Too many workers",
        "5. Amdahl",
    ] {
        assert!(text.contains(part), "{part}: {text}");
    }
    // Behaviour, not speed: a share between 0 and 1 is fitted (or one CPU says why not).
    let fitted = text
        .split("fitted serial share s = ")
        .nth(1)
        .and_then(|rest| rest.split_whitespace().next())
        .and_then(|share| share.parse::<f64>().ok());
    match fitted {
        Some(share) => assert!((0.0..=1.0).contains(&share), "{text}"),
        None => assert!(text.contains("one CPU"), "{text}"),
    }
}
