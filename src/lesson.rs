//! Setting up a lesson's run: the output folder, the picture server (or `--url`), the
//! timeline, and the banner. What happens at the end lives in `report` (the timeline
//! and the summary) and `compare` (the sequential run a parallel lesson is measured
//! against).

use std::path::{Path, PathBuf};

use anyhow::bail;

use crate::cli::LessonArgs;
use crate::download::Limits;
use crate::process::Exit;
use crate::report::Summary;
use crate::run::Clock;
use crate::server::{PictureServer, ServerConfig};
use crate::timeline::{Style, Timeline};
use crate::{interrupt, temp};

/// One run of a lesson: what to download, where to, and the timeline of what happened.
pub struct Lesson {
    /// The lesson's name (`lesson06`): its output folder and its banner.
    pub name: String,
    /// The picture to download, local or from `--url`.
    pub url: String,
    /// The folder the pictures go to.
    pub out: PathBuf,
    /// How many pictures to download.
    pub count: usize,
    /// How long a download may take and how large it may be.
    pub limits: Limits,
    /// Every worker's events, on one clock that starts when the downloads start.
    pub timeline: Timeline,
    /// Whether to measure a sequential run to compare with (not with `--no-compare`).
    pub compare: bool,
    /// Where to write the run's trace (`--trace`), if anywhere.
    pub trace: Option<PathBuf>,
    server: Option<PictureServer>,
}

impl Lesson {
    /// Prepares the run of lesson `name` and prints what it will do: checks that the
    /// output folder can be written (before any download starts), removes temporary
    /// files that killed workbook processes left there, and starts the local picture
    /// server unless `--url` is given. Events are printed as they are recorded.
    pub fn start(name: &str, args: &LessonArgs) -> anyhow::Result<Lesson> {
        Lesson::prepare(name, args, Show::Everything)
    }

    /// The same, but the events are not printed: for lessons that print a table
    /// instead of every download.
    pub fn start_quiet(name: &str, args: &LessonArgs) -> anyhow::Result<Lesson> {
        Lesson::prepare(name, args, Show::Banner)
    }

    /// The same, printing nothing at all: for benchmarks.
    pub fn start_silent(name: &str, args: &LessonArgs) -> anyhow::Result<Lesson> {
        Lesson::prepare(name, args, Show::Nothing)
    }

    fn prepare(name: &str, args: &LessonArgs, show: Show) -> anyhow::Result<Lesson> {
        let out = args
            .out
            .clone()
            .unwrap_or_else(|| Path::new("downloads").join(name));
        prepare_folder(&out)?;
        if let Some(trace) = &args.trace {
            crate::trace::check_path(trace)?;
        }
        interrupt::watch_folder(&out);
        let stale = temp::remove_orphaned(&out);
        if stale > 0 && show != Show::Nothing {
            crate::say!(
                "removed {} left in {} by workbook processes that were killed",
                crate::units::count(stale, "temporary file", "temporary files"),
                out.display()
            );
        }

        let (url, server) = match &args.url {
            Some(url) => (url.clone(), None),
            None => {
                let config = ServerConfig {
                    latency: args.latency(),
                    bandwidth: args.bandwidth_bytes_per_s(),
                    ..ServerConfig::default()
                };
                let server = PictureServer::start(config)
                    .map_err(|error| anyhow::anyhow!("cannot start the picture server: {error}"))?;
                (server.picture_url(200, 3000), Some(server))
            }
        };
        if show != Show::Nothing {
            let source = match &server {
                Some(server) => server.describe(),
                None => "from --url".to_string(),
            };
            let pictures = if args.count() == 1 {
                "picture"
            } else {
                "pictures"
            };
            crate::say!("{name}: {} {pictures} into {}", args.count(), out.display());
            crate::say!(
                "  from {} ({source})",
                crate::download::without_password(&url)
            );
        }
        // The clock starts here: what follows is the lesson's own work, like the
        // tutorial's `start = time.perf_counter()` just before the downloads.
        let clock = Clock::start();
        let timeline = match show {
            Show::Everything => Timeline::printing(clock, Style::for_stdout()),
            Show::Banner | Show::Nothing => Timeline::quiet(clock),
        };
        Ok(Lesson {
            name: name.to_string(),
            url,
            out,
            count: args.count(),
            limits: args.limits(),
            timeline,
            compare: !args.no_compare,
            trace: args.trace.clone(),
            server,
        })
    }

    /// Where picture `i` is saved: `<out>/<i>.jpg`, as in the tutorial.
    pub fn file_path(&self, i: usize) -> PathBuf {
        picture_path(&self.out, i)
    }

    /// The arguments of a [`DOWNLOAD_IMAGE`](crate::download::DOWNLOAD_IMAGE) child
    /// that downloads picture `i`: URL, path, file number, timeout, size limit.
    pub fn download_args(&self, i: usize) -> [String; 5] {
        [
            self.url.clone(),
            // `prepare_folder` made sure the folder's path is UTF-8.
            self.file_path(i).to_string_lossy().into_owned(),
            i.to_string(),
            self.limits.timeout.as_secs().to_string(),
            self.limits.max_bytes.to_string(),
        ]
    }

    /// How many distinct pictures this run has saved so far, from its timeline (not
    /// from what is on disk: an older picture there is not this run's work).
    pub fn pictures_saved(&self) -> usize {
        let mut saved: Vec<PathBuf> = self
            .timeline
            .events()
            .into_iter()
            .filter_map(|event| match event.kind {
                crate::event::EventKind::Saved { path, .. } => Some(path),
                _ => None,
            })
            .collect();
        saved.sort();
        saved.dedup();
        saved.len()
    }

    /// The local server's URL for a picture of another size (lesson 12 downloads small
    /// ones); with `--url`, that URL, whatever the size.
    pub fn url_for_size(&self, width: u32, height: u32) -> String {
        match &self.server {
            Some(server) => server.picture_url(width, height),
            None => self.url.clone(),
        }
    }

    /// How many requests the local server has received; `None` with `--url`.
    pub fn requests(&self) -> Option<usize> {
        self.server.as_ref().map(PictureServer::requests)
    }

    /// Draws the timeline and prints the summary (see `report`). `exits` are the
    /// child processes the lesson joined: a child that failed without saying why (a
    /// crash, a kill) is named there. With `--trace`, writes the trace too.
    pub fn report(&self, exits: &[Exit]) -> Summary {
        let mut summary = crate::report::report(&self.timeline, self.count, self.requests(), exits);
        if let Err(error) = self.write_trace() {
            crate::say!("{error}");
            summary.trace_failed = true;
        }
        summary
    }

    /// [`Lesson::report`], then `Ok` if every picture arrived, else an error that
    /// says what went wrong.
    pub fn finish(&self, exits: &[Exit]) -> anyhow::Result<()> {
        self.report(exits).into_result()
    }

    /// With `--trace FILE`: writes every event of the run so far to FILE (see
    /// `trace`) and says where it is. Without it, does nothing.
    pub fn write_trace(&self) -> Result<(), crate::trace::TraceError> {
        let Some(path) = &self.trace else {
            return Ok(());
        };
        crate::trace::write(path, &self.timeline.events())?;
        crate::say!(
            "trace: {} (open it in https://ui.perfetto.dev)",
            path.display()
        );
        Ok(())
    }
}

/// What a lesson prints as it runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Show {
    Everything,
    Banner,
    Nothing,
}

/// Where picture `i` goes in `folder`: `<folder>/<i>.jpg`, as in the tutorial.
pub fn picture_path(folder: &Path, i: usize) -> PathBuf {
    folder.join(format!("{i}.jpg"))
}

/// Creates `folder` if needed and checks that a file can be written in it, so that a
/// bad `--out` is reported before any download starts.
fn prepare_folder(folder: &Path) -> anyhow::Result<()> {
    if folder.to_str().is_none() {
        // Child processes get their arguments as text.
        bail!(
            "--out {}: the path is not valid UTF-8; choose another folder",
            folder.display()
        );
    }
    if folder.exists() && !folder.is_dir() {
        bail!("--out {}: is not a folder", folder.display());
    }
    if let Err(error) = std::fs::create_dir_all(folder) {
        bail!(
            "--out {}: cannot create the folder: {error}",
            folder.display()
        );
    }
    let probe = temp::new_name(folder, "probe");
    match interrupt::create_temp_file(&probe) {
        Ok(file) => {
            drop(file);
            let _ = std::fs::remove_file(&probe);
            interrupt::forget_temp_file(&probe);
            Ok(())
        }
        Err(error) => bail!(
            "--out {}: cannot write in the folder: {error}",
            folder.display()
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_picture_goes_to_its_number() {
        assert_eq!(picture_path(Path::new("out"), 3), Path::new("out/3.jpg"));
    }
}
