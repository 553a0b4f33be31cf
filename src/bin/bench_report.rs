//! One table per lesson from criterion's saved estimates: variant, median with its 95 %
//! confidence interval, and the speedup over the `sequential` variant of the same
//! lesson and size. `cargo bench` first, then `cargo run --bin bench-report`.
#![forbid(unsafe_code)]

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::Parser;
use serde_json::Value;

/// Summarize criterion's results under target/criterion, one table per lesson.
#[derive(Parser)]
#[command(name = "bench-report")]
struct Args {
    /// Print Markdown tables (for the book) instead of plain text.
    #[arg(long)]
    markdown: bool,

    /// Only this lesson (e.g. lesson06).
    #[arg(long)]
    lesson: Option<String>,

    /// Compare with a baseline saved by `cargo bench -- --save-baseline NAME`.
    #[arg(long, value_name = "NAME")]
    baseline: Option<String>,

    /// Where criterion keeps its results [default: $CARGO_TARGET_DIR/criterion or target/criterion].
    #[arg(long, value_name = "DIR")]
    dir: Option<PathBuf>,
}

/// One measured case: `group/variant/size`, with its median and interval in ns.
#[derive(Debug, Clone)]
struct Case {
    group: String,
    variant: String,
    size: String,
    median: f64,
    low: f64,
    high: f64,
    /// When criterion wrote the result.
    measured: Option<std::time::SystemTime>,
}

fn main() -> ExitCode {
    let args = Args::parse();
    let dir = args.dir.clone().unwrap_or_else(|| {
        std::env::var_os("CARGO_TARGET_DIR")
            .map_or_else(|| PathBuf::from("target"), PathBuf::from)
            .join("criterion")
    });
    let (mut cases, skipped) = load(&dir, "new");
    let (before, _) = match &args.baseline {
        Some(name) => load(&dir, name),
        None => (Vec::new(), 0),
    };
    if let Some(lesson) = &args.lesson {
        // Groups are named `lesson06 (20 ms)`: the lesson, then the server's latency.
        cases.retain(|case| case.group.split(' ').next() == Some(lesson.as_str()));
    }
    if cases.is_empty() {
        eprintln!(
            "bench-report: no benchmark results in {}{} yet. Run `cargo bench` first \
             (or `WORKBOOK_BENCH_QUICK=1 cargo bench` for a quick run), then run this again.",
            dir.display(),
            args.lesson
                .as_ref()
                .map_or(String::new(), |l| format!(" for {l}"))
        );
        return ExitCode::FAILURE;
    }
    if args.baseline.is_some() && before.is_empty() {
        eprintln!(
            "bench-report: no baseline named {:?} in {}: save one with `cargo bench -- --save-baseline NAME`.",
            args.baseline.as_deref().unwrap_or_default(),
            dir.display()
        );
        return ExitCode::FAILURE;
    }
    cases.sort_by_key(sort_key);
    print!(
        "{}",
        report(&cases, &before, args.baseline.as_deref(), args.markdown)
    );
    if skipped > 0 {
        eprintln!("bench-report: skipped {skipped} incomplete or unreadable results");
    }
    ExitCode::SUCCESS
}

/// Reads every `<case>/<which>/benchmark.json` with its `estimates.json` under `dir`.
/// Returns the cases and how many were skipped because a file was missing or broken.
fn load(dir: &Path, which: &str) -> (Vec<Case>, usize) {
    let mut cases = Vec::new();
    let mut skipped = 0;
    let mut folders = vec![dir.to_path_buf()];
    while let Some(folder) = folders.pop() {
        let Ok(entries) = std::fs::read_dir(&folder) else {
            continue;
        };
        for entry in entries.filter_map(Result::ok) {
            let path = entry.path();
            if !path.is_dir() || path.file_name().is_some_and(|n| n == "report") {
                continue;
            }
            if path.file_name().is_some_and(|n| n == which) && path.join("benchmark.json").exists()
            {
                match read_case(&path) {
                    Some(case) => cases.push(case),
                    None => skipped += 1,
                }
            } else {
                folders.push(path);
            }
        }
    }
    (cases, skipped)
}

fn read_case(folder: &Path) -> Option<Case> {
    let json = |name: &str| -> Option<Value> {
        serde_json::from_str(&std::fs::read_to_string(folder.join(name)).ok()?).ok()
    };
    let benchmark = json("benchmark.json")?;
    let median = json("estimates.json")?.get("median")?.clone();
    let interval = median.get("confidence_interval")?;
    Some(Case {
        group: benchmark.get("group_id")?.as_str()?.to_string(),
        variant: benchmark
            .get("function_id")?
            .as_str()
            .unwrap_or("")
            .to_string(),
        size: benchmark
            .get("value_str")?
            .as_str()
            .unwrap_or("")
            .to_string(),
        median: median.get("point_estimate")?.as_f64()?,
        low: interval.get("lower_bound")?.as_f64()?,
        high: interval.get("upper_bound")?.as_f64()?,
        measured: std::fs::metadata(folder.join("estimates.json"))
            .and_then(|m| m.modified())
            .ok(),
    })
}

/// Lessons in order; within a lesson by size (as a number), sequential first.
fn sort_key(case: &Case) -> (String, u64, String, bool, String) {
    (
        case.group.clone(),
        case.size.parse().unwrap_or(u64::MAX),
        case.size.clone(),
        case.variant != "sequential",
        case.variant.clone(),
    )
}

fn report(cases: &[Case], before: &[Case], baseline: Option<&str>, markdown: bool) -> String {
    let mut out = String::new();
    let machine = format!(
        "{} {}, {} logical CPUs, available_parallelism {}",
        std::env::consts::OS,
        std::env::consts::ARCH,
        workbook::cpus::logical().map_or("?".into(), |n| n.to_string()),
        workbook::cpus::available()
    );
    let mut groups: Vec<&str> = cases.iter().map(|case| case.group.as_str()).collect();
    groups.dedup();
    for group in groups {
        let rows: Vec<&Case> = cases.iter().filter(|case| case.group == group).collect();
        // Ratios are only fair between cases of one run: say so if they are not.
        let times: Vec<std::time::SystemTime> =
            rows.iter().filter_map(|case| case.measured).collect();
        let spread = match (times.iter().min(), times.iter().max()) {
            (Some(first), Some(last)) => last.duration_since(*first).unwrap_or_default(),
            _ => std::time::Duration::ZERO,
        };
        let warning = if spread > std::time::Duration::from_secs(15 * 60) {
            format!(
                "warning: these cases were measured up to {} min apart; for fair ratios run `cargo bench --bench {}` again\n",
                spread.as_secs() / 60,
                group.split(' ').next().unwrap_or(group)
            )
        } else {
            String::new()
        };
        let mut header = vec!["variant", "size", "median", "95% interval", "vs sequential"];
        if let Some(name) = baseline {
            header.push(name);
            header.push("change");
        }
        let mut table: Vec<Vec<String>> = Vec::new();
        for case in &rows {
            let sequential = rows
                .iter()
                .find(|other| other.variant == "sequential" && other.size == case.size);
            let speedup =
                sequential.map_or(String::new(), |s| format!("{:.2}x", s.median / case.median));
            let mut row = vec![
                case.variant.clone(),
                case.size.clone(),
                time(case.median),
                format!("{} .. {}", time(case.low), time(case.high)),
                speedup,
            ];
            if baseline.is_some() {
                let old = before.iter().find(|old| {
                    old.group == case.group && old.variant == case.variant && old.size == case.size
                });
                match old {
                    Some(old) => {
                        row.push(time(old.median));
                        row.push(format!("{:+.1}%", (case.median / old.median - 1.0) * 100.0));
                    }
                    None => row.extend(["-".to_string(), "-".to_string()]),
                }
            }
            table.push(row);
        }
        if markdown {
            out += &format!("**{group}** ({machine}; criterion medians)\n\n");
            out += &format!("| {} |\n", header.join(" | "));
            out += &format!("|{}\n", header.iter().map(|_| "---|").collect::<String>());
            for row in &table {
                out += &format!("| {} |\n", row.join(" | "));
            }
            out += &warning;
            out += "\n";
        } else {
            out += &format!("{group}  ({machine}; criterion medians)\n");
            let widths: Vec<usize> = (0..header.len())
                .map(|i| {
                    table
                        .iter()
                        .map(|row| row[i].len())
                        .chain([header[i].len()])
                        .max()
                        .unwrap_or(0)
                })
                .collect();
            let line = |cells: Vec<String>| {
                let padded: Vec<String> = cells
                    .iter()
                    .zip(&widths)
                    .map(|(cell, width)| format!("{cell:<width$}"))
                    .collect();
                format!("  {}\n", padded.join("  ").trim_end())
            };
            out += &line(header.iter().map(|h| h.to_string()).collect());
            for row in table {
                out += &line(row);
            }
            out += &warning;
            out += "\n";
        }
    }
    out
}

/// Nanoseconds as a readable time.
fn time(ns: f64) -> String {
    if ns >= 1e9 {
        format!("{:.3} s", ns / 1e9)
    } else if ns >= 1e6 {
        format!("{:.2} ms", ns / 1e6)
    } else if ns >= 1e3 {
        format!("{:.1} µs", ns / 1e3)
    } else {
        format!("{ns:.0} ns")
    }
}
