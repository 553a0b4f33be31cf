//! The exercises and their checker. `check --list` is the one list of exercises; these
//! tests read it instead of keeping their own.
//!
//! A learner's `cargo test` must pass whatever state their exercises are in, so the
//! checks that the shipped exercises are untouched and still fail (and that the
//! solutions pass, which needs the exercises package built) are ignored: CI builds the
//! exercises and runs them with `--ignored`.

use std::path::Path;
use std::process::{Command, Output};

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

fn check(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_check"))
        .args(args)
        .env("NO_COLOR", "1")
        .output()
        .expect("check runs")
}

/// Each exercise as `check --list` prints it: number, file, chapter.
fn exercises() -> Vec<(String, String, String)> {
    let output = check(&["--list"]);
    assert!(output.status.success());
    String::from_utf8_lossy(&output.stdout)
        .lines()
        .map(|line| {
            let words: Vec<&str> = line.split_whitespace().collect();
            let [number, file, chapter, _compiles] = words[..] else {
                panic!("check --list printed {line:?}");
            };
            (number.into(), file.into(), chapter.into())
        })
        .collect()
}

#[test]
#[ignore = "checks the exercises as shipped (yours are yours to change); CI runs it"]
fn untouched_exercises_fail_with_a_hint() {
    for (number, file, _) in exercises() {
        let output = check(&[&number, "--no-build"]);
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
#[ignore = "needs the exercises package built; CI builds it and runs this"]
fn solutions_pass() {
    for (number, _, _) in exercises() {
        let output = check(&[&number, "--solution", "--no-build"]);
        let text = String::from_utf8_lossy(&output.stdout);
        assert!(output.status.success(), "solution {number} fails:\n{text}");
        assert!(text.contains("All checks pass."), "{text}");
        assert!(!text.contains("✗"), "{text}");
    }
}

#[test]
fn reset_restores_the_start() {
    let copy = tempfile::tempdir().expect("tempdir");
    let exercises_folder = copy.path().join("exercises");
    std::fs::create_dir_all(exercises_folder.join("start")).expect("folders");
    let (number, file, _) = exercises().remove(0);
    let start =
        std::fs::read_to_string(root().join("exercises/start").join(&file)).expect("start copy");
    std::fs::write(exercises_folder.join("start").join(&file), &start).expect("write");
    std::fs::write(
        exercises_folder.join(&file),
        "// the learner's half-done edit\n",
    )
    .expect("write");
    let output = Command::new(env!("CARGO_BIN_EXE_check"))
        .args([number.as_str(), "--reset"])
        .env("WORKBOOK_ROOT", copy.path())
        .output()
        .expect("check runs");
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert_eq!(
        std::fs::read_to_string(exercises_folder.join(&file)).expect("read"),
        start
    );
}

#[test]
fn each_hint_comes_closer_and_reset_starts_them_again() {
    let target = tempfile::tempdir().expect("tempdir");
    let hint = |args: &[&str]| {
        let output = Command::new(env!("CARGO_BIN_EXE_check"))
            .args(args)
            .env("NO_COLOR", "1")
            .env("CARGO_TARGET_DIR", target.path())
            .output()
            .expect("check runs");
        assert!(output.status.success(), "{output:?}");
        String::from_utf8_lossy(&output.stdout).into_owned()
    };
    for (number, file, _) in exercises() {
        let first = hint(&[&number, "--hint"]);
        assert!(
            first.contains("hint 1 of 3") && !first.contains("hint 2"),
            "{first}"
        );
        assert!(first.contains("--hint` again"), "{first}");
        let second = hint(&[&number, "--hint"]);
        assert!(second.starts_with(&first[..first.find("  Stuck").unwrap_or(0)]));
        assert!(
            second.contains("hint 2 of 3") && !second.contains("hint 3"),
            "{second}"
        );
        let third = hint(&[&number, "--hint"]);
        assert!(third.contains("hint 3 of 3"), "{third}");
        assert!(third.contains(&format!("solutions/{file}")), "{third}");
        // The last one stays the last.
        assert_eq!(hint(&[&number, "--hint"]), third);
    }
    // `--reset` starts the hints from the first again (here on a copy of the folder).
    let copy = tempfile::tempdir().expect("tempdir");
    let (number, file, _) = exercises().remove(0);
    std::fs::create_dir_all(copy.path().join("exercises/start")).expect("folders");
    std::fs::copy(
        root().join("exercises/start").join(&file),
        copy.path().join("exercises/start").join(&file),
    )
    .expect("start copy");
    let reset = Command::new(env!("CARGO_BIN_EXE_check"))
        .args([number.as_str(), "--reset"])
        .env("WORKBOOK_ROOT", copy.path())
        .env("CARGO_TARGET_DIR", target.path())
        .output()
        .expect("check runs");
    assert!(reset.status.success(), "{reset:?}");
    assert!(hint(&[&number, "--hint"]).contains("hint 1 of 3"));
    assert!(!hint(&[&number, "--hint"]).contains("hint 3"));
}

#[test]
fn unknown_exercises_are_usage_errors() {
    let output = check(&["42"]);
    assert_eq!(output.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&output.stderr).contains("there is no exercise 42"));
}

#[test]
fn a_workbook_root_without_exercises_is_a_usage_error() {
    let empty = tempfile::tempdir().expect("a folder");
    let output = Command::new(env!("CARGO_BIN_EXE_check"))
        .arg("05")
        .env("WORKBOOK_ROOT", empty.path().join("nowhere"))
        .output()
        .expect("check runs");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("WORKBOOK_ROOT"), "{stderr}");
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
}

#[test]
fn every_exercise_has_its_start_copy_solution_binary_and_chapter() {
    let manifest =
        std::fs::read_to_string(root().join("exercises/Cargo.toml")).expect("exercises/Cargo.toml");
    for (number, file, chapter) in exercises() {
        let start = std::fs::read_to_string(root().join("exercises/start").join(&file))
            .expect("start copy");
        assert!(start.contains("TODO"), "exercises/start/{file} has no TODO");
        assert!(
            root().join("solutions").join(&file).exists(),
            "no solutions/{file}"
        );
        assert!(manifest.contains(&format!("name = \"ex{number}\"\npath = \"{file}\"")));
        assert!(manifest.contains(&format!(
            "name = \"ex{number}-solution\"\npath = \"../solutions/{file}\""
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

#[test]
#[ignore = "checks the exercises as shipped (yours are yours to change); CI runs it"]
fn shipped_exercises_are_their_start_copies() {
    for (_, file, _) in exercises() {
        let start = std::fs::read_to_string(root().join("exercises/start").join(&file))
            .expect("start copy");
        let exercise =
            std::fs::read_to_string(root().join("exercises").join(&file)).expect("exercise");
        assert_eq!(
            exercise, start,
            "exercises/{file} differs from its start copy: reset it before committing"
        );
    }
}

/// Issue 24, item 15: a dumb terminal shows escape codes as text, so `check` sends it
/// none, even where colour is forced (`CLICOLOR_FORCE`). Forced without `TERM=dumb`,
/// the same run is coloured: the test can tell the two apart.
#[cfg(unix)]
#[test]
fn a_dumb_terminal_gets_no_colour_codes() {
    let judged = |term: &str| {
        let output = Command::new(env!("CARGO_BIN_EXE_check"))
            .args(["06", "--program", "true"])
            .env_remove("NO_COLOR")
            .env("CLICOLOR_FORCE", "1")
            .env("TERM", term)
            .output()
            .expect("check runs");
        String::from_utf8_lossy(&output.stdout).into_owned()
    };
    let dumb = judged("dumb");
    assert!(dumb.contains("pictures"), "{dumb}");
    assert!(!dumb.contains('\x1b'), "{dumb:?}");
    assert!(judged("xterm").contains('\x1b'), "colour forced, and none");
}
