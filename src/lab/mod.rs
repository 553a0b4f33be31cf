//! The lab: runs a program and watches it from outside.
//!
//! The program learns where things are from three environment variables, and that is
//! the lab's whole interface to it (a program may ignore them):
//!
//! | variable | what |
//! |---|---|
//! | `PICTURES_URL` | the picture to GET (the lab's local server, or `--url`) |
//! | `PICTURES_DIR` | the folder to write the pictures to |
//! | `PICTURES_COUNT` | how many pictures |
//!
//! The lab also sets `NO_PROXY` so that the local server is reached directly even when
//! a proxy is configured. It watches the server's side of every request, every line
//! the program's tree prints, the process tree, and the folder, and writes what it saw
//! as one [`record::Record`].
//!
//! Two ways in: `cargo run --bin lab -- PROGRAM [ARGS...]`, or one line at the top of
//! a lesson's `main`, [`watch`]: the outer run becomes the lab and runs the same
//! program again as the watched one (the way a program re-runs itself to start a child
//! process, lesson 03). In the watched run, `watch` returns at once.

pub mod folder;
pub mod live;
pub mod output_file;
pub mod record;
pub mod report;
pub mod run;
pub mod signals;
pub mod sockets;
pub mod trace;
pub mod tree;

use std::ffi::OsString;
use std::path::PathBuf;
use std::time::Duration;

pub use record::Record;

/// Set in the watched program's environment (and so its children's): this run is
/// watched, `watch` must not start a lab of its own.
pub const WATCHED: &str = "WORKBOOK_LAB_WATCHED";

/// Where the picture comes from when nothing says otherwise: the tutorial's own.
pub const TUTORIAL_URL: &str = "https://picsum.photos/200/3000";

/// What the lab does, from its options.
#[derive(Debug, Clone, PartialEq)]
pub struct Options {
    /// How many pictures (`PICTURES_COUNT`).
    pub count: usize,
    /// The local server's wait before each answer.
    pub latency: Duration,
    /// The local server's bandwidth cap, in bytes per second.
    pub bandwidth: Option<u64>,
    /// Requests of the local server that fail on purpose, by number from 1.
    pub faults: Vec<(usize, crate::server::Fault)>,
    /// Another server's picture instead of the local one.
    pub url: Option<String>,
    /// The pictures' folder; `downloads/<program>` if not given.
    pub out: Option<PathBuf>,
    pub trace: Option<PathBuf>,
    pub record: Option<PathBuf>,
    /// A run still going after this is stopped.
    pub time_limit: Duration,
    /// Run the program again with these arguments and print the speedup.
    pub compare: Option<Vec<OsString>>,
    /// Run the program once per way, with `FLAG WAY` added, unless its arguments
    /// already name one (`watch_each_way`).
    pub each_way: Option<(String, Vec<String>)>,
    /// The local server's picture: width and height.
    pub picture: (u32, u32),
    /// The program downloads pictures: the lab starts its server, gives the program
    /// the `PICTURES_*` variables and looks at the folder. `false` for a program that
    /// downloads nothing ([`watch_processes`]): then only its processes and its output
    /// are watched, and the picture options are the program's own.
    pub pictures: bool,
    /// Show the lab's help.
    pub help: bool,
}

impl Default for Options {
    fn default() -> Options {
        Options {
            count: 5,
            latency: Duration::from_millis(300),
            bandwidth: None,
            faults: Vec::new(),
            url: None,
            out: None,
            trace: None,
            record: None,
            time_limit: Duration::from_secs(120),
            compare: None,
            each_way: None,
            picture: (200, 3000),
            pictures: true,
            help: false,
        }
    }
}

/// The lab's options, for `--help`.
pub const HELP: &str = "\
The lab's options (the program's own come after, or are listed below):
      --count N            how many pictures (PICTURES_COUNT) [default: 5; 1000 for lesson 12]
      --latency-ms MS      the local server's wait before each answer [default: 300]
      --bandwidth-kbps K   cap the local server's speed, in kilobytes per second
      --fault N:KIND       make the local server's request N fail: a status (404, 503...),
                           reset, truncate, stall or trickle (repeat for more)
      --url URL            download from URL instead of the local server
      --out DIR            the pictures' folder (PICTURES_DIR) [default: downloads/PROGRAM]
      --trace FILE         write the run as a Chrome trace (open it in https://ui.perfetto.dev)
      --record FILE        write everything the lab saw as JSON
      --time-limit SECS    stop the run after this long [default: 120]
      --compare \"ARGS\"       (lab only) run the program again with ARGS and print the speedup
      --no-compare         skip the comparison run
  -h, --help               this help";

/// The lab's options for a program that downloads nothing ([`watch_processes`]).
pub const HELP_PROCESSES: &str = "\
The lab's options (the program's own come after, or are listed below):
      --trace FILE         write the run as a Chrome trace (open it in https://ui.perfetto.dev)
      --record FILE        write everything the lab saw as JSON
      --time-limit SECS    stop the run after this long [default: 120]
  -h, --help               this help";

/// A bad option: said in one line, exit status 2.
#[derive(Debug, thiserror::Error, PartialEq)]
#[error("{0}")]
pub struct UsageError(pub String);

/// Takes the lab's options out of `args`; the rest, in order, are the program's.
/// `--` ends the lab's options: everything after it is the program's.
pub fn split_args(
    args: impl IntoIterator<Item = OsString>,
    options: Options,
) -> Result<(Options, Vec<OsString>), UsageError> {
    split(args, options, false)
}

/// For `lab [OPTIONS] PROGRAM [ARGS...]`: the lab's options come first, and the first
/// argument that is not one is the program; it and all after it are the command.
pub fn split_command(
    args: impl IntoIterator<Item = OsString>,
    options: Options,
) -> Result<(Options, Vec<OsString>), UsageError> {
    split(args, options, true)
}

fn split(
    args: impl IntoIterator<Item = OsString>,
    mut options: Options,
    command_follows: bool,
) -> Result<(Options, Vec<OsString>), UsageError> {
    let mut rest = Vec::new();
    let mut args = args.into_iter();
    while let Some(arg) = args.next() {
        let Some(text) = arg.to_str() else {
            rest.push(arg);
            if command_follows {
                rest.extend(args);
                break;
            }
            continue;
        };
        if text == "--" {
            rest.extend(args);
            break;
        }
        let (flag, inline) = match text.split_once('=') {
            Some((flag, value)) if flag.starts_with("--") => (flag, Some(OsString::from(value))),
            _ => (text, None),
        };
        // A program that downloads nothing keeps the picture options for itself.
        let for_pictures = [
            "--count",
            "--latency-ms",
            "--bandwidth-kbps",
            "--fault",
            "--url",
            "--out",
        ];
        let takes_value = ["--trace", "--record", "--time-limit"];
        let pictures = options.pictures;
        let takes_value =
            |flag: &str| takes_value.contains(&flag) || (pictures && for_pictures.contains(&flag));
        match flag {
            "-h" | "--help" => options.help = true,
            "--no-compare" if pictures => options.compare = None,
            "--compare" if command_follows && pictures => {
                let value = args.next().ok_or_else(|| {
                    UsageError(
                        "--compare needs the other run's arguments, e.g. \"--mode sequential\""
                            .into(),
                    )
                })?;
                let words = value.to_string_lossy();
                options.compare = Some(words.split_whitespace().map(OsString::from).collect());
            }
            flag if takes_value(flag) => {
                let value = match inline {
                    Some(value) => value,
                    None => args
                        .next()
                        .ok_or_else(|| UsageError(format!("{flag} needs a value")))?,
                };
                set(&mut options, flag, value)?;
            }
            _ if command_follows => {
                rest.push(arg);
                rest.extend(args);
                break;
            }
            _ => rest.push(arg),
        }
    }
    if options.url.is_some() && !options.faults.is_empty() {
        return Err(UsageError(
            "--fault is for the lab's own server: it cannot go with --url".into(),
        ));
    }
    Ok((options, rest))
}

fn set(options: &mut Options, flag: &str, value: OsString) -> Result<(), UsageError> {
    let text = || {
        value
            .to_str()
            .map(str::to_string)
            .ok_or_else(|| UsageError(format!("{flag}: the value is not valid UTF-8")))
    };
    let number = |low: u64, high: u64| -> Result<u64, UsageError> {
        let shown = value.to_string_lossy();
        match text()?.parse::<u64>() {
            Ok(n) if (low..=high).contains(&n) => Ok(n),
            _ => Err(UsageError(format!(
                "{flag} {}: expected a number from {low} to {high}",
                shown.escape_debug()
            ))),
        }
    };
    match flag {
        "--count" => options.count = number(1, 10_000)? as usize,
        "--latency-ms" => options.latency = Duration::from_millis(number(0, 60_000)?),
        "--bandwidth-kbps" => options.bandwidth = Some(number(1, 10_000_000)? * 1000),
        "--time-limit" => options.time_limit = Duration::from_secs(number(1, 86_400)?),
        "--url" => {
            let url = text()?;
            if !(url.starts_with("http://") || url.starts_with("https://"))
                || url.chars().any(char::is_control)
            {
                return Err(UsageError(format!(
                    "--url {}: expected an http:// or https:// URL",
                    url.escape_debug()
                )));
            }
            options.url = Some(url);
        }
        "--fault" => {
            let fault = crate::server::Fault::numbered(&text()?)
                .map_err(|error| UsageError(format!("--fault: {error}")))?;
            options.faults.push(fault);
        }
        "--out" => options.out = Some(a_printable_path(flag, value)?),
        "--trace" => options.trace = Some(a_printable_path(flag, value)?),
        "--record" => options.record = Some(a_printable_path(flag, value)?),
        _ => return Err(UsageError(format!("unknown option {flag}"))),
    }
    Ok(())
}

/// A path the run will print: one with a control character in it (a newline, say)
/// would let a name forge lines, in the lab's report and in the program's own.
fn a_printable_path(flag: &str, value: OsString) -> Result<PathBuf, UsageError> {
    if value.to_string_lossy().chars().any(char::is_control) {
        return Err(UsageError(format!(
            "{flag} {}: a name with a control character (a newline, a tab) would break \
             the lines this run prints; choose another",
            value.to_string_lossy().escape_debug()
        )));
    }
    Ok(PathBuf::from(value))
}

/// The lab line: put at the top of a program's `main`. In the run a learner starts,
/// this becomes the lab, runs the program again as the watched one, and exits with
/// its status; in the watched run it returns at once and does nothing.
pub fn watch() {
    watch_with_compare(None);
}

/// The lab line of a program that downloads nothing (lessons 01, 02, 03, 08, 13): the
/// lab starts no server and looks at no folder. It watches the program's processes
/// and passes its output through, so that a reader who goes early (`| head`) or a
/// Ctrl-C ends the run quietly and whole, and `--record` and `--trace` keep what it
/// printed and which processes ran. It adds nothing to the output.
pub fn watch_processes() {
    watch_with(Options {
        pictures: false,
        ..Options::default()
    });
}

/// [`watch`], and afterwards the program is run once more with `args` instead of its
/// own arguments (against the same server, into a scratch folder), and the speedup of
/// the first run over the second is printed. `--no-compare` skips it.
pub fn watch_compared_with(args: &[&str]) {
    watch_with_compare(Some(args.iter().map(OsString::from).collect()));
}

/// The lab line of a program that does one job several ways (lesson 12): unless its
/// arguments already name a way with `flag`, the program runs once per way, with
/// `flag WAY` added, each run watched on its own (its time, CPU time and memory are
/// its own) against the same server, and the lab prints one table of them. The
/// default is a thousand small pictures (200x300, about 23 KB: the disk must not be
/// what limits), and the lab raises its open-files limit as far as it may, for its
/// server's connections and the program's.
pub fn watch_each_way(flag: &str, ways: &[&str]) {
    watch_with(Options {
        count: 1000,
        picture: (200, 300),
        each_way: Some((
            flag.into(),
            ways.iter().map(|way| way.to_string()).collect(),
        )),
        ..Options::default()
    });
}

fn watch_with_compare(compare: Option<Vec<OsString>>) {
    watch_with(Options {
        compare,
        ..Options::default()
    });
}

fn watch_with(defaults: Options) {
    if std::env::var_os(WATCHED).is_some() {
        return;
    }
    let code = run::as_lab_of_this_program(defaults);
    std::process::exit(code);
}

#[cfg(test)]
mod tests {
    use super::*;

    fn split(args: &[&str]) -> Result<(Options, Vec<String>), UsageError> {
        let (options, rest) = split_args(args.iter().map(OsString::from), Options::default())?;
        Ok((
            options,
            rest.into_iter()
                .map(|arg| arg.to_string_lossy().into_owned())
                .collect(),
        ))
    }

    #[test]
    fn the_labs_options_are_taken_and_the_rest_kept_in_order() {
        let (options, rest) =
            split(&["--mode", "threads", "--count=3", "--latency-ms", "20", "-v"]).expect("ok");
        assert_eq!(options.count, 3);
        assert_eq!(options.latency, Duration::from_millis(20));
        assert_eq!(rest, ["--mode", "threads", "-v"]);
        let (_, rest) = split(&["--", "--count", "2"]).expect("ok");
        assert_eq!(rest, ["--count", "2"]);
    }

    #[test]
    fn a_path_with_a_newline_is_refused_before_it_is_printed() {
        let error = split(&["--out", "a\nb"]).expect_err("refused");
        assert!(error.0.starts_with("--out a\\nb: "), "{}", error.0);
        assert!(split(&["--out", "a b/ç"]).is_ok());
    }

    #[test]
    fn a_bad_value_is_one_line_that_names_the_option() {
        let error = split(&["--count", "0"]).expect_err("refused");
        assert_eq!(error.0, "--count 0: expected a number from 1 to 10000");
        assert!(split(&["--count"]).is_err());
        assert!(split(&["--url", "ftp://x"]).is_err());
        assert!(split(&["--url", "http://a\nb"]).is_err());
        assert!(split(&["--latency-ms", "18446744073709551616"]).is_err());
        assert!(split(&["--fault", "0:404"]).is_err());
        assert!(split(&["--fault", "2:teapot"]).is_err());
        let (options, _) = split(&["--fault", "2:404", "--fault=3:reset"]).expect("ok");
        assert_eq!(options.faults.len(), 2);
    }
}
