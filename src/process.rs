//! Real OS processes in the vocabulary of Python's `multiprocessing`.
//!
//! A child is started the way Python's "spawn" start method does it: the same program is
//! run again, told by an environment variable which task to run. So every lesson's `main`
//! begins with the guard [`init`], which turns a child into its task and never returns
//! there. No `fork`, no `unsafe`: only `std::process::Command`.
//!
//! ```no_run
//! use workbook::process::{self, Process, Task};
//!
//! const GREET: Task = Task { name: "greet", run: greet };
//!
//! fn greet(_args: &[String]) -> anyhow::Result<()> {
//!     let me = process::current_process();
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

use std::collections::VecDeque;
use std::fmt;
use std::io::{BufRead, BufReader, Write};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Condvar, Mutex};
use std::thread::{self, JoinHandle};
use std::time::{Duration, UNIX_EPOCH};

use crate::timeline;

/// Which task a child runs; set only in children.
const TASK_VAR: &str = "WORKBOOK_TASK";
/// The child's name, like Python's `Process(name=...)`.
const NAME_VAR: &str = "WORKBOOK_PROCESS_NAME";

/// A function a child process can run, found by its name when the child starts.
///
/// Python pickles a reference to the target function and the child imports it again;
/// we send the task's name and the child looks it up in the list given to [`init`].
#[derive(Clone, Copy)]
pub struct Task {
    pub name: &'static str,
    pub run: fn(&[String]) -> anyhow::Result<()>,
}

/// The main guard, Python's `if __name__ == "__main__":`. Call it first in `main`.
///
/// In the parent it returns at once. In a child it runs the child's task with the
/// child's arguments and exits: 0 when the task succeeded, 1 with the error on stderr
/// when it failed, 2 when the task is not in `tasks`.
pub fn init(tasks: &[Task]) {
    timeline::init_color();
    let _ = timeline::start_time();
    let Ok(wanted) = std::env::var(TASK_VAR) else {
        return;
    };
    let me = current_process();
    let Some(task) = tasks.iter().find(|task| task.name == wanted) else {
        eprintln!(
            "{} (pid {}): no task named {wanted:?} in this program",
            me.name, me.pid
        );
        std::process::exit(2);
    };
    let args: Vec<String> = std::env::args().skip(1).collect();
    match (task.run)(&args) {
        Ok(()) => std::process::exit(0),
        Err(error) => {
            eprintln!("{} (pid {}): {error:#}", me.name, me.pid);
            std::process::exit(1);
        }
    }
}

/// Is this process a child started by [`Process::start`]?
pub fn is_child() -> bool {
    std::env::var_os(TASK_VAR).is_some()
}

/// The name and pid of the running process, like Python's `current_process()`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProcessInfo {
    pub name: String,
    pub pid: u32,
}

/// Who am I? The parent is `MainProcess`, as in Python; a child has the name it was given.
pub fn current_process() -> ProcessInfo {
    ProcessInfo {
        name: std::env::var(NAME_VAR).unwrap_or_else(|_| "MainProcess".into()),
        pid: std::process::id(),
    }
}

/// A process that has not started yet, like Python's `Process(target=..., args=...)`.
pub struct Process {
    task: &'static str,
    name: String,
    args: Vec<String>,
    envs: Vec<(String, String)>,
}

static STARTED: AtomicUsize = AtomicUsize::new(0);

impl Process {
    /// A process that will run `task`. Its default name is `Process-N`, as in Python.
    pub fn new(task: &Task) -> Process {
        let n = STARTED.fetch_add(1, Ordering::SeqCst) + 1;
        Process {
            task: task.name,
            name: format!("Process-{n}"),
            args: Vec::new(),
            envs: Vec::new(),
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

    /// Starts the child: runs this program again, as the task.
    ///
    /// Lines the child prints are passed on: events go into the timeline, queue
    /// messages into the queue (see [`get`]), other lines are printed after `  > `.
    /// Its stderr goes straight to ours.
    pub fn start(self) -> Result<Running, ProcessError> {
        let program = std::env::current_exe().map_err(|source| ProcessError::Start {
            name: self.name.clone(),
            source,
        })?;
        let start_ns = timeline::start_time()
            .duration_since(UNIX_EPOCH)
            .map(|since| since.as_nanos())
            .unwrap_or(0);
        let mut command = Command::new(program);
        command
            .args(&self.args)
            .envs(self.envs.iter().map(|(key, value)| (key, value)))
            .env(TASK_VAR, self.task)
            .env(NAME_VAR, &self.name)
            .env(timeline::START_TIME_VAR, start_ns.to_string())
            .stdin(Stdio::null())
            .stderr(Stdio::inherit());
        // The first parent reads its children's output. A child's own children write
        // into the same pipe (they inherit it), so every event of a run, however deep,
        // reaches the one process that draws the timeline.
        command.stdout(if is_child() {
            Stdio::inherit()
        } else {
            Stdio::piped()
        });
        let mut child = command.spawn().map_err(|source| ProcessError::Start {
            name: self.name.clone(),
            source,
        })?;
        let pid = child.id();
        let reader = child
            .stdout
            .take()
            .map(|stdout| thread::spawn(move || pass_on_output(stdout)));
        let child = Arc::new(Mutex::new(child));
        lock(&LIVE).push((pid, child.clone()));
        Ok(Running {
            name: self.name,
            pid,
            child,
            reader,
        })
    }
}

/// Reads a child's stdout line by line until the child closes it (exits or dies).
fn pass_on_output(stdout: std::process::ChildStdout) {
    for line in BufReader::new(stdout).lines() {
        let Ok(line) = line else { break };
        if let Some(event) = timeline::decode(&line) {
            timeline::keep(event);
        } else if let Some(message) = line.strip_prefix(QUEUE_PREFIX) {
            arrive(message.to_string());
        } else {
            crate::say!("  > {line}");
        }
    }
}

/// Marks a queue message in a child's stdout.
const QUEUE_PREFIX: &str = "@workbook-queue\t";

/// Messages that arrived from children, waiting for [`get`].
static QUEUE: (Mutex<VecDeque<String>>, Condvar) = (Mutex::new(VecDeque::new()), Condvar::new());

/// Puts a message on the run's queue, like Python's `queue.put(...)`: in a child it
/// travels to the parent as one line on stdout; in the parent it goes straight in.
/// One line per message: line breaks are replaced by spaces.
pub fn put(message: &str) {
    let message = message.replace(['\n', '\r'], " ");
    if is_child() {
        // Ignore a closed pipe: the parent may not be listening any more.
        let _ = writeln!(std::io::stdout(), "{QUEUE_PREFIX}{message}");
    } else {
        arrive(message);
    }
}

/// Takes the oldest message off the queue, waiting up to `timeout` for one, like
/// Python's `queue.get(timeout=...)`. `None` if nothing came in time.
pub fn get(timeout: Duration) -> Option<String> {
    let (queue, arrived) = &QUEUE;
    let queue = queue
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner());
    let (mut queue, _) = arrived
        .wait_timeout_while(queue, timeout, |queue| queue.is_empty())
        .unwrap_or_else(|poisoned| poisoned.into_inner());
    queue.pop_front()
}

fn arrive(message: String) {
    let (queue, arrived) = &QUEUE;
    queue
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
        .push_back(message);
    arrived.notify_one();
}

/// A started child process. Join it to wait for it and learn how it ended.
///
/// Dropping it does *not* stop the child: it goes on running on its own, even after
/// this program exits (lesson 07 shows what that means).
#[must_use = "a started process should be joined: dropping the handle leaves the child running on its own"]
pub struct Running {
    name: String,
    pid: u32,
    child: Arc<Mutex<Child>>,
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
        // Poll rather than block in wait(), so that `stop_all_children` can take the
        // child and kill it meanwhile (Ctrl-C). The pause grows to 2 ms: a join
        // returns at most that long after the child has ended.
        let mut pause = Duration::from_micros(50);
        let status = loop {
            let polled = lock(&self.child).try_wait();
            match polled {
                Ok(Some(status)) => break status,
                Ok(None) => thread::sleep(pause),
                Err(source) => {
                    return Err(ProcessError::Wait {
                        name: self.name.clone(),
                        pid: self.pid,
                        source,
                    });
                }
            }
            pause = (pause * 2).min(Duration::from_millis(2));
        };
        let ended_at = timeline::elapsed();
        lock(&LIVE).retain(|(pid, _)| *pid != self.pid);
        if let Some(reader) = self.reader.take() {
            let _ = reader.join();
        }
        Ok(Exit {
            name: self.name,
            pid: self.pid,
            status,
            ended_at,
        })
    }
}

/// Children started by this process and not joined yet.
static LIVE: Mutex<Vec<(u32, Arc<Mutex<Child>>)>> = Mutex::new(Vec::new());

/// Kills every child this process started and has not joined, and waits for them;
/// returns how many. For a parent that is interrupted (Ctrl-C) and must not leave
/// its children running on their own.
pub fn stop_all_children() -> usize {
    let children = std::mem::take(&mut *lock(&LIVE));
    for (_, child) in &children {
        let mut child = lock(child);
        let _ = child.kill();
        let _ = child.wait();
    }
    children.len()
}

fn lock<T>(mutex: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    mutex
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
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

    /// Turns a failed exit into an error that names the child.
    pub fn ok(self) -> Result<Exit, ProcessError> {
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
