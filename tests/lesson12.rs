//! Lesson 12 end to end: every way brings every picture, whole; the bounds hold; a
//! failed download is reported with its reason. Behaviour only, never speed.

use std::path::Path;

mod common;
use common::{
    FaultyServer, assert_complete_pictures_of, download_slices, files_in, read_trace, run_into,
    stderr, stdout,
};

const LESSON12: &str = env!("CARGO_BIN_EXE_lesson12");

/// The downloads of a `--trace` file: (start, end, pid) in microseconds.
fn downloads(trace: &Path) -> Vec<(f64, f64, u64)> {
    download_slices(&read_trace(trace))
        .iter()
        .map(|event| {
            let start = event["ts"].as_f64().expect("ts");
            let end = start + event["dur"].as_f64().expect("dur");
            (start, end, event["pid"].as_u64().expect("pid"))
        })
        .collect()
}

/// The most downloads in flight at one moment.
fn most_at_once(downloads: &[(f64, f64, u64)]) -> usize {
    let mut changes: Vec<(f64, i32)> = downloads
        .iter()
        .flat_map(|&(start, end, _)| [(start, 1), (end, -1)])
        .collect();
    // An end and a start at the same moment: the end first.
    changes.sort_by(|a, b| a.0.total_cmp(&b.0).then(a.1.cmp(&b.1)));
    let (mut now, mut most) = (0, 0);
    for (_, change) in changes {
        now += change;
        most = most.max(now);
    }
    most as usize
}

#[test]
fn every_way_brings_every_picture_whole() {
    let out = tempfile::tempdir().expect("tempdir");
    let output = run_into(
        LESSON12,
        out.path(),
        &["--count", "24", "--latency-ms", "50", "--rayon-count", "4"],
    );
    let text = stdout(&output);
    assert!(output.status.success(), "{text}{}", stderr(&output));
    for way in ["async", "threads", "pool", "processes", "rayon"] {
        assert!(
            text.lines().any(|line| line.starts_with(way)),
            "no line for {way}: {text}"
        );
    }
    assert!(!text.contains("arrived"), "{text}");
    assert_complete_pictures_of(out.path(), 24, (200, 300));
}

#[test]
fn async_and_processes_keep_to_max_at_once() {
    // Under Wine a process takes about 0.17 s to start: downloads must last longer
    // than that for three processes to be downloading at once.
    let latency = if cfg!(windows) { "1500" } else { "100" };
    for (way, bound) in [("async", 6), ("processes", 3)] {
        let out = tempfile::tempdir().expect("tempdir");
        let trace = out.path().join("trace.json");
        let output = run_into(
            LESSON12,
            out.path(),
            &[
                "--mode",
                way,
                "--count",
                "18",
                "--latency-ms",
                latency,
                "--max-at-once",
                &bound.to_string(),
                "--trace",
                trace.to_str().expect("a UTF-8 temp path"),
            ],
        );
        let text = stdout(&output);
        assert!(output.status.success(), "{way}: {text}{}", stderr(&output));
        let downloads = downloads(&trace);
        assert_eq!(downloads.len(), 18, "{way}: {text}");
        // The bound is reached and never passed: 18 downloads that each wait for
        // the latency cannot all have waited for each other.
        assert_eq!(most_at_once(&downloads), bound, "{way}: {text}");
        let pids: std::collections::HashSet<u64> =
            downloads.iter().map(|&(_, _, pid)| pid).collect();
        let expected_pids = if way == "processes" { 18 } else { 1 };
        assert_eq!(pids.len(), expected_pids, "{way}: {text}");
        std::fs::remove_file(&trace).expect("the trace is removable");
        assert_complete_pictures_of(out.path(), 18, (200, 300));
    }
}

#[test]
fn a_failed_download_is_counted_with_its_reason() {
    let server = FaultyServer::start(20, &["3:503", "7:503"]);
    let out = tempfile::tempdir().expect("tempdir");
    let output = run_into(
        LESSON12,
        out.path(),
        &["--url", &server.url, "--mode", "async", "--count", "10"],
    );
    let (text, errors) = (stdout(&output), stderr(&output));
    assert_eq!(output.status.code(), Some(1), "{text}{errors}");
    assert!(text.contains("  8 of 10 arrived"), "{text}");
    assert!(
        text.lines()
            .any(|line| line.starts_with("  2 x ") && line.contains("HTTP 503")),
        "{text}"
    );
    assert!(
        errors.contains("not every picture arrived: async 8 of 10"),
        "{errors}"
    );
    // Eight whole pictures, and nothing at all for the two that failed.
    let files = files_in(out.path());
    assert_eq!(files.len(), 8, "{files:?}");
    for (name, bytes) in &files {
        assert_eq!(workbook::jpeg::size(bytes), Some((200, 3000)), "{name}");
    }
}
