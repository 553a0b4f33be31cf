//! The lab: runs any program and watches it from outside.
//!
//! ```text
//! cargo run --bin lab -- python3 python/fixed.py
//! cargo run --bin lab -- --count 3 --record run.json path/to/your/program --its-own-flag
//! ```
//!
//! The program is told where things are by `PICTURES_URL`, `PICTURES_DIR` and
//! `PICTURES_COUNT` (see `workbook::lab`); the lab prints what the server, the folder
//! and the process tree saw, and `--record FILE` writes all of it as JSON.

use std::process::ExitCode;

use workbook::lab::{self, Options, UsageError};

fn main() -> ExitCode {
    let usage = "usage: lab [OPTIONS] PROGRAM [ARGS...]   e.g. lab -- python3 python/fixed.py";
    let (options, command) =
        match lab::split_command(std::env::args_os().skip(1), Options::default()) {
            Ok(split) => split,
            Err(UsageError(message)) => {
                eprintln!("lab: {message}\n{usage}");
                return ExitCode::from(2);
            }
        };
    if options.help {
        workbook::units::print_or_stop(&format!(
            "Runs PROGRAM and watches it from outside.\n\n{usage}\n\n{}\n",
            lab::HELP
        ));
        return ExitCode::SUCCESS;
    }
    if command.is_empty() {
        eprintln!("lab: no program to watch\n{usage}");
        return ExitCode::from(2);
    }
    let code = lab::run::lab_main(&options, &command);
    ExitCode::from(u8::try_from(code).unwrap_or(1))
}
