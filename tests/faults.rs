//! Faults and bad input, driven from outside against the built binaries: nothing lost,
//! every failure explained, no hang, no partial file, no orphan.

mod common;
use common::{FaultyServer, files_in, stderr, stdout};

const LESSON04: &str = env!("CARGO_BIN_EXE_lesson04");

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
