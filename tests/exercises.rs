//! The exercises check themselves: untouched, each fails its checks with a hint (so the
//! checks can fail); each solution passes; a reset restores the start; and the course
//! is consistent (every exercise has its start copy, its solution and its chapter).

use std::path::Path;
use std::process::{Command, Output};

const EXERCISES: [(&str, &str, &str); 4] = [
    (
        "05",
        "ex05_download_once.rs",
        "lesson05_naive_double_download",
    ),
    ("06", "ex06_at_most_n.rs", "lesson06_fixed_parallel"),
    ("07", "ex07_no_file_lost.rs", "lesson07_join_omitted"),
    ("09", "ex09_pool_size.rs", "lesson09_cpu_count"),
];

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

fn check(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_check"))
        .args(args)
        .arg("--no-build") // cargo test has built every binary already
        .env("NO_COLOR", "1")
        .output()
        .expect("check runs")
}

#[test]
fn untouched_exercises_fail_with_a_hint() {
    for (number, file, _) in EXERCISES {
        let output = check(&[number]);
        let text = String::from_utf8_lossy(&output.stdout);
        assert_eq!(
            output.status.code(),
            Some(1),
            "exercise {number} passes untouched:\n{text}"
        );
        assert!(text.contains("✗") && text.contains("hint:"), "{text}");
        assert!(text.contains(&format!("Edit exercises/{file}")), "{text}");
    }
}

#[test]
fn solutions_pass() {
    for (number, _, _) in EXERCISES {
        let output = check(&[number, "--solution"]);
        let text = String::from_utf8_lossy(&output.stdout);
        assert!(output.status.success(), "solution {number} fails:\n{text}");
        assert!(text.contains("All checks pass."), "{text}");
        assert!(!text.contains("✗"), "{text}");
    }
}

#[test]
fn reset_restores_the_start() {
    let copy = tempfile::tempdir().expect("tempdir");
    let exercises = copy.path().join("exercises");
    std::fs::create_dir_all(exercises.join("start")).expect("folders");
    let (_, file, _) = EXERCISES[0];
    let start =
        std::fs::read_to_string(root().join("exercises/start").join(file)).expect("start copy");
    std::fs::write(exercises.join("start").join(file), &start).expect("write");
    std::fs::write(exercises.join(file), "// the learner's half-done edit\n").expect("write");
    let output = Command::new(env!("CARGO_BIN_EXE_check"))
        .args(["05", "--reset"])
        .env("WORKBOOK_ROOT", copy.path())
        .output()
        .expect("check runs");
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert_eq!(
        std::fs::read_to_string(exercises.join(file)).expect("read"),
        start
    );
}

#[test]
fn unknown_exercises_are_usage_errors() {
    let output = check(&["42"]);
    assert_eq!(output.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&output.stderr).contains("there is no exercise 42"));
}

#[test]
fn the_course_is_consistent() {
    let manifest = std::fs::read_to_string(root().join("Cargo.toml")).expect("Cargo.toml");
    for (number, file, chapter) in EXERCISES {
        let exercise =
            std::fs::read_to_string(root().join("exercises").join(file)).expect("exercise");
        let start =
            std::fs::read_to_string(root().join("exercises/start").join(file)).expect("start copy");
        assert_eq!(
            exercise, start,
            "exercises/{file} differs from its start copy: reset it before committing"
        );
        assert!(exercise.contains("TODO"), "exercises/{file} has no TODO");
        assert!(
            root().join("solutions").join(file).exists(),
            "no solutions/{file}"
        );
        assert!(manifest.contains(&format!(
            "name = \"ex{number}\"\npath = \"exercises/{file}\""
        )));
        assert!(manifest.contains(&format!(
            "name = \"ex{number}-solution\"\npath = \"solutions/{file}\""
        )));
        let text = std::fs::read_to_string(root().join(format!("book/src/{chapter}.md")))
            .expect("chapter");
        assert!(
            text.contains(&format!("cargo run --bin check -- {number}")),
            "{chapter}.md does not show the check command"
        );
        assert!(
            text.contains(&format!("exercises/{file}")),
            "{chapter}.md does not name exercises/{file}"
        );
    }
}
