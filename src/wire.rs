//! The line format between processes. A child tells its parent about events and queue
//! messages by writing one line each to its stdout; every other line passes through as
//! ordinary output.
//!
//! Each line goes out in a single `write` of at most a few hundred bytes, so the lines
//! of several processes that share one pipe (a child's children inherit it) never
//! interleave: POSIX makes writes of up to `PIPE_BUF` (4096 bytes on Linux) to a pipe
//! atomic.

use std::io::Write;
use std::time::Duration;

use crate::event::{Event, EventKind};

/// Marks an event line.
const EVENT_PREFIX: &str = "@workbook-event\t";
/// Marks a queue message.
const QUEUE_PREFIX: &str = "@workbook-queue\t";
/// Longer lines are cut: a line must fit into one atomic write to a pipe.
const MAX_LINE: usize = 4000;

/// What a child can send to its parent.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Message {
    Event(Event),
    Queue(String),
}

/// Sends a message to the parent as one line on stdout. A parent that stopped
/// listening (lesson 07) is not an error for the child: the line is dropped.
pub fn send(message: &Message) {
    let mut line = encode(message);
    line.push('\n');
    let _ = std::io::stdout().lock().write_all(line.as_bytes());
}

/// A message as one line (without the line break).
pub fn encode(message: &Message) -> String {
    let line = match message {
        Message::Queue(text) => format!("{QUEUE_PREFIX}{}", one_line(text)),
        Message::Event(event) => {
            let kind = match &event.kind {
                EventKind::Started { url } => format!("start\t{}", clean(url)),
                EventKind::Saved { path, bytes } => {
                    format!("saved\t{bytes}\t{}", clean(&path.to_string_lossy()))
                }
                EventKind::Failed { reason } => format!("failed\t{}", clean(reason)),
            };
            format!(
                "{EVENT_PREFIX}{}\t{}\t{}\t{}\t{kind}",
                event.at.as_micros(),
                event.pid,
                clean(&event.worker),
                event.file
            )
        }
    };
    cut(line)
}

/// Reads a line back into a message; `None` for an ordinary line of output.
pub fn decode(line: &str) -> Option<Message> {
    if let Some(text) = line.strip_prefix(QUEUE_PREFIX) {
        return Some(Message::Queue(text.to_string()));
    }
    let fields: Vec<&str> = line.strip_prefix(EVENT_PREFIX)?.splitn(6, '\t').collect();
    let [at, pid, worker, file, kind, rest] = fields[..] else {
        return None;
    };
    let kind = match kind {
        "start" => EventKind::Started { url: rest.into() },
        "failed" => EventKind::Failed {
            reason: rest.into(),
        },
        "saved" => {
            let (bytes, path) = rest.split_once('\t')?;
            EventKind::Saved {
                path: path.into(),
                bytes: bytes.parse().ok()?,
            }
        }
        _ => return None,
    };
    Some(Message::Event(Event {
        at: Duration::from_micros(at.parse().ok()?),
        pid: pid.parse().ok()?,
        worker: worker.into(),
        file: file.parse().ok()?,
        kind,
    }))
}

/// Tabs separate the fields, and a line break would end the line.
fn clean(text: &str) -> String {
    text.replace(['\t', '\n', '\r'], " ")
}

/// A queue message keeps its tabs; only line breaks become spaces.
fn one_line(text: &str) -> String {
    text.replace(['\n', '\r'], " ")
}

fn cut(mut line: String) -> String {
    if line.len() > MAX_LINE {
        let mut end = MAX_LINE;
        while !line.is_char_boundary(end) {
            end -= 1;
        }
        line.truncate(end);
    }
    line
}

#[cfg(test)]
mod tests {
    use super::*;

    fn event(kind: EventKind) -> Message {
        Message::Event(Event {
            at: Duration::from_micros(1234),
            pid: 42,
            worker: "Process-1".into(),
            file: 3,
            kind,
        })
    }

    #[test]
    fn messages_survive_the_trip_through_a_pipe() {
        for original in [
            event(EventKind::Started {
                url: "http://h/200/3000".into(),
            }),
            event(EventKind::Saved {
                path: "out dir/0.jpg".into(),
                bytes: 1234,
            }),
            event(EventKind::Failed {
                reason: "HTTP 404 Not Found".into(),
            }),
            Message::Queue("7 42\tand a tab".into()),
        ] {
            let line = encode(&original);
            assert!(!line.contains('\n'));
            assert_eq!(decode(&line), Some(original));
        }
    }

    #[test]
    fn tabs_and_line_breaks_cannot_break_a_line() {
        let line = encode(&event(EventKind::Failed {
            reason: "one\ttwo\nthree".into(),
        }));
        assert!(!line.contains('\n'));
        let Some(Message::Event(back)) = decode(&line) else {
            panic!("decodes")
        };
        assert_eq!(
            back.kind,
            EventKind::Failed {
                reason: "one two three".into()
            }
        );
    }

    #[test]
    fn other_lines_are_ordinary_output() {
        assert_eq!(decode("hello from the child"), None);
        assert_eq!(decode("@workbook-event\tgarbage"), None);
    }

    #[test]
    fn a_huge_line_fits_one_atomic_write() {
        let line = encode(&Message::Queue("é".repeat(10_000)));
        assert!(line.len() <= MAX_LINE);
    }
}
