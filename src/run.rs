//! The run's context: is this process the program the learner started, or a child it
//! started, and the clock that every process of one run shares.
//!
//! A child is a fresh run of the same program (Python's "spawn" start method). The
//! parent tells it what it is on its command line, the way Python's spawn passes
//! `--multiprocessing-fork`:
//!
//! ```text
//! lesson06 --workbook-child <task> <name> <start of the run, ns since 1970> <task's arguments...>
//! ```
//!
//! Nothing else marks a child: an environment variable left over from somewhere else
//! cannot turn a normal run into a child by accident.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

/// The first argument of a child process.
pub const CHILD_FLAG: &str = "--workbook-child";

/// What a child was told on its command line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChildInfo {
    /// The task to run (see `process::Task`).
    pub task: String,
    /// The process's name, like Python's `Process(name=...)`.
    pub name: String,
    /// The run's clock, started by the parent.
    pub clock: Clock,
    /// The task's own arguments.
    pub args: Vec<String>,
}

/// `Some` in a child started by `process::Process::start`, `None` in the program the
/// learner started. An argument list that starts with the marker but is malformed is
/// an `Err` that says what is wrong.
pub fn child_info() -> Result<Option<ChildInfo>, String> {
    let mut args = std::env::args_os().skip(1);
    match args.next() {
        Some(flag) if flag == CHILD_FLAG => {}
        _ => return Ok(None),
    }
    let args: Vec<String> = args
        .map(|arg| {
            arg.into_string()
                .map_err(|arg| format!("{CHILD_FLAG}: argument {arg:?} is not UTF-8"))
        })
        .collect::<Result<_, _>>()?;
    let [task, name, start_ns, rest @ ..] = &args[..] else {
        return Err(format!(
            "{CHILD_FLAG} needs a task, a name and a start time, got {args:?}"
        ));
    };
    let start_ns: u64 = start_ns
        .parse()
        .map_err(|_| format!("{CHILD_FLAG}: {start_ns:?} is not a start time"))?;
    Ok(Some(ChildInfo {
        task: task.clone(),
        name: name.clone(),
        clock: Clock::from_nanos(start_ns),
        args: rest.to_vec(),
    }))
}

/// Is this process a child started by `process::Process::start`?
pub fn is_child() -> bool {
    std::env::args_os()
        .nth(1)
        .is_some_and(|flag| flag == CHILD_FLAG)
}

/// The name and pid of the running process, like Python's `current_process()`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProcessInfo {
    pub name: String,
    pub pid: u32,
}

/// Who am I? The program you started is `MainProcess`, as in Python; a child has the
/// name its parent gave it.
pub fn current_process() -> ProcessInfo {
    let name = match child_info() {
        Ok(Some(child)) => child.name,
        _ => "MainProcess".to_string(),
    };
    ProcessInfo {
        name,
        pid: std::process::id(),
    }
}

/// The clock of a run: when it started. The parent hands it to its children, so that
/// everybody's events land on one time axis. It is wall-clock time (`SystemTime`),
/// because an `Instant` cannot be sent to another process.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Clock {
    start: SystemTime,
}

impl Clock {
    /// A clock that starts now.
    pub fn start() -> Clock {
        Clock {
            start: SystemTime::now(),
        }
    }

    /// A clock that started `ns` nanoseconds after 1970 (as sent by [`Clock::as_nanos`]).
    pub fn from_nanos(ns: u64) -> Clock {
        Clock {
            start: UNIX_EPOCH + Duration::from_nanos(ns),
        }
    }

    /// When the clock started, in nanoseconds since 1970: what a child is told.
    pub fn as_nanos(&self) -> u64 {
        self.start.duration_since(UNIX_EPOCH).map_or(0, |since| {
            u64::try_from(since.as_nanos()).unwrap_or(u64::MAX)
        })
    }

    /// Time since the clock started.
    pub fn elapsed(&self) -> Duration {
        SystemTime::now()
            .duration_since(self.start)
            .unwrap_or(Duration::ZERO)
    }
}

/// The clock of this process's run: the parent's in a child, a new one otherwise.
pub fn inherited_clock() -> Clock {
    match child_info() {
        Ok(Some(child)) => child.clock,
        _ => Clock::start(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_clock_survives_the_trip_to_a_child() {
        let clock = Clock::start();
        let back = Clock::from_nanos(clock.as_nanos());
        let apart = back.elapsed().abs_diff(clock.elapsed());
        assert!(apart < Duration::from_millis(1), "{apart:?}");
    }

    #[test]
    fn a_test_is_not_a_child() {
        assert!(!is_child());
        assert_eq!(child_info(), Ok(None));
        assert_eq!(current_process().name, "MainProcess");
    }
}
