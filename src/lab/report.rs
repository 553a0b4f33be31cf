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
    if !record.ways.is_empty() {
        return ways(record);
    }
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
        // A request that starts in the last column still gets one column of bar.
        let start = column(request.start).min(WIDTH - 1);
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
        let refused = record
            .requests
            .iter()
            .filter(|request| request.refused)
            .count();
        let failed = record
            .requests
            .iter()
            .filter(|request| !request.refused && (request.status != 200 || !request.complete))
            .count();
        let mut answered = String::new();
        if refused > 0 {
            answered += &format!(
                ", {refused} refused with 503 (more connections than its open-files limit allows)"
            );
        }
        if failed > 0 {
            answered += &format!(", {failed} not answered whole");
        }
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
    for file in record
        .files
        .iter()
        .filter(|file| file.state == "another writer's")
    {
        lines.push(format!(
            "  {} is another writer's temporary file (its pid is not of this run): kept",
            file.name.escape_debug()
        ));
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

/// A program run once per way (`watch_each_way`): one row a way. Each run's time
/// against the fastest of those that brought every picture, its tree's CPU time and
/// peak memory, what one request in flight cost (the peak above the smallest run's,
/// which every way pays anyway, shared among the most in flight), and how many were
/// in flight over the run.
fn ways(record: &Record) -> String {
    let whole = |run: &Record| run.whole_pictures() == run.count && run.exit.success();
    let fastest = record
        .ways
        .iter()
        .filter(|run| whole(run))
        .map(|run| run.wall)
        .fold(f64::INFINITY, f64::min);
    let baseline = record
        .ways
        .iter()
        .filter_map(|run| run.peak_memory)
        .min()
        .unwrap_or(0);
    let mut text = format!(
        "\n{} pictures a way, each way a run of its own:\n\
         way        pictures      wall  vs fastest       CPU  peak MB  per request  at once  in flight over the run\n",
        record.count
    );
    for run in &record.ways {
        let way = run.program.last().map_or("?", String::as_str);
        let vs = if whole(run) && fastest.is_finite() {
            format!("{:.1}x", run.wall / fastest.max(1e-9))
        } else {
            "-".into()
        };
        let cpu = run.cpu.map_or("n/a".into(), seconds);
        let mb = run
            .peak_memory
            .map_or("n/a".into(), |bytes| format!("{:.1}", bytes as f64 / 1e6));
        let at_once = run.most_in_flight();
        let per_request = match run.peak_memory {
            Some(bytes) if record.ways.len() > 1 => {
                let each = bytes.saturating_sub(baseline) / at_once.max(1) as u64;
                if each >= 1_000_000 {
                    format!("{:.1} MB", each as f64 / 1e6)
                } else {
                    format!("{} KB", each / 1000)
                }
            }
            _ => "n/a".into(),
        };
        text.push_str(&format!(
            "{way:<10} {:>8} {:>9} {vs:>11} {cpu:>9} {mb:>8} {per_request:>12} {at_once:>8}  |{}|\n",
            run.whole_pictures(),
            seconds(run.wall),
            in_flight_profile(run, 30),
        ));
    }
    text.push_str(&format!(
        "(pictures: whole ones written; at once: requests the server was answering at once;\n \
         per request: peak memory above the smallest run's, {:.1} MB, / at once)\n",
        baseline as f64 / 1e6
    ));
    let failed: Vec<String> = record
        .ways
        .iter()
        .filter(|run| !run.exit.success())
        .map(|run| {
            format!(
                "{} ({})",
                run.program.last().map_or("?", String::as_str),
                run.exit
            )
        })
        .collect();
    if !failed.is_empty() {
        text.push_str(&format!("failed: {}\n", failed.join(", ")));
    }
    text.push_str(&format!("total {:.2} s", record.wall));
    text
}

/// `0.412 s`, `86.3 ms`.
fn seconds(time: f64) -> String {
    crate::units::duration(std::time::Duration::from_secs_f64(time.max(0.0)))
}

/// How many requests were in flight over the run, as `width` characters, each the
/// most during its slice of the run, from ` ` (none) and `.` (few) to `@` (the
/// most). A thousand rows would be unreadable: this is one.
pub fn in_flight_profile(record: &Record, width: usize) -> String {
    let mut changes: Vec<(f64, i64)> = record
        .requests
        .iter()
        .flat_map(|request| [(request.start, 1), (request.end, -1)])
        .collect();
    // At a tie an end comes first, as in `most_in_flight`.
    changes.sort_by(|a, b| a.0.total_cmp(&b.0).then(a.1.cmp(&b.1)));
    let (Some(first), Some(last)) = (changes.first(), changes.last()) else {
        return " ".repeat(width);
    };
    let (from, span) = (first.0, (last.0 - first.0).max(1e-6));
    // Each slot: the most in flight at any moment of it, the count carried over from
    // the slot before included.
    let mut most = vec![0i64; width];
    let (mut now, mut next) = (0i64, 0);
    for (slot, most) in most.iter_mut().enumerate() {
        let slot_end = from + span * (slot + 1) as f64 / width as f64;
        *most = now;
        while next < changes.len() && (changes[next].0 <= slot_end || slot == width - 1) {
            now += changes[next].1;
            *most = (*most).max(now);
            next += 1;
        }
    }
    let peak = most.iter().copied().max().unwrap_or(0).max(1);
    const LEVELS: &[u8] = b" .:-=+*#%@";
    let top = LEVELS.len() as i64 - 1;
    most.iter()
        .map(|&n| LEVELS[((n.max(0) * top + peak - 1) / peak) as usize] as char)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::lab::record::Request;
    use std::path::Path;

    fn request(number: usize, start: f64, first_byte: f64, end: f64) -> Request {
        Request {
            number,
            target: "/200/3000".into(),
            start,
            first_byte: Some(first_byte),
            end,
            status: 200,
            bytes: 1000,
            complete: true,
            refused: false,
            connection: "127.0.0.1:1".into(),
            pid: None,
        }
    }

    #[test]
    fn a_short_request_at_the_end_of_a_long_run_gets_its_column() {
        // Lesson 04 with a stalled request: 31 s, and the last picture takes the last
        // 0.3 s, which rounds to the last column.
        let mut record = Record::of(&[], "http://127.0.0.1:1/", Path::new("out"), 2);
        record.wall = 31.0;
        record.requests = vec![request(1, 0.0, 30.0, 30.6), request(2, 30.7, 30.99, 31.0)];
        let text = timeline(&record);
        let last = text.lines().last().unwrap_or_default();
        assert!(last.ends_with("#|"), "{text}");
    }
}
