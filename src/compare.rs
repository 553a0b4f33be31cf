//! The sequential run a parallel lesson is compared with: the same pictures from the
//! same server, one after another, measured in the same run, so that a speedup is a
//! ratio of two numbers taken minutes apart at most, never from another day.

use std::time::{Duration, Instant};

use colored::Colorize;

use crate::download::Downloader;
use crate::interrupt;
use crate::lesson::{Lesson, picture_path};
use crate::report::Summary;
use crate::run::Clock;
use crate::temp;
use crate::timeline::{Style, Timeline};

/// Downloads the lesson's pictures again, one after another and without printing,
/// into a temporary folder inside `--out` that is removed afterwards (and on Ctrl-C);
/// returns how long it took.
pub fn time_sequential_run(lesson: &Lesson) -> anyhow::Result<Duration> {
    let folder = temp::new_name(&lesson.out, "compare");
    interrupt::create_temp_folder(&folder)
        .map_err(|error| anyhow::anyhow!("cannot make {}: {error}", folder.display()))?;
    // Timed from here, like the lesson's own run, whose total includes building its
    // HTTP client too. Its own quiet timeline: this run stays out of the lesson's.
    let start = Instant::now();
    let downloader = Downloader::new(lesson.limits, &Timeline::quiet(Clock::start()));
    let result = downloader
        .map_err(anyhow::Error::from)
        .and_then(|downloader| {
            for i in 0..lesson.count {
                downloader.fetch_to_file(&lesson.url, &picture_path(&folder, i))?;
            }
            Ok(())
        });
    let took = start.elapsed();
    let _ = std::fs::remove_dir_all(&folder);
    interrupt::forget_temp_folder(&folder);
    result.map(|()| took)
}

/// Prints how the lesson's parallel run (`how`: "processes", "threads", ...) compares
/// with a sequential run measured now. Skipped with `--no-compare` or when the
/// lesson's run failed. A failed comparison is said on one line and does not make the
/// lesson fail: every picture of the lesson's own run arrived.
pub fn print_speedup(lesson: &Lesson, how: &str, parallel: &Summary) {
    if !lesson.compare || !parallel.success() {
        return;
    }
    let sequential = match time_sequential_run(lesson) {
        Ok(took) => took,
        Err(error) => {
            crate::say!("no speedup: the sequential run to compare with failed: {error:#}");
            return;
        }
    };
    let ratio = sequential.as_secs_f64() / parallel.total.as_secs_f64().max(1e-9);
    let verdict = if ratio >= 1.0 {
        format!("{ratio:.1}x faster")
    } else {
        format!("{ratio:.2}x, that is {:.1}x slower", 1.0 / ratio)
    };
    let verdict = match (Style::for_stdout().color, ratio >= 1.0) {
        (false, _) => verdict,
        (true, true) => verdict.green().bold().to_string(),
        (true, false) => verdict.red().bold().to_string(),
    };
    crate::say!(
        "speedup: sequential {:.2} s / {how} {:.2} s = {verdict}",
        sequential.as_secs_f64(),
        parallel.total.as_secs_f64()
    );
    crate::say!("  (both measured in this run, against the same server)");
}
