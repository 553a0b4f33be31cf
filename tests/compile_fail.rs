//! Lesson 11's examples that must not compile, checked: each still fails, with the
//! error the book shows (the first `error[E...]` line of its transcript, which
//! `cargo run -p transcripts` made from a real compiler run).

use std::path::Path;
use std::process::Command;

const EXAMPLES: [&str; 3] = ["rc_in_a_thread", "borrow_without_move", "refcell_shared"];

fn first_error(text: &str) -> Option<&str> {
    text.lines().find(|line| line.starts_with("error["))
}

#[test]
fn every_example_fails_with_the_error_the_book_shows() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let scratch = tempfile::tempdir().expect("tempdir");
    let rustc = std::env::var("RUSTC").unwrap_or_else(|_| "rustc".into());
    for example in EXAMPLES {
        let output = Command::new(&rustc)
            .args(["--edition", "2024", "--crate-type", "bin", "-o"])
            .arg(scratch.path().join(example))
            .arg(format!("lessons/compile_fail/{example}.rs"))
            .current_dir(root)
            .output()
            .expect("rustc runs");
        assert!(
            !output.status.success(),
            "{example}.rs compiles: it must not"
        );
        let said = String::from_utf8_lossy(&output.stderr);
        let shown = std::fs::read_to_string(
            root.join(format!("book/src/transcripts/lesson11/{example}.txt")),
        )
        .expect("the book's transcript");
        assert_eq!(
            first_error(&said),
            first_error(&shown),
            "{example}.rs fails differently from what the book shows"
        );
    }
}
