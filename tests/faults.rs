//! Faults and bad input, driven from outside against the built binaries: nothing lost,
//! every failure explained, no hang, no partial file, no orphan.

#[cfg(target_os = "linux")]
use std::collections::HashSet;
#[cfg(unix)]
use std::io::{BufRead, BufReader};
use std::process::Command;
#[cfg(unix)]
use std::process::{Child, Stdio};
use std::time::Duration;

mod common;
use common::{FaultyServer, files_in, stderr, stdout};

const LESSON04: &str = env!("CARGO_BIN_EXE_lesson04");
const LESSON06: &str = env!("CARGO_BIN_EXE_lesson06");

/// The FAILED lines of a run, and checks that each names its file, whose start line
/// names the URL.
fn failed_lines(text: &str, url_part: &str) -> Vec<String> {
    let lines: Vec<String> = text
        .lines()
        .filter(|line| line.contains("FAILED"))
        .map(str::to_string)
        .collect();
    for line in &lines {
        // The FAILED line names the file; the start line of that file names the URL.
        assert!(line.contains(" file "), "no file in {line}");
        assert!(
            text.lines()
                .any(|start| start.contains(" start ") && start.contains(url_part)),
            "no start line with the URL for {line}"
        );
    }
    lines
}

#[test]
fn http_errors_resets_and_cut_bodies_lose_only_their_own_file() {
    // Requests 2, 3, 4 and 5 fail four different ways; 1 and 6 succeed.
    let server = FaultyServer::start(10, &["2:404", "3:503", "4:reset", "5:truncate"]);
    let out = tempfile::tempdir().expect("tempdir");
    let output = common::run_into(
        LESSON04,
        out.path(),
        &["--url", &server.url, "--count", "6"],
    );
    let text = stdout(&output);
    assert_eq!(output.status.code(), Some(1), "{text}");
    let failed = failed_lines(&text, &server.url);
    assert_eq!(failed.len(), 4, "{text}");
    let whole = common::picture_bytes();
    assert!(
        failed[0].contains("404") && failed[1].contains("503"),
        "{failed:?}"
    );
    assert!(
        failed[2].contains(&format!("cut off after 0 of {whole} bytes")),
        "{failed:?}"
    );
    assert!(
        failed[3].contains(&format!("cut off after {} of {whole} bytes", whole / 2)),
        "{failed:?}"
    );
    assert!(
        text.contains("2 of 6 files, 6 downloads, 4 failed"),
        "{text}"
    );
    let names: Vec<String> = files_in(out.path())
        .into_iter()
        .map(|(name, _)| name)
        .collect();
    assert_eq!(
        names,
        ["0.jpg", "5.jpg"],
        "only the good downloads, and no partial file"
    );
    let error = stderr(&output);
    assert_eq!(error.trim().lines().count(), 1, "one line: {error}");
    assert!(
        error.contains("2 of 6 pictures arrived: 4 failed"),
        "{error}"
    );
}

#[test]
fn a_stalled_server_times_out_in_every_process() {
    let server = FaultyServer::start(0, &["1:stall", "2:stall"]);
    let out = tempfile::tempdir().expect("tempdir");
    let mut command = Command::new(LESSON06);
    command.arg("--out").arg(out.path()).args([
        "--url",
        &server.url,
        "--count",
        "3",
        "--timeout-secs",
        "1",
    ]);
    // Three 1 s timeouts at once: well within 20 s, or it hangs.
    let output = common::output_within(command, Duration::from_secs(20));
    let text = stdout(&output);
    assert_eq!(output.status.code(), Some(1), "{text}");
    let failed = failed_lines(&text, &server.url);
    assert_eq!(failed.len(), 2, "{text}");
    assert!(
        failed
            .iter()
            .all(|line| line.contains("no complete answer within 1 s")),
        "{failed:?}"
    );
    assert_eq!(
        files_in(out.path()).len(),
        1,
        "the third download went on and arrived"
    );
}

#[test]
fn a_trickling_server_times_out_mid_body_and_leaves_nothing() {
    let server = FaultyServer::start(0, &["1:trickle"]);
    let out = tempfile::tempdir().expect("tempdir");
    let output = common::run_into(
        LESSON04,
        out.path(),
        &["--url", &server.url, "--count", "1", "--timeout-secs", "1"],
    );
    assert_eq!(output.status.code(), Some(1));
    assert!(
        stdout(&output).contains("no complete answer within 1 s"),
        "{}",
        stdout(&output)
    );
    assert!(files_in(out.path()).is_empty());
}

/// Starts lesson06 (processes) against a slow server and returns it with its output,
/// once every child has reported its start: (the lesson, the pids of its children).
#[cfg(unix)]
fn lesson06_under_way(
    out: &std::path::Path,
) -> (
    Child,
    std::io::Lines<BufReader<std::process::ChildStdout>>,
    Vec<u32>,
) {
    let mut lesson = Command::new(LESSON06)
        .args(["--latency-ms", "3000", "--no-compare", "--out"])
        .arg(out)
        .env("NO_COLOR", "1")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("lesson06 starts");
    let mut lines = BufReader::new(lesson.stdout.take().expect("stdout")).lines();
    let mut pids = Vec::new();
    while pids.len() < 5 {
        let line = lines.next().expect("output goes on").expect("a line");
        if line.contains(" start ") {
            let pid = line
                .split_whitespace()
                .nth(2)
                .and_then(|pid| pid.parse().ok())
                .expect("a pid");
            pids.push(pid);
        }
    }
    (lesson, lines, pids)
}

#[cfg(unix)]
fn signal(signal: &str, pid: u32) {
    let status = Command::new("kill")
        .args([signal, &pid.to_string()])
        .status()
        .expect("kill runs");
    assert!(status.success(), "kill {signal} {pid}");
}

#[cfg(target_os = "linux")]
fn is_running(pid: u32) -> bool {
    // A zombie is not running; /proc/<pid>/stat's third field is its state.
    std::fs::read_to_string(format!("/proc/{pid}/stat"))
        .ok()
        .and_then(|stat| {
            stat.rsplit_once(')')
                .map(|(_, rest)| !rest.trim_start().starts_with('Z'))
        })
        .unwrap_or(false)
}

#[cfg(unix)]
#[test]
fn a_child_killed_mid_download_is_reported_and_the_others_finish() {
    let out = tempfile::tempdir().expect("tempdir");
    let (mut lesson, lines, pids) = lesson06_under_way(out.path());
    signal("-KILL", pids[1]);
    let rest: Vec<String> = lines.map_while(Result::ok).collect();
    let status = lesson.wait().expect("the lesson ends: it does not hang");
    let text = rest.join("\n");
    assert_eq!(status.code(), Some(1), "{text}");
    assert!(
        text.contains(&format!(
            "(pid {}) was killed by signal 9 (SIGKILL)",
            pids[1]
        )),
        "{text}"
    );
    assert!(
        text.contains("4 of 5 files, 5 downloads, 1 never finished"),
        "{text}"
    );
    assert_eq!(
        files_in(out.path()).len(),
        4,
        "four pictures and no partial file"
    );
}

#[cfg(target_os = "linux")]
#[test]
fn ctrl_c_stops_the_children_and_leaves_no_orphan_or_partial_file() {
    let out = tempfile::tempdir().expect("tempdir");
    let (mut lesson, _lines, pids) = lesson06_under_way(out.path());
    // Only the parent gets the signal, as with `kill -INT`: it must stop its children.
    signal("-INT", lesson.id());
    let status = lesson.wait().expect("the lesson ends");
    assert_eq!(
        status.code(),
        Some(130),
        "the exit status says: interrupted"
    );
    let mut message = String::new();
    if let Some(mut err) = lesson.stderr.take() {
        use std::io::Read;
        let _ = err.read_to_string(&mut message);
    }
    assert!(
        message.contains("interrupted: stopped 5 child processes"),
        "{message}"
    );
    let running: HashSet<u32> = pids
        .iter()
        .copied()
        .filter(|pid| is_running(*pid))
        .collect();
    assert!(running.is_empty(), "orphans left running: {running:?}");
    assert!(
        files_in(out.path()).is_empty(),
        "no picture and no partial file"
    );
}

#[test]
fn bad_arguments_are_usage_errors_and_start_nothing() {
    for bad in [
        &["--count", "0"][..],
        &["--count", "-1"],
        &["--count", "1000000"],
        &["--url", "not-a-url"],
        &["--latency-ms", "abc"],
        &["--timeout-secs", "0"],
        &["--mode", "fibers"],
        &["--no-such-option"],
    ] {
        let output = common::run(LESSON06, bad);
        assert_eq!(output.status.code(), Some(2), "{bad:?}");
        assert!(stdout(&output).is_empty(), "{bad:?} started something");
        assert!(
            stderr(&output).contains("error:"),
            "{bad:?}: {}",
            stderr(&output)
        );
    }
}

#[test]
fn an_unusable_out_folder_is_refused_before_any_download() {
    let file = tempfile::NamedTempFile::new().expect("file");
    for (out, why) in [
        (file.path().to_path_buf(), "is not a folder"),
        (file.path().join("below-a-file"), "cannot create the folder"),
    ] {
        let output = common::run_into(LESSON06, &out, &[]);
        assert_eq!(output.status.code(), Some(1));
        assert!(stderr(&output).contains(why), "{}", stderr(&output));
        assert!(!stdout(&output).contains("start"), "a download started");
    }
}

#[test]
fn a_failing_write_is_a_clear_error_with_nothing_partial() {
    // The finished temporary file cannot be renamed onto 0.jpg, because 0.jpg is a
    // folder that is not empty: the write fails at its last step, as it would on a
    // full or read-only disk, and must leave nothing behind.
    let out = tempfile::tempdir().expect("tempdir");
    let server = FaultyServer::start(0, &[]);
    // 0.jpg is a folder: the rename of the finished temporary file onto it fails.
    std::fs::create_dir(out.path().join("0.jpg")).expect("a folder named 0.jpg");
    std::fs::write(out.path().join("0.jpg").join("keep"), b"x").expect("non-empty");
    let output = common::run_into(
        LESSON04,
        out.path(),
        &["--url", &server.url, "--count", "2"],
    );
    let text = stdout(&output);
    assert_eq!(output.status.code(), Some(1), "{text}");
    assert!(
        text.contains("FAILED cannot write") && text.contains("0.jpg"),
        "{text}"
    );
    let names: Vec<String> = files_in(out.path())
        .into_iter()
        .map(|(name, _)| name)
        .collect();
    assert_eq!(names, ["1.jpg"], "no temporary file left beside it");
}
