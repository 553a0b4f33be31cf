//! The stops the lab obeys: Ctrl-C (SIGINT), SIGTERM and SIGHUP on Unix, Ctrl-C on
//! Windows. A stop is a message the run's loop reads; the loop then stops the whole
//! watched tree and exits with 128 + the signal's number (130 for Ctrl-C, 143 for
//! SIGTERM). Signals belong to the process, so this is set up once per process.

use std::sync::mpsc::{Receiver, Sender, channel};
use std::sync::{Mutex, OnceLock};

/// Why the run must stop.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stop {
    Interrupt,
    Terminate,
    Hangup,
}

impl Stop {
    /// The exit status of a program that a signal stopped: 128 + its number.
    pub fn exit_code(self) -> i32 {
        match self {
            Stop::Interrupt => 130,
            Stop::Terminate => 143,
            Stop::Hangup => 129,
        }
    }

    pub fn describe(self) -> &'static str {
        match self {
            Stop::Interrupt => "interrupted",
            Stop::Terminate => "terminated",
            Stop::Hangup => "hung up",
        }
    }
}

/// Where stops go: the latest run's channel.
static LISTENER: OnceLock<Mutex<Option<Sender<Stop>>>> = OnceLock::new();

/// Starts listening (once) and returns the channel that this run's stops arrive on.
pub fn listen() -> Receiver<Stop> {
    let (sender, receiver) = channel();
    let listener = LISTENER.get_or_init(|| {
        install();
        Mutex::new(None)
    });
    *listener
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner()) = Some(sender);
    receiver
}

fn deliver(stop: Stop) {
    if let Some(listener) = LISTENER.get()
        && let Some(sender) = listener
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
            .as_ref()
    {
        let _ = sender.send(stop);
    }
}

#[cfg(unix)]
fn install() {
    use signal_hook::consts::{SIGHUP, SIGINT, SIGTERM};
    let Ok(mut signals) = signal_hook::iterator::Signals::new([SIGINT, SIGTERM, SIGHUP]) else {
        return;
    };
    let _ = std::thread::Builder::new()
        .name("lab-signals".into())
        .spawn(move || {
            for signal in signals.forever() {
                deliver(match signal {
                    SIGTERM => Stop::Terminate,
                    SIGHUP => Stop::Hangup,
                    _ => Stop::Interrupt,
                });
            }
        });
}

#[cfg(not(unix))]
fn install() {
    let _ = ctrlc::set_handler(|| deliver(Stop::Interrupt));
}
