//! The Python originals and the Rust lessons, side by side, against one standalone
//! picture server: `cargo build --bins && cargo run --bin side-by-side`.
//!
//! It starts `picsum-local`, runs each Python program in `python/` and the matching
//! Rust lesson against it with the same latency and count, counts the requests each
//! made from the server's request log, and prints one table. Then it compares the cost
//! of starting a process, and what each language says about the CPU count.
#![forbid(unsafe_code)]
// Nothing a user or the network controls may end in a panic: no unwrap or expect
// outside the tests.
#![cfg_attr(not(test), deny(clippy::unwrap_used, clippy::expect_used))]

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use anyhow::{Context, bail};
use clap::Parser;

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

    let server = Server::start(&binary("picsum-local")?, args.latency_ms)?;
    let url = format!("http://127.0.0.1:{}/200/3000", server.port);
    println!(
        "picture server: {url} ({} ms latency), {} pictures per program\n",
        args.latency_ms, args.count
    );
    println!(
        "{:<16} | {:>12} | {:>12} | {:>12} | {:>12} | {:>8} | {:>8}",
        "lesson", "Python time", "Rust time", "Python wall", "Rust wall", "Py req.", "Rust req."
    );
    for pair in &PAIRS {
        let folder = out.path().join(pair.rust);
        let count = args.count.to_string();
        let py = server.measure(|| {
            Command::new(&python)
                .arg(scripts.join(pair.python))
                .args([url.as_str(), count.as_str()])
                .arg(folder.join("python"))
                .current_dir(&scripts)
                .output()
        })?;
        let rs = server.measure(|| {
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
            "{:<16} | {:>12} | {:>12} | {:>10.3} s | {:>10.3} s | {:>8} | {:>8}",
            pair.lesson,
            py_time,
            rs_time,
            py.wall.as_secs_f64(),
            rs.wall.as_secs_f64(),
            py.requests,
            rs.requests
        );
    }
    println!(
        "\n(own time: what each program measured itself, around its downloads; wall: the whole"
    );
    println!(" program, start-up included. Requests: counted by the picture server.)");

    println!("\nStarting a process (median of 20 starts and joins of an empty one):");
    let py = Command::new(&python)
        .arg(scripts.join("start_cost.py"))
        .arg("20")
        .output()?;
    for line in String::from_utf8_lossy(&py.stdout).lines() {
        println!("  Python  {line}");
    }
    let rs = Command::new(binary("lesson01")?)
        .args(["--starts", "20"])
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

/// The standalone picture server, with its request log counted.
struct Server {
    child: Child,
    port: u16,
    requests: Arc<AtomicUsize>,
}

/// One program's run: its output, its wall time, and the requests it made.
struct Run {
    stdout: Vec<u8>,
    wall: Duration,
    requests: usize,
}

impl Server {
    fn start(program: &Path, latency_ms: u64) -> anyhow::Result<Server> {
        let mut child = Command::new(program)
            .args(["--port", "0", "--latency-ms", &latency_ms.to_string()])
            .stdout(Stdio::piped())
            .spawn()
            .context("cannot start picsum-local")?;
        let stdout = child.stdout.take().context("no output from picsum-local")?;
        let mut lines = BufReader::new(stdout).lines();
        // "listening on http://127.0.0.1:PORT"
        let first = lines.next().context("picsum-local said nothing")??;
        let port = first
            .rsplit(':')
            .next()
            .and_then(|p| p.trim().parse().ok())
            .context("no port in picsum-local's first line")?;
        let requests = Arc::new(AtomicUsize::new(0));
        let counter = requests.clone();
        std::thread::spawn(move || {
            for line in lines.map_while(Result::ok) {
                if line.starts_with("request ") {
                    counter.fetch_add(1, Ordering::SeqCst);
                }
            }
        });
        Ok(Server {
            child,
            port,
            requests,
        })
    }

    /// Runs a program to its end and counts the requests the server logged meanwhile.
    fn measure(
        &self,
        run: impl FnOnce() -> std::io::Result<std::process::Output>,
    ) -> anyhow::Result<Run> {
        let before = self.requests.load(Ordering::SeqCst);
        let start = Instant::now();
        let output = run()?;
        let wall = start.elapsed();
        // The log lines of the last requests may still be on their way.
        std::thread::sleep(Duration::from_millis(200));
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
            requests: self.requests.load(Ordering::SeqCst) - before,
        })
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
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
