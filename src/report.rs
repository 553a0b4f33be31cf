//! The end of a lesson's run: the timeline drawn, the summary printed, the verdict.
//! Everything here comes from this run's own events and exits, never from what
//! happens to be on disk.

use std::path::Path;
use std::time::Duration;

use colored::Colorize;

use crate::event::EventKind;
use crate::process::Exit;
use crate::timeline::{self, Outcome, Style, Timeline};
use crate::units::count;

/// Draws the timeline of everything a run recorded, names the children that failed
/// without saying why, and prints the summary line. `expected`: the pictures the run
/// set out to get; `requests`: what the local server counted (`None` with `--url`).
pub fn report(
    timeline: &Timeline,
    expected: usize,
    requests: Option<usize>,
    exits: &[Exit],
) -> Summary {
    let total = timeline.elapsed();
    let events = timeline.events();
    let style = Style::for_stdout();
    let bars = timeline::bars(&events);
    crate::say!();
    crate::say!("{}", timeline::draw(&bars, total, 50, style).trim_end());

    // A child whose download failed has said so (its FAILED event); any other failure
    // (a crash, a kill) is named here, by name, pid and status.
    let mut failed_children = 0;
    for exit in exits.iter().filter(|exit| !exit.success()) {
        let explained = events
            .iter()
            .any(|event| event.pid == exit.pid && matches!(event.kind, EventKind::Failed { .. }));
        if !explained {
            crate::say!("{}", paint_red(&format!("process {exit}"), style));
            failed_children += 1;
        }
    }

    // Who saved which file; a file saved more than once was downloaded more than
    // once (lesson 05 makes that mistake on purpose).
    let writers: Vec<(&Path, String)> = events
        .iter()
        .filter_map(|event| match &event.kind {
            EventKind::Saved { path, .. } => Some((
                path.as_path(),
                format!("{} pid {}", event.worker, event.pid),
            )),
            _ => None,
        })
        .collect();
    let mut files: Vec<&Path> = writers.iter().map(|(path, _)| *path).collect();
    files.sort();
    files.dedup();
    for file in &files {
        let by: Vec<&str> = writers
            .iter()
            .filter(|(path, _)| path == file)
            .map(|(_, who)| who.as_str())
            .collect();
        if by.len() > 1 {
            let name = file.file_name().unwrap_or_default().to_string_lossy();
            let note = format!(
                "{name} was written {} times, by {}",
                by.len(),
                by.join(" and ")
            );
            crate::say!(
                "{}",
                if style.color {
                    note.yellow().to_string()
                } else {
                    note
                }
            );
        }
    }
    let count = |outcome| bars.iter().filter(|bar| bar.outcome == outcome).count();
    let summary = Summary {
        total,
        files: files.len(),
        expected,
        downloads: bars.len(),
        failed: count(Outcome::Failed),
        unfinished: count(Outcome::Unfinished),
        failed_children,
        requests,
        trace_failed: false,
    };
    crate::say!("{summary}");
    summary
}

fn paint_red(text: &str, style: Style) -> String {
    if style.color {
        text.red().to_string()
    } else {
        text.to_string()
    }
}

/// The outcome of a lesson's downloads.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Summary {
    /// From the start of the downloads to the summary.
    pub total: Duration,
    /// Distinct pictures saved in this run.
    pub files: usize,
    /// Pictures the lesson set out to get (`--count`).
    pub expected: usize,
    /// Downloads started (one request each).
    pub downloads: usize,
    /// Downloads that ended with an error.
    pub failed: usize,
    /// Downloads that started and never ended: their worker died.
    pub unfinished: usize,
    /// Child processes that crashed or were killed without a FAILED event.
    pub failed_children: usize,
    /// Requests the local server received; `None` with `--url`.
    pub requests: Option<usize>,
    /// `--trace` was given and the trace could not be written.
    pub trace_failed: bool,
}

impl Summary {
    /// Did every picture arrive, with nothing failing on the way?
    pub fn success(&self) -> bool {
        self.files == self.expected
            && self.failed == 0
            && self.unfinished == 0
            && self.failed_children == 0
            && !self.trace_failed
    }

    /// `Ok` if everything arrived; else an error that says what went wrong.
    pub fn into_result(self) -> anyhow::Result<()> {
        if self.success() {
            return Ok(());
        }
        let mut why = Vec::new();
        if self.failed > 0 {
            why.push(format!("{} failed (see the FAILED lines)", self.failed));
        }
        if self.unfinished > 0 {
            why.push(format!("{} never finished", self.unfinished));
        }
        if self.failed_children > 0 {
            why.push(if self.failed_children == 1 {
                "1 child process crashed or was killed".to_string()
            } else {
                format!(
                    "{} child processes crashed or were killed",
                    self.failed_children
                )
            });
        }
        if why.is_empty() && self.files < self.expected {
            why.push("the others were never downloaded".into());
        }
        if self.trace_failed {
            why.push("the trace could not be written".into());
        }
        anyhow::bail!(
            "{} of {} pictures arrived: {}",
            self.files,
            self.expected,
            why.join(", ")
        )
    }
}

impl std::fmt::Display for Summary {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "total {:.2} s, ", self.total.as_secs_f64())?;
        if self.files == self.expected {
            write!(f, "{}", count(self.files, "file", "files"))?;
        } else {
            write!(f, "{} of {} files", self.files, self.expected)?;
        }
        write!(f, ", {}", count(self.downloads, "download", "downloads"))?;
        if self.failed > 0 {
            write!(f, ", {} failed", self.failed)?;
        }
        if self.unfinished > 0 {
            write!(f, ", {} never finished", self.unfinished)?;
        }
        match self.requests {
            Some(n) => write!(f, ", {}", count(n, "request", "requests")),
            None => write!(f, ", requests not counted (--url)"),
        }
    }
}
