//! The record of one watched run: everything the lab saw, as one JSON document
//! (`--record FILE`). It is the lab's only machine interface: `check`, `side-by-side`,
//! the transcript tool and the tests read it; the lines people read are never parsed.
//!
//! Times are seconds from the moment the watched program was started.

use std::path::Path;

use serde::{Deserialize, Serialize};

/// The record's version: a reader refuses a record of another version.
pub const VERSION: u32 = 1;

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Record {
    pub version: u32,
    /// The command that was watched: the program, then its arguments.
    pub program: Vec<String>,
    /// What the program was told: `PICTURES_URL`, `PICTURES_DIR`, `PICTURES_COUNT`
    /// (empty and 0 for a program that downloads nothing, `watch_processes`).
    pub url: String,
    pub dir: String,
    pub count: usize,
    /// The local server's latency in ms; `None` when `--url` named another server
    /// (then `requests` is empty: the lab sees only its own server's side).
    pub latency_ms: Option<u64>,
    /// From the start of the program to the end of the last process of its tree.
    pub wall: f64,
    /// How the program the lab started ended.
    pub exit: Exit,
    /// Why the lab stopped the run early, if it did: `interrupted`, `terminated`,
    /// `time limit`.
    pub stopped: Option<String>,
    pub requests: Vec<Request>,
    pub processes: Vec<Process>,
    pub lines: Vec<Line>,
    /// Lines left out of `lines` to bound the record (the first and the last
    /// [`KEPT_LINES`] of a long output are kept); they still reached the terminal.
    #[serde(default)]
    pub lines_left_out: usize,
    /// Why the program's output could not all be passed on to the lab's own stdout or
    /// stderr (a full disk), if so: the run then fails. A reader that went early
    /// (`| head`) is not a loss.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub output_lost: Option<String>,
    pub files: Vec<File>,
    /// User and system CPU time of the whole tree, in seconds (Unix).
    pub cpu: Option<f64>,
    /// The highest memory the tree held at once, in bytes: each process's
    /// proportional share (Pss), summed (Linux).
    pub peak_memory: Option<u64>,
    /// The same program run again for comparison (`watch_compared_with`), if it was.
    pub comparison: Option<Comparison>,
    /// One record per way, for a program watched once per way (`watch_each_way`);
    /// then the fields above are the sums, and `requests`, `processes`, `lines` and
    /// `files` are each way's own, in its record here.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub ways: Vec<Record>,
}

/// How many lines a record keeps from the start of the output, and from its end.
pub const KEPT_LINES: usize = 5_000;

impl Record {
    /// An empty record of a run of `command`: told `url`, `dir` and `count`.
    pub fn of(command: &[std::ffi::OsString], url: &str, dir: &Path, count: usize) -> Record {
        Record {
            version: VERSION,
            program: command
                .iter()
                .map(|arg| arg.to_string_lossy().into_owned())
                .collect(),
            url: url.to_string(),
            dir: dir.to_string_lossy().into_owned(),
            count,
            latency_ms: None,
            wall: 0.0,
            exit: Exit::default(),
            stopped: None,
            requests: Vec::new(),
            processes: Vec::new(),
            lines: Vec::new(),
            lines_left_out: 0,
            output_lost: None,
            files: Vec::new(),
            cpu: None,
            peak_memory: None,
            comparison: None,
            ways: Vec::new(),
        }
    }
}

/// How a process ended: an exit code, or the signal that ended it, or not known (a
/// process the lab did not start, reaped by its own parent before the lab looked).
#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq, Eq, Default)]
pub struct Exit {
    pub code: Option<i32>,
    pub signal: Option<i32>,
}

impl Exit {
    pub fn success(&self) -> bool {
        self.code == Some(0)
    }
}

impl std::fmt::Display for Exit {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match (self.code, self.signal) {
            (Some(code), _) => write!(f, "exit {code}"),
            (None, Some(signal)) => write!(f, "signal {signal}"),
            (None, None) => write!(f, "ended"),
        }
    }
}

/// One request, from the server's side.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Request {
    /// From 1, in the order they arrived.
    pub number: usize,
    pub target: String,
    /// When it arrived.
    pub start: f64,
    /// When the first byte of the answer left; `None` if none did.
    pub first_byte: Option<f64>,
    /// When the last byte left (or the answer ended otherwise).
    pub end: f64,
    pub status: u16,
    pub bytes: u64,
    /// The whole answer went out.
    pub complete: bool,
    /// The local server was holding all the connections it can and answered 503.
    #[serde(default)]
    pub refused: bool,
    /// The client's end of the connection: requests on one connection share it.
    pub connection: String,
    /// The process of the watched tree that held the connection (Linux), else `None`.
    /// Found while the connection is open: a connection closed within a few
    /// milliseconds of opening may be missed, and then it is `None` too, as is one
    /// that ended before the lab could look (when many processes start at once and
    /// keep every CPU busy, the lab's look can come tens of milliseconds late).
    pub pid: Option<u32>,
}

/// One process of the watched tree.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Process {
    pub pid: u32,
    /// Who started it; `None` for the program the lab started.
    pub parent: Option<u32>,
    /// When the lab first saw it, and last saw it alive.
    pub start: f64,
    pub end: f64,
    pub exit: Exit,
    /// The most threads the lab saw in it at once (`/proc` is read every 5 ms, so a
    /// thread that lived less may be missed); `None` where not measured.
    #[serde(default)]
    pub threads: Option<u32>,
}

/// One line the tree wrote.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Line {
    /// When it arrived at the lab.
    pub time: f64,
    /// `stdout` or `stderr`.
    pub stream: String,
    /// Which process wrote it, where the lab can tell (today never: the tree shares
    /// one pipe, so the line does not say).
    pub pid: Option<u32>,
    pub text: String,
}

/// One entry of the pictures' folder after the run.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct File {
    pub name: String,
    pub bytes: u64,
    /// A whole JPEG: its markers, a frame with a size, a scan, its end.
    pub whole_jpeg: bool,
    /// `new` (not there before), `changed`, `unchanged`, `removed` (there before,
    /// gone now), `left half-written` (a temporary file the run left; the lab
    /// removed it), or `another writer's` (a new temporary file whose writer is not
    /// of this run's tree: kept).
    pub state: String,
}

impl File {
    /// Made or rewritten by this run.
    pub fn written(&self) -> bool {
        self.state == "new" || self.state == "changed"
    }
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Comparison {
    pub program: Vec<String>,
    pub wall: f64,
    pub exit: Exit,
    pub requests: usize,
}

impl Record {
    /// The most requests the server was answering at one moment.
    pub fn most_in_flight(&self) -> usize {
        let mut edges: Vec<(f64, i32)> = Vec::new();
        for request in &self.requests {
            edges.push((request.start, 1));
            edges.push((request.end, -1));
        }
        // At a tie an end comes first: one that ends as another starts never overlaps.
        edges.sort_by(|a, b| a.0.total_cmp(&b.0).then(a.1.cmp(&b.1)));
        let (mut now, mut most) = (0i32, 0i32);
        for (_, step) in edges {
            now += step;
            most = most.max(now);
        }
        most as usize
    }

    /// The pictures this run wrote whole: `0.jpg`, `1.jpg`, ...
    pub fn whole_pictures(&self) -> usize {
        self.files
            .iter()
            .filter(|file| file.written() && file.whole_jpeg)
            .count()
    }

    /// Entries that hold what they should not: a picture that is not whole, or a
    /// temporary file left behind.
    pub fn broken_files(&self) -> Vec<&File> {
        self.files
            .iter()
            .filter(|file| {
                (file.written() && !file.whole_jpeg) || file.state == "left half-written"
            })
            .collect()
    }

    /// The lines the tree printed, in the order they arrived.
    pub fn text(&self) -> Vec<&str> {
        self.lines.iter().map(|line| line.text.as_str()).collect()
    }

    /// Writes the record to `path` as JSON.
    pub fn write(&self, path: &Path) -> Result<(), RecordError> {
        let json = serde_json::to_vec_pretty(self).map_err(|error| RecordError::Json {
            path: path.display().to_string(),
            reason: error.to_string(),
        })?;
        crate::lab::output_file::write_whole(path, &json).map_err(|error| RecordError::Write {
            path: path.display().to_string(),
            reason: error.to_string(),
        })
    }

    /// Reads a record written by [`Record::write`].
    pub fn read(path: &Path) -> Result<Record, RecordError> {
        let where_ = path.display().to_string();
        let bytes = std::fs::read(path).map_err(|error| RecordError::Read {
            path: where_.clone(),
            reason: error.to_string(),
        })?;
        let record: Record = serde_json::from_slice(&bytes).map_err(|error| RecordError::Json {
            path: where_.clone(),
            reason: error.to_string(),
        })?;
        if record.version != VERSION {
            return Err(RecordError::Version {
                path: where_,
                found: record.version,
            });
        }
        Ok(record)
    }
}

#[derive(Debug, thiserror::Error)]
pub enum RecordError {
    #[error("cannot read the record {path}: {reason}")]
    Read { path: String, reason: String },
    #[error("cannot write the record {path}: {reason}")]
    Write { path: String, reason: String },
    #[error("the record {path} is not a lab record: {reason}")]
    Json { path: String, reason: String },
    #[error("the record {path} has version {found}; this lab reads version {VERSION}")]
    Version { path: String, found: u32 },
}

#[cfg(test)]
mod tests {
    use super::*;

    fn request(start: f64, end: f64) -> Request {
        Request {
            number: 1,
            target: "/200/3000".into(),
            start,
            first_byte: None,
            end,
            status: 200,
            bytes: 0,
            complete: true,
            refused: false,
            connection: String::new(),
            pid: None,
        }
    }

    #[test]
    fn in_flight_counts_overlaps_but_not_touching_ends() {
        let mut record = Record {
            requests: vec![request(0.0, 1.0), request(0.5, 1.5), request(1.5, 2.0)],
            ..Record::of(&[], "", Path::new(""), 0)
        };
        assert_eq!(record.most_in_flight(), 2);
        record.requests.clear();
        assert_eq!(record.most_in_flight(), 0);
    }
}
