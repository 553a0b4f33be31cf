//! What a timeline is made of: one event per start and end of a download.

use std::path::PathBuf;
use std::time::Duration;

/// What happened to one file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum EventKind {
    Started { url: String },
    Saved { path: PathBuf, bytes: u64 },
    Failed { reason: String },
}

/// One event: when (on the run's clock), who (pid and worker name), which file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Event {
    pub at: Duration,
    pub pid: u32,
    pub worker: String,
    pub file: usize,
    pub kind: EventKind,
}
