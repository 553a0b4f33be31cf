//! One table per lesson from criterion's saved estimates: variant, median with its 95 %
//! confidence interval, and the speedup over the `sequential` variant of the same
//! lesson and size. `cargo bench` first, then `cargo run --bin bench-report`.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::Parser;
use serde::Deserialize;
use workbook::units::nanoseconds as time;

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

    /// Also write each lesson's Markdown table to BOOK_DIR/<lesson>.md (the book's
    /// "Measured" sections include these files).
    #[arg(long, value_name = "BOOK_DIR")]
    book: Option<PathBuf>,
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
    let args: Args = workbook::units::parse_args();
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
    workbook::units::print_or_stop(&report(
        &cases,
        &before,
        args.baseline.as_deref(),
        args.markdown,
    ));
    if let Some(book) = &args.book
        && let Err(error) = write_book_tables(book, &cases)
    {
        eprintln!(
            "bench-report: cannot write the tables into {}: {error}",
            book.display()
        );
        return ExitCode::FAILURE;
    }
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

/// The parts of criterion's `benchmark.json` the report uses.
#[derive(Deserialize)]
struct Benchmark {
    group_id: String,
    function_id: Option<String>,
    value_str: Option<String>,
}

/// The parts of criterion's `estimates.json` the report uses (times in ns).
#[derive(Deserialize)]
struct Estimates {
    median: Estimate,
}

#[derive(Deserialize)]
struct Estimate {
    point_estimate: f64,
    confidence_interval: Interval,
}

#[derive(Deserialize)]
struct Interval {
    lower_bound: f64,
    upper_bound: f64,
}

fn read_case(folder: &Path) -> Option<Case> {
    let read = |name: &str| std::fs::read_to_string(folder.join(name)).ok();
    let benchmark: Benchmark = serde_json::from_str(&read("benchmark.json")?).ok()?;
    let estimates: Estimates = serde_json::from_str(&read("estimates.json")?).ok()?;
    let median = estimates.median;
    Some(Case {
        group: benchmark.group_id,
        variant: benchmark.function_id.unwrap_or_default(),
        size: benchmark.value_str.unwrap_or_default(),
        median: median.point_estimate,
        low: median.confidence_interval.lower_bound,
        high: median.confidence_interval.upper_bound,
        measured: std::fs::metadata(folder.join("estimates.json"))
            .and_then(|m| m.modified())
            .ok(),
    })
}

/// The kind of work a variant name starts with: `CPU threads` -> `CPU`; `threads` -> ``.
fn kind(variant: &str) -> &str {
    variant.rsplit_once(' ').map_or("", |(kind, _)| kind)
}

/// The sequential case a variant is compared with: `CPU sequential` for `CPU threads`
/// (lesson 10), else `sequential`, of the same size.
fn sequential_for<'a>(case: &Case, rows: &[&'a Case]) -> Option<&'a Case> {
    let own_kind = format!("{} sequential", kind(&case.variant));
    rows.iter()
        .find(|other| other.size == case.size && other.variant == own_kind)
        .or_else(|| {
            rows.iter()
                .find(|other| other.size == case.size && other.variant == "sequential")
        })
        .copied()
}

/// Lessons in order; within a lesson by size (as a number), then by kind of work,
/// sequential first.
fn sort_key(case: &Case) -> (String, u64, String, String, bool, String) {
    (
        case.group.clone(),
        case.size.parse().unwrap_or(u64::MAX),
        case.size.clone(),
        kind(&case.variant).to_string(),
        !case.variant.ends_with("sequential"),
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
            let sequential = sequential_for(case, &rows);
            let speedup = sequential.map_or(String::new(), |s| speedup(s.median / case.median));
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
        // Leave out columns with nothing in them (no sizes, no sequential variant).
        let keep: Vec<bool> = (0..header.len())
            .map(|i| table.iter().any(|row| !row[i].is_empty()))
            .collect();
        let header: Vec<&str> = header
            .iter()
            .zip(&keep)
            .filter(|(_, k)| **k)
            .map(|(h, _)| *h)
            .collect();
        let table: Vec<Vec<String>> = table
            .into_iter()
            .map(|row| {
                row.into_iter()
                    .zip(&keep)
                    .filter(|(_, k)| **k)
                    .map(|(c, _)| c)
                    .collect()
            })
            .collect();
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

/// Writes `<book>/<lesson>.md` for each lesson, and `lab.md` for the lab: when and where it was measured, the
/// command, and the Markdown table(s).
fn write_book_tables(book: &Path, cases: &[Case]) -> std::io::Result<()> {
    std::fs::create_dir_all(book)?;
    // A lesson's groups, and the lab's own (`lab (20 ms)`: what watching costs).
    let is_lesson = |name: &&str| {
        *name == "lab"
            || (name.len() == 8
                && name.starts_with("lesson")
                && name[6..].chars().all(|c| c.is_ascii_digit()))
    };
    let mut lessons: Vec<&str> = cases
        .iter()
        .filter_map(|case| case.group.split(' ').next())
        .filter(is_lesson)
        .collect();
    lessons.sort();
    lessons.dedup();
    for lesson in lessons {
        let groups: Vec<&str> = cases
            .iter()
            .filter(|case| case.group.split(' ').next() == Some(lesson))
            .map(|case| case.group.as_str())
            .collect();
        // `lesson01`, or `lesson06 (20 ms)`: never a mix of latencies. With results
        // at several latencies (a quick run at 5 ms after a full one at 20 ms), the
        // latest of each group is written, and we say so. A lesson may have several
        // groups (`lesson11 messages`, `lesson11 counter`): all of them.
        let latest_of = |group: &str| {
            cases
                .iter()
                .filter(|case| case.group == group)
                .filter_map(|case| case.measured)
                .max()
        };
        let without_latency = |group: &str| -> String {
            match group.rsplit_once(" (") {
                Some((base, rest)) if rest.ends_with(" ms)") => base.to_string(),
                _ => group.to_string(),
            }
        };
        let mut distinct = groups.clone();
        distinct.sort();
        distinct.dedup();
        let mut bases: Vec<String> = distinct.iter().map(|g| without_latency(g)).collect();
        bases.dedup();
        let mut wanted: Vec<&str> = Vec::new();
        for base in &bases {
            let same: Vec<&str> = distinct
                .iter()
                .copied()
                .filter(|group| without_latency(group) == *base)
                .collect();
            let Some(latest) = same.iter().copied().max_by_key(|group| latest_of(group)) else {
                continue;
            };
            if same.len() > 1 {
                eprintln!(
                    "bench-report: {base} has results for {}; the book gets the latest, {latest}",
                    same.join(", ")
                );
            }
            wanted.push(latest);
        }
        let mine: Vec<Case> = cases
            .iter()
            .filter(|case| wanted.contains(&case.group.as_str()))
            .cloned()
            .collect();
        let latest = mine.iter().filter_map(|case| case.measured).max();
        let date = latest.map_or("an unknown date".to_string(), date);
        let text = format!(
            "Measured on {date} with `cargo bench --bench {lesson}`, then \
             `cargo run --bin bench-report -- --book book/src/measured`:\n\n{}",
            report(&mine, &[], None, true)
        );
        std::fs::write(book.join(format!("{lesson}.md")), text)?;
    }
    Ok(())
}

/// A time as a date, `2026-11-25` (UTC).
fn date(time: std::time::SystemTime) -> String {
    let days = time
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |since| since.as_secs() / 86_400) as i64;
    // Howard Hinnant's days-to-civil algorithm.
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!("{year:04}-{month:02}-{day:02}")
}

/// A speedup as `2.84x`; a big slowdown as `200x slower`, which `0.00x` would hide.
fn speedup(ratio: f64) -> String {
    if ratio >= 0.1 {
        format!("{ratio:.2}x")
    } else {
        format!("{:.0}x slower", 1.0 / ratio)
    }
}
