//! The Python originals and the Rust lessons, side by side, against one picture
//! server: `cargo build --bins && cargo run --bin side-by-side`.
//!
//! It starts the workbook's picture server in this process, runs each Python program
//! in `python/` and the matching Rust lesson against it with the same latency and
//! count, takes the requests each made from the server's own counter, and prints one
//! table. Then it compares the cost of starting a process, and what each language
//! says about the CPU count.
#![forbid(unsafe_code)]
// Nothing a user or the network controls may end in a panic: no unwrap or expect
// outside the tests.
#![cfg_attr(not(test), deny(clippy::unwrap_used, clippy::expect_used))]

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use anyhow::{Context, bail};
use clap::Parser;
use workbook::server::{PictureServer, ServerConfig};

/// Run the Python originals and the Rust lessons against the same local picture server.
#[derive(Parser)]
#[command(name = "side-by-side")]
struct Args {
    /// The picture server's latency, in ms.
    #[arg(long, value_name = "MS", default_value_t = 300,
          value_parser = clap::value_parser!(u64).range(0..=10_000))]
    latency_ms: u64,

    /// Pictures per program.
    #[arg(long, default_value_t = 5, value_parser = clap::value_parser!(u32).range(1..=50))]
    count: u32,

    /// Pictures for the many-downloads comparison (lesson 12 and `python/thousand.py`).
    #[arg(long, value_name = "N", default_value_t = 200,
          value_parser = clap::value_parser!(u32).range(10..=1000))]
    many: u32,

    /// The Python interpreter to use [default: python3, or python if that is Python 3].
    #[arg(long, value_name = "PROGRAM")]
    python: Option<String>,
}

/// A Python program and the Rust lesson that ports it.
struct Pair {
    lesson: &'static str,
    python: &'static str,
    rust: &'static str,
    rust_args: &'static [&'static str],
    /// How each program reports its own time: Python prints "took X s", the lessons
    /// "total X s" or (lesson 07) "all done at X s".
    rust_time: &'static str,
}

const PAIRS: [Pair; 4] = [
    Pair {
        lesson: "04 sequential",
        python: "sequential.py",
        rust: "lesson04",
        rust_args: &[],
        rust_time: "total ",
    },
    Pair {
        lesson: "05 naive",
        python: "naive.py",
        rust: "lesson05",
        rust_args: &["--no-compare"],
        rust_time: "total ",
    },
    Pair {
        lesson: "06 fixed",
        python: "fixed.py",
        rust: "lesson06",
        rust_args: &["--no-compare"],
        rust_time: "total ",
    },
    Pair {
        lesson: "07 join omitted",
        python: "join_omitted.py",
        rust: "lesson07",
        rust_args: &["--other-work-ms", "0"],
        rust_time: "all done at ",
    },
];

fn main() -> std::process::ExitCode {
    match run(&Args::parse()) {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("side-by-side: {error:#}");
            std::process::ExitCode::FAILURE
        }
    }
}

fn run(args: &Args) -> anyhow::Result<()> {
    let python = find_python(args.python.as_deref())?;
    let binaries = std::env::current_exe()?
        .parent()
        .map(Path::to_path_buf)
        .context("no folder for the binaries")?;
    let binary = |name: &str| -> anyhow::Result<PathBuf> {
        let path = binaries.join(format!("{name}{}", std::env::consts::EXE_SUFFIX));
        if !path.exists() {
            bail!(
                "{} is not built yet: run `cargo build --bins` first (same profile as this run)",
                path.display()
            );
        }
        Ok(path)
    };
    let scripts = Path::new(env!("CARGO_MANIFEST_DIR")).join("python");
    let out = tempfile::tempdir()?;

    let server = PictureServer::start(ServerConfig {
        latency: Duration::from_millis(args.latency_ms),
        ..ServerConfig::default()
    })
    .map_err(|error| anyhow::anyhow!("cannot start the picture server: {error}"))?;
    let url = server.picture_url(200, 3000);
    println!(
        "picture server: {url} ({} ms latency), {} pictures per program\n",
        args.latency_ms, args.count
    );
    println!(
        "{:<15} | {:>8} | {:>8} | {:>8} | {:>8} | {:>6} | {:>6}",
        "lesson", "Py own", "Rust own", "Py wall", "Rs wall", "Py req", "Rs req"
    );
    for pair in &PAIRS {
        let folder = out.path().join(pair.rust);
        let count = args.count.to_string();
        let py = measure(&server, || {
            Command::new(&python)
                .arg(scripts.join(pair.python))
                .args([url.as_str(), count.as_str()])
                .arg(folder.join("python"))
                .current_dir(&scripts)
                .output()
        })?;
        let rs = measure(&server, || {
            Command::new(binary(pair.rust).map_err(std::io::Error::other)?)
                .args(["--url", url.as_str(), "--count", count.as_str(), "--out"])
                .arg(folder.join("rust"))
                .args(pair.rust_args)
                .env("NO_COLOR", "1")
                .output()
        })?;
        let py_time = own_time(&py.stdout, "took ");
        let rs_time = own_time(&rs.stdout, pair.rust_time);
        println!(
            "{:<15} | {:>8} | {:>8} | {:>6.3} s | {:>6.3} s | {:>6} | {:>6}",
            pair.lesson,
            py_time,
            rs_time,
            py.wall.as_secs_f64(),
            rs.wall.as_secs_f64(),
            py.requests,
            rs.requests
        );
    }
    println!("\n(own: what each program measured itself, around its downloads; wall: the whole");
    println!(" program, start-up included. Requests: counted by the picture server.)");

    // Lesson 12: many small pictures, each way of each language, one server.
    let small = server.picture_url(200, 300);
    let many = args.many.to_string();
    println!("\n{many} small pictures (lesson 12 and python/thousand.py), each way in turn:");
    let py = measure(&server, || {
        Command::new(&python)
            .arg(scripts.join("thousand.py"))
            .args([small.as_str(), many.as_str()])
            .arg(out.path().join("many-python"))
            .current_dir(&scripts)
            .output()
    })?;
    for line in String::from_utf8_lossy(&py.stdout).lines() {
        println!("  Python  {line}");
    }
    let rs = measure(&server, || {
        Command::new(binary("lesson12").map_err(std::io::Error::other)?)
            .args(["--url", small.as_str(), "--count", many.as_str(), "--out"])
            .arg(out.path().join("many-rust"))
            .env("NO_COLOR", "1")
            .output()
    })?;
    // Each way's line, `async  200 in 312.40 ms  in flight |...| at most 200`, without
    // its in-flight profile (lesson 12 explains it): `async  200 in 312.40 ms, at most 200`.
    for line in String::from_utf8_lossy(&rs.stdout).lines() {
        if let Some((way, rest)) = line.split_once("  in flight |")
            && let Some((_, most)) = rest.rsplit_once("| ")
        {
            println!("  Rust    {}, {most}", way.trim_end());
        }
    }
    println!(
        "  requests: Python {}, Rust {} (counted by the picture server)",
        py.requests, rs.requests
    );

    println!("\nStarting a process (median of 20 starts and joins of an empty one, this run):");
    let py = Command::new(&python)
        .arg(scripts.join("start_cost.py"))
        .arg("20")
        .output()?;
    for line in String::from_utf8_lossy(&py.stdout).lines() {
        println!("  Python  {line}");
    }
    let rs = Command::new(binary("lesson01")?)
        .args(["--only", "cost", "--starts", "20"])
        .env("NO_COLOR", "1")
        .stderr(Stdio::null())
        .output()?;
    for line in String::from_utf8_lossy(&rs.stdout)
        .lines()
        .filter(|l| l.contains("median"))
    {
        println!("  Rust    {}", line.trim());
    }

    println!("\nCounting CPUs:");
    let py = Command::new(&python)
        .arg(scripts.join("cpu_count.py"))
        .output()?;
    for line in String::from_utf8_lossy(&py.stdout).lines() {
        println!("  Python  {line}");
    }
    let rs = Command::new(binary("lesson09")?)
        .args(["--url", url.as_str(), "--count", "1", "--out"])
        .arg(out.path().join("lesson09"))
        .env("NO_COLOR", "1")
        .output()?;
    for line in String::from_utf8_lossy(&rs.stdout)
        .lines()
        .take_while(|l| !l.starts_with("lesson09"))
    {
        println!("  Rust    {line}");
    }
    Ok(())
}

/// The given interpreter, or the machine's `python3` (or `python` on Windows), if it is
/// Python 3; else a clear error.
fn find_python(given: Option<&str>) -> anyhow::Result<String> {
    let candidates = match given {
        Some(program) => vec![program],
        None => vec!["python3", "python"],
    };
    for candidate in candidates {
        let found = Command::new(candidate)
            .arg("--version")
            .output()
            .is_ok_and(|out| {
                out.status.success() && String::from_utf8_lossy(&out.stdout).contains("Python 3")
            });
        if found {
            return Ok(candidate.to_string());
        }
    }
    bail!(
        "{} is not installed (or not on PATH, or not Python 3): the Python side cannot run. \
         Install Python 3 (no extra packages needed) and try again.",
        given.unwrap_or("python3")
    )
}

/// One program's run: its output, its wall time, and the requests it made.
struct Run {
    stdout: Vec<u8>,
    wall: Duration,
    requests: usize,
}

/// Runs a program to its end and counts the requests the server received meanwhile:
/// when the program has exited, every request it made has arrived.
fn measure(
    server: &PictureServer,
    run: impl FnOnce() -> std::io::Result<std::process::Output>,
) -> anyhow::Result<Run> {
    let before = server.requests();
    let start = Instant::now();
    let output = run()?;
    let wall = start.elapsed();
    if !output.status.success() {
        eprintln!(
            "note: a program exited with {}: {}",
            output.status,
            String::from_utf8_lossy(&output.stderr).trim()
        );
    }
    Ok(Run {
        stdout: output.stdout,
        wall,
        requests: server.requests() - before,
    })
}

/// The seconds after `marker` in a program's output ("took 1.518 s"), as printed.
fn own_time(stdout: &[u8], marker: &str) -> String {
    String::from_utf8_lossy(stdout)
        .lines()
        .find_map(|line| {
            let rest = &line[line.find(marker)? + marker.len()..];
            let seconds: f64 = rest
                .split_whitespace()
                .next()?
                .trim_end_matches('s')
                .parse()
                .ok()?;
            Some(format!("{seconds:.3} s"))
        })
        .unwrap_or_else(|| "?".into())
}
