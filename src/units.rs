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

/// Writes `text` to stdout for a tool whose output is its result (`check`,
/// `bench-report`, `side-by-side`). A closed stdout (piped into `head`) ends the
/// program quietly with status 0, as `cat` does; any other failure (a full disk)
/// ends it with one line on stderr and status 1. Call it only when nothing of the
/// run is left to clean up: it does not return on failure.
pub fn print_or_stop(text: &str) {
    let Err(error) = print(text) else {
        return;
    };
    if error.kind() == std::io::ErrorKind::BrokenPipe {
        std::process::exit(0);
    }
    let program = std::env::args_os()
        .next()
        .map(std::path::PathBuf::from)
        .and_then(|path| {
            path.file_stem()
                .map(|stem| stem.to_string_lossy().into_owned())
        })
        .unwrap_or_else(|| "workbook".into());
    eprintln!("{program}: cannot write to stdout: {error}");
    std::process::exit(1);
}

/// Writes `text` to stdout and flushes it, so that a failure shows here.
pub fn print(text: &str) -> std::io::Result<()> {
    use std::io::Write as _;
    let mut stdout = std::io::stdout().lock();
    stdout.write_all(text.as_bytes())?;
    stdout.flush()
}

/// Is this error, somewhere in its chain, a closed stdout?
pub fn is_broken_pipe(error: &anyhow::Error) -> bool {
    error.chain().any(|cause| {
        cause
            .downcast_ref::<std::io::Error>()
            .is_some_and(|io| io.kind() == std::io::ErrorKind::BrokenPipe)
    })
}

/// `println!` through [`print_or_stop`].
#[macro_export]
macro_rules! outln {
    () => { $crate::units::print_or_stop("\n") };
    ($($arg:tt)*) => { $crate::units::print_or_stop(&format!("{}\n", format_args!($($arg)*))) };
}

/// Parses a tool's command line as `Parser::parse` does, except that `--help` and
/// `--version` are written through [`print_or_stop`]: clap's own printing ignores a
/// failed write, so `--help > /dev/full` would end with status 0 and no word.
pub fn parse_args<A: clap::Parser>() -> A {
    match A::try_parse() {
        Ok(args) => args,
        Err(error) if !error.use_stderr() => {
            print_or_stop(&error.render().to_string());
            std::process::exit(0)
        }
        Err(error) => error.exit(),
    }
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
