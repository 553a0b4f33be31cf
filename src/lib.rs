//! The shared machinery of the workbook's lessons: the local picture server, downloads
//! that never leave half a file, real child processes, and the timeline.
//!
//! The modules, by concept; each imports only those above it in this list:
//!
//! - `cpus`, `pool`, `units`, `usage`: counting CPUs, the smallest thread pool,
//!   numbers to read, what a run costs (CPU time, a process tree's memory, open files)
//! - `run`: is this the program you started or a child, its name, the run's clock
//! - `event`, `wire`: what a timeline is made of, and the line a child sends it in
//! - `timeline`: the run's events as a value, and drawing them
//! - `queue`: messages from children, like Python's `multiprocessing.Queue`
//! - `temp`, `interrupt`: temporary names, and what a stop (Ctrl-C) cleans up
//! - `trace`: a run's events as a trace file that Perfetto opens (`--trace FILE`)
//! - `process`: real child processes and the main guard, `process::init`
//! - `jpeg`, `server`: reading a JPEG's size, and the local picture server
//! - `download`: fetch one picture, check it, save it whole or not at all
//! - `cli`: the lessons' shared arguments
//! - `report`, `lesson`, `compare`: a run's summary, a lesson's set-up, its speedup
#![forbid(unsafe_code)]
// Nothing a user or the network controls may end in a panic: no unwrap or expect
// outside the tests.
#![cfg_attr(not(test), deny(clippy::unwrap_used, clippy::expect_used))]

/// `println!` for the lessons' report lines, except that a closed stdout (the output
/// piped into `head`, say) is ignored instead of panicking: the work goes on.
/// `println!` panics when it cannot write; a lesson whose reader has gone should still
/// finish its downloads and clean up.
#[macro_export]
macro_rules! say {
    ($($arg:tt)*) => {{
        use std::io::Write as _;
        let _ = writeln!(std::io::stdout(), $($arg)*);
    }};
}

pub mod cli;
pub mod compare;
pub mod cpus;
pub mod download;
pub mod event;
pub mod interrupt;
pub mod jpeg;
pub mod lab;
pub mod lesson;
pub mod pool;
pub mod process;
pub mod queue;
pub mod report;
pub mod run;
pub mod server;
pub mod temp;
pub mod timeline;
pub mod trace;
pub mod units;
pub mod usage;
pub mod wire;

pub use download::{Downloader, Limits};
pub use lesson::Lesson;
pub use process::{Process, Task};
pub use run::current_process;
