//! Lesson 12 end to end, as the lab's record saw it: each way brings every picture,
//! whole, in a run of its own; the bounds hold; a failed download is counted with its
//! reason; a run that brings nothing fails. Behaviour only, never speed.

use crate::common;
use common::{Place, stderr, stdout};

const LESSON12: &str = env!("CARGO_BIN_EXE_lesson12");

#[test]
fn each_way_runs_on_its_own_and_brings_every_picture_whole() {
    let place = Place::new();
    let output = place.watch(
        LESSON12,
        // Eight processes at once, not 24: 24 debug builds starting together on two
        // CPUs can keep the lab from looking at the tree for longer than a download
        // lasts (50 ms), and then it cannot name the process of that connection.
        &[
            "--count",
            "24",
            "--latency-ms",
            "50",
            "--rayon-count",
            "4",
            "--max-at-once",
            "8",
        ],
    );
    let text = stdout(&output);
    assert!(output.status.success(), "{text}{}", stderr(&output));
    let record = place.record();
    let ways: Vec<&str> = record
        .ways
        .iter()
        .map(|run| run.program.last().map_or("", String::as_str))
        .collect();
    assert_eq!(ways, ["async", "threads", "pool", "processes", "rayon"]);
    for run in &record.ways {
        let expected = if run.program.last().is_some_and(|way| way == "rayon") {
            4
        } else {
            24
        };
        assert!(run.exit.success(), "{:?}", run.program);
        assert_eq!(run.requests.len(), expected, "{:?}", run.program);
        assert_eq!(run.whole_pictures(), expected, "{:?}", run.program);
        assert!(run.broken_files().is_empty(), "{:?}", run.files);
        assert!(run.requests.iter().all(|r| r.target.ends_with("/200/300")));
    }
    if cfg!(target_os = "linux") {
        // Measured apart: each way's tree has a CPU time and a peak of its own.
        assert!(record.ways.iter().all(|run| run.peak_memory.is_some()));
        assert!(record.ways.iter().all(|run| run.cpu.is_some()));
        // The lab found which process held every connection, in every way.
        for run in &record.ways {
            let unknown = run.requests.iter().filter(|r| r.pid.is_none()).count();
            assert_eq!(unknown, 0, "{:?}: {:?}", run.program, run.requests);
        }
    }
}

#[test]
fn async_and_processes_keep_to_max_at_once() {
    // Under Wine a process takes about 0.17 s to start: downloads must last longer
    // than that for three processes to be downloading at once.
    let latency = if cfg!(windows) { "1500" } else { "100" };
    for (way, bound) in [("async", 6), ("processes", 3)] {
        let place = Place::new();
        let output = place.watch(
            LESSON12,
            &[
                "--mode",
                way,
                "--count",
                "18",
                "--latency-ms",
                latency,
                "--max-at-once",
                &bound.to_string(),
            ],
        );
        let text = stdout(&output);
        assert!(output.status.success(), "{way}: {text}{}", stderr(&output));
        let record = place.record();
        assert!(record.ways.is_empty(), "--mode names one way: one run");
        assert_eq!(record.requests.len(), 18, "{way}: {text}");
        // The bound is reached and never passed: 18 downloads that each wait for
        // the latency cannot all have waited for each other.
        assert_eq!(record.most_in_flight(), bound, "{way}: {text}");
        assert_eq!(record.whole_pictures(), 18);
        if cfg!(target_os = "linux") && way == "processes" {
            // Each download came from a child, never from the program itself.
            let program = record.processes[0].pid;
            let known: Vec<u32> = record.requests.iter().filter_map(|r| r.pid).collect();
            assert!(!known.is_empty(), "{:?}", record.requests);
            assert!(known.iter().all(|&pid| pid != program), "{known:?}");
        }
    }
}

#[test]
fn a_failed_download_is_counted_with_its_reason() {
    let place = Place::new();
    let output = place.watch(
        LESSON12,
        &[
            "--mode",
            "async",
            "--count",
            "10",
            "--latency-ms",
            "20",
            "--fault",
            "3:503",
            "--fault",
            "7:503",
        ],
    );
    let (text, errors) = (stdout(&output), stderr(&output));
    assert_eq!(output.status.code(), Some(1), "{text}{errors}");
    assert!(text.contains("async: 8 of 10 pictures saved"), "{text}");
    assert!(
        text.lines()
            .any(|line| line.starts_with("  2 x ") && line.contains("503")),
        "{text}"
    );
    assert!(errors.contains("not every picture arrived"), "{errors}");
    // Eight whole pictures, and nothing at all for the two that failed.
    let record = place.record();
    assert_eq!(record.requests.len(), 10);
    assert_eq!(record.whole_pictures(), 8);
    assert_eq!(record.files.len(), 8, "{:?}", record.files);
}

#[test]
fn a_run_that_brings_nothing_fails() {
    // Port 1 on this machine: nothing listens, every connection is refused.
    let place = Place::new();
    let output = place.watch(
        LESSON12,
        &[
            "--mode",
            "threads",
            "--count",
            "3",
            "--url",
            "http://127.0.0.1:1/200/300",
        ],
    );
    let text = stdout(&output);
    assert_eq!(output.status.code(), Some(1), "{text}{}", stderr(&output));
    assert!(text.contains("threads: 0 of 3 pictures saved"), "{text}");
    assert!(text.contains("3 x "), "{text}");
    assert_eq!(place.record().whole_pictures(), 0);
}

/// Issue 24, item 2: under a low open-files limit the lab says how many at once fit,
/// and with those bounds the bounded ways bring every picture.
#[cfg(target_os = "linux")]
#[test]
fn a_low_open_files_limit_is_told_how_many_fit() {
    use std::process::Command;
    use std::time::Duration;
    let place = Place::new();
    let mut command = Command::new("bash");
    command
        .args(["-c", "ulimit -n 64; exec \"$0\" \"$@\"", LESSON12])
        .args(["--latency-ms", "0", "--count", "100", "--out"])
        .arg(place.out());
    let text = stdout(&common::output_within(command, Duration::from_secs(120)));
    let fit = "Fewer at once fit: --max-at-once 24 --workers 24";
    assert!(
        text.contains("open files are limited to 64") && text.contains(fit),
        "{text}"
    );
    for way in ["async", "pool", "processes"] {
        let place = Place::new();
        let mut command = Command::new("bash");
        command
            .args(["-c", "ulimit -n 64; exec \"$0\" \"$@\"", LESSON12])
            .args(["--latency-ms", "0", "--count", "100", "--mode", way])
            .args(["--max-at-once", "24", "--workers", "24", "--out"])
            .arg(place.out());
        let output = common::output_within(command, Duration::from_secs(120));
        assert!(output.status.success(), "{way}: {}", stdout(&output));
        common::assert_complete_pictures_of(place.out(), 100, (200, 300));
    }
}

#[test]
fn more_workers_than_pictures_start_no_idle_threads() {
    // Issue: 10,000 workers for 5 pictures were 10,000 threads, most with nothing to
    // do. The pool starts no more workers than pictures.
    let place = Place::new();
    let output = place.watch(
        LESSON12,
        &[
            "--mode",
            "pool",
            "--count",
            "5",
            "--workers",
            "10000",
            "--latency-ms",
            "20",
        ],
    );
    let text = stdout(&output);
    assert!(output.status.success(), "{text}{}", stderr(&output));
    let record = place.record();
    assert_eq!(record.whole_pictures(), 5);
    assert_eq!(record.most_in_flight(), 5);
}

#[test]
fn a_trace_of_every_way_at_once_is_refused_before_anything_runs() {
    let place = Place::new();
    let trace = place.beside_record("trace.json");
    let output = std::process::Command::new(LESSON12)
        .args(["--count", "3", "--trace"])
        .arg(&trace)
        .arg("--out")
        .arg(place.out())
        .output()
        .expect("lesson12 runs");
    assert_eq!(output.status.code(), Some(1));
    assert!(
        stderr(&output).contains("a trace shows one run"),
        "{}",
        stderr(&output)
    );
    assert!(!trace.exists());
    assert_eq!(
        std::fs::read_dir(place.out()).expect("the folder").count(),
        0
    );
}

#[cfg(target_os = "linux")]
#[test]
fn a_killed_child_is_named_with_its_picture() {
    use std::process::{Command, Stdio};
    use std::time::{Duration, Instant};
    let place = Place::new();
    let lab = Command::new(LESSON12)
        .args([
            "--mode",
            "processes",
            "--count",
            "2",
            "--latency-ms",
            "3000",
        ])
        .arg("--out")
        .arg(place.out())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("lesson12 starts");
    // The lab, the program below it, and the program's two children.
    let deadline = Instant::now() + Duration::from_secs(20);
    let child = loop {
        let all = workbook::lab::tree::all_processes();
        let tree = workbook::lab::tree::below(lab.id(), &all);
        let children: Vec<u32> = tree
            .iter()
            .filter(|stat| stat.parent != lab.id())
            .map(|stat| stat.pid)
            .collect();
        if children.len() == 2 {
            break children[0];
        }
        assert!(Instant::now() < deadline, "the children never started");
        std::thread::sleep(Duration::from_millis(10));
    };
    std::thread::sleep(Duration::from_millis(200)); // it has sent its request
    let killed = Command::new("kill")
        .args(["-9", &child.to_string()])
        .status()
        .expect("kill");
    assert!(killed.success());
    let output = lab.wait_with_output().expect("lesson12 ends");
    let text = stdout(&output);
    assert_eq!(output.status.code(), Some(1), "{text}{}", stderr(&output));
    assert!(text.contains("processes: 1 of 2 pictures saved"), "{text}");
    assert!(
        text.contains("1 x its process ended with signal 9 (SIGKILL)"),
        "{text}"
    );
    assert!(
        text.contains(".jpg: its process ended with signal 9"),
        "{text}"
    );
}
