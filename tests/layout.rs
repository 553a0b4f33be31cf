//! The course checks its own consistency: every lesson has its binary, its chapter and
//! its benchmark under one stem, and the book lists the chapter.

use std::path::Path;

fn read(path: &str) -> String {
    std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join(path))
        .unwrap_or_else(|error| panic!("cannot read {path}: {error}"))
}

/// The stems of `lessons/lessonNN_*.rs`, e.g. "lesson04_sequential".
fn lesson_stems() -> Vec<String> {
    let folder = Path::new(env!("CARGO_MANIFEST_DIR")).join("lessons");
    let mut stems: Vec<String> = std::fs::read_dir(folder)
        .expect("lessons/ exists")
        .filter_map(Result::ok)
        .map(|entry| entry.file_name().to_string_lossy().into_owned())
        .filter(|name| name.starts_with("lesson") && name.ends_with(".rs"))
        .map(|name| name.trim_end_matches(".rs").to_string())
        .collect();
    stems.sort();
    stems
}

#[test]
fn every_lesson_has_a_binary_a_chapter_and_a_benchmark() {
    let manifest = read("Cargo.toml");
    let summary = read("book/src/SUMMARY.md");
    let stems = lesson_stems();
    assert!(!stems.is_empty());
    for stem in stems {
        let number = &stem[..8]; // "lesson04"
        let bin = format!("[[bin]]\nname = \"{number}\"\npath = \"lessons/{stem}.rs\"");
        assert!(
            manifest.contains(&bin),
            "Cargo.toml lacks the binary {number} for lessons/{stem}.rs"
        );
        let bench = format!(
            "[[bench]]\nname = \"{number}\"\npath = \"benches/{stem}.rs\"\nharness = false"
        );
        assert!(
            manifest.contains(&bench),
            "Cargo.toml lacks the bench {number} (benches/{stem}.rs, harness = false)"
        );
        read(&format!("benches/{stem}.rs"));
        let chapter = read(&format!("book/src/{stem}.md"));
        assert!(
            summary.contains(&format!("({stem}.md)")),
            "SUMMARY.md does not list {stem}.md"
        );
        assert!(
            chapter.contains(&format!("{{{{#include ../../lessons/{stem}.rs")),
            "book/src/{stem}.md does not include its lesson's code"
        );
    }
}

#[test]
fn every_lesson_begins_with_the_guard() {
    // Lesson 08 is about code placed before the guard: it shows it on purpose.
    for stem in lesson_stems()
        .into_iter()
        .filter(|stem| !stem.starts_with("lesson08"))
    {
        let code = read(&format!("lessons/{stem}.rs"));
        let body = code
            .split("fn main()")
            .nth(1)
            .unwrap_or_else(|| panic!("{stem} has no main"));
        let first_statement = body
            .lines()
            .skip(1)
            .map(str::trim)
            .find(|line| !line.is_empty() && !line.starts_with("//"))
            .unwrap_or_default();
        // A lesson on the lab begins with its lab line, and its guard follows (the
        // lab line returns at once in the watched run). One without the lab begins
        // with its guard: a call, or reading its arguments to look for the marker.
        assert!(
            first_statement.starts_with("workbook::lab::watch")
                || first_statement.starts_with("run_child_if_asked()")
                || first_statement.starts_with("picture::run_child_if_asked()")
                || first_statement.starts_with("let args: Vec<String> = env::args_os()")
                || first_statement.starts_with("if std::env::args_os()"),
            "{stem}: main must begin with the guard or the lab line, not {first_statement:?}"
        );
    }
}

#[test]
fn every_chapter_has_exercises_and_solutions() {
    for stem in lesson_stems() {
        let chapter = read(&format!("book/src/{stem}.md"));
        for part in [
            "## The Python shape",
            "## Run it",
            "## Sample output",
            "## What really happens",
            "## Measured",
            "## Exercises",
            "### Solutions",
        ] {
            assert!(
                chapter.contains(part),
                "book/src/{stem}.md has no {part:?} section"
            );
        }
    }
}

/// Every lesson page has its self-check, `{{#quiz quizzes/NAME.toml}}`: a lesson's
/// own page `quizzes/lessonNN.toml` with three questions or more, each sub-page
/// (`lesson12_1_threads.md`) one of its own with two or more. Each question has the
/// id mdbook-quiz would otherwise write into the file at build time (so a build never
/// changes the tree) and an explanation.
#[test]
fn every_lesson_page_has_a_quiz() {
    let book = Path::new(env!("CARGO_MANIFEST_DIR")).join("book/src");
    let mut pages: Vec<String> = std::fs::read_dir(&book)
        .expect("book/src")
        .filter_map(Result::ok)
        .map(|entry| entry.file_name().to_string_lossy().into_owned())
        .filter(|name| name.starts_with("lesson") && name.ends_with(".md"))
        .collect();
    pages.sort();
    let stems = lesson_stems();
    for stem in &stems {
        assert!(
            pages.contains(&format!("{stem}.md")),
            "no book/src/{stem}.md"
        );
    }
    for page in pages {
        let text = read(&format!("book/src/{page}"));
        let quiz = text
            .split("{{#quiz ")
            .nth(1)
            .and_then(|rest| rest.split("}}").next())
            .unwrap_or_else(|| panic!("book/src/{page} has no {{{{#quiz ...}}}}"));
        let least = if stems.iter().any(|stem| format!("{stem}.md") == page) {
            assert_eq!(
                quiz,
                format!("quizzes/{}.toml", &page[..8]),
                "{page}'s quiz"
            );
            3
        } else {
            2
        };
        let questions = read(&format!("book/src/{quiz}"));
        let count = |key: &str| questions.lines().filter(|l| l.starts_with(key)).count();
        let asked = count("[[questions]]");
        assert!(
            asked >= least,
            "{quiz}: {asked} questions, fewer than {least}"
        );
        assert_eq!(count("id = "), asked, "{quiz}: a question has no id");
        assert_eq!(
            count("context = "),
            asked,
            "{quiz}: a question has no explanation"
        );
    }
}

#[test]
fn every_anchor_the_book_includes_exists() {
    let book = Path::new(env!("CARGO_MANIFEST_DIR")).join("book/src");
    for entry in std::fs::read_dir(&book)
        .expect("book/src")
        .filter_map(Result::ok)
    {
        let chapter = std::fs::read_to_string(entry.path()).unwrap_or_default();
        for include in chapter.split("{{#include ").skip(1) {
            let target = include.split("}}").next().unwrap_or_default();
            let (file, anchor) = target
                .split_once(':')
                .map_or((target, None), |(f, a)| (f, Some(a)));
            let code = std::fs::read_to_string(book.join(file))
                .unwrap_or_else(|_| panic!("{:?} includes missing {file}", entry.file_name()));
            if let Some(anchor) = anchor {
                // Line numbers drift when the code changes; anchors move with it.
                assert!(
                    !anchor.starts_with(|c: char| c.is_ascii_digit()),
                    "{:?} includes {file} by line numbers; use an anchor",
                    entry.file_name()
                );
                assert!(
                    code.contains(&format!("ANCHOR: {anchor}"))
                        && code.contains(&format!("ANCHOR_END: {anchor}")),
                    "{file} has no anchor {anchor}"
                );
            }
        }
    }
}
