//! The workbook's tests: one test binary, a module per lesson or concern (as ripgrep's
//! `tests/`). Each runs the real programs: lessons, the lab, the checker, the server.
//!
//! `cargo test` runs what needs only Rust. Tests that need more (python3, taskset, a
//! build outside the workspace, the exercises as shipped) are `#[ignore]`d with the
//! reason; CI runs them with `cargo test --test workbook -- --ignored`.

// A test that cannot go on says so by panicking: unwrap and expect are how.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

// The lessons' shared plain file, loaded once for the tests that call it directly.
#[allow(dead_code)]
#[path = "../lessons/picture.rs"]
mod picture;

mod bench_report;
mod compile_fail;
mod exercises;
mod lab;
mod layout;
mod lesson04;
mod lesson11;
mod lesson12;
mod lessons;
mod nothing_lost;
mod picture_checks;
mod side_by_side;
mod tls;
mod trace;
