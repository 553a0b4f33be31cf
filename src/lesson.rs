//! What every lesson does around its teaching code: start the picture server (or use
//! `--url`), prepare the output folder, and at the end draw the timeline and the summary.

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use anyhow::{Context, bail};
use colored::Colorize;

use crate::cli::LessonArgs;
use crate::process::{self, Exit};
use crate::server::{PictureServer, ServerConfig};
use crate::timeline::{self, Outcome, What};

/// One run of a lesson.
pub struct Lesson {
    /// The picture to download, local or from `--url`.
    pub url: String,
    /// The folder the pictures go to.
    pub out: PathBuf,
    /// How many pictures to download.
    pub count: usize,
    /// The download timeout.
    pub timeout: Duration,
    server: Option<PictureServer>,
    failed_children: AtomicUsize,
    no_compare: bool,
}

impl Lesson {
    /// Prepares the run of lesson `name`: checks that the output folder can be written
    /// (before any download starts), then starts the local server unless `--url` is given.
    pub fn start(name: &str, args: &LessonArgs) -> anyhow::Result<Lesson> {
        let out = args
            .out
            .clone()
            .unwrap_or_else(|| Path::new("downloads").join(name));
        prepare_folder(&out)?;
        let stale = crate::download::remove_temp_files(&out);
        if stale > 0 {
            crate::say!(
                "removed {stale} partial files left in {} by an interrupted run",
                out.display()
            );
        }
        if !process::is_child() {
            stop_cleanly_on_ctrl_c(&out);
        }
        // Pictures from an earlier run would look like this run's: remove the ones
        // this run is about to write, so that what is on disk afterwards is its work.
        for i in 0..args.count() {
            let old = picture_path(&out, i);
            if old.is_file() {
                std::fs::remove_file(&old)
                    .with_context(|| format!("cannot remove the old {}", old.display()))?;
            }
        }

        let (url, server) = match &args.url {
            Some(url) => (url.clone(), None),
            None => {
                let config = ServerConfig {
                    latency: args.latency(),
                    bandwidth: args.bandwidth_kbps.map(|kb| kb * 1000),
                    ..ServerConfig::default()
                };
                let server =
                    PictureServer::start(config).context("cannot start the picture server")?;
                (server.picture_url(200, 3000), Some(server))
            }
        };
        let source = match &server {
            Some(server) => format!(
                "local picture server, {} ms latency{}",
                server.config().latency.as_millis(),
                match server.config().bandwidth {
                    Some(bytes) => format!(", {} KB/s", bytes / 1000),
                    None => String::new(),
                }
            ),
            None => "from --url".to_string(),
        };
        if !timeline::is_quiet() {
            crate::say!(
                "{name}: {} pictures from {url} ({source}) into {}",
                args.count(),
                out.display()
            );
        }
        // Time from here: what follows is the lesson's own work.
        timeline::restart_clock();
        Ok(Lesson {
            url,
            out,
            count: args.count(),
            timeout: args.timeout(),
            server,
            failed_children: AtomicUsize::new(0),
            no_compare: args.no_compare,
        })
    }

    /// A quiet lesson for a benchmark: `count` pictures from a local server whose
    /// latency is `WORKBOOK_BENCH_LATENCY_MS` (default 20 ms), saved in `out`.
    pub fn for_bench(name: &str, count: usize, out: &Path) -> anyhow::Result<Lesson> {
        timeline::set_quiet(true);
        let args = LessonArgs {
            count: Some(u32::try_from(count)?),
            latency_ms: bench_latency_ms(),
            bandwidth_kbps: None,
            url: None,
            out: Some(out.into()),
            no_compare: true,
            timeout_secs: 30,
        };
        Lesson::start(name, &args)
    }

    /// Where picture `i` is saved: `<out>/<i>.jpg`, as in the tutorial.
    pub fn file_path(&self, i: usize) -> PathBuf {
        picture_path(&self.out, i)
    }

    /// The arguments of a [`DOWNLOAD_IMAGE`](crate::download::DOWNLOAD_IMAGE) child
    /// that downloads picture `i`: URL, path, file number, timeout.
    pub fn download_args(&self, i: usize) -> [String; 4] {
        [
            self.url.clone(),
            self.file_path(i).to_string_lossy().into_owned(),
            i.to_string(),
            self.timeout.as_secs().to_string(),
        ]
    }

    /// How many requests the local server has received; `None` with `--url`.
    pub fn requests(&self) -> Option<usize> {
        self.server.as_ref().map(PictureServer::requests)
    }

    /// Notes how a child ended. A child whose download failed has said so already (its
    /// FAILED line); any other failure (a crash, a kill) is reported here by name, pid
    /// and status, and makes the lesson fail.
    pub fn check_exit(&self, exit: &Exit) {
        if exit.success() {
            return;
        }
        let explained = timeline::snapshot()
            .iter()
            .any(|event| event.pid == exit.pid && matches!(event.what, What::Failed { .. }));
        if !explained {
            crate::say!("{}", format!("process {exit}").red());
            self.failed_children.fetch_add(1, Ordering::SeqCst);
        }
    }

    /// Draws the timeline of everything recorded so far and prints the summary line.
    pub fn summary(&self) -> Summary {
        let total = timeline::elapsed();
        let events = timeline::take_events();
        let removed = crate::download::remove_temp_files(&self.out);
        if removed > 0 {
            crate::say!("removed {removed} partial files left by workers that died mid-write");
        }
        let bars = timeline::bars(&events);
        crate::say!();
        crate::say!("{}", timeline::draw(&bars, total, 50).trim_end());

        // Who saved which file; a file saved more than once was downloaded more than
        // once (lesson 05 makes that mistake on purpose).
        let writers: Vec<(&Path, String)> = events
            .iter()
            .filter_map(|event| match &event.what {
                What::Saved { path, .. } => Some((
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
                let note = format!(
                    "{} was written {} times, by {}",
                    file.display(),
                    by.len(),
                    by.join(" and ")
                );
                crate::say!("{}", note.yellow());
            }
        }
        let count = |outcome| bars.iter().filter(|bar| bar.outcome == outcome).count();
        let summary = Summary {
            total,
            files: files.len(),
            expected: self.count,
            downloads: bars.len(),
            failed: count(Outcome::Failed),
            unfinished: count(Outcome::Unfinished),
            failed_children: self.failed_children.load(Ordering::SeqCst),
            requests: self.requests(),
        };
        crate::say!("{summary}");
        summary
    }

    /// Draws the timeline, prints the summary, and fails if anything failed.
    pub fn finish(self) -> MainResult {
        self.summary().into_result()
    }

    /// Downloads all the pictures again, one after another and without printing, into a
    /// temporary folder: the sequential time to compare a parallel run with, measured
    /// in the same run against the same server.
    pub fn time_sequential(&self) -> anyhow::Result<Duration> {
        let folder = tempfile::Builder::new()
            .prefix(".sequential-")
            .tempdir_in(&self.out)
            .context("cannot make a folder for the sequential run")?;
        let downloader = crate::Downloader::new(self.timeout)?;
        // fetch_to_file records no events: this run stays out of the timeline.
        let start = Instant::now();
        let mut result = Ok(());
        for i in 0..self.count {
            let path = picture_path(folder.path(), i);
            if let Err(error) = downloader.fetch_to_file(&self.url, &path) {
                result = Err(error);
                break;
            }
        }
        let took = start.elapsed();
        result.context("the sequential run for comparison failed")?;
        Ok(took)
    }

    /// Prints how a parallel run compares with the same downloads done sequentially,
    /// unless `--no-compare` was given or the run failed.
    pub fn print_speedup(&self, how: &str, parallel: &Summary) -> anyhow::Result<()> {
        if self.no_compare || !parallel.success() {
            return Ok(());
        }
        let sequential = self.time_sequential()?;
        let ratio = sequential.as_secs_f64() / parallel.total.as_secs_f64().max(1e-9);
        let verdict = if ratio >= 1.0 {
            format!("{ratio:.1}x faster").green().bold()
        } else {
            format!("{ratio:.2}x, that is {:.1}x slower", 1.0 / ratio)
                .red()
                .bold()
        };
        crate::say!(
            "speedup: sequential {:.2} s / {how} {:.2} s = {verdict} (both measured in this run)",
            sequential.as_secs_f64(),
            parallel.total.as_secs_f64()
        );
        Ok(())
    }
}

/// The outcome of a lesson's downloads.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Summary {
    /// From the start of the downloads to the summary.
    pub total: Duration,
    /// Distinct pictures saved.
    pub files: usize,
    /// Pictures the lesson set out to get (`--count`).
    pub expected: usize,
    /// Downloads started (one request each).
    pub downloads: usize,
    /// Downloads that ended with an error.
    pub failed: usize,
    /// Downloads that started and never ended: their worker died.
    pub unfinished: usize,
    /// Child processes that exited with an error or were killed.
    pub failed_children: usize,
    /// Requests the local server received; `None` with `--url`.
    pub requests: Option<usize>,
}

impl Summary {
    /// Did every picture arrive, with nothing failing on the way?
    pub fn success(&self) -> bool {
        self.files == self.expected
            && self.failed == 0
            && self.unfinished == 0
            && self.failed_children == 0
    }

    /// `Ok` if everything arrived; else an error that says what went wrong.
    pub fn into_result(self) -> MainResult {
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
            why.push(format!(
                "{} child processes crashed or were killed",
                self.failed_children
            ));
        }
        if why.is_empty() {
            why.push("the others were never downloaded".into());
        }
        let message = format!(
            "{} of {} pictures arrived: {}",
            self.files,
            self.expected,
            why.join(", ")
        );
        Err(anyhow::Error::msg(message).into())
    }
}

impl std::fmt::Display for Summary {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "total {:.2} s, ", self.total.as_secs_f64())?;
        if self.files == self.expected {
            write!(f, "{} files", self.files)?;
        } else {
            write!(f, "{} of {} files", self.files, self.expected)?;
        }
        write!(f, ", {} downloads", self.downloads)?;
        if self.failed > 0 {
            write!(f, ", {} failed", self.failed)?;
        }
        if self.unfinished > 0 {
            write!(f, ", {} never finished", self.unfinished)?;
        }
        match self.requests {
            Some(n) => write!(f, ", {n} requests"),
            None => write!(f, ", requests not counted (--url)"),
        }
    }
}

/// The local server's latency in benchmarks: `WORKBOOK_BENCH_LATENCY_MS`, else 5 ms with
/// `WORKBOOK_BENCH_QUICK` set, else 20 ms (short, so that a benchmark takes seconds;
/// the ratios are what matter).
pub fn bench_latency_ms() -> u64 {
    let quick = std::env::var("WORKBOOK_BENCH_QUICK").is_ok_and(|v| !v.is_empty() && v != "0");
    std::env::var("WORKBOOK_BENCH_LATENCY_MS")
        .ok()
        .and_then(|ms| ms.parse().ok())
        .unwrap_or(if quick { 5 } else { 20 })
}

/// On Ctrl-C (or SIGTERM): stop the children, remove partial files, exit with 130.
/// Without this, children started as processes would go on as orphans when only the
/// parent is interrupted, and a child killed mid-write would leave its temporary file.
fn stop_cleanly_on_ctrl_c(out: &Path) {
    let out = out.to_path_buf();
    // Only one handler per process; a second lesson in one process (benchmarks) keeps
    // the first.
    let _ = ctrlc::set_handler(move || {
        let stopped = process::stop_all_children();
        let removed = crate::download::remove_temp_files(&out);
        eprintln!(
            "interrupted: stopped {stopped} child processes, removed {removed} partial files"
        );
        std::process::exit(130);
    });
}

/// Where picture `i` goes in `folder`: `<folder>/<i>.jpg`, as in the tutorial.
pub fn picture_path(folder: &Path, i: usize) -> PathBuf {
    folder.join(format!("{i}.jpg"))
}

/// How many of the pictures `0.jpg` .. `<count - 1>.jpg` are in `folder` now.
pub fn pictures_on_disk(folder: &Path, count: usize) -> usize {
    (0..count)
        .filter(|&i| picture_path(folder, i).is_file())
        .count()
}

/// Creates `folder` if needed and checks that a file can be written in it, so that a
/// bad `--out` is reported before any download starts.
fn prepare_folder(folder: &Path) -> anyhow::Result<()> {
    if folder.exists() && !folder.is_dir() {
        bail!("--out {}: is not a folder", folder.display());
    }
    if let Err(error) = std::fs::create_dir_all(folder) {
        bail!(
            "--out {}: cannot create the folder: {error}",
            folder.display()
        );
    }
    if let Err(error) = tempfile::Builder::new()
        .prefix(crate::download::TEMP_PREFIX)
        .tempfile_in(folder)
    {
        bail!(
            "--out {}: cannot write in the folder: {error}",
            folder.display()
        );
    }
    Ok(())
}

/// What a lesson's `main` returns: `fn main() -> MainResult`. `?` works on any error,
/// and a failure prints as one line (`Error: <what>: <why>`) with exit status 1, never
/// as a stack trace, even when `RUST_BACKTRACE` is set.
pub type MainResult = Result<(), MainError>;

/// An error on its way out of `main`; see [`MainResult`].
pub struct MainError(anyhow::Error);

impl<E: Into<anyhow::Error>> From<E> for MainError {
    fn from(error: E) -> MainError {
        MainError(error.into())
    }
}

impl std::fmt::Debug for MainError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // `{:#}` is the whole chain of causes on one line, without a backtrace.
        write!(f, "{:#}", self.0)
    }
}
