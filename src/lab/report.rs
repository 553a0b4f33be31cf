//! What the lab prints after a run, for people: the timeline of requests from the
//! server's side, what the server, the folder and the process tree saw, and the
//! speedup where a comparison was run. Nothing reads these lines back: programs read
//! the record.

use super::record::Record;
use crate::units::count;

/// How many columns a bar may use.
const WIDTH: usize = 50;
/// Rows drawn at most; the rest are counted.
const MOST_ROWS: usize = 20;

/// The whole report.
pub fn summary(record: &Record) -> String {
    let mut text = String::new();
    if !record.requests.is_empty() {
        text.push_str(&timeline(record));
        text.push('\n');
    }
    text.push_str(&facts(record));
    if let Some(comparison) = &record.comparison {
        let other = comparison
            .program
            .iter()
            .skip(1)
            .cloned()
            .collect::<Vec<_>>()
            .join(" ");
        if comparison.exit.success() && record.exit.success() && record.wall > 0.0 {
            text.push_str(&format!(
                "\nspeedup: {other} {:.2} s / this run {:.2} s = {:.1}x faster\n  (both watched by the lab, against the same server)",
                comparison.wall,
                record.wall,
                comparison.wall / record.wall
            ));
        } else {
            text.push_str(&format!(
                "\nno speedup: the comparison run ({other}) ended with {}",
                comparison.exit
            ));
        }
    }
    text
}

/// One row per request: `-` while the server waits before answering, `#` while it
/// sends the answer.
pub fn timeline(record: &Record) -> String {
    let span = record
        .requests
        .iter()
        .map(|request| request.end)
        .fold(record.wall, f64::max)
        .max(1e-3);
    let column = |time: f64| {
        ((time / span) * WIDTH as f64)
            .round()
            .clamp(0.0, WIDTH as f64) as usize
    };
    let label = |request: &super::record::Request| match request.pid {
        Some(pid) => format!("request {:<3} pid {pid:<7}", request.number),
        None => format!("request {:<3} {:<11}", request.number, ""),
    };
    let labels: Vec<String> = record.requests.iter().map(label).collect();
    let indent = labels.iter().map(String::len).max().unwrap_or(0);
    let mut text = format!(
        "timeline, from the server's side (- waiting to answer, # sending):\n{:indent$} 0 s{:>width$}\n",
        "",
        format!("{span:.2} s"),
        width = WIDTH - 1
    );
    for (request, label) in record.requests.iter().zip(&labels).take(MOST_ROWS) {
        let start = column(request.start);
        let end = column(request.end).max(start + 1).min(WIDTH);
        // At least one `#` for an answer that was sent, however quickly.
        let sending = match request.first_byte {
            Some(first) => column(first).clamp(start, end - 1),
            None => end,
        };
        let mut bar = String::with_capacity(WIDTH);
        for at in 0..WIDTH {
            bar.push(match at {
                at if at < start || at >= end => ' ',
                at if at < sending => '-',
                _ => '#',
            });
        }
        let status = if request.status == 200 && request.complete {
            String::new()
        } else if request.status == 0 {
            " no answer: the client left first".to_string()
        } else if request.complete {
            format!(" HTTP {}", request.status)
        } else {
            format!(" HTTP {}, cut off", request.status)
        };
        text.push_str(&format!("{label:indent$}|{bar}|{status}\n"));
    }
    if record.requests.len() > MOST_ROWS {
        text.push_str(&format!(
            "... and {} more\n",
            count(record.requests.len() - MOST_ROWS, "request", "requests")
        ));
    }
    text
}

/// "the program ended at 0.01 s; 5 processes it started went on until 0.33 s, and
/// printed 5 lines after it": what the program did not wait for (lesson 07).
fn outlived(record: &Record) -> Option<String> {
    let program = record.processes.first()?;
    let later: Vec<_> = record.processes[1..]
        .iter()
        .filter(|process| process.end > program.end + 0.005)
        .collect();
    let last = later.iter().map(|process| process.end).fold(0.0, f64::max);
    if later.is_empty() {
        return None;
    }
    let spoke = record
        .lines
        .iter()
        .filter(|line| line.time > program.end)
        .count();
    let printed = if spoke == 0 {
        String::new()
    } else {
        format!(", and printed {} after it", count(spoke, "line", "lines"))
    };
    Some(format!(
        "  the program ended at {:.2} s; {} it started went on until {last:.2} s{printed}",
        program.end,
        count(later.len(), "process", "processes")
    ))
}

fn facts(record: &Record) -> String {
    let mut lines = Vec::new();
    if record.latency_ms.is_some() {
        let failed = record
            .requests
            .iter()
            .filter(|request| request.status != 200 || !request.complete)
            .count();
        let answered = if failed == 0 {
            String::new()
        } else {
            format!(", {failed} not answered whole")
        };
        lines.push(format!(
            "server: {}{answered}, at most {} at once",
            count(record.requests.len(), "request", "requests"),
            record.most_in_flight()
        ));
    }
    let written: Vec<&str> = record
        .files
        .iter()
        .filter(|file| file.written() && file.whole_jpeg)
        .map(|file| file.name.as_str())
        .collect();
    let names = match written.as_slice() {
        [] => String::new(),
        few if few.len() <= 6 => format!(" ({})", few.join(", ")),
        [first, .., last] => format!(" ({first} ... {last})"),
        [one] => format!(" ({one})"),
    };
    lines.push(format!(
        "folder: {} written{names} in {}",
        count(written.len(), "whole picture", "whole pictures"),
        record.dir.escape_debug()
    ));
    for file in record.broken_files() {
        lines.push(if file.state == "left half-written" {
            format!(
                "  {} ({} bytes) was left half-written; removed",
                file.name.escape_debug(),
                file.bytes
            )
        } else {
            format!(
                "  {} ({} bytes) is not a whole JPEG",
                file.name.escape_debug(),
                file.bytes
            )
        });
    }
    let started = record.processes.len().saturating_sub(1);
    let tree = if started == 0 {
        "the program alone".to_string()
    } else {
        format!(
            "the program and {} it started",
            count(started, "process", "processes")
        )
    };
    lines.push(format!(
        "processes: {tree}; the program ended with {}",
        record.exit
    ));
    if let Some(outlived) = outlived(record) {
        lines.push(outlived);
    }
    lines.push(format!("total {:.2} s", record.wall));
    lines.join("\n")
}
