//! The Python originals and the Rust lessons, side by side, under one lab:
//! `cargo build --bins && cargo run --bin side-by-side`.
//!
//! It starts the workbook's picture server in this process and runs each Python
//! program in `python/` and the matching Rust lesson under the lab, against that
//! server, with the same latency and count. Every figure in its tables comes from the
//! lab's record of a run (the server's side of each request, the process tree, the
//! folder); nothing is read from what the programs print. Then it shows what starting a
//! process costs and what each language says about the CPU count, as each prints it.

use std::ffi::OsString;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::mpsc::Receiver;
use std::time::Duration;

use anyhow::{Context, bail};
use clap::Parser;
use workbook::lab::Record;
use workbook::lab::run::{Setting, watch};
use workbook::lab::signals::{self, Stop};
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

    /// Print the two tables as one JSON document instead (for programs, not people),
    /// and skip the parts that only show what programs print.
    #[arg(long)]
    json: bool,
}

/// What `--json` prints: each figure of the tables, from the records.
#[derive(serde::Serialize, Default)]
struct Tables {
    pairs: Vec<PairRow>,
    ways: Vec<WayRow>,
}

#[derive(serde::Serialize)]
struct PairRow {
    lesson: &'static str,
    python: Figures,
    rust: Figures,
}

#[derive(serde::Serialize)]
struct WayRow {
    language: &'static str,
    way: String,
    #[serde(flatten)]
    figures: Figures,
}

/// One run's figures, all from its record.
#[derive(serde::Serialize)]
struct Figures {
    main_ended: Option<f64>,
    all_ended: f64,
    requests: usize,
    most_at_once: usize,
    whole_pictures: usize,
}

impl Figures {
    fn of(record: &Record) -> Figures {
        Figures {
            main_ended: main_ended(record),
            all_ended: record.wall,
            requests: record.requests.len(),
            most_at_once: record.most_in_flight(),
            whole_pictures: record.whole_pictures(),
        }
    }
}

/// A Python program and the Rust lesson that ports it.
struct Pair {
    lesson: &'static str,
    python: &'static str,
    rust: &'static str,
    rust_args: &'static [&'static str],
}

const PAIRS: [Pair; 4] = [
    Pair {
        lesson: "04 sequential",
        python: "sequential.py",
        rust: "lesson04",
        rust_args: &[],
    },
    Pair {
        lesson: "05 naive",
        python: "naive.py",
        rust: "lesson05",
        rust_args: &[],
    },
    Pair {
        lesson: "06 fixed",
        python: "fixed.py",
        rust: "lesson06",
        rust_args: &[],
    },
    Pair {
        lesson: "07 join omitted",
        python: "join_omitted.py",
        rust: "lesson07",
        rust_args: &[],
    },
];

/// Python's three ways in `thousand.py` (`--way`), and lesson 12's five (`--mode`).
const PYTHON_WAYS: [(&str, &str); 3] = [
    ("threads", "ThreadPoolExecutor(N)"),
    ("processes", "ProcessPoolExecutor(64)"),
    ("asyncio", "asyncio streams"),
];
const RUST_WAYS: [&str; 5] = ["async", "threads", "pool", "processes", "rayon"];

/// `println!` that hands a failure to write (a closed stdout, a full disk) to `?`.
macro_rules! out {
    ($($arg:tt)*) => {
        workbook::units::print(&format!("{}\n", format_args!($($arg)*)))?
    };
}

fn main() -> std::process::ExitCode {
    match run(&workbook::units::parse_args::<Args>()) {
        Ok(()) => std::process::ExitCode::SUCCESS,
        // A closed stdout (piped into `head`) ends it quietly, as `cat` does.
        Err(error) if workbook::units::is_broken_pipe(&error) => std::process::ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("side-by-side: {error:#}");
            std::process::ExitCode::FAILURE
        }
    }
}

/// One server, one scratch folder, one way to stop: what every watched run shares.
struct Bench {
    server: PictureServer,
    scratch: tempfile::TempDir,
    stops: Receiver<Stop>,
}

impl Bench {
    /// Runs `command` under the lab, `count` pictures from `url` into a fresh folder.
    /// With `flags`, the folder, URL and count are also given as `--out`, `--url` and
    /// `--count`.
    fn watch(&self, url: &str, count: u32, command: Vec<OsString>) -> anyhow::Result<Record> {
        let out = tempfile::tempdir_in(self.scratch.path())?;
        let setting = Setting {
            url,
            out: out.path(),
            count: count as usize,
            time_limit: Duration::from_secs(120),
            server: Some(&self.server),
            pass_through: false,
            pictures: true,
        };
        let record = watch(&setting, &command, &self.stops)?;
        if let Some(stop) = &record.stopped {
            bail!("{}: {stop}", record.program.join(" "));
        }
        if !record.exit.success() {
            eprintln!(
                "note: {} exited with {}",
                record.program.join(" "),
                record.exit
            );
        }
        Ok(record)
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
    let python_program = |script: &str, extra: &[&str]| -> Vec<OsString> {
        let mut command = vec![OsString::from(&python), scripts.join(script).into()];
        command.extend(extra.iter().map(OsString::from));
        command
    };
    let rust_program = |name: &str, extra: &[&str]| -> anyhow::Result<Vec<OsString>> {
        let mut command = vec![binary(name)?.into_os_string()];
        command.extend(extra.iter().map(OsString::from));
        Ok(command)
    };

    let bench = Bench {
        server: PictureServer::start(ServerConfig {
            latency: Duration::from_millis(args.latency_ms),
            ..ServerConfig::default()
        })
        .map_err(|error| anyhow::anyhow!("cannot start the picture server: {error}"))?,
        scratch: tempfile::tempdir()?,
        stops: signals::listen(),
    };
    let url = bench.server.picture_url(200, 3000);
    let mut tables = Tables::default();
    // The human tables go to stdout as they are made; with --json, nowhere.
    let say = |text: String| -> std::io::Result<()> {
        if args.json {
            return Ok(());
        }
        workbook::units::print(&format!("{text}\n"))
    };
    say(format!(
        "picture server: {url} ({} ms latency), {} pictures per program, each run under the lab\n",
        args.latency_ms, args.count
    ))?;
    say(format!(
        "{:<15} | {:>15} | {:>15} | {:>7} | {:>7} | {:>7}",
        "", "main ended at", "all ended at", "", "at once", "whole"
    ))?;
    say(format!(
        "{:<15} | {:>6}   {:>6} | {:>6}   {:>6} | {:>3} {:>3} | {:>3} {:>3} | {:>3} {:>3}",
        "lesson", "Py", "Rust", "Py", "Rust", "Py", "Rs", "Py", "Rs", "Py", "Rs"
    ))?;
    for pair in &PAIRS {
        let py = bench.watch(&url, args.count, python_program(pair.python, &[]))?;
        let rust = rust_program(pair.rust, pair.rust_args)?;
        let rs = bench.watch(&url, args.count, rust)?;
        say(format!(
            "{:<15} | {:>6}   {:>6} | {:>6}   {:>6} | {:>3} {:>3} | {:>3} {:>3} | {:>3} {:>3}",
            pair.lesson,
            seconds(main_ended(&py)),
            seconds(main_ended(&rs)),
            seconds(Some(py.wall)),
            seconds(Some(rs.wall)),
            py.requests.len(),
            rs.requests.len(),
            py.most_in_flight(),
            rs.most_in_flight(),
            py.whole_pictures(),
            rs.whole_pictures(),
        ))?;
        tables.pairs.push(PairRow {
            lesson: pair.lesson,
            python: Figures::of(&py),
            rust: Figures::of(&rs),
        });
    }
    say(
        "\n(columns 4 to 6: requests the server received, most it was answering at once,\n \
         whole JPEG files in the folder. Times in seconds from the program's start;\n \
         \"main ended\" is the process started, \"all ended\" its last child.)"
            .into(),
    )?;

    // Lesson 12: many small pictures, each way of each language, one server.
    let small = bench.server.picture_url(200, 300);
    say(format!(
        "\n{} small pictures (python/thousand.py and lesson 12), one run per way:",
        args.many
    ))?;
    say(format!(
        "{:<10} {:<24} | {:>8} | {:>8} | {:>7} | {:>5}",
        "", "way", "took", "requests", "at once", "whole"
    ))?;
    for (way, name) in PYTHON_WAYS {
        let record = bench.watch(
            &small,
            args.many,
            python_program("thousand.py", &["--way", way]),
        )?;
        let name = name.replace('N', &args.many.to_string());
        say(way_row("Python", &name, &record))?;
        tables.ways.push(WayRow {
            language: "Python",
            way: name,
            figures: Figures::of(&record),
        });
    }
    for way in RUST_WAYS {
        let lesson12 = rust_program("lesson12", &["--mode", way])?;
        let record = bench.watch(&small, args.many, lesson12)?;
        say(way_row("Rust", way, &record))?;
        tables.ways.push(WayRow {
            language: "Rust",
            way: way.into(),
            figures: Figures::of(&record),
        });
    }
    if args.json {
        out!("{}", serde_json::to_string_pretty(&tables)?);
        return Ok(());
    }
    out!("(rayon downloads only 20: lesson 12 says why.)");

    out!("\nStarting a process (20 starts and joins of an empty one, as each program prints it):");
    let py = Command::new(&python)
        .arg(scripts.join("start_cost.py"))
        .arg("20")
        .output()?;
    print_indented("Python", &py.stdout)?;
    let rs = Command::new(binary("lesson01")?)
        .args(["--only", "cost", "--starts", "20"])
        .env("NO_COLOR", "1")
        .stderr(Stdio::null())
        .output()?;
    print_indented("Rust", &rs.stdout)?;

    out!("\nCounting CPUs:");
    let py = Command::new(&python)
        .arg(scripts.join("cpu_count.py"))
        .output()?;
    print_indented("Python", &py.stdout)?;
    // This program is Rust too: it asks the same questions lesson 09 asks.
    out!(
        "  Rust    std::thread::available_parallelism(): {}",
        workbook::cpus::available()
    );
    if let Some(logical) = workbook::cpus::logical() {
        out!("  Rust    logical CPUs (what Python's cpu_count() counts): {logical}");
    }
    Ok(())
}

/// When the process the lab started ended, in seconds from the start.
fn main_ended(record: &Record) -> Option<f64> {
    record.processes.first().map(|process| process.end)
}

fn seconds(time: Option<f64>) -> String {
    time.map_or_else(|| "?".into(), |time| format!("{time:.3}"))
}

/// `Python     ThreadPoolExecutor(200)   |  0.511 s |      200 |     200 |   200`
fn way_row(language: &str, way: &str, record: &Record) -> String {
    format!(
        "{language:<10} {way:<24} | {:>6.3} s | {:>8} | {:>7} | {:>5}",
        record.wall,
        record.requests.len(),
        record.most_in_flight(),
        record.whole_pictures()
    )
}

/// A program's own lines for people, shown as it printed them.
fn print_indented(language: &str, stdout: &[u8]) -> std::io::Result<()> {
    for line in String::from_utf8_lossy(stdout).lines() {
        if !line.trim().is_empty() {
            out!("  {language:<7} {}", line.trim());
        }
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
