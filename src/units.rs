//! Numbers as people read them.

use std::time::Duration;

/// `850.0 µs`, `12.3 ms`, `1.53 s`: three significant figures or so, in the unit
/// that fits.
pub fn duration(time: Duration) -> String {
    let ms = time.as_secs_f64() * 1000.0;
    if ms < 1.0 {
        format!("{:.1} µs", ms * 1000.0)
    } else if ms < 1000.0 {
        format!("{ms:.1} ms")
    } else {
        format!("{:.2} s", ms / 1000.0)
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_and_counts_read_well() {
        assert_eq!(duration(Duration::from_micros(850)), "850.0 µs");
        assert_eq!(duration(Duration::from_micros(12_345)), "12.3 ms");
        assert_eq!(duration(Duration::from_millis(1530)), "1.53 s");
        assert_eq!(thousands(1_234_567), "1,234,567");
        assert_eq!(thousands(20), "20");
        assert_eq!(thousands(123_456), "123,456");
    }
}
