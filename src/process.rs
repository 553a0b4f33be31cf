//! Real OS processes in the vocabulary of Python's `multiprocessing`.
//!
//! A child is started the way Python's "spawn" start method does it: the same program
//! runs again, told on its command line which task to run (see `run`). So every
//! lesson's `main` begins with the guard [`init`], which turns a child into its task
//! and never returns there. No `fork`, no `unsafe`: `std::process::Command`, as lesson
//! 03 shows in fifteen lines before it uses this module.
//!
//! ```no_run
//! use workbook::process::{self, Process, Task};
//!
//! const GREET: Task = Task { name: "greet", run: greet };
//!
//! fn greet(_args: &[String]) -> anyhow::Result<()> {
//!     let me = workbook::current_process();
//!     println!("hello from {} (pid {})", me.name, me.pid);
//!     Ok(())
//! }
//!
//! fn main() -> anyhow::Result<()> {
//!     process::init(&[GREET]); // the guard: a child runs its task here and exits
//!     let child = Process::new(&GREET).name("worker").start()?;
//!     let exit = child.join()?;
//!     println!("{exit}");
//!     Ok(())
//! }
//! ```

use std::fmt;
use std::io::{BufRead, BufReader};
use std::process::{Child, ChildStdout, Command, ExitStatus, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::thread::{self, JoinHandle};
use std::time::Duration;

use crate::interrupt;
use crate::queue::Queue;
use crate::run::{self, CHILD_FLAG, Clock};
use crate::timeline::{self, Style, Timeline};
use crate::wire::{self, Message};

/// Who am I? (`run` keeps the answer; it is here too, where Python has it.)
pub use crate::run::{ProcessInfo, current_process};

/// A function a child process can run, found by its name when the child starts.
///
/// Python pickles a reference to the target function and the child imports it again;
/// we send the task's name and the child looks it up in the list given to [`init`].
#[derive(Clone, Copy)]
pub struct Task {
    pub name: &'static str,
    pub run: fn(&[String]) -> anyhow::Result<()>,
}

/// The error a task returns when it has already told its parent what went wrong (a
/// download's FAILED event): the child exits with status 1 without saying it twice.
#[derive(Debug, thiserror::Error)]
#[error("already reported")]
pub struct AlreadyReported;

/// The main guard, Python's `if __name__ == "__main__":`. Call it first in `main`.
///
/// In the program you started, it installs the Ctrl-C handler (see `interrupt`) and
/// returns. In a child, it runs the child's task and exits: 0 when the task succeeded,
/// 1 when it failed (with one line on stderr), 2 when the command line is not one
/// that a parent writes.
pub fn init(tasks: &[Task]) {
    interrupt::install_handler();
    let child = match run::child_info() {
        Ok(None) => {
            // The program the learner started: on Windows, its children (and theirs)
            // end with it.
            interrupt::contain_children();
            return;
        }
        Ok(Some(child)) => child,
        Err(problem) => {
            eprintln!("pid {}: {problem}", std::process::id());
            std::process::exit(2);
        }
    };
    let pid = std::process::id();
    let Some(task) = tasks.iter().find(|task| task.name == child.task) else {
        eprintln!(
            "{} (pid {pid}): no task named {:?} in this program",
            child.name, child.task
        );
        std::process::exit(2);
    };
    match (task.run)(&child.args) {
        Ok(()) => std::process::exit(0),
        Err(error) if error.is::<AlreadyReported>() => std::process::exit(1),
        Err(error) => {
            eprintln!("{} (pid {pid}): {error:#}", child.name);
            std::process::exit(1);
        }
    }
}

/// A process that has not started yet, like Python's `Process(target=..., args=...)`.
pub struct Process {
    task: &'static str,
    name: String,
    args: Vec<String>,
    envs: Vec<(String, String)>,
    timeline: Option<Timeline>,
    queue: Option<Queue>,
}

impl Process {
    /// A process that will run `task`. Its default name is `Process-N`, as in Python.
    pub fn new(task: &Task) -> Process {
        static STARTED: AtomicUsize = AtomicUsize::new(0);
        let n = STARTED.fetch_add(1, Ordering::Relaxed) + 1;
        Process {
            task: task.name,
            name: format!("Process-{n}"),
            args: Vec::new(),
            envs: Vec::new(),
            timeline: None,
            queue: None,
        }
    }

    /// Gives the process a name, shown in its events and error messages.
    pub fn name(mut self, name: impl Into<String>) -> Process {
        self.name = name.into();
        self
    }

    /// Adds an argument for the task.
    pub fn arg(mut self, arg: impl Into<String>) -> Process {
        self.args.push(arg.into());
        self
    }

    /// Adds arguments for the task, like Python's `args=(...)`.
    pub fn args<I: IntoIterator<Item = S>, S: Into<String>>(mut self, args: I) -> Process {
        self.args.extend(args.into_iter().map(Into::into));
        self
    }

    /// Sets an environment variable for the child.
    pub fn env(mut self, key: impl Into<String>, value: impl Into<String>) -> Process {
        self.envs.push((key.into(), value.into()));
        self
    }

    /// The timeline that the child's events go into. The child shares its clock.
    pub fn timeline(mut self, timeline: &Timeline) -> Process {
        self.timeline = Some(timeline.clone());
        self
    }

    /// The queue that the child's messages go into, like passing a Python `Queue` to
    /// the child as an argument.
    pub fn queue(mut self, queue: &Queue) -> Process {
        self.queue = Some(queue.clone());
        self
    }

    /// Starts the child: runs this program again, as the task.
    ///
    /// The child's events go into the timeline, its queue messages into the queue, and
    /// every other line it prints is printed here after `  > `. Its stderr goes
    /// straight to ours.
    pub fn start(self) -> Result<Running, ProcessError> {
        let start_error = |source| ProcessError::Start {
            name: self.name.clone(),
            source,
        };
        let program = std::env::current_exe().map_err(start_error)?;
        let clock = self
            .timeline
            .as_ref()
            .map_or_else(run::inherited_clock, Timeline::clock);
        let mut command = Command::new(program);
        command
            .arg(CHILD_FLAG)
            .args([self.task, &self.name, &clock.as_nanos().to_string()])
            .args(&self.args)
            .envs(self.envs.iter().map(|(key, value)| (key, value)))
            .stdin(Stdio::null())
            .stderr(Stdio::inherit());
        if run::is_child() {
            // A child's children write into the pipe it inherited, so every event of a
            // run, however deep, reaches the first process. They stay in its process
            // group, so stopping the child's group stops them too.
            command.stdout(Stdio::inherit());
        } else {
            command.stdout(Stdio::piped());
            in_own_process_group(&mut command);
        }
        let mut child = interrupt::spawn_child(|| {
            let child = command.spawn()?;
            let pid = child.id();
            Ok((child, pid))
        })
        .map_err(start_error)?;
        let pid = child.id();
        let reader = child.stdout.take().map(|stdout| {
            let (timeline, queue) = (self.timeline, self.queue);
            thread::spawn(move || pass_on_output(stdout, timeline, queue))
        });
        Ok(Running {
            name: self.name,
            pid,
            child,
            clock,
            reader,
        })
    }
}

/// Each child of the first process leads a process group of its own, so that a stop
/// can end it with everything it started (see `interrupt::stop_tree`), and a
/// terminal's Ctrl-C reaches only the first process, whose handler does that.
#[cfg(unix)]
pub fn in_own_process_group(command: &mut Command) {
    use std::os::unix::process::CommandExt;
    command.process_group(0);
}

#[cfg(windows)]
pub fn in_own_process_group(command: &mut Command) {
    use std::os::windows::process::CommandExt;
    const CREATE_NEW_PROCESS_GROUP: u32 = 0x0000_0200;
    command.creation_flags(CREATE_NEW_PROCESS_GROUP);
}

#[cfg(not(any(unix, windows)))]
pub fn in_own_process_group(_command: &mut Command) {}

/// Reads a child's stdout line by line until every writer has closed it.
fn pass_on_output(stdout: ChildStdout, timeline: Option<Timeline>, queue: Option<Queue>) {
    for line in BufReader::new(stdout).lines() {
        let Ok(line) = line else { break };
        match (wire::decode(&line), &timeline, &queue) {
            (Some(Message::Event(event)), Some(timeline), _) => timeline.keep(event),
            (Some(Message::Event(event)), None, _) => {
                crate::say!("{}", timeline::describe(&event, Style::PLAIN));
            }
            (Some(Message::Queue(message)), _, Some(queue)) => queue.put(message),
            (Some(Message::Queue(message)), _, None) => crate::say!("  > (queue) {message}"),
            (None, _, _) => crate::say!("  > {line}"),
        }
    }
}

/// A started child process. Join it to wait for it and learn how it ended.
///
/// Dropping it does *not* stop the child: it goes on running on its own, even after
/// this program exits (lesson 07 shows what that means). Only a stop (Ctrl-C) kills
/// the children that were never joined.
#[must_use = "a started process should be joined: dropping the handle leaves the child running on its own"]
pub struct Running {
    name: String,
    pid: u32,
    child: Child,
    clock: Clock,
    reader: Option<JoinHandle<()>>,
}

impl Running {
    /// The child's name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The child's process id.
    pub fn pid(&self) -> u32 {
        self.pid
    }

    /// Waits until the child has exited and all its output has been read, like
    /// Python's `p.join()`.
    ///
    /// A child that crashed or exited non-zero is not an `Err` here: it is an [`Exit`]
    /// whose [`Exit::success`] is false, so that the caller decides. `Err` means we
    /// could not wait for it at all.
    ///
    /// The output is read to its end: if the child left children of its own running
    /// (lesson 07), they still hold the pipe, and `join` returns when they close it.
    pub fn join(mut self) -> Result<Exit, ProcessError> {
        // A blocking wait: the OS wakes us the moment the child exits. A stop does not
        // need this handle: it kills the child's process group by its pid.
        let waited = self.child.wait();
        if interrupt::stopped() {
            // The handler killed the child and is about to exit with 130: do not
            // report the kill as the child's failure.
            interrupt::wait_for_the_end();
        }
        let ended_at = self.clock.elapsed();
        let status = waited.map_err(|source| ProcessError::Wait {
            name: self.name.clone(),
            pid: self.pid,
            source,
        })?;
        if let Some(reader) = self.reader.take() {
            let _ = reader.join();
        }
        // Only now: children the child left running (lesson 07's orphans) hold its
        // output open until they end, and they are still in its process group, which
        // a stop must be able to reach until then.
        interrupt::forget_child(self.pid);
        Ok(Exit {
            name: self.name,
            pid: self.pid,
            status,
            ended_at,
        })
    }
}

/// How a child ended.
#[derive(Debug, Clone)]
pub struct Exit {
    pub name: String,
    pub pid: u32,
    pub status: ExitStatus,
    /// When the child ended, on the run's clock.
    pub ended_at: Duration,
}

impl Exit {
    /// Did the child exit with status 0?
    pub fn success(&self) -> bool {
        self.status.success()
    }

    /// The exit code, like Python's `Process.exitcode`, if the child exited normally.
    pub fn code(&self) -> Option<i32> {
        self.status.code()
    }

    /// `Ok` if the child exited with status 0, else an error that names it.
    pub fn require_success(self) -> Result<Exit, ProcessError> {
        if self.success() {
            Ok(self)
        } else {
            Err(ProcessError::Failed(self))
        }
    }
}

impl fmt::Display for Exit {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} (pid {}) {}",
            self.name,
            self.pid,
            describe_status(&self.status)
        )
    }
}

/// "exited with status 0", "was killed by signal 9 (SIGKILL)", ...
pub fn describe_status(status: &ExitStatus) -> String {
    if let Some(code) = status.code() {
        return format!("exited with status {code}");
    }
    #[cfg(unix)]
    {
        use std::os::unix::process::ExitStatusExt;
        if let Some(signal) = status.signal() {
            let name = match signal {
                2 => " (SIGINT)",
                6 => " (SIGABRT)",
                9 => " (SIGKILL)",
                11 => " (SIGSEGV)",
                15 => " (SIGTERM)",
                _ => "",
            };
            return format!("was killed by signal {signal}{name}");
        }
    }
    format!("ended: {status}")
}

/// A child could not be started or waited for, or it failed.
#[derive(Debug, thiserror::Error)]
pub enum ProcessError {
    #[error("cannot start process {name}: {source}")]
    Start {
        name: String,
        source: std::io::Error,
    },
    #[error("cannot wait for process {name} (pid {pid}): {source}")]
    Wait {
        name: String,
        pid: u32,
        source: std::io::Error,
    },
    #[error("process {0}")]
    Failed(Exit),
}
