//! What every lesson does around its teaching code: start the picture server (or use
//! `--url`), prepare the output folder, and at the end draw the timeline and the summary.

use std::path::{Path, PathBuf};
use std::time::Duration;

use anyhow::{Context, bail};

use crate::cli::LessonArgs;
use crate::server::{PictureServer, ServerConfig};
use crate::timeline::{self, What};

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

        let (url, server) = match &args.url {
            Some(url) => (url.clone(), None),
            None => {
                let config = ServerConfig {
                    latency: args.latency(),
                    bandwidth: args.bandwidth_kbps.map(|kb| kb * 1000),
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
        println!(
            "{name}: {} pictures from {url} ({source}) into {}",
            args.count,
            out.display()
        );
        // Time from here: what follows is the lesson's own work.
        timeline::restart_clock();
        Ok(Lesson {
            url,
            out,
            count: args.count as usize,
            timeout: args.timeout(),
            server,
        })
    }

    /// Where picture `i` is saved: `<out>/<i>.jpg`, as in the tutorial.
    pub fn file_path(&self, i: usize) -> PathBuf {
        self.out.join(format!("{i}.jpg"))
    }

    /// How many requests the local server has received; `None` with `--url`.
    pub fn requests(&self) -> Option<usize> {
        self.server.as_ref().map(PictureServer::requests)
    }

    /// Draws the timeline of everything recorded so far and prints the summary line.
    /// Fails, naming how many, if any download failed or never finished.
    pub fn finish(self) -> MainResult {
        let total = timeline::elapsed();
        let events = timeline::take_events();
        let bars = timeline::bars(&events);
        println!();
        print!("{}", timeline::draw(&bars, total, 50));

        let saved = events
            .iter()
            .filter(|e| matches!(e.what, What::Saved { .. }))
            .count();
        let failed = events
            .iter()
            .filter(|e| matches!(e.what, What::Failed { .. }))
            .count();
        let requests = match self.requests() {
            Some(n) => format!("{n} requests"),
            None => "requests not counted (--url)".into(),
        };
        let failures = if failed > 0 {
            format!(", {failed} failed")
        } else {
            String::new()
        };
        println!(
            "total {:.2} s, {saved} files{failures}, {requests}",
            total.as_secs_f64()
        );
        if failed > 0 {
            let message = format!(
                "{failed} of {} downloads failed (see the FAILED lines above)",
                bars.len()
            );
            return Err(anyhow::Error::msg(message).into());
        }
        Ok(())
    }
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
