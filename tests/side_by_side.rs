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
#[ignore = "needs python3; CI runs it"]
fn python_and_rust_make_the_same_requests() {
    // Long enough that a child process started under load (CI runs tests side by
    // side) is still in time to overlap the parent's next download in lesson 05; at
    // 20 ms it once was not.
    let output = side_by_side(&[
        "--latency-ms",
        "150",
        "--count",
        "2",
        "--many",
        "10",
        "--json",
    ]);
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let tables: serde_json::Value =
        serde_json::from_slice(&output.stdout).expect("--json prints JSON");
    // Each lesson and its Python original: the same requests, every picture whole.
    let pairs = tables["pairs"].as_array().expect("pairs");
    let expected = [
        ("04 sequential", 2, 1),
        ("05 naive", 4, 2),
        ("06 fixed", 2, 2),
        ("07 join omitted", 2, 2),
    ];
    assert_eq!(pairs.len(), expected.len());
    for (pair, (lesson, requests, at_least_at_once)) in pairs.iter().zip(expected) {
        assert_eq!(pair["lesson"], lesson);
        for side in ["python", "rust"] {
            let figures = &pair[side];
            assert_eq!(figures["requests"], requests, "{lesson} {side}");
            assert_eq!(figures["whole_pictures"], 2, "{lesson} {side}");
            let at_once = figures["most_at_once"].as_u64().expect("a count");
            assert!(at_once >= at_least_at_once, "{lesson} {side}: {at_once}");
        }
    }
    assert_eq!(pairs[0]["python"]["most_at_once"], 1, "sequential");
    assert_eq!(pairs[0]["rust"]["most_at_once"], 1, "sequential");
    // Lesson 12's part: three Python ways and five Rust ways, each a run of its own.
    let ways = tables["ways"].as_array().expect("ways");
    assert_eq!(ways.len(), 8);
    for way in ways {
        // rayon downloads 20 at most; with 10 pictures, all 10.
        assert_eq!(way["requests"], 10, "{way}");
        assert_eq!(way["whole_pictures"], 10, "{way}");
    }
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
