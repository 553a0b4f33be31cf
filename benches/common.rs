//! What every benchmark shares (compiled into each with `#[path = "common.rs"] mod common;`).
#![allow(dead_code)] // not every benchmark uses every helper

use std::time::Duration;

use std::process::{Command, ExitStatus};

use criterion::Criterion;

/// The argument that makes a bench binary a child that does nothing: what starting a
/// process costs, and nothing else.
pub const NOTHING: &str = "--nothing";

/// Starts this bench again as a child that does nothing, with extra environment
/// variables, and waits for it.
pub fn start_and_join_nothing(envs: &[(&str, &str)]) -> ExitStatus {
    let me = std::env::current_exe().expect("the bench knows its own path");
    Command::new(me)
        .arg(NOTHING)
        .envs(envs.iter().copied())
        .status()
        .expect("the child runs")
}

/// Criterion with a short warm-up and measurement and 10 samples: downloads from the
/// local server are slow and steady, so this is plenty, and all benches stay quick.
/// With `WORKBOOK_BENCH_QUICK=1` even shorter (a first look, not a result to quote).
/// `--sample-size`, `--measurement-time` etc. on the command line still win.
pub fn criterion() -> Criterion {
    // Most of a short benchmark's time goes into criterion's analysis: bootstrap
    // resampling (100,000 resamples by default) and plots. Fewer resamples still give a
    // stable interval for a median of 10 samples.
    let criterion = Criterion::default().sample_size(10);
    let criterion = if quick() {
        criterion
            .warm_up_time(Duration::from_millis(100))
            .measurement_time(Duration::from_millis(300))
            .nresamples(5_000)
            .without_plots()
    } else {
        criterion
            .warm_up_time(Duration::from_millis(500))
            .measurement_time(Duration::from_secs(2))
            .nresamples(20_000)
    };
    criterion.configure_from_args()
}

/// Is `WORKBOOK_BENCH_QUICK` set (to anything but 0)?
pub fn quick() -> bool {
    std::env::var("WORKBOOK_BENCH_QUICK").is_ok_and(|v| !v.is_empty() && v != "0")
}

/// The benchmark group of a lesson that downloads, named with the server's latency
/// (`lesson06 (20 ms)`), so that results at different latencies are never compared.
pub fn with_latency(lesson: &str) -> String {
    format!("{lesson} ({} ms)", latency_ms())
}

/// Runs the benchmark functions after the main guard, then prints criterion's summary.
/// The guard comes first because a benchmark that starts processes re-runs this very
/// executable as the child (the bench binary, not the lesson binary).
pub fn run(benches: &[fn(&mut Criterion)]) {
    if std::env::args().nth(1).as_deref() == Some(NOTHING) {
        std::process::exit(0);
    }
    eprintln!(
        "local picture server latency: {} ms (set WORKBOOK_BENCH_LATENCY_MS to change)",
        latency_ms()
    );
    let mut c = criterion();
    for bench in benches {
        bench(&mut c);
    }
    c.final_summary();
}

/// The local server's latency in benchmarks: `WORKBOOK_BENCH_LATENCY_MS`, else 5 ms with
/// `WORKBOOK_BENCH_QUICK` set, else 20 ms (short, so that a benchmark takes seconds;
/// the ratios are what matter).
pub fn latency_ms() -> u64 {
    std::env::var("WORKBOOK_BENCH_LATENCY_MS")
        .ok()
        .and_then(|ms| ms.parse().ok())
        .unwrap_or(if quick() { 5 } else { 20 })
}
