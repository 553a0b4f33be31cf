//! Lesson 04 end to end: the real binary, real sockets, real files.

use std::process::{Command, Output};

mod common;
use common::{files_in as jpegs_in, stdout};

fn lesson04(args: &[&str]) -> Output {
    common::run(env!("CARGO_BIN_EXE_lesson04"), args)
}

#[test]
fn downloads_five_complete_pictures_with_five_requests() {
    let out = tempfile::tempdir().expect("tempdir");
    let output = lesson04(&["--latency-ms", "20", "--out", &out.path().to_string_lossy()]);
    let text = stdout(&output);
    assert!(
        output.status.success(),
        "{text}\n{}",
        String::from_utf8_lossy(&output.stderr)
    );

    let files = jpegs_in(out.path());
    let names: Vec<&str> = files.iter().map(|(name, _)| name.as_str()).collect();
    assert_eq!(names, ["0.jpg", "1.jpg", "2.jpg", "3.jpg", "4.jpg"]);
    for (name, bytes) in &files {
        assert_eq!(
            workbook::jpeg::size(bytes),
            Some((200, 3000)),
            "{name} is not a whole 200x3000 JPEG"
        );
    }
    assert!(text.contains("5 files, 5 downloads, 5 requests"), "{text}");
    // Output to a pipe has no color codes.
    assert!(!text.contains('\u{1b}'), "escape codes in piped output");
}

#[test]
fn sequential_downloads_do_not_overlap() {
    let out = tempfile::tempdir().expect("tempdir");
    let output = lesson04(&[
        "--latency-ms",
        "20",
        "--count",
        "3",
        "--out",
        &out.path().to_string_lossy(),
    ]);
    let text = stdout(&output);
    // The event lines: "  0.123s  pid ...  file N  start|saved ...". Each download
    // must start no earlier than the previous one was saved.
    let times: Vec<(f64, &str)> = text
        .lines()
        .filter(|line| line.contains(" start ") || line.contains(" saved "))
        .map(|line| {
            let seconds = line
                .trim_start()
                .split('s')
                .next()
                .expect("time")
                .parse()
                .expect("seconds");
            (
                seconds,
                if line.contains(" start ") {
                    "start"
                } else {
                    "saved"
                },
            )
        })
        .collect();
    let kinds: Vec<&str> = times.iter().map(|t| t.1).collect();
    assert_eq!(
        kinds,
        ["start", "saved", "start", "saved", "start", "saved"],
        "{text}"
    );
    assert!(
        times.windows(2).all(|pair| pair[0].0 <= pair[1].0),
        "{text}"
    );
}

#[test]
fn no_color_when_asked_even_in_a_terminal_like_run() {
    let out = tempfile::tempdir().expect("tempdir");
    let output = Command::new(env!("CARGO_BIN_EXE_lesson04"))
        .args([
            "--latency-ms",
            "0",
            "--count",
            "1",
            "--out",
            &out.path().to_string_lossy(),
        ])
        .env("NO_COLOR", "1")
        .output()
        .expect("runs");
    assert!(output.status.success());
    assert!(!stdout(&output).contains('\u{1b}'));
}

#[test]
fn a_closed_port_fails_clearly_and_writes_nothing() {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("free port")
        .port();
    let url = format!("http://127.0.0.1:{port}/200/3000");
    let out = tempfile::tempdir().expect("tempdir");
    let output = lesson04(&[
        "--url",
        &url,
        "--count",
        "2",
        "--out",
        &out.path().to_string_lossy(),
    ]);
    assert_eq!(output.status.code(), Some(1));
    let text = stdout(&output);
    assert!(
        text.contains(&url) && text.contains("cannot connect"),
        "{text}"
    );
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(stderr.trim().lines().count(), 1, "not one line: {stderr}");
    assert!(
        stderr.contains("0 of 2 pictures arrived: 2 failed"),
        "{stderr}"
    );
    assert!(jpegs_in(out.path()).is_empty());
}

#[test]
fn an_out_path_that_is_a_file_is_refused_before_downloading() {
    let file = tempfile::NamedTempFile::new().expect("file");
    let output = lesson04(&["--out", &file.path().to_string_lossy()]);
    assert_eq!(output.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&output.stderr).contains("is not a folder"));
    assert!(!stdout(&output).contains("start"), "a download started");

    let below_a_file = file.path().join("pictures");
    let output = lesson04(&["--out", &below_a_file.to_string_lossy()]);
    assert_eq!(output.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&output.stderr).contains("cannot create the folder"));
}

#[test]
fn bad_arguments_are_usage_errors_with_status_2() {
    for bad in [
        &["--count", "0"][..],
        &["--count", "-1"],
        &["--latency-ms", "abc"],
        &["--url", "not-a-url"],
    ] {
        let output = lesson04(bad);
        assert_eq!(output.status.code(), Some(2), "{bad:?}");
        assert!(stdout(&output).is_empty(), "{bad:?} started something");
    }
}

#[test]
fn help_names_the_lesson_and_its_arguments() {
    let output = lesson04(&["--help"]);
    assert!(output.status.success());
    let help = stdout(&output);
    assert!(help.contains("Lesson 04") && help.contains("--url") && help.contains("--latency-ms"));
}

#[test]
fn works_against_a_static_server_it_did_not_write() {
    let Some(served) = common::serve_a_picture() else {
        return;
    };
    let out = tempfile::tempdir().expect("tempdir");
    let output = lesson04(&["--url", &served.url, "--out", &out.path().to_string_lossy()]);
    assert!(output.status.success(), "{}", stdout(&output));
    let files = jpegs_in(out.path());
    assert_eq!(files.len(), 5);
    for (name, bytes) in &files {
        assert_eq!(bytes, &served.bytes, "{name} differs from what was served");
    }
    assert_eq!(
        served.server.requests_for("/picture.jpg"),
        5,
        "one request per file"
    );

    // And a 404 from that server: clear error, no file.
    let out = tempfile::tempdir().expect("tempdir");
    let missing = served.url.replace("picture.jpg", "missing.jpg");
    let output = lesson04(&[
        "--url",
        &missing,
        "--count",
        "1",
        "--out",
        &out.path().to_string_lossy(),
    ]);
    assert_eq!(output.status.code(), Some(1));
    assert!(stdout(&output).contains("404"), "{}", stdout(&output));
    assert!(jpegs_in(out.path()).is_empty());
}
