//! Who did what, when: every download records a start and an end event. The events are
//! printed as they happen and drawn at the end as bars on one time axis.
//!
//! All processes of a run share one clock: the parent's start time is handed to each
//! child (see `process`), and a child sends its events to the parent over its stdout,
//! one line each. So the parent's log holds everybody's events, in one timeline.

use std::fmt::Write as _;
use std::io::{IsTerminal, Write as _};
use std::path::PathBuf;
use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use colored::{Color, Colorize};

use crate::process;

/// What happened to one file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum What {
    Started { url: String },
    Saved { path: PathBuf, bytes: u64 },
    Failed { reason: String },
}

/// One event: when (since the run started), who (pid and worker name), which file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Event {
    pub at: Duration,
    pub pid: u32,
    pub worker: String,
    pub file: usize,
    pub what: What,
}

/// The environment variable that hands the parent's start time to its children.
pub(crate) const START_TIME_VAR: &str = "WORKBOOK_START_NS";

/// Marks an event line in a child's stdout, so other output passes through untouched.
const EVENT_PREFIX: &str = "@workbook-event\t";

static START: Mutex<Option<SystemTime>> = Mutex::new(None);
static LOG: Mutex<Vec<Event>> = Mutex::new(Vec::new());
static QUIET: AtomicBool = AtomicBool::new(false);

/// The moment the run started: inherited from the parent, or now for the first process.
pub fn start_time() -> SystemTime {
    let mut start = START
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner());
    *start.get_or_insert_with(|| {
        std::env::var(START_TIME_VAR)
            .ok()
            .and_then(|ns| ns.parse::<u64>().ok())
            .map(|ns| UNIX_EPOCH + Duration::from_nanos(ns))
            .unwrap_or_else(SystemTime::now)
    })
}

/// Starts the clock again at zero, like the tutorial's `start = time.perf_counter()`
/// just before the downloads: setting up (the server, the folder) is not timed.
pub fn restart_clock() {
    *START
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner()) = Some(SystemTime::now());
}

/// Time since the run started.
pub fn elapsed() -> Duration {
    SystemTime::now()
        .duration_since(start_time())
        .unwrap_or(Duration::ZERO)
}

/// Stops the live printing of events (benchmarks record thousands of them).
pub fn set_quiet(quiet: bool) {
    QUIET.store(quiet, Ordering::SeqCst);
}

/// Is live printing off?
pub fn is_quiet() -> bool {
    QUIET.load(Ordering::SeqCst)
}

/// Decides once whether output is colored (only on a terminal, and never with
/// `NO_COLOR`) and how bars are drawn: `█` on a terminal, `#` when the output goes to
/// a file or a pipe, where a block character may not be one column wide (in a
/// browser, say).
pub fn init_color() {
    let terminal = std::io::stdout().is_terminal();
    let no_color = std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty());
    colored::control::set_override(terminal && !no_color);
    PLAIN_BARS.store(!terminal, Ordering::SeqCst);
}

static PLAIN_BARS: AtomicBool = AtomicBool::new(false);

/// Who is working: the current thread's name if it has one of its own (`Thread-3`,
/// `rayon-1`), else the process's name (`MainProcess`, `Process-2`).
pub fn worker_name() -> String {
    match std::thread::current().name() {
        Some(name) if name != "main" => name.to_string(),
        _ => process::current_process().name,
    }
}

/// Records an event of the current worker about `file`.
///
/// In the parent it is printed and kept for the timeline; in a child it goes to the
/// parent as one line on stdout.
pub fn record(file: usize, what: What) {
    let event = Event {
        at: elapsed(),
        pid: std::process::id(),
        worker: worker_name(),
        file,
        what,
    };
    if process::is_child() {
        // A parent that stopped listening (lesson 07) must not crash the child.
        let _ = writeln!(std::io::stdout(), "{}", encode(&event));
    } else {
        keep(event);
    }
}

/// Prints an event and keeps it for the timeline (also used for a child's events).
pub(crate) fn keep(event: Event) {
    if !QUIET.load(Ordering::SeqCst) {
        crate::say!("{}", describe(&event));
    }
    LOG.lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
        .push(event);
}

/// A copy of the events recorded so far.
pub fn snapshot() -> Vec<Event> {
    LOG.lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
        .clone()
}

/// Takes all events recorded so far, leaving the log empty.
pub fn take_events() -> Vec<Event> {
    std::mem::take(&mut *LOG.lock().unwrap_or_else(|poisoned| poisoned.into_inner()))
}

/// One event as a line for the terminal.
pub fn describe(event: &Event) -> String {
    let who = format!(
        "{:>7.3}s  pid {:<7} {:<12} file {}",
        event.at.as_secs_f64(),
        event.pid,
        event.worker,
        event.file
    );
    let who = who.color(worker_color(&event.worker));
    match &event.what {
        What::Started { url } => format!("{who}  {} {url}", "start".bold()),
        What::Saved { path, bytes } => {
            format!(
                "{who}  {} {} ({bytes} bytes)",
                "saved".green().bold(),
                path.display()
            )
        }
        What::Failed { reason } => format!("{who}  {} {reason}", "FAILED".red().bold()),
    }
}

fn worker_color(worker: &str) -> Color {
    const COLORS: [Color; 6] = [
        Color::Cyan,
        Color::Yellow,
        Color::Magenta,
        Color::Blue,
        Color::Green,
        Color::BrightRed,
    ];
    let hash = worker
        .bytes()
        .fold(7usize, |h, b| h.wrapping_mul(31).wrapping_add(b.into()));
    COLORS[hash % COLORS.len()]
}

/// An event as one line a child writes to its stdout.
pub(crate) fn encode(event: &Event) -> String {
    let clean = |text: &str| text.replace(['\t', '\n', '\r'], " ");
    let what = match &event.what {
        What::Started { url } => format!("start\t{}", clean(url)),
        What::Saved { path, bytes } => {
            format!("saved\t{bytes}\t{}", clean(&path.to_string_lossy()))
        }
        What::Failed { reason } => format!("failed\t{}", clean(reason)),
    };
    format!(
        "{EVENT_PREFIX}{}\t{}\t{}\t{}\t{what}",
        event.at.as_micros(),
        event.pid,
        clean(&event.worker),
        event.file
    )
}

/// Reads a line from a child's stdout back into an event; `None` for any other line.
pub(crate) fn decode(line: &str) -> Option<Event> {
    let fields: Vec<&str> = line.strip_prefix(EVENT_PREFIX)?.splitn(6, '\t').collect();
    let [at, pid, worker, file, kind, rest] = fields[..] else {
        return None;
    };
    let what = match kind {
        "start" => What::Started { url: rest.into() },
        "failed" => What::Failed {
            reason: rest.into(),
        },
        "saved" => {
            let (bytes, path) = rest.split_once('\t')?;
            What::Saved {
                path: path.into(),
                bytes: bytes.parse().ok()?,
            }
        }
        _ => return None,
    };
    Some(Event {
        at: Duration::from_micros(at.parse().ok()?),
        pid: pid.parse().ok()?,
        worker: worker.into(),
        file: file.parse().ok()?,
        what,
    })
}

/// An event line as [`describe`] prints it (without color), read back by the tests
/// and by the exercise checker: `  0.123s  pid 4101    Process-1    file 0  start ...`.
#[derive(Debug, Clone, PartialEq)]
pub struct PrintedEvent {
    pub seconds: f64,
    pub pid: u32,
    pub worker: String,
    pub file: usize,
    /// `start`, `saved` or `FAILED`.
    pub kind: String,
}

/// Reads the event lines of a lesson's output; other lines are skipped.
pub fn read_printed_events(output: &str) -> Vec<PrintedEvent> {
    output
        .lines()
        .filter_map(|line| {
            let words: Vec<&str> = line.split_whitespace().collect();
            match words[..] {
                [time, "pid", pid, worker, "file", file, kind, ..] if time.ends_with('s') => {
                    Some(PrintedEvent {
                        seconds: time.trim_end_matches('s').parse().ok()?,
                        pid: pid.parse().ok()?,
                        worker: worker.to_string(),
                        file: file.parse().ok()?,
                        kind: kind.to_string(),
                    })
                }
                _ => None,
            }
        })
        .collect()
}

/// The most downloads that were under way at the same moment, from printed events.
pub fn most_at_once(events: &[PrintedEvent]) -> usize {
    let mut changes: Vec<(f64, i32)> = events
        .iter()
        .filter_map(|event| match event.kind.as_str() {
            "start" => Some((event.seconds, 1)),
            "saved" | "FAILED" => Some((event.seconds, -1)),
            _ => None,
        })
        .collect();
    // At equal times, count the ends first: a download that ends as the next starts
    // did not run at the same time as it.
    changes.sort_by(|a, b| a.0.total_cmp(&b.0).then(a.1.cmp(&b.1)));
    let (mut now, mut most) = (0i32, 0i32);
    for (_, change) in changes {
        now += change;
        most = most.max(now);
    }
    most.max(0) as usize
}

/// One bar: a download from its start to its end.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Bar {
    pub file: usize,
    pub pid: u32,
    pub worker: String,
    pub start: Duration,
    pub end: Duration,
    pub outcome: Outcome,
}

/// How a download ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    Saved,
    Failed,
    /// Started, but no end was ever recorded: its worker died (lesson 07).
    Unfinished,
}

/// Pairs each start with the end of the same file by the same process.
pub fn bars(events: &[Event]) -> Vec<Bar> {
    let mut bars: Vec<Bar> = Vec::new();
    for event in events {
        match &event.what {
            What::Started { .. } => bars.push(Bar {
                file: event.file,
                pid: event.pid,
                worker: event.worker.clone(),
                start: event.at,
                end: event.at,
                outcome: Outcome::Unfinished,
            }),
            What::Saved { .. } | What::Failed { .. } => {
                let open = bars.iter_mut().rev().find(|bar| {
                    bar.file == event.file
                        && bar.pid == event.pid
                        && bar.worker == event.worker
                        && bar.outcome == Outcome::Unfinished
                });
                if let Some(bar) = open {
                    bar.end = event.at.max(bar.start);
                    bar.outcome = match event.what {
                        What::Saved { .. } => Outcome::Saved,
                        _ => Outcome::Failed,
                    };
                }
            }
        }
    }
    bars.sort_by_key(|bar| (bar.start, bar.file));
    bars
}

/// Draws bars on a shared time axis of `width` columns, like
///
/// ```text
///                              0s       0.5s       1.0s
/// file 0 pid 4101 MainProcess |██████                    |
/// file 1 pid 4101 MainProcess |      ██████              |
/// ```
///
/// A failed download is drawn with `x`, one that never finished with a single `?`.
pub fn draw(bars: &[Bar], total: Duration, width: usize) -> String {
    let width = width.max(10);
    let total_secs = total.as_secs_f64().max(1e-3);
    let worker_width = bars.iter().map(|bar| bar.worker.len()).max().unwrap_or(0);
    let labels: Vec<String> = bars
        .iter()
        .map(|bar| {
            format!(
                "file {} pid {} {:worker_width$}",
                bar.file, bar.pid, bar.worker
            )
        })
        .collect();
    let label_width = labels.iter().map(String::len).max().unwrap_or(0);
    let column = |t: Duration| ((t.as_secs_f64() / total_secs) * width as f64).round() as usize;

    let block = if PLAIN_BARS.load(Ordering::SeqCst) {
        "#"
    } else {
        "█"
    };
    let mut out = String::new();
    // The axis: a tick label every `step` seconds, placed over its column.
    let step = tick_step(total_secs);
    let mut axis = vec![' '; width + 8];
    let mut tick = 0.0;
    while tick <= total_secs + 1e-9 {
        let text = format_seconds(tick, step);
        let at = 1 + column(Duration::from_secs_f64(tick));
        let at = at
            .saturating_sub(text.len() / 2)
            .min(axis.len() - text.len());
        if axis[at.saturating_sub(1)..at + text.len()]
            .iter()
            .all(|c| *c == ' ')
        {
            for (i, c) in text.chars().enumerate() {
                axis[at + i] = c;
            }
        }
        tick += step;
    }
    let axis: String = axis.into_iter().collect();
    let _ = writeln!(out, "{:label_width$} {}", "", axis.trim_end());

    for (bar, label) in bars.iter().zip(&labels) {
        let from = column(bar.start).min(width - 1);
        let to = match bar.outcome {
            Outcome::Unfinished => from + 1,
            _ => column(bar.end).clamp(from + 1, width),
        };
        let fill = match bar.outcome {
            Outcome::Saved => block,
            Outcome::Failed => "x",
            Outcome::Unfinished => "?",
        };
        let line = format!(
            "{}{}{}",
            " ".repeat(from),
            fill.repeat(to - from),
            " ".repeat(width - to)
        );
        let line = line.color(worker_color(&bar.worker));
        let _ = writeln!(out, "{label:label_width$} |{line}|");
    }
    if bars.iter().any(|bar| bar.outcome != Outcome::Saved) {
        let _ = writeln!(
            out,
            "({block} saved, x failed, ? started but never finished)"
        );
    }
    out
}

/// A round tick spacing that gives about four to eight ticks.
fn tick_step(total_secs: f64) -> f64 {
    const STEPS: [f64; 11] = [0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 1.0, 2.0, 5.0, 10.0, 30.0];
    STEPS
        .into_iter()
        .find(|step| total_secs / step <= 8.0)
        .unwrap_or(60.0)
}

fn format_seconds(secs: f64, step: f64) -> String {
    if secs == 0.0 {
        "0s".into()
    } else if step >= 1.0 {
        format!("{secs:.0}s")
    } else if step >= 0.1 {
        format!("{secs:.1}s")
    } else {
        format!("{secs:.2}s")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn event(at_ms: u64, file: usize, what: What) -> Event {
        Event {
            at: Duration::from_millis(at_ms),
            pid: 42,
            worker: "MainProcess".into(),
            file,
            what,
        }
    }

    #[test]
    fn events_survive_the_trip_through_a_pipe() {
        let events = [
            event(
                1,
                0,
                What::Started {
                    url: "http://h/200/3000".into(),
                },
            ),
            event(
                2,
                0,
                What::Saved {
                    path: "out dir/0.jpg".into(),
                    bytes: 1234,
                },
            ),
            event(
                3,
                1,
                What::Failed {
                    reason: "HTTP 404\tNot Found".into(),
                },
            ),
        ];
        for original in events {
            let line = encode(&original);
            assert!(!line.contains('\n'));
            let back = decode(&line).expect("decodes");
            match &original.what {
                What::Failed { reason } => {
                    assert_eq!(
                        back.what,
                        What::Failed {
                            reason: reason.replace('\t', " ")
                        }
                    )
                }
                _ => assert_eq!(back, original),
            }
        }
        assert_eq!(decode("hello from the child"), None);
        assert_eq!(decode("@workbook-event\tgarbage"), None);
    }

    #[test]
    fn sequential_downloads_draw_a_staircase() {
        colored::control::set_override(false);
        let mut events = Vec::new();
        for file in 0..3 {
            let start = file as u64 * 100;
            events.push(event(start, file, What::Started { url: "u".into() }));
            events.push(event(
                start + 100,
                file,
                What::Saved {
                    path: "p".into(),
                    bytes: 1,
                },
            ));
        }
        let drawn = draw(&bars(&events), Duration::from_millis(300), 30);
        let rows: Vec<&str> = drawn.lines().skip(1).collect();
        assert_eq!(rows.len(), 3);
        // Each bar starts where the one above it ends.
        let first_block = |row: &str| row.chars().position(|c| c == '█').expect("a bar");
        let last_block = |row: &str| {
            row.chars()
                .collect::<Vec<_>>()
                .iter()
                .rposition(|c| *c == '█')
        };
        assert!(first_block(rows[0]) < first_block(rows[1]));
        assert_eq!(
            last_block(rows[0]).map(|c| c + 1),
            Some(first_block(rows[1]))
        );
        assert!(drawn.lines().next().expect("axis").contains("0s"));
    }

    #[test]
    fn a_failed_download_is_drawn_with_x() {
        colored::control::set_override(false);
        let events = [
            event(0, 0, What::Started { url: "u".into() }),
            event(
                50,
                0,
                What::Failed {
                    reason: "404".into(),
                },
            ),
        ];
        let drawn = draw(&bars(&events), Duration::from_millis(100), 20);
        let row = drawn.lines().nth(1).expect("one bar");
        assert!(row.contains("|xxxxxxxxxx          |"), "{drawn}");
        assert!(drawn.contains("x failed"), "a legend explains the x");
    }

    #[test]
    fn a_download_that_never_ended_is_unfinished() {
        colored::control::set_override(false);
        let events = [
            event(0, 0, What::Started { url: "u".into() }),
            event(10, 1, What::Started { url: "u".into() }),
            event(
                90,
                1,
                What::Saved {
                    path: "p".into(),
                    bytes: 1,
                },
            ),
        ];
        let bars = bars(&events);
        let outcomes: Vec<Outcome> = bars.iter().map(|bar| bar.outcome).collect();
        assert_eq!(outcomes, [Outcome::Unfinished, Outcome::Saved]);
        let drawn = draw(&bars, Duration::from_millis(100), 20);
        assert!(
            drawn
                .lines()
                .nth(1)
                .expect("row")
                .contains("|?                   |"),
            "{drawn}"
        );
    }
}
