//! The live view: each request's answer drawn as it goes out, from the server's side.
//!
//! Only on a terminal, and not with `NO_COLOR`, `TERM=dumb` or `CI` set: transcripts,
//! tests and pipes see the final output only. The bars are cleared at the end, so what
//! stays on the screen is the same as without them.

use std::collections::HashMap;
use std::io::IsTerminal;
use std::sync::mpsc::{self, RecvTimeoutError, Sender};
use std::thread::JoinHandle;
use std::time::Duration;

use indicatif::{HumanBytes, MultiProgress, ProgressBar, ProgressDrawTarget, ProgressStyle};

use crate::server::{PictureServer, Served};

/// At most this many requests get a bar of their own; the first line counts them all.
const BARS: usize = 8;

/// How often the bars are redrawn from the server's log.
const EVERY: Duration = Duration::from_millis(40);

/// Whether this terminal should get a live view.
pub fn wanted() -> bool {
    let set = |name| std::env::var_os(name).is_some_and(|value| !value.is_empty());
    std::io::stdout().is_terminal()
        && std::io::stderr().is_terminal()
        && !set("NO_COLOR")
        && !set("CI")
        && std::env::var("TERM").is_ok_and(|term| term != "dumb")
}

/// A live view while it runs; dropping it clears the bars.
pub struct Live {
    bars: MultiProgress,
    stop: Option<Sender<()>>,
    thread: Option<JoinHandle<()>>,
}

impl Live {
    /// Draws the requests the server receives from now on (those after the first
    /// `first_request` in its log).
    pub fn start(server: &PictureServer, first_request: usize) -> Live {
        let bars = MultiProgress::with_draw_target(ProgressDrawTarget::stderr());
        let (stop, stopped) = mpsc::channel::<()>();
        let log = server.log();
        let drawn = bars.clone();
        let thread = std::thread::Builder::new()
            .name("lab-live".into())
            .spawn(move || {
                let mut view = View::new(drawn);
                loop {
                    view.draw(&log.served()[first_request..]);
                    match stopped.recv_timeout(EVERY) {
                        Err(RecvTimeoutError::Timeout) => {}
                        _ => break,
                    }
                }
            })
            .ok();
        Live {
            bars,
            stop: Some(stop),
            thread,
        }
    }

    /// Where the program's lines are written above the bars: `bars.suspend(write)`.
    pub fn bars(&self) -> MultiProgress {
        self.bars.clone()
    }
}

impl Drop for Live {
    fn drop(&mut self) {
        drop(self.stop.take());
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
        let _ = self.bars.clear();
    }
}

/// The bars on the screen and the requests they show.
struct View {
    bars: MultiProgress,
    summary: ProgressBar,
    shown: HashMap<usize, ProgressBar>,
}

impl View {
    fn new(bars: MultiProgress) -> View {
        let summary = bars.add(ProgressBar::new_spinner());
        summary.set_style(
            ProgressStyle::with_template("{spinner} {msg}")
                .unwrap_or_else(|_| ProgressStyle::default_spinner()),
        );
        summary.set_message("server: no request yet");
        View {
            bars,
            summary,
            shown: HashMap::new(),
        }
    }

    fn draw(&mut self, served: &[Served]) {
        let answering = served.iter().filter(|s| s.finished.is_none()).count();
        self.summary.set_message(format!(
            "server: {} so far, {answering} being answered",
            crate::units::count(served.len(), "request", "requests")
        ));
        self.summary.tick();
        for request in served {
            if !self.shown.contains_key(&request.number) && self.shown.len() < BARS {
                let bar = self.bars.add(ProgressBar::new(0));
                bar.set_style(bar_style());
                bar.set_prefix(format!("request {:>2}", request.number));
                self.shown.insert(request.number, bar);
            }
            let Some(bar) = self.shown.get(&request.number) else {
                continue;
            };
            bar.set_length(request.length.unwrap_or(request.bytes).max(1));
            bar.set_position(request.bytes);
            let sent = match request.length {
                Some(length) => format!("{} of {}", HumanBytes(request.bytes), HumanBytes(length)),
                None => HumanBytes(request.bytes).to_string(),
            };
            bar.set_message(match (request.first_byte, request.finished) {
                (_, Some(_)) if request.complete => format!("{sent}, sent"),
                (_, Some(_)) => format!("{sent}, cut short (status {})", request.status),
                (None, None) => "waiting to answer".to_string(),
                (Some(_), None) => format!("{sent}, sending"),
            });
        }
    }
}

fn bar_style() -> ProgressStyle {
    ProgressStyle::with_template("  {prefix} [{bar:30}] {msg}")
        .map(|style| style.progress_chars("#>-"))
        .unwrap_or_else(|_| ProgressStyle::default_bar())
}
