//! Lesson 04 measured: downloading 1 to 5 pictures one after another from the local
//! picture server. Sequential time grows by one latency per picture.
//!
//! `WORKBOOK_BENCH_LATENCY_MS` sets the server's latency (default 20 ms).

use std::time::Duration;

use criterion::{BenchmarkId, Criterion, criterion_group, criterion_main};
use workbook::Downloader;
use workbook::server::{PictureServer, ServerConfig};
use workbook::timeline;

fn latency() -> Duration {
    let ms = std::env::var("WORKBOOK_BENCH_LATENCY_MS")
        .ok()
        .and_then(|ms| ms.parse().ok())
        .unwrap_or(20);
    Duration::from_millis(ms)
}

fn sequential(c: &mut Criterion) {
    timeline::set_quiet(true);
    let server = PictureServer::start(ServerConfig {
        latency: latency(),
        bandwidth: None,
    })
    .expect("the picture server starts");
    let url = server.picture_url(200, 3000);
    let out = tempfile::tempdir().expect("a temporary folder");
    let downloader = Downloader::new(Duration::from_secs(30)).expect("an HTTP client");

    eprintln!(
        "lesson04: picture server latency {} ms",
        latency().as_millis()
    );
    let mut group = c.benchmark_group("lesson04");
    group
        .sample_size(10)
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(3));
    for count in 1..=5 {
        group.bench_with_input(
            BenchmarkId::new("sequential", count),
            &count,
            |b, &count| {
                b.iter(|| {
                    for i in 0..count {
                        let path = out.path().join(format!("{i}.jpg"));
                        downloader.download_image(&url, &path, i).expect("download");
                    }
                    timeline::take_events();
                });
            },
        );
    }
    group.finish();
}

criterion_group!(benches, sequential);
criterion_main!(benches);
