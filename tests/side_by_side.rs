//! The Python originals against the Rust lessons, through the side-by-side binary and
//! the standalone picture server's request log.

use std::process::Command;

fn side_by_side(args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_side-by-side"))
        .args(args)
        .output()
        .expect("side-by-side runs")
}

#[test]
fn python_and_rust_make_the_same_requests() {
    if Command::new("python3").arg("--version").output().is_err() {
        eprintln!("skipped: python3 is not installed");
        return;
    }
    let output = side_by_side(&["--latency-ms", "20", "--count", "2", "--many", "10"]);
    let text = String::from_utf8_lossy(&output.stdout);
    assert!(
        output.status.success(),
        "{text}{}",
        String::from_utf8_lossy(&output.stderr)
    );
    // lesson: Python requests, Rust requests (the last two columns).
    for (lesson, requests) in [
        ("04 sequential", 2),
        ("05 naive", 4),
        ("06 fixed", 2),
        ("07 join omitted", 2),
    ] {
        let row = text
            .lines()
            .find(|line| line.starts_with(lesson))
            .unwrap_or_else(|| panic!("no row {lesson}: {text}"));
        let cells: Vec<&str> = row.split('|').map(str::trim).collect();
        assert_eq!(
            cells[5..],
            [requests.to_string(), requests.to_string()],
            "{row}"
        );
        assert!(
            !cells[1].contains('?') && !cells[2].contains('?'),
            "a time was not found: {row}"
        );
    }
    // Lesson 12's part: each Python way and each Rust way, every picture arriving.
    for way in [
        "ThreadPoolExecutor(10)",
        "ProcessPoolExecutor(64)",
        "asyncio streams",
    ] {
        assert!(
            text.lines()
                .any(|l| l.contains(way) && l.contains("10 of 10 arrived")),
            "{way}: {text}"
        );
    }
    for way in ["async", "threads", "pool", "processes", "rayon"] {
        assert!(
            text.lines()
                .any(|l| l.starts_with(&format!("  Rust    {way} ")) && l.contains(", at most ")),
            "{way}: {text}"
        );
    }
    assert!(text.contains("requests: Python 30, Rust 50"), "{text}");
    assert!(text.contains("Python  process (spawn): median"), "{text}");
    assert!(text.contains("Rust    process: median"), "{text}");
    assert!(text.contains("Rust    available_parallelism:"), "{text}");
}

#[test]
fn a_missing_python_is_a_clear_error() {
    let output = side_by_side(&["--python", "no-such-python-here"]);
    assert_eq!(output.status.code(), Some(1));
    let message = String::from_utf8_lossy(&output.stderr);
    assert!(
        message.contains("is not installed") && message.contains("Python 3"),
        "{message}"
    );
    assert!(output.stdout.is_empty(), "nothing started");
}
