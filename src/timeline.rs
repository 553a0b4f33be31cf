//! Who did what, when. Every download records a start and an end event in the run's
//! [`Timeline`]; the events are printed as they happen and drawn at the end as bars
//! on one time axis.
//!
//! A timeline is a value the run owns: the lesson makes one, hands it to its
//! downloaders and processes, and reads it at the end. A child process records into a
//! timeline that sends each event to its parent (see `wire`), whose timeline keeps it:
//! so the parent's timeline holds everybody's events. Drawing is a pure function of
//! the events and a [`Style`].

use std::fmt::Write as _;
use std::io::IsTerminal;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use colored::{Color, Colorize};

use crate::event::{Event, EventKind};
use crate::run::{self, Clock};
use crate::wire::{self, Message};

/// How events and bars look: colored or not, and the character a bar is drawn with.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Style {
    pub color: bool,
    pub block: &'static str,
}

impl Style {
    /// Plain text: no color, bars of `#`.
    pub const PLAIN: Style = Style {
        color: false,
        block: "#",
    };

    /// Color and `█` on a terminal (without `NO_COLOR`); plain when the output goes to
    /// a file or a pipe, where a block character may not be one column wide (in a
    /// browser, say).
    pub fn for_stdout() -> Style {
        let terminal = std::io::stdout().is_terminal();
        let no_color = std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty());
        Style {
            color: terminal && !no_color,
            block: if terminal { "█" } else { "#" },
        }
    }

    /// `text` in `color`, if this style has color.
    pub fn paint(&self, text: &str, color: Color) -> String {
        if self.color {
            text.color(color).to_string()
        } else {
            text.to_string()
        }
    }

    fn bold(&self, text: &str, color: Option<Color>) -> String {
        match (self.color, color) {
            (false, _) => text.to_string(),
            (true, Some(color)) => text.color(color).bold().to_string(),
            (true, None) => text.bold().to_string(),
        }
    }
}

/// The events of one run, in the order they were recorded. Cloning it gives another
/// handle to the same timeline (threads share it).
#[derive(Clone)]
pub struct Timeline {
    inner: Arc<Inner>,
}

struct Inner {
    clock: Clock,
    /// Where events go: kept here (and printed, if `print` is set), or sent to the
    /// parent process.
    to_parent: bool,
    print: Option<Style>,
    events: Mutex<Vec<Event>>,
}

impl Timeline {
    /// A timeline that keeps its events and prints each one as it is recorded.
    pub fn printing(clock: Clock, style: Style) -> Timeline {
        Timeline::with(clock, false, Some(style))
    }

    /// A timeline that keeps its events without printing them (benchmarks record
    /// thousands).
    pub fn quiet(clock: Clock) -> Timeline {
        Timeline::with(clock, false, None)
    }

    /// The timeline of a child process: each event goes to the parent as one line on
    /// stdout (see `wire`), on the parent's clock.
    pub fn to_parent() -> Timeline {
        Timeline::with(run::inherited_clock(), true, None)
    }

    fn with(clock: Clock, to_parent: bool, print: Option<Style>) -> Timeline {
        Timeline {
            inner: Arc::new(Inner {
                clock,
                to_parent,
                print,
                events: Mutex::new(Vec::new()),
            }),
        }
    }

    /// The run's clock.
    pub fn clock(&self) -> Clock {
        self.inner.clock
    }

    /// Time since the run started.
    pub fn elapsed(&self) -> Duration {
        self.inner.clock.elapsed()
    }

    /// Records an event of the current worker (thread or process) about `file`.
    pub fn record(&self, file: usize, kind: EventKind) {
        let event = Event {
            at: self.elapsed(),
            pid: std::process::id(),
            worker: worker_name(),
            file,
            kind,
        };
        if self.inner.to_parent {
            wire::send(&Message::Event(event));
        } else {
            self.keep(event);
        }
    }

    /// Keeps an event that already happened (a child's, read from its stdout).
    pub fn keep(&self, event: Event) {
        if let Some(style) = self.inner.print {
            crate::say!("{}", describe(&event, style));
        }
        self.lock().push(event);
    }

    /// A copy of the events recorded so far.
    pub fn events(&self) -> Vec<Event> {
        self.lock().clone()
    }

    /// Forgets the events recorded so far (a benchmark runs the same downloads again).
    pub fn clear(&self) {
        self.lock().clear();
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Vec<Event>> {
        self.inner
            .events
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

/// Who is working: the process's name (`MainProcess`, `Process-2`) on its main
/// thread; on another thread, the thread's name if it has one, `rayon-1` on rayon's
/// pool, else `thread-N` by its id.
pub fn worker_name() -> String {
    let thread = std::thread::current();
    match thread.name() {
        Some("main") => run::current_process().name,
        Some(name) => name.to_string(),
        None => match rayon::current_thread_index() {
            Some(index) => format!("rayon-{index}"),
            None => {
                // `ThreadId(7)` -> `thread-7`
                let id = format!("{:?}", thread.id());
                let digits: String = id.chars().filter(char::is_ascii_digit).collect();
                format!("thread-{digits}")
            }
        },
    }
}

/// One event as a line for the terminal.
pub fn describe(event: &Event, style: Style) -> String {
    let who = format!(
        "{:>7.3}s  pid {:<7} {:<12} file {}",
        event.at.as_secs_f64(),
        event.pid,
        event.worker,
        event.file
    );
    let who = style.paint(&who, worker_color(&event.worker));
    match &event.kind {
        EventKind::Started { url } => format!("{who}  {} {url}", style.bold("start", None)),
        EventKind::Saved { path, bytes } => format!(
            "{who}  {} {} ({bytes} bytes)",
            style.bold("saved", Some(Color::Green)),
            path.display()
        ),
        EventKind::Failed { reason } => {
            // The start line above names the URL: do not repeat it.
            let reason = match reason.split_once(": ") {
                Some((url, why)) if url.starts_with("http://") || url.starts_with("https://") => {
                    why
                }
                _ => reason,
            };
            format!("{who}  {} {reason}", style.bold("FAILED", Some(Color::Red)))
        }
    }
}

/// The colors workers are drawn in, in order; [`worker_color_index`] picks one.
pub const WORKER_COLORS: [Color; 6] = [
    Color::Cyan,
    Color::Yellow,
    Color::Magenta,
    Color::Blue,
    Color::Green,
    Color::BrightRed,
];

/// Which of [`WORKER_COLORS`] a worker is drawn in: the same for the same name, in
/// the terminal and in the book's pictures.
pub fn worker_color_index(worker: &str) -> usize {
    let hash = worker
        .bytes()
        .fold(7usize, |h, b| h.wrapping_mul(31).wrapping_add(b.into()));
    hash % WORKER_COLORS.len()
}

fn worker_color(worker: &str) -> Color {
    WORKER_COLORS[worker_color_index(worker)]
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
        match &event.kind {
            EventKind::Started { .. } => bars.push(Bar {
                file: event.file,
                pid: event.pid,
                worker: event.worker.clone(),
                start: event.at,
                end: event.at,
                outcome: Outcome::Unfinished,
            }),
            EventKind::Saved { .. } | EventKind::Failed { .. } => {
                let open = bars.iter_mut().rev().find(|bar| {
                    bar.file == event.file
                        && bar.pid == event.pid
                        && bar.worker == event.worker
                        && bar.outcome == Outcome::Unfinished
                });
                if let Some(bar) = open {
                    bar.end = event.at.max(bar.start);
                    bar.outcome = match event.kind {
                        EventKind::Saved { .. } => Outcome::Saved,
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
pub fn draw(bars: &[Bar], total: Duration, width: usize, style: Style) -> String {
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

    let block = style.block;
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
        let line = style.paint(&line, worker_color(&bar.worker));
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

    fn event(at_ms: u64, file: usize, kind: EventKind) -> Event {
        Event {
            at: Duration::from_millis(at_ms),
            pid: 42,
            worker: "MainProcess".into(),
            file,
            kind,
        }
    }

    #[test]
    fn sequential_downloads_draw_a_staircase() {
        let mut events = Vec::new();
        for file in 0..3 {
            let start = file as u64 * 100;
            events.push(event(start, file, EventKind::Started { url: "u".into() }));
            events.push(event(
                start + 100,
                file,
                EventKind::Saved {
                    path: "p".into(),
                    bytes: 1,
                },
            ));
        }
        let drawn = draw(
            &bars(&events),
            Duration::from_millis(300),
            30,
            Style {
                color: false,
                block: "█",
            },
        );
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
        let events = [
            event(0, 0, EventKind::Started { url: "u".into() }),
            event(
                50,
                0,
                EventKind::Failed {
                    reason: "404".into(),
                },
            ),
        ];
        let drawn = draw(&bars(&events), Duration::from_millis(100), 20, Style::PLAIN);
        let row = drawn.lines().nth(1).expect("one bar");
        assert!(row.contains("|xxxxxxxxxx          |"), "{drawn}");
        assert!(drawn.contains("x failed"), "a legend explains the x");
    }

    #[test]
    fn a_download_that_never_ended_is_unfinished() {
        let events = [
            event(0, 0, EventKind::Started { url: "u".into() }),
            event(10, 1, EventKind::Started { url: "u".into() }),
            event(
                90,
                1,
                EventKind::Saved {
                    path: "p".into(),
                    bytes: 1,
                },
            ),
        ];
        let bars = bars(&events);
        let outcomes: Vec<Outcome> = bars.iter().map(|bar| bar.outcome).collect();
        assert_eq!(outcomes, [Outcome::Unfinished, Outcome::Saved]);
        let drawn = draw(&bars, Duration::from_millis(100), 20, Style::PLAIN);
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
