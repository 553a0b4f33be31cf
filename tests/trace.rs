//! `--trace FILE`: a run's timeline as a Chrome trace (what Perfetto opens), from a
//! lesson and from the Python original, read back as JSON.

use std::collections::HashSet;
use std::path::Path;
use std::process::Command;

use workbook::server::{PictureServer, ServerConfig};

use crate::common;
use common::{download_slices, read_trace, stderr, stdout};

#[test]
#[ignore = "needs python3; CI runs it"]
fn python_fixed_writes_the_same_kind_of_trace() {
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

/// Issue 24, item 1, for the Python originals too: their `--trace` replaces a regular
/// file whole and nothing else. A device stays a device, and a path in the pictures'
/// folder is refused before anything is downloaded.
#[cfg(unix)]
#[test]
#[ignore = "needs python3; CI runs it"]
fn python_trace_never_replaces_a_device_or_a_picture() {
    let out = tempfile::tempdir().expect("tempdir");
    let pictures = out.path().join("pictures");
    let program = Path::new(env!("CARGO_MANIFEST_DIR")).join("python/fixed.py");
    let in_pictures = pictures.join("0.jpg");
    for (trace, why) in [
        (Path::new("/dev/null"), "is not a regular file"),
        (in_pictures.as_path(), "is in the pictures' folder"),
    ] {
        // A closed port: had the program gone on, it would have failed to download.
        let output = Command::new("python3")
            .arg(&program)
            .arg("--trace")
            .arg(trace)
            .arg("http://127.0.0.1:9/200/300")
            .arg("2")
            .arg(&pictures)
            .output()
            .expect("python3 runs");
        assert_eq!(output.status.code(), Some(1), "{}", stderr(&output));
        assert!(stderr(&output).contains(why), "{}", stderr(&output));
        assert_eq!(stderr(&output).lines().count(), 1, "{}", stderr(&output));
    }
    use std::os::unix::fs::FileTypeExt;
    let null = std::fs::metadata("/dev/null").expect("/dev/null");
    assert!(null.file_type().is_char_device(), "still a device");
    assert!(!in_pictures.exists());
}
