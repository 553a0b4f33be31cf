//! The workbook's lab and what it stands on: the local picture server, the lab that
//! watches a plain program from outside (`lab`), and the checker's helpers.
//!
//! The modules, by concept; each imports only those above it in this list:
//!
//! - `cpus`, `units`, `usage`: counting CPUs, numbers to read, what a run costs (CPU
//!   time, a process tree's memory, open files)
//! - `run`: is this the program you started or a child, its name, the run's clock
//! - `event`, `wire`, `timeline`, `queue`, `temp`, `interrupt`, `process`: the older
//!   child-process machinery, still used by `check` to run an exercise under a time
//!   limit and stop its tree on Ctrl-C (to go: issue 22)
//! - `jpeg`, `server`: reading a JPEG's size, and the local picture server
//! - `lab`: run a program, watch it from outside, and record what it did
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

pub mod cpus;
pub mod event;
pub mod interrupt;
pub mod jpeg;
pub mod lab;
pub mod process;
pub mod queue;
pub mod run;
pub mod server;
pub mod temp;
pub mod timeline;
pub mod units;
pub mod usage;
pub mod wire;

pub use process::{Process, Task};
pub use run::current_process;
