//! `--trace FILE`: a run's timeline as a Chrome trace (what Perfetto opens), from a
//! lesson and from the Python original, read back as JSON.

use std::collections::HashSet;
use std::path::Path;
use std::process::Command;

use workbook::server::{PictureServer, ServerConfig};

mod common;
use common::{download_slices, read_trace, run_into, stderr, stdout};

#[test]
fn lesson06_writes_one_slice_per_download_on_one_track_per_process() {
    let out = tempfile::tempdir().expect("tempdir");
    let trace_path = out.path().join("lesson06.json");
    let trace_arg = trace_path.to_str().expect("a UTF-8 temp path");
    let output = run_into(
        env!("CARGO_BIN_EXE_lesson06"),
        out.path(),
        &["--latency-ms", "30", "--no-compare", "--trace", trace_arg],
    );
    assert!(
        output.status.success(),
        "{}{}",
        stdout(&output),
        stderr(&output)
    );
    assert!(stdout(&output).contains("trace: "), "{}", stdout(&output));

    let trace = read_trace(&trace_path);
    let slices = download_slices(&trace);
    assert_eq!(slices.len(), 5, "{trace:#}");
    let files: HashSet<String> = slices.iter().map(|s| s["name"].to_string()).collect();
    assert_eq!(files.len(), 5, "one slice for each file: {files:?}");
    let pids: HashSet<u64> = slices.iter().filter_map(|s| s["pid"].as_u64()).collect();
    assert_eq!(pids.len(), 5, "five processes, one download each");
    for slice in &slices {
        assert!(
            slice["dur"].as_f64().is_some_and(|dur| dur > 0.0),
            "{slice}"
        );
        assert!(
            slice["args"]["bytes"].as_u64().is_some_and(|b| b > 0),
            "{slice}"
        );
    }
    // Each process's track is named by its pid and name.
    let named = trace["traceEvents"]
        .as_array()
        .expect("a list")
        .iter()
        .filter(|event| event["name"] == "process_name")
        .count();
    assert_eq!(named, 5);
    // Nothing but the pictures and the trace is left in the folder.
    let mut left: Vec<String> = std::fs::read_dir(out.path())
        .expect("the folder")
        .map(|entry| {
            entry
                .expect("an entry")
                .file_name()
                .to_string_lossy()
                .into_owned()
        })
        .collect();
    left.sort();
    assert_eq!(
        left,
        ["0.jpg", "1.jpg", "2.jpg", "3.jpg", "4.jpg", "lesson06.json"]
    );
}

#[test]
fn a_trace_into_a_missing_folder_is_refused_before_any_download() {
    let out = tempfile::tempdir().expect("tempdir");
    let output = run_into(
        env!("CARGO_BIN_EXE_lesson06"),
        out.path(),
        &["--latency-ms", "30", "--trace", "/no/such/folder/t.json"],
    );
    assert!(!output.status.success());
    let message = stderr(&output);
    assert!(
        message.contains("--trace /no/such/folder/t.json") && message.lines().count() == 1,
        "{message}"
    );
    assert!(!stdout(&output).contains(" start "), "{}", stdout(&output));
}

#[test]
fn python_fixed_writes_the_same_kind_of_trace() {
    if Command::new("python3").arg("--version").output().is_err() {
        eprintln!("skipped: python3 is not installed");
        return;
    }
    let server = PictureServer::start(ServerConfig {
        latency: std::time::Duration::from_millis(30),
        ..ServerConfig::default()
    })
    .expect("the picture server starts");
    let out = tempfile::tempdir().expect("tempdir");
    let trace_path = out.path().join("python.json");
    let program = Path::new(env!("CARGO_MANIFEST_DIR")).join("python/fixed.py");
    let output = Command::new("python3")
        .arg(&program)
        .arg("--trace")
        .arg(&trace_path)
        .arg(server.picture_url(200, 300))
        .arg("5")
        .arg(out.path().join("pictures"))
        .output()
        .expect("python3 runs");
    assert!(
        output.status.success(),
        "{}{}",
        stdout(&output),
        stderr(&output)
    );
    let trace = read_trace(&trace_path);
    let slices = download_slices(&trace);
    assert_eq!(slices.len(), 5, "{trace:#}");
    let pids: HashSet<u64> = slices.iter().filter_map(|s| s["pid"].as_u64()).collect();
    assert_eq!(pids.len(), 5, "five processes, one download each");
    // The events file the children appended to is gone.
    let left: Vec<_> = std::fs::read_dir(out.path())
        .expect("the folder")
        .map(|entry| entry.expect("an entry").file_name())
        .collect();
    assert_eq!(left.len(), 2, "{left:?}");
}
