//! A run's timeline as a trace that a viewer opens: the Chrome trace event format
//! (JSON), which <https://ui.perfetto.dev> and Chromium's `about:tracing` read. One
//! track per process (named by its pid and name), one row per worker, one slice per
//! download, and an instant event where a download failed. `python/common.py` writes
//! the same format, so a Python run and a Rust run open side by side.

use std::collections::BTreeMap;
use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::time::Duration;

use serde_json::{Value, json};

use crate::event::{Event, EventKind};
use crate::{interrupt, temp};

/// Why a trace could not be written.
#[derive(Debug, thiserror::Error)]
pub enum TraceError {
    // `error`, not `source`: the message says it already, so it is not a cause to
    // repeat on a line of its own.
    #[error("--trace {}: cannot write the trace: {error}", path.display())]
    Write {
        path: PathBuf,
        error: std::io::Error,
    },
    #[error("--trace {}: is a folder; give a file name, e.g. {}/trace.json", path.display(), path.display())]
    IsAFolder { path: PathBuf },
}

/// The trace of `events`, as a JSON value: `{"traceEvents": [...]}`.
pub fn trace_of(events: &[Event]) -> Value {
    let mut trace = Vec::new();
    // Threads of one process share its pid: give each worker a row of its own.
    let mut rows: BTreeMap<(u32, &str), usize> = BTreeMap::new();
    for event in events {
        let next = rows.len() + 1;
        rows.entry((event.pid, event.worker.as_str()))
            .or_insert(next);
    }
    let mut named: Vec<u32> = Vec::new();
    for (&(pid, worker), &row) in &rows {
        if !named.contains(&pid) {
            named.push(pid);
            trace.push(json!({
                "name": "process_name", "ph": "M", "pid": pid,
                "args": {"name": format!("pid {pid} {}", process_name(events, pid))},
            }));
        }
        trace.push(json!({
            "name": "thread_name", "ph": "M", "pid": pid, "tid": row,
            "args": {"name": worker},
        }));
    }
    // One slice per download: from its start to the end of the same file by the same
    // worker (as `timeline::bars` pairs them).
    let mut open: Vec<(&Event, &str)> = Vec::new();
    for event in events {
        let row = rows[&(event.pid, event.worker.as_str())];
        let same = |(started, _): &(&Event, &str)| {
            started.pid == event.pid && started.worker == event.worker && started.file == event.file
        };
        // The slice from the start of this download to `event`, its end.
        let mut slice = |name: String, mut args: Value| {
            if let Some(at) = open.iter().rposition(same) {
                let (started, url) = open.remove(at);
                args["url"] = json!(url);
                trace.push(json!({
                    "name": name, "cat": "download", "ph": "X",
                    "ts": micros(started.at), "dur": micros(event.at.saturating_sub(started.at)),
                    "pid": event.pid, "tid": row, "args": args,
                }));
            }
        };
        match &event.kind {
            EventKind::Started { url } => open.push((event, url)),
            EventKind::Saved { path, bytes } => slice(
                format!("file {}", event.file),
                json!({"saved": path.to_string_lossy(), "bytes": bytes}),
            ),
            EventKind::Failed { reason } => {
                slice(
                    format!("file {} FAILED", event.file),
                    json!({ "failed": reason }),
                );
                trace.push(json!({
                    "name": format!("file {} FAILED", event.file), "cat": "failure", "ph": "i",
                    "s": "t", "ts": micros(event.at), "pid": event.pid, "tid": row,
                    "args": {"reason": reason},
                }));
            }
        }
    }
    // A download whose worker died has a start and no end: a slice up to the last event.
    let last = events
        .iter()
        .map(|event| event.at)
        .max()
        .unwrap_or_default();
    for (started, url) in open {
        trace.push(json!({
            "name": format!("file {} never finished", started.file), "cat": "download",
            "ph": "X", "ts": micros(started.at), "dur": micros(last.saturating_sub(started.at)),
            "pid": started.pid, "tid": rows[&(started.pid, started.worker.as_str())],
            "args": {"url": url},
        }));
    }
    json!({ "traceEvents": trace, "displayTimeUnit": "ms" })
}

/// Checks, before a run starts, that a trace can go to `path`: not a folder, and in a
/// folder that exists.
pub fn check_path(path: &Path) -> Result<(), TraceError> {
    if path.is_dir() {
        return Err(TraceError::IsAFolder {
            path: path.to_path_buf(),
        });
    }
    match path.parent() {
        Some(parent) if !parent.as_os_str().is_empty() && !parent.is_dir() => {
            Err(TraceError::Write {
                path: path.to_path_buf(),
                error: std::io::Error::new(
                    std::io::ErrorKind::NotFound,
                    format!("the folder {} does not exist", parent.display()),
                ),
            })
        }
        _ => Ok(()),
    }
}

/// Writes the trace of `events` to `path`: to a temporary file next to it first, then
/// renamed, so the file is either the whole trace or not there.
pub fn write(path: &Path, events: &[Event]) -> Result<(), TraceError> {
    check_path(path)?;
    let error = |error| TraceError::Write {
        path: path.to_path_buf(),
        error,
    };
    let folder = match path.parent() {
        Some(parent) if !parent.as_os_str().is_empty() => parent,
        _ => Path::new("."),
    };
    let temporary = temp::new_name(folder, "trace");
    let result = interrupt::create_temp_file(&temporary).and_then(|mut file| {
        serde_json::to_writer(&mut file, &trace_of(events))?;
        file.write_all(b"\n")?;
        file.sync_all()?;
        std::fs::rename(&temporary, path)
    });
    if result.is_err() {
        let _ = std::fs::remove_file(&temporary);
    }
    interrupt::forget_temp_file(&temporary);
    result.map_err(error)
}

/// Microseconds, the trace format's unit.
fn micros(at: Duration) -> f64 {
    at.as_nanos() as f64 / 1000.0
}

/// A process's name: `MainProcess` for the one the learner started, else the name of
/// its first worker (`Process-2`).
fn process_name(events: &[Event], pid: u32) -> String {
    if pid == std::process::id() {
        return "MainProcess".into();
    }
    events
        .iter()
        .find(|event| event.pid == pid)
        .map_or_else(String::new, |event| event.worker.clone())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn event(ms: u64, pid: u32, worker: &str, file: usize, kind: EventKind) -> Event {
        Event {
            at: Duration::from_millis(ms),
            pid,
            worker: worker.into(),
            file,
            kind,
        }
    }

    #[test]
    fn each_download_is_one_slice_and_a_failure_is_an_instant_too() {
        let started = || EventKind::Started { url: "u".into() };
        let events = [
            event(0, 10, "Process-1", 0, started()),
            event(1, 11, "Process-2", 1, started()),
            event(
                300,
                10,
                "Process-1",
                0,
                EventKind::Saved {
                    path: "0.jpg".into(),
                    bytes: 5,
                },
            ),
            event(
                301,
                11,
                "Process-2",
                1,
                EventKind::Failed {
                    reason: "HTTP 500".into(),
                },
            ),
        ];
        let trace = trace_of(&events);
        let all = trace["traceEvents"].as_array().unwrap();
        let of = |ph: &str| all.iter().filter(|e| e["ph"] == ph).collect::<Vec<_>>();
        let slices = of("X");
        assert_eq!(slices.len(), 2);
        assert_eq!(slices[0]["name"], "file 0");
        assert_eq!(slices[0]["ts"], 0.0);
        assert_eq!(slices[0]["dur"], 300_000.0);
        assert_eq!(slices[1]["name"], "file 1 FAILED");
        assert_eq!(of("i").len(), 1);
        // Two processes named, one row each.
        assert_eq!(
            all.iter().filter(|e| e["name"] == "process_name").count(),
            2
        );
        assert_eq!(all.iter().filter(|e| e["name"] == "thread_name").count(), 2);
    }

    #[test]
    fn a_download_that_never_ended_is_a_slice_to_the_last_event() {
        let events = [
            event(
                0,
                10,
                "Process-1",
                0,
                EventKind::Started { url: "u".into() },
            ),
            event(
                5,
                11,
                "Process-2",
                1,
                EventKind::Started { url: "u".into() },
            ),
            event(
                9,
                11,
                "Process-2",
                1,
                EventKind::Saved {
                    path: "1.jpg".into(),
                    bytes: 5,
                },
            ),
        ];
        let trace = trace_of(&events);
        let unfinished: Vec<_> = trace["traceEvents"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|e| e["name"] == "file 0 never finished")
            .collect();
        assert_eq!(unfinished.len(), 1);
        assert_eq!(unfinished[0]["dur"], 9000.0);
    }
}
