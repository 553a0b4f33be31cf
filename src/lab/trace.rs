//! A watched run as a Chrome trace (JSON), which <https://ui.perfetto.dev> opens: one
//! track per process of the tree (its life as a slice), one slice per request on the
//! track of the process that held its connection (or on the server's track where that
//! is not known), and an instant event for every line the tree printed.

use std::path::Path;

use serde_json::{Value, json};

use super::output_file::{self, OutputError};
use super::record::Record;

/// The track of requests whose process is not known.
const SERVER_TRACK: u32 = 0;

fn micros(seconds: f64) -> u64 {
    (seconds.max(0.0) * 1e6).round() as u64
}

/// The trace of `record`: `{"traceEvents": [...]}`.
pub fn trace_of(record: &Record) -> Value {
    let mut events = vec![json!({
        "name": "process_name", "ph": "M", "pid": SERVER_TRACK,
        "args": {"name": "the lab's picture server"},
    })];
    for process in &record.processes {
        let name = match process.parent {
            None => format!(
                "pid {} {}",
                process.pid,
                record.program.first().map_or("", |p| p)
            ),
            Some(parent) => format!("pid {} (started by {parent})", process.pid),
        };
        events.push(json!({
            "name": "process_name", "ph": "M", "pid": process.pid,
            "args": {"name": name},
        }));
        events.push(json!({
            "name": "alive", "cat": "process", "ph": "X", "pid": process.pid, "tid": 0,
            "ts": micros(process.start), "dur": micros(process.end - process.start),
            "args": {"exit": process.exit.to_string()},
        }));
    }
    for request in &record.requests {
        let pid = request.pid.unwrap_or(SERVER_TRACK);
        events.push(json!({
            "name": format!("GET {}", request.target), "cat": "request", "ph": "X",
            "pid": pid, "tid": request.number,
            "ts": micros(request.start), "dur": micros(request.end - request.start),
            "args": {
                "status": request.status, "bytes": request.bytes,
                "complete": request.complete, "connection": request.connection,
            },
        }));
    }
    for line in &record.lines {
        events.push(json!({
            "name": line.text, "cat": line.stream, "ph": "i", "s": "g",
            "pid": SERVER_TRACK, "tid": 0, "ts": micros(line.time),
        }));
    }
    json!({ "traceEvents": events })
}

/// Writes the trace of `record` to `path` (see `output_file`).
pub fn write(path: &Path, record: &Record) -> Result<(), OutputError> {
    let json = serde_json::to_vec(&trace_of(record)).map_err(|error| OutputError::Io {
        path: path.display().to_string(),
        reason: error.to_string(),
    })?;
    output_file::write_whole(path, &json)
}
