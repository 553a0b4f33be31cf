//! Numbers and lines as people read them.

use std::time::Duration;

/// `500 ns`, `850.0 µs`, `12.35 ms`, `1.530 s`: in the unit that fits, with the
/// decimals a benchmark table needs. The one duration format of the workbook.
pub fn duration(time: Duration) -> String {
    nanoseconds(time.as_secs_f64() * 1e9)
}

/// [`duration`] for a number of nanoseconds (criterion's estimates are in ns).
pub fn nanoseconds(ns: f64) -> String {
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

/// `1234567` as `1,234,567`.
pub fn thousands(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::new();
    for (i, digit) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(digit);
    }
    out
}

/// `1 file`, `5 files`: a count with its noun in the right number.
pub fn count(n: usize, one: &str, many: &str) -> String {
    if n == 1 {
        format!("1 {one}")
    } else {
        format!("{n} {many}")
    }
}

/// Prints one line for people on stdout, like `println!`, except that a closed stdout
/// (the output piped into `head`, say) is ignored instead of panicking: the run goes
/// on, and still cleans up.
pub fn say(text: &str) {
    use std::io::Write as _;
    let _ = writeln!(std::io::stdout(), "{text}");
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_and_counts_read_well() {
        assert_eq!(duration(Duration::from_nanos(500)), "500 ns");
        assert_eq!(duration(Duration::from_micros(850)), "850.0 µs");
        assert_eq!(duration(Duration::from_micros(12_345)), "12.35 ms");
        assert_eq!(duration(Duration::from_millis(1530)), "1.530 s");
        assert_eq!(thousands(1_234_567), "1,234,567");
        assert_eq!(thousands(20), "20");
        assert_eq!(thousands(123_456), "123,456");
        assert_eq!(
            count(1, "child process", "child processes"),
            "1 child process"
        );
        assert_eq!(count(0, "file", "files"), "0 files");
    }
}
