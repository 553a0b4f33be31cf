//! What a stop (Ctrl-C, SIGTERM, SIGHUP) must clean up: the one process-wide part of a
//! run. The guard `process::init` installs the handler once per process.
//!
//! Everything the handler needs is registered here *before* it exists: a child is
//! registered while it is being spawned, a temporary file before it is created, under
//! the same lock the handler takes. So nothing can slip through between being created
//! and being registered, and once the handler has run, nothing new can start.
//!
//! On a stop, the handler stops every child's whole process tree (each child of the
//! first process leads a process group of its own, so its own children stop with it),
//! removes this process's temporary files and folders and those left by the killed
//! children, says what it did on one line, and exits with status 130. Any thread that
//! sees the stop meanwhile waits for the handler instead of reporting the children it
//! killed as failures.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::{Mutex, MutexGuard};

use crate::units::count;

/// What would be left behind if the process stopped now.
struct Registry {
    stopped: bool,
    children: Vec<u32>,
    temp_files: Vec<PathBuf>,
    temp_folders: Vec<PathBuf>,
    /// Folders where killed children may have left temporary files.
    work_folders: Vec<PathBuf>,
}

static REGISTRY: Mutex<Registry> = Mutex::new(Registry {
    stopped: false,
    children: Vec::new(),
    temp_files: Vec::new(),
    temp_folders: Vec::new(),
    work_folders: Vec::new(),
});

fn registry() -> MutexGuard<'static, Registry> {
    REGISTRY
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

/// The error of anything refused because the process is stopping.
fn stopping() -> std::io::Error {
    std::io::Error::new(std::io::ErrorKind::Interrupted, "interrupted")
}

/// Installs the handler for Ctrl-C, SIGTERM and SIGHUP (once; later calls do nothing).
pub fn install_handler() {
    let _ = ctrlc::set_handler(stop_everything);
}

/// Has a stop begun? A thread that sees `true` should call [`wait_for_the_end`].
pub fn stopped() -> bool {
    registry().stopped
}

/// Blocks for good: the handler is stopping the process and will exit with 130.
pub fn wait_for_the_end() -> ! {
    loop {
        std::thread::park();
    }
}

/// Spawns a child with `spawn` (which returns it and its pid) while holding the lock,
/// and registers it, so that a stop cannot come in between. Refused after a stop.
pub fn spawn_child<T>(spawn: impl FnOnce() -> std::io::Result<(T, u32)>) -> std::io::Result<T> {
    let mut registry = registry();
    if registry.stopped {
        return Err(stopping());
    }
    let (child, pid) = spawn()?;
    registry.children.push(pid);
    Ok(child)
}

/// The child has been waited for: there is nothing left of it to stop.
pub fn forget_child(pid: u32) {
    registry().children.retain(|&child| child != pid);
}

/// Creates a new file at `path` (never an existing one) and registers it as
/// temporary: a stop removes it. Refused after a stop.
pub fn create_temp_file(path: &Path) -> std::io::Result<std::fs::File> {
    let mut registry = registry();
    if registry.stopped {
        return Err(stopping());
    }
    let file = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(path)?;
    registry.temp_files.push(path.to_path_buf());
    Ok(file)
}

/// The temporary file is gone (renamed into place or removed): a stop leaves it alone.
pub fn forget_temp_file(path: &Path) {
    registry().temp_files.retain(|file| file != path);
}

/// Creates a new folder at `path` and registers it as temporary: a stop removes it
/// with everything in it. Refused after a stop.
pub fn create_temp_folder(path: &Path) -> std::io::Result<()> {
    let mut registry = registry();
    if registry.stopped {
        return Err(stopping());
    }
    std::fs::create_dir(path)?;
    registry.temp_folders.push(path.to_path_buf());
    Ok(())
}

/// The temporary folder is gone.
pub fn forget_temp_folder(path: &Path) {
    registry().temp_folders.retain(|folder| folder != path);
}

/// A folder where this run's children write: after a stop, the temporary files that
/// killed children left in it are removed.
pub fn watch_folder(path: &Path) {
    let mut registry = registry();
    if !registry.work_folders.iter().any(|folder| folder == path) {
        registry.work_folders.push(path.to_path_buf());
    }
}

/// The handler: stop every child's tree, remove what is temporary, exit with 130.
fn stop_everything() {
    // Held until exit: nothing new can be spawned or created from here on.
    let mut registry = registry();
    registry.stopped = true;
    let children = std::mem::take(&mut registry.children);
    for &pid in &children {
        stop_tree(pid);
    }
    let mut removed = 0;
    for file in std::mem::take(&mut registry.temp_files) {
        removed += usize::from(std::fs::remove_file(&file).is_ok());
    }
    for folder in std::mem::take(&mut registry.temp_folders) {
        removed += usize::from(std::fs::remove_dir_all(&folder).is_ok());
    }
    for folder in &registry.work_folders {
        removed += crate::temp::remove_orphaned(folder);
        // Where the OS cannot tell whether a pid is alive (Windows), the children
        // killed just now are known to be gone: their temporary files go too.
        if !cfg!(unix) {
            removed += crate::temp::remove_owned_by(folder, &children);
        }
    }
    // Only the first process speaks: the others were stopped by it. And stderr may be
    // a closed pipe: nothing here may panic, or the stop would be lost.
    if !crate::run::is_child() {
        let _ = writeln!(
            std::io::stderr(),
            "interrupted: stopped {}, removed {}",
            count(children.len(), "child process", "child processes"),
            count(removed, "temporary file", "temporary files")
        );
    }
    std::process::exit(130);
}

/// Stops the process `pid` and everything it started, and waits until they are gone,
/// so that no file is written after the stop. `pid` leads a process group (see
/// `process::in_own_process_group`): the group first gets SIGTERM, so that every
/// workbook process in it can remove its own temporary files (its handler is this
/// module's), and SIGKILL one second later if anything is left.
#[cfg(unix)]
pub fn stop_tree(pid: u32) {
    use nix::sys::signal::{Signal, kill, killpg};
    use nix::sys::wait::{WaitPidFlag, waitpid};
    use nix::unistd::Pid;
    use std::time::{Duration, Instant};
    let Ok(raw) = i32::try_from(pid) else { return };
    let group = Pid::from_raw(raw);
    // Is anyone left in the group? Reap our own child first: a zombie still counts.
    let anyone_left = || {
        let _ = waitpid(group, Some(WaitPidFlag::WNOHANG));
        killpg(group, None).is_ok()
    };
    let wait_until_gone = |limit: Duration| {
        let deadline = Instant::now() + limit;
        while anyone_left() && Instant::now() < deadline {
            std::thread::sleep(Duration::from_millis(5));
        }
    };
    if killpg(group, Signal::SIGTERM).is_err() {
        // Not a group leader (a child of a child): just the process.
        let _ = kill(group, Signal::SIGKILL);
        let _ = waitpid(group, None);
        return;
    }
    wait_until_gone(Duration::from_secs(1));
    if anyone_left() {
        let _ = killpg(group, Signal::SIGKILL);
        wait_until_gone(Duration::from_secs(2));
    }
}

/// Windows: puts the program the learner started in a job object that kills every
/// process in it when the program ends, however it ends (Ctrl-C's exit included).
/// Children join the job when they start, and so do their children, also after their
/// parent has exited: so no orphan outlives the program, which `taskkill /T` cannot
/// promise (it finds children by parent, and an orphan has none). A job that cannot be
/// made (an old Windows that refuses nested jobs) leaves `stop_tree` to do its best.
#[cfg(windows)]
pub fn contain_children() {
    static JOB: std::sync::OnceLock<Option<win32job::Job>> = std::sync::OnceLock::new();
    JOB.get_or_init(|| {
        let job = win32job::Job::create().ok()?;
        let mut limits = job.query_extended_limit_info().ok()?;
        limits.limit_kill_on_job_close();
        job.set_extended_limit_info(&limits).ok()?;
        job.assign_current_process().ok()?;
        // Kept until the process ends: closing the last handle is what kills the job.
        Some(job)
    });
}

/// Elsewhere, a child's process group does that job (see `stop_tree`).
#[cfg(not(windows))]
pub fn contain_children() {}

/// Kills the process `pid` and its children (`taskkill /T`). Where taskkill has no
/// `/T` (Wine 8), it refuses the whole command line: then at least the process itself.
/// Orphans of an exited child are reached by the job of `contain_children`.
#[cfg(not(unix))]
pub fn stop_tree(pid: u32) {
    let taskkill = |args: &[&str]| {
        std::process::Command::new("taskkill")
            .args(args)
            .arg(pid.to_string())
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .status()
            .is_ok_and(|status| status.success())
    };
    if !taskkill(&["/F", "/T", "/PID"]) {
        taskkill(&["/F", "/PID"]);
    }
}
