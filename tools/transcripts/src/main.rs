//! The book's sample output, made by real runs.
//!
//! ```text
//! cargo run -p transcripts              # run everything, write book/src/transcripts/
//! cargo run -p transcripts -- --check   # run everything again, compare, show a diff
//! ```
//!
//! Every program a chapter shows output of is listed in [`transcripts`]: a lesson or a
//! Python program from `python/`, with fixed arguments, `NO_COLOR`, the default 300 ms
//! latency, run in a scratch folder so that paths are the defaults a learner gets
//! (`downloads/lesson06`). stdout and stderr go into one pipe, as a terminal shows
//! them. Chapters include the files with `{{#include transcripts/...}}`.
//!
//! `--check` compares after masking what legitimately varies from run to run (see
//! [`mask`]): times, pids, ports, byte counts, the bars' shapes, and the order of lines
//! that happen at the same moment. A changed message, flag, column or number of lines
//! fails with a diff.

use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode, Stdio};
use std::time::{Duration, Instant};

use anyhow::{Context, bail};
use clap::Parser;

mod pictures;
use workbook::server::{Fault, PictureServer, ServerConfig};

/// Make (or check) the book's transcripts from real runs.
#[derive(Parser)]
struct Args {
    /// Run everything again and compare with the committed transcripts (masked).
    #[arg(long)]
    check: bool,
    /// Only the transcripts whose file starts with this (e.g. `lesson06`).
    #[arg(long)]
    only: Option<String>,
    /// Do not build the workbook's programs first.
    #[arg(long)]
    no_build: bool,
}

/// How a transcript's program is run.
enum Run {
    /// A lesson binary with these arguments; it starts its own picture server.
    Lesson(&'static str, &'static [&'static str]),
    /// A lesson under the lab (its lab line): the same, and the lab's record is kept,
    /// so that the picture is drawn from what the lab saw.
    Watched(&'static str, &'static [&'static str]),
    /// The same, built with `--release`: for runs whose point is how fast they are.
    Release(&'static str, &'static [&'static str]),
    /// A lesson binary started by another program (`taskset -c 0 lesson09`); skipped
    /// where that program is missing.
    Wrapped(
        &'static [&'static str],
        &'static str,
        &'static [&'static str],
    ),
    /// lesson06 (processes, 3 s latency) whose second child is killed from outside.
    KillSecondChild,
    /// The same run, stopped by Ctrl-C once the five children are downloading: SIGINT
    /// to the whole process group, as a terminal sends it (Unix).
    CtrlC,
    /// `rustc` on a file of `lessons/compile_fail/`, which must fail to compile.
    CompileFail(&'static str),
    /// A program from `python/` with these arguments after the URL of a local server
    /// (`None`: no URL).
    Python(&'static str, Option<&'static [&'static str]>),
    /// A program from `python/` with the URL of a small (200x300) picture of a local
    /// server, then these arguments.
    PythonSmall(&'static str, &'static [&'static str]),
    /// A program from `python/` with just these arguments.
    PythonPlain(&'static str, &'static [&'static str]),
    /// The last chapter's crate (`my-downloader/`, built on its own), given to the lab
    /// or to `check` after these arguments.
    YourOwn(&'static str, &'static [&'static str]),
}

/// Where the last chapter's crate is built, and where the book says it is: beside
/// the workbook, as `cargo new my-downloader` makes it.
const YOUR_OWN_TARGET: &str = "target/my-downloader";
const YOUR_OWN_SHOWN: &str = "../my-downloader/target/debug/my-downloader";

struct Transcript {
    /// Where it goes, under `book/src/transcripts/`.
    file: &'static str,
    /// The command as the book shows it (what a learner types).
    shown: &'static str,
    run: Run,
    /// Extra masking for what varies in this transcript only.
    mask: fn(&str) -> String,
    /// Compare as a set of lines: two processes write to the terminal at once and
    /// their lines come in either order.
    any_order: bool,
}

fn same(line: &str) -> String {
    line.to_string()
}

/// Every transcript the book includes.
fn transcripts() -> Vec<Transcript> {
    use Run::*;
    let t = |file, shown, run| Transcript {
        file,
        shown,
        run,
        mask: same,
        any_order: false,
    };
    vec![
        Transcript {
            mask: |line| words_after(line, "took", 1),
            // The panics go to stderr, the parent's lines to stdout: two pipes to the
            // lab, so a panic's lines and the next line race.
            any_order: true,
            ..t(
                "lesson01/all.txt",
                "cargo run --bin lesson01",
                Lesson("lesson01", &[]),
            )
        },
        t(
            "lesson01/python-spawn.txt",
            "python3 python/memory.py spawn",
            Python("memory.py", None),
        ),
        t(
            "lesson02/all.txt",
            "cargo run --bin lesson02",
            Lesson("lesson02", &[]),
        ),
        Transcript {
            // The parent's "started" line and the child's greeting race.
            any_order: true,
            ..t(
                "lesson03/greet.txt",
                "cargo run --bin lesson03",
                Lesson("lesson03", &[]),
            )
        },
        Transcript {
            any_order: true,
            ..t(
                "lesson03/crash.txt",
                "cargo run --bin lesson03 -- --crash",
                Lesson("lesson03", &["--crash"]),
            )
        },
        t(
            "lesson04/sequential.txt",
            "cargo run --bin lesson04",
            Watched("lesson04", &[]),
        ),
        t(
            "lesson04/faults.txt",
            "cargo run --bin lesson04 -- --count 6 \\\n    \
             --fault 2:404 --fault 3:503 --fault 4:reset --fault 5:truncate",
            Watched(
                "lesson04",
                &[
                    "--count",
                    "6",
                    "--fault",
                    "2:404",
                    "--fault",
                    "3:503",
                    "--fault",
                    "4:reset",
                    "--fault",
                    "5:truncate",
                ],
            ),
        ),
        Transcript {
            // The children end in any order, the killed one among them.
            any_order: true,
            ..t(
                "lesson04/killed.txt",
                "cargo run --bin lesson06 -- --latency-ms 3000 --no-compare   # then kill -9 a child",
                KillSecondChild,
            )
        },
        Transcript {
            any_order: true,
            ..t(
                "nothing_lost/ctrl-c.txt",
                "cargo run --bin lesson06 -- --latency-ms 3000 --no-compare   # then Ctrl-C",
                CtrlC,
            )
        },
        Transcript {
            mask: two_or_three_at_once,
            ..t(
                "lesson05/naive.txt",
                "cargo run --bin lesson05",
                Watched("lesson05", &[]),
            )
        },
        Transcript {
            // The children print as each finishes: in any order.
            any_order: true,
            ..t(
                "lesson06/processes.txt",
                "cargo run --bin lesson06",
                Watched("lesson06", &[]),
            )
        },
        Transcript {
            // The children print as each finishes: in any order.
            any_order: true,
            ..t(
                "lesson06/threads.txt",
                "cargo run --bin lesson06 -- --mode threads",
                Watched("lesson06", &["--mode", "threads"]),
            )
        },
        Transcript {
            // The children print as each finishes: in any order.
            any_order: true,
            ..t(
                "lesson06/rayon.txt",
                "cargo run --bin lesson06 -- --mode rayon",
                Watched("lesson06", &["--mode", "rayon"]),
            )
        },
        t(
            "lesson07/processes.txt",
            "cargo run --bin lesson07",
            Watched("lesson07", &[]),
        ),
        t(
            "lesson07/threads.txt",
            "cargo run --bin lesson07 -- --mode threads",
            Watched("lesson07", &["--mode", "threads"]),
        ),
        t(
            "lesson07/join.txt",
            "cargo run --bin lesson07 -- --join",
            Watched("lesson07", &["--join"]),
        ),
        Transcript {
            any_order: true,
            ..t(
                "lesson07/python-forgetful.txt",
                "python3 python/forgetful.py http://127.0.0.1:8000/200/3000",
                Python("forgetful.py", Some(&[])),
            )
        },
        t(
            "lesson07/python-forgetful-daemon.txt",
            "python3 python/forgetful.py http://127.0.0.1:8000/200/3000 5 downloads/python/forgetful daemon",
            Python(
                "forgetful.py",
                Some(&["5", "downloads/python/forgetful", "daemon"]),
            ),
        ),
        t(
            "lesson08/all.txt",
            "cargo run --bin lesson08",
            Lesson("lesson08", &[]),
        ),
        t(
            "lesson01/python-fork.txt",
            "python3 python/memory.py fork",
            PythonPlain("memory.py", &["fork"]),
        ),
        Transcript {
            mask: python_traceback,
            ..t(
                "lesson08/python-unguarded.txt",
                "python3 python/unguarded.py",
                Python("unguarded.py", None),
            )
        },
        Transcript {
            mask: lesson09_best_pool,
            ..t(
                "lesson09/all.txt",
                "cargo run --bin lesson09",
                Lesson("lesson09", &[]),
            )
        },
        Transcript {
            mask: lesson09_best_pool,
            ..t(
                "lesson09/taskset.txt",
                "taskset -c 0 cargo run --bin lesson09",
                Wrapped(&["taskset", "-c", "0"], "lesson09", &[]),
            )
        },
        Transcript {
            mask: lesson10_fastest,
            ..t(
                "lesson10/all.txt",
                "cargo run --bin lesson10",
                Lesson("lesson10", &[]),
            )
        },
        Transcript {
            any_order: true,
            mask: processes_seen,
            ..t(
                "lesson11/all.txt",
                "cargo run --bin lesson11",
                Lesson("lesson11", &[]),
            )
        },
        Transcript {
            mask: rustc_paths,
            ..t(
                "lesson11/rc_in_a_thread.txt",
                "rustc --edition 2024 lessons/compile_fail/rc_in_a_thread.rs",
                CompileFail("rc_in_a_thread.rs"),
            )
        },
        Transcript {
            mask: rustc_paths,
            ..t(
                "lesson11/borrow_without_move.txt",
                "rustc --edition 2024 lessons/compile_fail/borrow_without_move.rs",
                CompileFail("borrow_without_move.rs"),
            )
        },
        Transcript {
            mask: rustc_paths,
            ..t(
                "lesson11/refcell_shared.txt",
                "rustc --edition 2024 lessons/compile_fail/refcell_shared.rs",
                CompileFail("refcell_shared.rs"),
            )
        },
        Transcript {
            mask: lesson12_profiles,
            ..t(
                "lesson12/count10.txt",
                "cargo run --release --bin lesson12 -- --count 10",
                Release("lesson12", &["--count", "10"]),
            )
        },
        Transcript {
            mask: lesson12_profiles,
            ..t(
                "lesson12/count100.txt",
                "cargo run --release --bin lesson12 -- --count 100",
                Release("lesson12", &["--count", "100"]),
            )
        },
        Transcript {
            mask: lesson12_profiles,
            ..t(
                "lesson12/all.txt",
                "cargo run --release --bin lesson12",
                Release("lesson12", &[]),
            )
        },
        t(
            "lesson12/python.txt",
            "python3 python/thousand.py http://127.0.0.1:8000/200/300 200",
            PythonSmall("thousand.py", &["200"]),
        ),
        Transcript {
            // The program's stdout and stderr reach the lab by two pipes: which of
            // its last lines comes first varies.
            any_order: true,
            mask: lesson12_out_of_files,
            ..t(
                "lesson12/ulimit.txt",
                "bash -c 'ulimit -n 256; cargo run --bin lesson12 -- --count 300 --mode threads'",
                Wrapped(
                    &["bash", "-c", "ulimit -n 256; exec \"$0\" \"$@\""],
                    "lesson12",
                    &["--count", "300", "--mode", "threads"],
                ),
            )
        },
        Transcript {
            mask: lesson13_varies,
            ..t(
                "lesson13/all.txt",
                "cargo run --bin lesson13",
                Lesson("lesson13", &[]),
            )
        },
        Transcript {
            mask: lesson13_varies,
            ..t(
                "lesson13/taskset.txt",
                "taskset -c 0 cargo run --bin lesson13",
                Wrapped(&["taskset", "-c", "0"], "lesson13", &[]),
            )
        },
        t(
            "your_own/lab.txt",
            "cargo run --bin lab -- --count 30 ../my-downloader/target/debug/my-downloader",
            YourOwn("lab", &["--count", "30"]),
        ),
        Transcript {
            // Three workers race for the server: which picture's request comes second
            // or third, and so which one fails how, varies.
            mask: picture_numbers,
            any_order: true,
            ..t(
                "your_own/faults.txt",
                "cargo run --bin lab -- --count 3 --fault 2:503 --fault 3:truncate \\\n    ../my-downloader/target/debug/my-downloader",
                YourOwn(
                    "lab",
                    &["--count", "3", "--fault", "2:503", "--fault", "3:truncate"],
                ),
            )
        },
        t(
            "your_own/check.txt",
            "cargo run --bin check -- 12 --program ../my-downloader/target/debug/my-downloader",
            YourOwn("check", &["12", "--program"]),
        ),
        Transcript {
            // Its lesson 12 lines have in-flight profiles, like lesson 12's own.
            mask: lesson12_profiles,
            ..t(
                "appendix_e/side-by-side.txt",
                "cargo run --bin side-by-side",
                Lesson("side-by-side", &[]),
            )
        },
    ]
}

fn main() -> ExitCode {
    let args = Args::parse();
    match run(&args) {
        Ok(true) => ExitCode::SUCCESS,
        Ok(false) => ExitCode::FAILURE,
        Err(error) => {
            eprintln!("transcripts: {error:#}");
            ExitCode::FAILURE
        }
    }
}

/// The programs that transcripts run from a `--release` build.
fn release_bins(transcripts: &[Transcript]) -> Vec<&'static str> {
    let mut bins: Vec<&'static str> = transcripts
        .iter()
        .filter_map(|t| match t.run {
            Run::Release(bin, _) => Some(bin),
            _ => None,
        })
        .collect();
    bins.dedup();
    bins
}

fn run(args: &Args) -> anyhow::Result<bool> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let root = root.canonicalize().context("the workbook's folder")?;
    let chosen: Vec<Transcript> = transcripts()
        .into_iter()
        .filter(|t| {
            args.only
                .as_deref()
                .is_none_or(|only| t.file.starts_with(only))
        })
        .collect();
    if !args.no_build {
        let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
        let built = Command::new(&cargo)
            .args(["build", "--quiet", "--bins"])
            .current_dir(&root)
            .status()?;
        if !built.success() {
            bail!("cargo build --bins failed");
        }
        if chosen.iter().any(|t| matches!(t.run, Run::YourOwn(..))) {
            // Outside the workspace, as a learner's own crate is.
            let built = Command::new(&cargo)
                .args(["build", "--quiet", "--offline", "--manifest-path"])
                .arg(root.join("my-downloader/Cargo.toml"))
                .env("CARGO_TARGET_DIR", root.join(YOUR_OWN_TARGET))
                .status()?;
            if !built.success() {
                bail!("cargo build of my-downloader/ failed");
            }
        }
        for bin in release_bins(&chosen) {
            let built = Command::new(&cargo)
                .args(["build", "--quiet", "--release", "--bin", bin])
                .current_dir(&root)
                .status()?;
            if !built.success() {
                bail!("cargo build --release --bin {bin} failed");
            }
        }
    }
    let bins = std::env::current_exe()?
        .parent()
        .context("the target folder")?
        .to_path_buf();
    let python = python3();
    if python.is_none() {
        println!("python3 not found: the Python transcripts are skipped");
    }
    let folder = root.join("book/src/transcripts");
    let pictures_folder = root.join("book/src/pictures");
    let mut all_same = true;
    // What each transcript's run printed, for the pictures drawn from several runs.
    let mut made: Vec<(&str, Option<workbook::lab::Record>)> = Vec::new();
    for transcript in &chosen {
        if matches!(
            transcript.run,
            Run::Python(..) | Run::PythonPlain(..) | Run::PythonSmall(..)
        ) && python.is_none()
        {
            continue;
        }
        if let Run::Wrapped([wrapper, ..], _, _) = transcript.run
            && !works(wrapper)
        {
            println!("{wrapper} not found: {} is skipped", transcript.file);
            continue;
        }
        if transcript.file.starts_with("appendix_e") && python.is_none() {
            continue;
        }
        let started = Instant::now();
        let (text, record) = make(transcript, &bins, &root, python.as_deref())
            .with_context(|| format!("making {}", transcript.file))?;
        let path = folder.join(transcript.file);
        if args.check {
            let committed = std::fs::read_to_string(&path).unwrap_or_default();
            let (mut old, mut new) = (
                normalise(&committed, transcript.mask),
                normalise(&text, transcript.mask),
            );
            if transcript.any_order {
                old.sort();
                new.sort();
            }
            if old == new {
                println!(
                    "same     {} ({:.1} s)",
                    transcript.file,
                    started.elapsed().as_secs_f64()
                );
            } else {
                all_same = false;
                println!("CHANGED  {}", transcript.file);
                print_diff(&old, &new);
            }
        } else {
            if let Some(parent) = path.parent() {
                std::fs::create_dir_all(parent)?;
            }
            std::fs::write(&path, &text)?;
            println!(
                "wrote    {} ({:.1} s)",
                transcript.file,
                started.elapsed().as_secs_f64()
            );
        }
        made.push((transcript.file, record.clone()));
        // (a picture of more than 50 rows would show nothing a reader can use.)
        // A transcript with a timeline gets its picture, drawn from the same run: from
        // the lab's record where there is one.
        if let Some(record) = &record {
            if (1..=50).contains(&record.requests.len()) {
                let name = transcript.file.replace(".txt", ".svg");
                let svg =
                    pictures::record_timeline(record).with_context(|| format!("drawing {name}"))?;
                pictures::check_svg(&svg).with_context(|| format!("drawing {name}"))?;
                if !args.check {
                    write(&pictures_folder.join(&name), &svg)?;
                    println!("drew     pictures/{name}");
                }
            }
            continue;
        }
        if pictures::bar_groups_in(&text) > 0 {
            let name = transcript.file.replace(".txt", ".svg");
            let svg = pictures::bar_groups(&text).with_context(|| format!("drawing {name}"))?;
            pictures::check_svg(&svg).with_context(|| format!("drawing {name}"))?;
            if !args.check {
                write(&pictures_folder.join(&name), &svg)?;
                println!("drew     pictures/{name}");
            }
        }
    }
    // Lesson 12 at 10, 100 and 1,000 pictures: time and memory against the count.
    let runs: Vec<&workbook::lab::Record> = [
        "lesson12/count10.txt",
        "lesson12/count100.txt",
        "lesson12/all.txt",
    ]
    .iter()
    .filter_map(|file| made.iter().find(|(f, _)| f == file))
    .filter_map(|(_, record)| record.as_ref())
    .collect();
    if runs.len() == 3 {
        let name = "lesson12/against-pictures.svg";
        let svg = pictures::against_pictures(&runs).with_context(|| format!("drawing {name}"))?;
        pictures::check_svg(&svg).with_context(|| format!("drawing {name}"))?;
        if !args.check {
            write(&pictures_folder.join(name), &svg)?;
            println!("drew     pictures/{name}");
        }
    }
    // The measured tables' charts, drawn from the tables themselves: a chart that
    // differs from what its table draws now is stale.
    for chart in pictures::CHARTS {
        if args
            .only
            .as_deref()
            .is_some_and(|only| !chart.file.starts_with(only))
        {
            continue;
        }
        let table_path = root.join("book/src/measured").join(chart.table);
        let table = std::fs::read_to_string(&table_path)
            .with_context(|| format!("reading {}", table_path.display()))?;
        let svg = pictures::chart(chart, &table)
            .with_context(|| format!("drawing {} from {}", chart.file, chart.table))?;
        let path = pictures_folder.join(chart.file);
        if args.check {
            if std::fs::read_to_string(&path).ok().as_deref() == Some(svg.as_str()) {
                println!("same     pictures/{}", chart.file);
            } else {
                all_same = false;
                println!(
                    "CHANGED  pictures/{}: not what measured/{} draws now",
                    chart.file, chart.table
                );
            }
        } else {
            write(&path, &svg)?;
            println!("drew     pictures/{}", chart.file);
        }
    }
    // Every picture a chapter shows is there and is well-formed SVG.
    if args.check && args.only.is_none() {
        for (chapter, picture) in included_pictures(&root.join("book/src"))? {
            let path = root.join("book/src").join(&picture);
            let verdict = std::fs::read_to_string(&path)
                .context("missing")
                .and_then(|text| pictures::check_svg(&text));
            if let Err(error) = verdict {
                all_same = false;
                println!("BROKEN   {picture} (shown by {chapter}): {error:#}");
            }
        }
    }
    if args.check && args.only.is_none() {
        // A transcript nobody makes any more is stale.
        for stale in files_under(&folder) {
            let name = stale
                .strip_prefix(&folder)
                .unwrap_or(&stale)
                .to_string_lossy()
                .replace('\\', "/");
            if !chosen.iter().any(|t| t.file == name) {
                all_same = false;
                println!("STALE    {name}: no program makes it any more; remove it");
            }
        }
    }
    if args.check && !all_same {
        println!(
            "\nThe book's sample output differs from what the programs print now. \
             Regenerate it with `cargo run -p transcripts` and review the diff."
        );
    }
    Ok(all_same)
}

/// Writes `text` to `path`, making its folder first.
fn write(path: &Path, text: &str) -> anyhow::Result<()> {
    if let Some(parent) = path.parent() {
        std::fs::create_dir_all(parent)?;
    }
    std::fs::write(path, text).with_context(|| format!("writing {}", path.display()))
}

/// Every `pictures/….svg` (drawn from runs) and `diagrams/….svg` (drawn by hand)
/// that a chapter under `book` refers to, with the chapter.
fn included_pictures(book: &Path) -> anyhow::Result<Vec<(String, String)>> {
    let mut found = Vec::new();
    for entry in std::fs::read_dir(book)? {
        let path = entry?.path();
        if path.extension().is_none_or(|ext| ext != "md") {
            continue;
        }
        let text = std::fs::read_to_string(&path)?;
        let chapter = path.file_name().unwrap_or_default().to_string_lossy();
        for folder in ["pictures/", "diagrams/"] {
            for (at, _) in text.match_indices(folder) {
                let rest = &text[at..];
                if let Some(end) = rest.find(".svg") {
                    found.push((chapter.to_string(), rest[..end + 4].to_string()));
                }
            }
        }
    }
    Ok(found)
}

/// Runs one transcript's program in a fresh scratch folder; returns what the book
/// shows, and the lab's record of the run where the lab watched it.
fn make(
    transcript: &Transcript,
    bins: &Path,
    root: &Path,
    python: Option<&str>,
) -> anyhow::Result<(String, Option<workbook::lab::Record>)> {
    let scratch = std::env::temp_dir().join(format!(
        "workbook-transcript-{}-{}",
        std::process::id(),
        transcript.file.replace(['/', '.'], "-")
    ));
    let _ = std::fs::remove_dir_all(&scratch);
    std::fs::create_dir_all(&scratch)?;
    let exe_in =
        |folder: &Path, name: &str| folder.join(format!("{name}{}", std::env::consts::EXE_SUFFIX));
    let exe = |name: &str| exe_in(bins, name);
    let server = |faults: &[(usize, &str)]| -> anyhow::Result<PictureServer> {
        let faults = faults
            .iter()
            .map(|(n, fault)| Ok((*n, fault.parse::<Fault>().map_err(anyhow::Error::msg)?)))
            .collect::<anyhow::Result<Vec<_>>>()?;
        PictureServer::start(ServerConfig {
            faults,
            ..ServerConfig::default()
        })
        .map_err(|error| anyhow::anyhow!("{error}"))
    };
    if let Run::KillSecondChild | Run::CtrlC = &transcript.run {
        let record = scratch.with_extension("record.json");
        let ctrl_c = matches!(transcript.run, Run::CtrlC);
        let text = stop_mid_run(&exe("lesson06"), &scratch, &record, ctrl_c)?;
        let read = workbook::lab::Record::read(&record);
        let _ = std::fs::remove_file(&record);
        let _ = std::fs::remove_dir_all(&scratch);
        return Ok((format!("$ {}\n{text}", transcript.shown), Some(read?)));
    }
    if let Run::Watched(bin, args) | Run::Release(bin, args) = &transcript.run {
        let record = scratch.with_extension("record.json");
        let release = bins.parent().context("the target folder")?.join("release");
        let mut command = match transcript.run {
            Run::Release(..) => Command::new(exe_in(&release, bin)),
            _ => Command::new(exe(bin)),
        };
        command.args(*args).arg("--record").arg(&record);
        let text = capture(command, &scratch)?;
        let read = workbook::lab::Record::read(&record);
        let _ = std::fs::remove_file(&record);
        let _ = std::fs::remove_dir_all(&scratch);
        return Ok((format!("$ {}\n{text}", transcript.shown), Some(read?)));
    }
    let output = match &transcript.run {
        Run::Watched(..) | Run::Release(..) => unreachable!("made above"),
        Run::Lesson(bin, args) => {
            let mut command = Command::new(exe(bin));
            command.args(*args);
            capture(command, &scratch)?
        }
        Run::Wrapped(wrapper, bin, args) => {
            let mut command = Command::new(wrapper[0]);
            command.args(&wrapper[1..]).arg(exe(bin)).args(*args);
            capture(command, &scratch)?
        }
        Run::KillSecondChild | Run::CtrlC => unreachable!("made above"),
        Run::YourOwn(tool, args) => {
            let program = root
                .join(YOUR_OWN_TARGET)
                .join("debug")
                .join(format!("my-downloader{}", std::env::consts::EXE_SUFFIX));
            let mut command = Command::new(exe(tool));
            command.args(*args).arg(&program);
            capture(command, &scratch)?.replace(&*program.to_string_lossy(), YOUR_OWN_SHOWN)
        }
        Run::PythonSmall(script, args) => {
            let python = python.context("python3")?;
            let server = server(&[])?;
            let mut command = Command::new(python);
            command
                .arg(root.join("python").join(script))
                .arg(server.picture_url(200, 300))
                .args(*args);
            as_port_8000(capture(command, &scratch)?, &server)
        }
        Run::PythonPlain(script, args) => {
            let python = python.context("python3")?;
            let mut command = Command::new(python);
            command.arg(root.join("python").join(script)).args(*args);
            capture(command, &scratch)?
        }
        Run::CompileFail(file) => {
            // Run from the workbook's folder, so that the compiler names the file as
            // the book does; the output binary (there is none) would go to the scratch.
            let rustc = std::env::var("RUSTC").unwrap_or_else(|_| "rustc".into());
            let mut command = Command::new(rustc);
            command
                .args(["--edition", "2024", "--crate-type", "bin", "-o"])
                .arg(scratch.join("never"))
                .arg(format!("lessons/compile_fail/{file}"));
            let text = capture_in(command, root)?;
            // `[exit status 1]` is the point; the compiler's own last lines say it.
            text.trim_end_matches("[exit status 1]\n").to_string()
        }
        Run::Python(script, after_url) => {
            let python = python.context("python3")?;
            let server = server(&[])?;
            let mut command = Command::new(python);
            command.arg(root.join("python").join(script));
            if let Some(after) = after_url {
                command.arg(server.picture_url(200, 3000)).args(*after);
            }
            as_port_8000(capture(command, &scratch)?, &server)
        }
    };
    let _ = std::fs::remove_dir_all(&scratch);
    Ok((format!("$ {}\n{output}", transcript.shown), None))
}

/// The server's real address as the `$` line shows it, `127.0.0.1:8000`: the port the
/// book's commands use (`cargo run --bin picsum-local -- --port 8000`).
fn as_port_8000(text: String, server: &PictureServer) -> String {
    text.replace(&server.addr().to_string(), "127.0.0.1:8000")
}

/// Runs `command` in `folder` with stdout and stderr in one pipe; the output, and the
/// exit status if it is not 0.
fn capture(command: Command, folder: &Path) -> anyhow::Result<String> {
    capture_in(command, folder)
}

fn capture_in(mut command: Command, folder: &Path) -> anyhow::Result<String> {
    let (mut reader, writer) = std::io::pipe()?;
    let mut child = command
        .current_dir(folder)
        .env("NO_COLOR", "1")
        .env("RUST_BACKTRACE", "0")
        .stdin(Stdio::null())
        .stdout(writer.try_clone()?)
        .stderr(writer)
        .spawn()?;
    // `command` holds our copies of the pipe's write end: drop them, or the reading
    // below would never see the end.
    drop(command);
    let mut text = String::new();
    let reading = std::thread::spawn(move || {
        let _ = reader.read_to_string(&mut text);
        text
    });
    let status = wait_at_most(&mut child, Duration::from_secs(300))?;
    // The child's children may hold the pipe a little longer (lesson 07): wait for them.
    let mut text = reading
        .join()
        .map_err(|_| anyhow::anyhow!("reading panicked"))?;
    if !status.success() {
        match status.code() {
            Some(code) => text.push_str(&format!("[exit status {code}]\n")),
            None => text.push_str(&format!("[{status}]\n")),
        }
    }
    Ok(text)
}

fn wait_at_most(
    child: &mut std::process::Child,
    limit: Duration,
) -> anyhow::Result<std::process::ExitStatus> {
    let deadline = Instant::now() + limit;
    loop {
        if let Some(status) = child.try_wait()? {
            return Ok(status);
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            bail!("still running after {limit:?}");
        }
        std::thread::sleep(Duration::from_millis(10));
    }
}

/// Runs lesson06 (processes, 3 s latency) and, once its five children have sent their
/// requests (the lab's tree, from `/proc`), kills the second child with `kill -9`, or
/// (`ctrl_c`) sends SIGINT to the whole process group, as Ctrl-C in a terminal does.
fn stop_mid_run(
    lesson06: &Path,
    folder: &Path,
    record: &Path,
    ctrl_c: bool,
) -> anyhow::Result<String> {
    use workbook::lab::tree::{all_processes, below};
    let (mut reader, writer) = std::io::pipe()?;
    let mut command = Command::new(lesson06);
    command
        .args(["--latency-ms", "3000", "--no-compare", "--record"])
        .arg(record)
        .current_dir(folder)
        .env("NO_COLOR", "1")
        .stdin(Stdio::null())
        .stdout(writer.try_clone()?)
        .stderr(writer);
    // A process group of its own, as a terminal gives the command it runs.
    #[cfg(unix)]
    std::os::unix::process::CommandExt::process_group(&mut command, 0);
    let mut child = command.spawn()?;
    drop(command); // its copies of the pipe's write end
    let reading = std::thread::spawn(move || {
        let mut text = String::new();
        let _ = reader.read_to_string(&mut text);
        text
    });
    let deadline = Instant::now() + Duration::from_secs(30);
    let children = loop {
        let all = all_processes();
        let tree = below(child.id(), &all);
        if let Some(program) = tree.iter().find(|stat| stat.parent == child.id()) {
            let mut children: Vec<u32> = below(program.pid, &all).iter().map(|s| s.pid).collect();
            if children.len() == 5 {
                children.sort();
                break children;
            }
        }
        if Instant::now() > deadline {
            bail!("lesson06's five children never all started");
        }
        std::thread::sleep(Duration::from_millis(10));
    };
    std::thread::sleep(Duration::from_millis(300)); // each has sent its request
    let (signal, target) = if ctrl_c {
        ("-INT", format!("-{}", child.id()))
    } else {
        ("-9", children[1].to_string())
    };
    let killed = Command::new("kill")
        .args([signal, "--", &target])
        .status()?;
    if !killed.success() {
        bail!("kill {signal} {target} failed");
    }
    let status = wait_at_most(&mut child, Duration::from_secs(60))?;
    let mut text = reading.join().unwrap_or_default();
    if let Some(code) = status.code().filter(|&code| code != 0) {
        text.push_str(&format!("[exit status {code}]\n"));
    }
    Ok(text)
}

/// Can `program` be started at all?
fn works(program: &str) -> bool {
    Command::new(program)
        .arg("--version")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok()
}

fn python3() -> Option<String> {
    ["python3", "python"]
        .into_iter()
        .map(str::to_string)
        .find(|python| {
            Command::new(python)
                .args(["-c", "import sys; sys.exit(sys.version_info[0] != 3)"])
                .status()
                .is_ok_and(|status| status.success())
        })
}

fn files_under(folder: &Path) -> Vec<PathBuf> {
    let mut files = Vec::new();
    let Ok(entries) = std::fs::read_dir(folder) else {
        return files;
    };
    for entry in entries.filter_map(Result::ok) {
        let path = entry.path();
        if path.is_dir() {
            files.extend(files_under(&path));
        } else {
            files.push(path);
        }
    }
    files
}

/// A transcript as the comparison sees it: each line masked (see [`mask`]), and the
/// lines of a block that happen at the same moment (events, timeline rows, lines
/// from children) sorted, because their order varies from run to run.
fn normalise(text: &str, extra: fn(&str) -> String) -> Vec<String> {
    let mut lines: Vec<String> = text
        .lines()
        .map(extra)
        .filter(|line| line != VARIES)
        .map(|line| mask(&line))
        .collect();
    let kind = |line: &str| -> Option<&'static str> {
        let trimmed = line.trim_start();
        if trimmed.starts_with("#s pid ") {
            Some("event")
        } else if line.contains(" |") && line.ends_with('|') && line.starts_with("file ") {
            Some("bar")
        } else if line.starts_with("request ") && line.ends_with('|') {
            // The lab's rows, by arrival: requests that arrive together swap places.
            Some("request")
        } else if trimmed.starts_with("> ") {
            Some("child")
        } else {
            None
        }
    };
    let mut start = 0;
    while start < lines.len() {
        let this = kind(&lines[start]);
        let mut end = start + 1;
        while end < lines.len() && this.is_some() && kind(&lines[end]) == this {
            end += 1;
        }
        if this.is_some() {
            lines[start..end].sort();
        }
        start = end;
    }
    lines
}

/// Masks what varies between two runs of the same program: numbers with a decimal
/// point (times, ratios) become `#`, whole numbers of three digits or more (pids,
/// ports, byte counts) `#`, the inside of a timeline bar `|…|`, and an axis line of
/// tick labels `(axis)`. Small whole numbers (counts of files, requests, workers)
/// stay: they are the lesson's point.
fn mask(line: &str) -> String {
    if is_axis(line) {
        return "(axis)".into();
    }
    // The lab's rows (`request 3   pid 4967   |  ---# |`): the bar's shape varies.
    if line.starts_with("request ")
        && let Some(at) = line.find('|')
    {
        // The pid is masked away whole: the lab names it where it could resolve it.
        let label = line[..at].split(" pid ").next().unwrap_or_default();
        return format!("{}|…|", mask(label.trim_end()));
    }
    let line = match (line.find(" |"), line.ends_with('|')) {
        (Some(at), true) if line.starts_with("file ") => format!("{} |…|", &line[..at]),
        _ => line.to_string(),
    };
    let mut out = String::new();
    let chars: Vec<char> = line.chars().collect();
    let mut i = 0;
    while i < chars.len() {
        if chars[i].is_ascii_digit() {
            let start = i;
            while i < chars.len()
                && (chars[i].is_ascii_digit() || chars[i] == '.' || chars[i] == ',')
            {
                i += 1;
            }
            let number: String = chars[start..i].iter().collect();
            let trailing_dot = number.ends_with('.');
            let number = number.trim_end_matches('.');
            if number.contains('.') || number.replace(',', "").len() >= 3 {
                out.push('#');
            } else {
                out.push_str(number);
            }
            if trailing_dot {
                out.push('.');
            }
        } else {
            out.push(chars[i]);
            i += 1;
        }
    }
    // Widths of columns padded around a number vary with the number: squeeze spaces.
    // Which worker got which file, and a ratio's value, vary too.
    let words: Vec<&str> = out.split(' ').filter(|word| !word.is_empty()).collect();
    let mut masked: Vec<String> = Vec::new();
    for (i, word) in words.iter().enumerate() {
        masked.push(mask_word(
            word,
            i.checked_sub(1).map(|before| words[before]),
        ));
    }
    masked.join(" ")
}

/// One word of a line, knowing the word before it.
fn mask_word(word: &str, before: Option<&str>) -> String {
    let digits_after = |prefix: &str| {
        word.strip_prefix(prefix)
            .filter(|rest| rest.starts_with(|c: char| c.is_ascii_digit()))
            .map(|rest| rest.trim_start_matches(|c: char| c.is_ascii_digit()))
    };
    for prefix in ["Process-", "Thread-", "thread-", "rayon-"] {
        if let Some(rest) = digits_after(prefix) {
            return format!("{prefix}N{rest}");
        }
    }
    // `1.7 µs` in one run is `950 ns` in the next.
    if before == Some("#") {
        let unit = word.trim_end_matches([',', ')', ';', '.', ':']);
        if matches!(unit, "ns" | "µs" | "ms" | "s") {
            return format!("(time){}", &word[unit.len()..]);
        }
    }
    if matches!(before, Some("file" | "picture"))
        && let Some(rest) = digits_after("")
    {
        return format!("N{rest}");
    }
    if let Some(ratio) = word.trim_start_matches('(').strip_suffix('x')
        && !ratio.is_empty()
        && ratio
            .chars()
            .all(|c| c.is_ascii_digit() || c == '#' || c == '.')
    {
        return "#x".into();
    }
    if let Some((folder, _)) = word.strip_suffix(".jpg").and_then(|w| w.rsplit_once('/')) {
        return format!("{folder}/N.jpg");
    }
    word.to_string()
}

/// A timeline's axis: only tick labels (`0s`, `0.5s`, `1.0s`) and spaces.
fn is_axis(line: &str) -> bool {
    let words: Vec<&str> = line.split_whitespace().collect();
    !words.is_empty()
        && line.starts_with(' ')
        && words.iter().all(|word| {
            word.strip_suffix('s')
                .is_some_and(|n| !n.is_empty() && n.chars().all(|c| c.is_ascii_digit() || c == '.'))
        })
}

/// `took 4 workers` -> `took N workers`: which pool size was best varies.
fn words_after(line: &str, word: &str, count: usize) -> String {
    let mut words: Vec<String> = line.split(' ').map(str::to_string).collect();
    if let Some(at) = words.iter().position(|w| w == word) {
        for w in words.iter_mut().skip(at + 1).take(count) {
            if w.chars().any(|c| c.is_ascii_digit()) {
                *w = "N".into();
            }
        }
    }
    words.join(" ")
}

/// Lesson 12's in-flight profiles (`|.:-=+*#%@|`) and the rounding of its
/// memory per unit vary from run to run.
fn lesson12_profiles(line: &str) -> String {
    let line = match (line.find('|'), line.rfind('|')) {
        (Some(a), Some(b)) if b > a => format!("{}|…|{}", &line[..a], &line[b + 1..]),
        _ => line.to_string(),
    };
    // Table rows: every measured column varies, and so does its unit (`868.14 ms`
    // in one run is `1.021 s` in the next): keep the way and what it counts.
    if line.contains(" KB ") || line.contains(" MB ") {
        let words: Vec<&str> = line.split_whitespace().collect();
        if let (Some(way), Some(unit)) = (words.first(), words.last()) {
            return format!("{way} (measured) {unit}");
        }
    }
    line
}

/// Lesson 12 out of open files: which downloads fail first, and with which of a few
/// causes, varies from run to run; that they fail, and the lines around, do not.
fn lesson12_out_of_files(line: &str) -> String {
    let trimmed = line.trim_start();
    let count_of_cause = trimmed
        .split_once(" x ")
        .is_some_and(|(n, _)| !n.is_empty() && n.chars().all(|c| c.is_ascii_digit()));
    if count_of_cause || trimmed.starts_with("(one of them:") || trimmed.starts_with("... and ") {
        return VARIES.into();
    }
    // How many the server refused and how many pictures got through vary too.
    if line.starts_with("server: ") {
        return "server: (some requests, some refused)".into();
    }
    if let Some(rest) = line.strip_prefix("folder: ")
        && let Some((_, place)) = rest.split_once(" written")
    {
        let place = place.rsplit_once(" in ").map_or("", |(_, dir)| dir);
        return format!("folder: (some) whole pictures written in {place}");
    }
    if let Some((way, rest)) = line.split_once(": ")
        && rest.contains(" of ")
        && rest.ends_with("pictures saved")
    {
        return format!(
            "{way}: (some) of {}",
            rest.split(" of ").nth(1).unwrap_or("")
        );
    }
    lesson12_profiles(line)
}

/// A line that `normalise` leaves out: what it says varies, and so does whether it is
/// there at all.
const VARIES: &str = "\u{0}varies";

/// Lesson 13: where par_iter starts to win, and the shape of its job bars.
fn lesson13_varies(line: &str) -> String {
    if line.trim_start().starts_with("=> par_iter") {
        return "(crossover)".into();
    }
    lesson12_profiles(line)
}

/// Lesson 09's verdict, `took 2 workers`: which pool size came within 10 % of the best
/// varies from run to run (on one CPU, 1 or 2 are a noise apart), and the plural with it.
fn lesson09_best_pool(line: &str) -> String {
    words_after(line, "took", 2).replace(" N workers", " N worker")
}

/// How many of a run's processes the lab saw: its sampler reads `/proc` every few
/// milliseconds, and a child that starts and ends between two reads is missed.
fn processes_seen(line: &str) -> String {
    match line.split_once("the program and ") {
        Some((before, after)) if after.contains(" processes it started") => {
            let rest = after.trim_start_matches(|c: char| c.is_ascii_digit());
            format!("{before}the program and N{rest}")
        }
        _ => line.to_string(),
    }
}

/// `downloads/x/2.jpg`, `(0.jpg)` -> `#.jpg`: which picture it was varies.
fn picture_numbers(line: &str) -> String {
    let mut masked = String::new();
    let mut rest = line;
    while let Some(at) = rest.find(".jpg") {
        let before = &rest[..at];
        let digits = before.len() - before.trim_end_matches(|c: char| c.is_ascii_digit()).len();
        masked.push_str(&before[..before.len() - digits]);
        if digits > 0 {
            masked.push('#');
        }
        masked.push_str(".jpg");
        rest = &rest[at + 4..];
    }
    masked.push_str(rest);
    masked
}

/// Lesson 05's most at once: two, and three when a child's start is slow enough that
/// it overlaps both of the parent's next downloads (the chapter says so).
fn two_or_three_at_once(line: &str) -> String {
    line.replace("at most 3 at once", "at most 2 at once")
}

/// Lesson 10's "fastest" column: threads and rayon trade places from run to run.
fn lesson10_fastest(line: &str) -> String {
    let line = &processes_seen(line);
    match line.rsplit_once(" | ") {
        Some((before, last)) if line.matches(" | ").count() == 5 && !last.contains("fastest") => {
            format!("{before} | (fastest)")
        }
        _ => line.to_string(),
    }
}

/// The compiler names files of the standard library by the commit of the toolchain.
fn rustc_paths(line: &str) -> String {
    match line.find("/rustc/") {
        Some(at) => format!("{}/rustc/...", &line[..at]),
        None => line.to_string(),
    }
}

/// Python's traceback of the unguarded child: its file paths and line numbers differ
/// between Python versions and machines.
fn python_traceback(line: &str) -> String {
    if line.trim_start().starts_with("File \"") {
        "  File ...".into()
    } else {
        line.to_string()
    }
}

/// Shows the lines that differ, with a little context.
fn print_diff(old: &[String], new: &[String]) {
    let longest = old.len().max(new.len());
    let mut shown = 0;
    for i in 0..longest {
        let (a, b) = (old.get(i), new.get(i));
        if a != b {
            if let Some(a) = a {
                println!("  - {a}");
            }
            if let Some(b) = b {
                println!("  + {b}");
            }
            shown += 1;
            if shown >= 12 {
                println!("  ...");
                break;
            }
        }
    }
    if old.len() != new.len() {
        println!("  ({} lines committed, {} now)", old.len(), new.len());
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lesson09s_best_pool_size_and_its_plural_are_masked() {
        // (The ratio is masked by `mask`, for every transcript.)
        assert_eq!(
            lesson09_best_pool("CPU-bound: the best speedup, 1.0x, took 1 worker"),
            lesson09_best_pool("CPU-bound: the best speedup, 1.0x, took 2 workers"),
        );
    }

    #[test]
    fn masking_keeps_messages_and_counts_and_drops_what_varies() {
        assert_eq!(
            mask(
                "  0.315s  pid 30134   MainProcess  file 2  saved downloads/lesson04/2.jpg (217113 bytes)"
            ),
            "#s pid # MainProcess file N saved downloads/lesson04/N.jpg (# bytes)"
        );
        assert_eq!(
            mask("total 0.83 s, 2 of 6 files, 6 downloads, 4 failed, 12 requests"),
            "total # (time), 2 of 6 files, 6 downloads, 4 failed, 12 requests"
        );
        assert_eq!(
            mask("file 0 pid 5419 Thread-1 | ######   |"),
            "file N pid # Thread-N |…|"
        );
        assert_eq!(mask("                 0s     0.05s   0.10s"), "(axis)");
        assert_eq!(
            mask("lesson06: 5 pictures from http://127.0.0.1:32917/200/3000"),
            "lesson06: 5 pictures from http://#:#/#/#"
        );
    }

    #[test]
    fn a_changed_message_is_a_difference() {
        let old = normalise("total 0.31 s, 5 files, 5 downloads", same);
        let new = normalise("total 0.33 s, 5 files, 5 downloads, 5 requests", same);
        assert_ne!(old, new);
        assert_eq!(
            normalise("total 0.31 s, 5 files", same),
            normalise("total 0.42 s, 5 files", same)
        );
    }

    #[test]
    fn lines_of_the_same_moment_may_come_in_any_order() {
        let a = "  0.010s  pid 1234    Process-1    file 0  start u\n  0.011s  pid 1235    Process-2    file 1  start u";
        let b = "  0.010s  pid 1299    Process-2    file 1  start u\n  0.012s  pid 1298    Process-1    file 0  start u";
        assert_eq!(normalise(a, same), normalise(b, same));
    }
}
