//! What every benchmark shares (compiled into each with `#[path = "common.rs"] mod common;`).

use std::time::Duration;

use criterion::Criterion;

/// Criterion with a short warm-up and measurement and 10 samples: downloads from the
/// local server are slow and steady, so this is plenty, and all benches stay quick.
/// `--sample-size`, `--measurement-time` etc. on the command line still win.
pub fn criterion() -> Criterion {
    Criterion::default()
        .sample_size(10)
        .warm_up_time(Duration::from_millis(500))
        .measurement_time(Duration::from_secs(2))
        .configure_from_args()
}

/// Runs the benchmark functions after the main guard, then prints criterion's summary.
/// The guard comes first because a benchmark that starts processes re-runs this very
/// executable as the child (the bench binary, not the lesson binary).
pub fn run(tasks: &[workbook::Task], benches: &[fn(&mut Criterion)]) {
    workbook::process::init(tasks);
    eprintln!(
        "local picture server latency: {} ms (set WORKBOOK_BENCH_LATENCY_MS to change)",
        workbook::lesson::bench_latency_ms()
    );
    let mut c = criterion();
    for bench in benches {
        bench(&mut c);
    }
    c.final_summary();
}
