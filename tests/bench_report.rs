//! The bench-report binary on criterion-shaped folders made by the test: real files in
//! the layout criterion writes, with numbers chosen so the expected ratios are known.

use std::path::Path;
use std::process::{Command, Output};

fn write_case(root: &Path, group: &str, variant: &str, size: &str, which: &str, median_ns: f64) {
    let folder = root.join(group).join(variant).join(size).join(which);
    std::fs::create_dir_all(&folder).expect("folder");
    let benchmark = format!(
        r#"{{"group_id":"{group}","function_id":"{variant}","value_str":"{size}","throughput":null,"full_id":"{group}/{variant}/{size}","directory_name":"{group}/{variant}/{size}","title":"{group}/{variant}/{size}"}}"#
    );
    std::fs::write(folder.join("benchmark.json"), benchmark).expect("write");
    let estimate = |value: f64| {
        format!(
            r#"{{"confidence_interval":{{"confidence_level":0.95,"lower_bound":{},"upper_bound":{}}},"point_estimate":{value},"standard_error":1.0}}"#,
            value * 0.99,
            value * 1.01
        )
    };
    let estimates = format!(
        r#"{{"mean":{},"median":{}}}"#,
        estimate(median_ns),
        estimate(median_ns)
    );
    std::fs::write(folder.join("estimates.json"), estimates).expect("write");
}

fn report(dir: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_bench-report"))
        .arg("--dir")
        .arg(dir)
        .args(args)
        .output()
        .expect("bench-report runs")
}

#[test]
fn a_table_per_lesson_with_speedups_over_sequential() {
    let dir = tempfile::tempdir().expect("tempdir");
    write_case(
        dir.path(),
        "lesson06 (20 ms)",
        "sequential",
        "5",
        "new",
        100e6,
    );
    write_case(
        dir.path(),
        "lesson06 (20 ms)",
        "processes",
        "5",
        "new",
        25e6,
    );
    write_case(dir.path(), "lesson06 (20 ms)", "threads", "16", "new", 40e6);
    write_case(dir.path(), "lesson01", "thread start+join", "", "new", 60e3);
    let output = report(dir.path(), &[]);
    let text = String::from_utf8_lossy(&output.stdout);
    assert!(output.status.success(), "{text}");
    assert!(
        text.contains("lesson01") && text.contains("lesson06 (20 ms)"),
        "{text}"
    );
    let processes = text
        .lines()
        .find(|l| l.contains("processes"))
        .expect("processes row");
    assert!(
        processes.contains("25.00 ms") && processes.contains("4.00x"),
        "{processes}"
    );
    let threads = text
        .lines()
        .find(|l| l.contains("threads"))
        .expect("threads row");
    assert!(
        !threads.contains('x'),
        "no sequential of size 16, so no speedup: {threads}"
    );
    assert!(text.contains("60.0 µs"), "{text}");

    let markdown = report(dir.path(), &["--markdown", "--lesson", "lesson06"]);
    let markdown = String::from_utf8_lossy(&markdown.stdout);
    assert!(
        markdown.contains("| processes | 5 | 25.00 ms |"),
        "{markdown}"
    );
    assert!(
        !markdown.contains("lesson01"),
        "--lesson filters: {markdown}"
    );
}

#[test]
fn a_baseline_shows_the_change() {
    let dir = tempfile::tempdir().expect("tempdir");
    write_case(
        dir.path(),
        "lesson06 (20 ms)",
        "threads",
        "5",
        "before",
        30e6,
    );
    write_case(dir.path(), "lesson06 (20 ms)", "threads", "5", "new", 45e6);
    let output = report(dir.path(), &["--baseline", "before"]);
    let text = String::from_utf8_lossy(&output.stdout);
    assert!(output.status.success(), "{text}");
    let row = text.lines().find(|l| l.contains("threads")).expect("row");
    assert!(row.contains("30.00 ms") && row.contains("+50.0%"), "{row}");

    let missing = report(dir.path(), &["--baseline", "nope"]);
    assert!(!missing.status.success());
    assert!(String::from_utf8_lossy(&missing.stderr).contains("no baseline named \"nope\""));
}

#[test]
fn nothing_to_report_says_what_to_do() {
    let dir = tempfile::tempdir().expect("tempdir");
    let output = report(dir.path(), &[]);
    assert_eq!(output.status.code(), Some(1));
    let message = String::from_utf8_lossy(&output.stderr);
    assert!(
        message.contains("no benchmark results") && message.contains("cargo bench"),
        "{message}"
    );
}

#[test]
fn partial_results_are_skipped_not_fatal() {
    let dir = tempfile::tempdir().expect("tempdir");
    write_case(
        dir.path(),
        "lesson04 (20 ms)",
        "sequential",
        "1",
        "new",
        22e6,
    );
    // An interrupted run: benchmark.json without estimates.json, and a broken file.
    let partial = dir.path().join("lesson04 (20 ms)/sequential/2/new");
    std::fs::create_dir_all(&partial).expect("folder");
    std::fs::write(partial.join("benchmark.json"), "{}").expect("write");
    let broken = dir.path().join("lesson04 (20 ms)/sequential/3/new");
    std::fs::create_dir_all(&broken).expect("folder");
    std::fs::write(broken.join("benchmark.json"), "not json").expect("write");
    let output = report(dir.path(), &[]);
    assert!(output.status.success());
    assert!(String::from_utf8_lossy(&output.stdout).contains("22.00 ms"));
    assert!(String::from_utf8_lossy(&output.stderr).contains("skipped 2"));
}

#[test]
fn book_tables_come_from_the_latest_latency_and_say_so() {
    let dir = tempfile::tempdir().expect("tempdir");
    // A full run at 20 ms, then a quick one at 5 ms (written a moment later).
    write_case(
        dir.path(),
        "lesson04 (20 ms)",
        "sequential",
        "5",
        "new",
        100e6,
    );
    std::thread::sleep(std::time::Duration::from_millis(20));
    write_case(
        dir.path(),
        "lesson04 (5 ms)",
        "sequential",
        "5",
        "new",
        25e6,
    );
    let book = dir.path().join("book");
    let output = report(
        dir.path(),
        &["--book", book.to_str().expect("a UTF-8 path")],
    );
    assert!(output.status.success());
    let table = std::fs::read_to_string(book.join("lesson04.md")).expect("a table is written");
    assert!(
        table.contains("lesson04 (5 ms)") && table.contains("25.00 ms"),
        "{table}"
    );
    assert!(
        !table.contains("100.00 ms"),
        "never a mix of latencies: {table}"
    );
    assert!(
        String::from_utf8_lossy(&output.stderr)
            .contains("the book gets the latest, lesson04 (5 ms)")
    );
}

/// A tool whose output is its result stops quietly when its stdout is closed (piped
/// into `head`), and says in one line when it cannot write (a full disk).
#[test]
fn a_closed_or_full_stdout_is_quiet_or_one_line() {
    let dir = tempfile::tempdir().expect("tempdir");
    write_case(
        dir.path(),
        "lesson06 (20 ms)",
        "sequential",
        "5",
        "new",
        1e8,
    );
    let tool = |which: &str| {
        let mut command;
        if which == "bench-report" {
            command = Command::new(env!("CARGO_BIN_EXE_bench-report"));
            command.arg("--dir").arg(dir.path());
        } else {
            command = Command::new(env!("CARGO_BIN_EXE_check"));
            command.arg("--list");
        }
        command
    };
    for which in ["bench-report", "check"] {
        let (reader, writer) = std::io::pipe().expect("a pipe");
        drop(reader);
        let output = tool(which).stdout(writer).output().expect("it runs");
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert_eq!(output.status.code(), Some(0), "{which}: {stderr}");
        assert!(stderr.is_empty(), "{which}: {stderr}");

        #[cfg(target_os = "linux")]
        {
            let full = std::fs::File::create("/dev/full").expect("/dev/full");
            let output = tool(which).stdout(full).output().expect("it runs");
            let stderr = String::from_utf8_lossy(&output.stderr);
            assert_eq!(output.status.code(), Some(1), "{which}: {stderr}");
            assert_eq!(stderr.lines().count(), 1, "{which}: {stderr}");
            assert!(
                stderr.contains("cannot write to stdout"),
                "{which}: {stderr}"
            );
        }
    }
}
