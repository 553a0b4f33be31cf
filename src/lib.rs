//! The shared machinery of the workbook's lessons: the local picture server, downloads
//! that never leave half a file, real child processes, and the timeline.
#![forbid(unsafe_code)]
// Nothing a user or the network controls may end in a panic: no unwrap or expect
// outside the tests.
#![cfg_attr(not(test), deny(clippy::unwrap_used, clippy::expect_used))]

/// `println!` for the lessons' report lines, except that a closed stdout (the output
/// piped into `head`, say) is ignored instead of panicking: the work goes on.
#[macro_export]
macro_rules! say {
    ($($arg:tt)*) => {{
        use std::io::Write as _;
        let _ = writeln!(std::io::stdout(), $($arg)*);
    }};
}

pub mod cli;
pub mod cpus;
pub mod download;
pub mod jpeg;
pub mod lesson;
pub mod pool;
pub mod process;
pub mod server;
pub mod timeline;

pub use download::Downloader;
pub use lesson::{Lesson, MainResult};
pub use process::{Process, Task, current_process};
