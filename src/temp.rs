//! The names of the workbook's temporary files and folders, and the sweep that removes
//! the ones whose owner is gone.
//!
//! A picture is written to a temporary file beside it and renamed into place when it
//! is whole. The temporary name says that the file is the workbook's and which process
//! owns it: `.workbook-tmp-4101-7-0.jpg` is the 7th temporary file of process 4101, on
//! its way to `0.jpg`. A sweep removes only entries with such a name whose owner has
//! exited (a child killed mid-write cannot clean up after itself); anything else in the
//! folder, and anything a live process is writing, is left alone.

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};

/// Every temporary name starts with this.
pub const PREFIX: &str = ".workbook-tmp-";

/// A new temporary name in `folder` for `purpose` (the final file's name, or what a
/// temporary folder is for), owned by this process.
pub fn new_name(folder: &Path, purpose: &str) -> PathBuf {
    // Unique within the process; the pid makes it unique between processes.
    static NEXT: AtomicU64 = AtomicU64::new(0);
    let n = NEXT.fetch_add(1, Ordering::Relaxed);
    folder.join(format!("{PREFIX}{}-{n}-{purpose}", std::process::id()))
}

/// The pid of the process that owns a temporary name; `None` if it is not one.
pub fn owner(name: &str) -> Option<u32> {
    let rest = name.strip_prefix(PREFIX)?;
    let (pid, rest) = rest.split_once('-')?;
    let (n, _purpose) = rest.split_once('-')?;
    n.parse::<u64>().ok()?;
    pid.parse().ok()
}

/// The workbook's temporary entries in `folder`, whoever owns them.
pub fn leftovers(folder: &Path) -> Vec<PathBuf> {
    let Ok(entries) = std::fs::read_dir(folder) else {
        return Vec::new();
    };
    entries
        .filter_map(Result::ok)
        .filter(|entry| owner(&entry.file_name().to_string_lossy()).is_some())
        .map(|entry| entry.path())
        .collect()
}

/// Removes the temporary entries in `folder` whose owner is known to have exited;
/// returns how many. Where the OS cannot tell (Windows), nothing is removed.
pub fn remove_orphaned(folder: &Path) -> usize {
    leftovers(folder)
        .into_iter()
        .filter(|path| {
            let name = path.file_name().unwrap_or_default().to_string_lossy();
            owner(&name)
                .is_some_and(|pid| pid != std::process::id() && is_alive(pid) == Some(false))
        })
        .filter(|path| {
            if path.is_dir() {
                std::fs::remove_dir_all(path).is_ok()
            } else {
                std::fs::remove_file(path).is_ok()
            }
        })
        .count()
}

/// Removes the temporary entries in `folder` owned by one of `pids` (processes that
/// were just killed); returns how many. A killed process may hold its file open for a
/// moment longer: each removal is tried for up to a second.
pub fn remove_owned_by(folder: &Path, pids: &[u32]) -> usize {
    leftovers(folder)
        .into_iter()
        .filter(|path| {
            let name = path.file_name().unwrap_or_default().to_string_lossy();
            owner(&name).is_some_and(|pid| pids.contains(&pid))
        })
        .filter(|path| {
            let deadline = std::time::Instant::now() + std::time::Duration::from_secs(1);
            loop {
                let gone = if path.is_dir() {
                    std::fs::remove_dir_all(path).is_ok()
                } else {
                    std::fs::remove_file(path).is_ok()
                };
                if gone || std::time::Instant::now() > deadline {
                    return gone;
                }
                std::thread::sleep(std::time::Duration::from_millis(20));
            }
        })
        .count()
}

/// Is a process with this pid still there? `None` where we cannot tell.
pub fn is_alive(pid: u32) -> Option<bool> {
    #[cfg(unix)]
    {
        use nix::errno::Errno;
        let raw = i32::try_from(pid).ok()?;
        match nix::sys::signal::kill(nix::unistd::Pid::from_raw(raw), None) {
            Ok(()) | Err(Errno::EPERM) => Some(true),
            Err(Errno::ESRCH) => Some(false),
            Err(_) => None,
        }
    }
    #[cfg(not(unix))]
    {
        let _ = pid;
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_temporary_name_says_whose_it_is() {
        let path = new_name(Path::new("out"), "0.jpg");
        let name = path.file_name().expect("a name").to_string_lossy();
        assert_eq!(owner(&name), Some(std::process::id()));
        assert_eq!(owner(".partial-something"), None);
        assert_eq!(owner(".workbook-tmp-notapid-1-x"), None);
        assert_eq!(owner("0.jpg"), None);
    }

    #[test]
    fn the_sweep_leaves_other_files_and_live_owners_alone() {
        let folder = tempfile::tempdir().expect("tempdir");
        let keep = [
            folder.path().join(".partial-something"),
            folder.path().join("0.jpg"),
            new_name(folder.path(), "1.jpg"), // ours: we are alive
        ];
        for path in &keep {
            std::fs::write(path, b"x").expect("write");
        }
        // A pid that cannot be alive: above Linux's pid_max.
        let dead = folder.path().join(format!("{PREFIX}4194305-0-2.jpg"));
        std::fs::write(&dead, b"x").expect("write");
        let removed = remove_orphaned(folder.path());
        if cfg!(unix) {
            assert_eq!(removed, 1);
            assert!(!dead.exists());
        }
        for path in &keep {
            assert!(path.exists(), "{} was removed", path.display());
        }
    }
}
