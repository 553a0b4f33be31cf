//! The arguments every lesson shares.

use std::path::PathBuf;
use std::time::Duration;

use clap::Parser;

/// Arguments of a lesson. `--help` on any lesson lists them.
#[derive(Debug, Clone, Parser)]
#[command(after_help = "\
Without --url, the lesson starts its own picture server on 127.0.0.1 (no internet needed).
A download that fails (HTTP error, cut connection, timeout) is reported on one line with
its URL, file and reason, and leaves no file behind; the others go on. A picture is
written to a temporary file and renamed when complete, so a file you see is whole.
Ctrl-C stops the child processes and removes partial files (exit status 130).
Exit status: 0 when every picture arrived, 1 when some did not, 2 for bad arguments.")]
pub struct LessonArgs {
    /// How many pictures to download [default: 5; lesson 09: 4 per CPU; lesson 10: 8;
    /// lesson 12: 1000].
    #[arg(long, value_parser = clap::value_parser!(u32).range(1..=10_000))]
    pub count: Option<u32>,

    /// How long the local picture server waits before answering each request, in ms.
    #[arg(long, value_name = "MS", default_value_t = 300,
          value_parser = clap::value_parser!(u64).range(0..=60_000))]
    pub latency_ms: u64,

    /// Cap the local picture server's sending speed, in kilobytes per second.
    #[arg(long, value_name = "KB_PER_S", value_parser = clap::value_parser!(u64).range(1..=10_000_000))]
    pub bandwidth_kbps: Option<u64>,

    /// Download this URL instead of using the local server,
    /// e.g. https://picsum.photos/200/3000.
    #[arg(long, value_parser = parse_url)]
    pub url: Option<String>,

    /// Folder to save the pictures in (created if missing) [default: downloads/lessonNN].
    #[arg(long, value_name = "DIR")]
    pub out: Option<PathBuf>,

    /// Skip the sequential run that a parallel lesson measures its speedup against.
    #[arg(long)]
    pub no_compare: bool,

    /// Refuse a download larger than this many megabytes (a server that never stops
    /// sending cannot fill the disk or the memory).
    #[arg(long, value_name = "MB", default_value_t = 25,
          value_parser = clap::value_parser!(u64).range(1..=10_000))]
    pub max_mb: u64,

    /// Also write the run's timeline to FILE in the Chrome trace event format: open it
    /// in https://ui.perfetto.dev (or Chromium's about:tracing) to see who ran when.
    #[arg(long, value_name = "FILE")]
    pub trace: Option<PathBuf>,

    /// Give up on a download that has not completed after this many seconds.
    #[arg(long, value_name = "SECONDS", default_value_t = 30,
          value_parser = clap::value_parser!(u64).range(1..=600))]
    pub timeout_secs: u64,
}

impl LessonArgs {
    /// `--count`, 5 if not given (the tutorial's five pictures).
    pub fn count(&self) -> usize {
        self.count.map_or(5, |n| n as usize)
    }

    pub fn latency(&self) -> Duration {
        Duration::from_millis(self.latency_ms)
    }

    pub fn timeout(&self) -> Duration {
        Duration::from_secs(self.timeout_secs)
    }

    /// The server's bandwidth cap in bytes per second, if any.
    pub fn bandwidth_bytes_per_s(&self) -> Option<u64> {
        self.bandwidth_kbps.map(|kb| kb.saturating_mul(1000))
    }

    /// The timeout and the size limit of each download.
    pub fn limits(&self) -> crate::download::Limits {
        crate::download::Limits {
            timeout: self.timeout(),
            max_bytes: self.max_mb.saturating_mul(1_000_000),
        }
    }
}

/// Parses the command line of lesson `name` (e.g. "lesson04"), whose `--help` starts
/// with `about`: [`LessonArgs`], or a lesson's own arguments that flatten them in.
/// A usage error prints clap's message and exits with status 2.
pub fn parse<Args: Parser>(name: &'static str, about: &'static str) -> Args {
    let matches = Args::command().name(name).about(about).get_matches();
    Args::from_arg_matches(&matches).unwrap_or_else(|error| error.exit())
}

/// How a parallel lesson runs its downloads: `--mode processes|threads|rayon`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Mode {
    /// One child process per picture (the tutorial's way).
    Processes,
    /// One thread per picture, all in this process.
    Threads,
    /// rayon's thread pool: one thread per logical CPU this process may use.
    Rayon,
}

impl std::fmt::Display for Mode {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let name = match self {
            Mode::Processes => "processes",
            Mode::Threads => "threads",
            Mode::Rayon => "rayon",
        };
        f.write_str(name)
    }
}

/// Accepts only absolute http(s) URLs, so a typo is a usage error, not a failed download.
fn parse_url(text: &str) -> Result<String, String> {
    let url = reqwest::Url::parse(text).map_err(|error| format!("not a URL ({error})"))?;
    match url.scheme() {
        "http" | "https" if url.has_host() => Ok(text.to_string()),
        "http" | "https" => Err("the URL has no host".into()),
        other => Err(format!(
            "only http and https URLs can be downloaded, not {other}:"
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::CommandFactory;

    fn try_parse(args: &[&str]) -> Result<LessonArgs, clap::Error> {
        LessonArgs::try_parse_from(std::iter::once("lesson").chain(args.iter().copied()))
    }

    #[test]
    fn defaults_are_the_tutorials() {
        let args = try_parse(&[]).expect("no arguments are fine");
        assert_eq!(args.count(), 5);
        assert_eq!(args.latency_ms, 300);
        assert_eq!(args.url, None);
    }

    #[test]
    fn bad_arguments_are_usage_errors() {
        for bad in [
            &["--count", "0"][..],
            &["--count", "-1"],
            &["--count", "1000000"],
            &["--latency-ms", "abc"],
            &["--url", "not-a-url"],
            &["--url", "ftp://example.com/x"],
            &["--timeout-secs", "0"],
            &["--bandwidth-kbps", "18446744073709552"],
            &["--max-mb", "0"],
        ] {
            let error = try_parse(bad).expect_err(&format!("{bad:?} should be refused"));
            assert_eq!(error.exit_code(), 2, "{bad:?}");
        }
    }

    #[test]
    fn help_explains_every_argument() {
        LessonArgs::command().debug_assert();
        let help = LessonArgs::command().render_long_help().to_string();
        for flag in [
            "--count",
            "--latency-ms",
            "--bandwidth-kbps",
            "--url",
            "--out",
            "--timeout-secs",
            "--max-mb",
        ] {
            assert!(help.contains(flag), "{flag} missing from --help");
        }
    }
}
