//! What a run costs the machine: CPU time, the peak memory of a whole process tree,
//! and the open-files limit that a thousand connections run into. Unix only where
//! the OS has no portable way; elsewhere the answer is `None` ("not measured").

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::thread::JoinHandle;
use std::time::Duration;

/// CPU time (user + system) used so far by this process's children that have ended
/// and been waited for, their own waited-for children included.
pub fn children_cpu_time() -> Option<Duration> {
    #[cfg(unix)]
    {
        use nix::sys::resource::{UsageWho, getrusage};
        let usage = getrusage(UsageWho::RUSAGE_CHILDREN).ok()?;
        let seconds = |t: nix::sys::time::TimeVal| {
            Duration::from_secs(u64::try_from(t.tv_sec()).unwrap_or(0))
                + Duration::from_micros(u64::try_from(t.tv_usec()).unwrap_or(0))
        };
        Some(seconds(usage.user_time()) + seconds(usage.system_time()))
    }
    #[cfg(not(unix))]
    None
}

/// Samples the memory of a process and all its descendants every 10 ms, keeping the
/// highest sum seen (Linux: from `/proc`; see `tree_rss`).
pub struct TreeMemory {
    peak: Arc<AtomicU64>,
    stop: Arc<AtomicBool>,
    sampler: Option<JoinHandle<()>>,
}

impl TreeMemory {
    /// Starts watching the tree rooted at `pid`.
    pub fn watch(pid: u32) -> TreeMemory {
        let (peak, stop) = (
            Arc::new(AtomicU64::new(0)),
            Arc::new(AtomicBool::new(false)),
        );
        let sampler = cfg!(target_os = "linux").then(|| {
            let (peak, stop) = (peak.clone(), stop.clone());
            std::thread::spawn(move || {
                while !stop.load(Ordering::Relaxed) {
                    peak.fetch_max(tree_rss(pid), Ordering::Relaxed);
                    std::thread::sleep(Duration::from_millis(10));
                }
            })
        });
        TreeMemory {
            peak,
            stop,
            sampler,
        }
    }

    /// Stops watching; the peak in bytes, `None` where it cannot be measured.
    pub fn stop(mut self) -> Option<u64> {
        self.stop.store(true, Ordering::Relaxed);
        let sampler = self.sampler.take()?;
        let _ = sampler.join();
        Some(self.peak.load(Ordering::Relaxed)).filter(|&bytes| bytes > 0)
    }
}

/// The memory of `root` and every process below it, in bytes: each process's
/// proportional share (Pss) of what it has resident, so that code that several
/// processes share (the same program, mapped once) is counted once, not per process.
/// Where Pss cannot be read, the resident size (which counts shared pages in full).
fn tree_rss(root: u32) -> u64 {
    let Ok(entries) = std::fs::read_dir("/proc") else {
        return 0;
    };
    // (pid, parent) of every process, then the memory of root's subtree.
    let processes: Vec<(u32, u32)> = entries
        .filter_map(Result::ok)
        .filter_map(|entry| entry.file_name().to_str()?.parse::<u32>().ok())
        .filter_map(|pid| {
            let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
            // `pid (name) state ppid ...`
            let parent = stat
                .rsplit_once(')')?
                .1
                .split_whitespace()
                .nth(1)?
                .parse()
                .ok()?;
            Some((pid, parent))
        })
        .collect();
    let mut in_tree = vec![root];
    let mut i = 0;
    while i < in_tree.len() {
        let pid = in_tree[i];
        for &(child, parent) in &processes {
            if parent == pid && !in_tree.contains(&child) {
                in_tree.push(child);
            }
        }
        i += 1;
    }
    in_tree.iter().map(|&pid| memory_of(pid)).sum()
}

/// One process's proportional resident memory in bytes (`Pss:` in kB, from
/// `/proc/PID/smaps_rollup`), else its resident set (`VmRSS:` in `status`).
pub fn memory_of(pid: u32) -> u64 {
    let field = |file: &str, name: &str| -> Option<u64> {
        let text = std::fs::read_to_string(format!("/proc/{pid}/{file}")).ok()?;
        let line = text.lines().find(|line| line.starts_with(name))?;
        let kb: u64 = line[name.len()..].split_whitespace().next()?.parse().ok()?;
        Some(kb * 1024)
    };
    field("smaps_rollup", "Pss:")
        .or_else(|| field("status", "VmRSS:"))
        .unwrap_or(0)
}

/// The open-files limit (soft, hard), if the OS has one we can read.
pub fn open_files_limit() -> Option<(u64, u64)> {
    #[cfg(unix)]
    {
        use nix::sys::resource::{Resource, getrlimit};
        getrlimit(Resource::RLIMIT_NOFILE).ok()
    }
    #[cfg(not(unix))]
    None
}

/// Raises this process's soft open-files limit towards `wanted`, as far as the hard
/// limit allows (any program may); returns the limit now in force.
pub fn raise_open_files_limit(wanted: u64) -> Option<u64> {
    #[cfg(unix)]
    {
        use nix::sys::resource::{Resource, setrlimit};
        let (soft, hard) = open_files_limit()?;
        if soft >= wanted {
            return Some(soft);
        }
        let new = wanted.min(hard);
        match setrlimit(Resource::RLIMIT_NOFILE, new, hard) {
            Ok(()) => Some(new),
            Err(_) => Some(soft),
        }
    }
    #[cfg(not(unix))]
    {
        let _ = wanted;
        None
    }
}

#[cfg(test)]
mod tests {
    #[cfg(unix)]
    use super::*;

    #[cfg(target_os = "linux")]
    #[test]
    fn the_memory_of_a_tree_includes_its_children() {
        let mut child = std::process::Command::new("sleep")
            .arg("2")
            .spawn()
            .expect("sleep starts");
        std::thread::sleep(Duration::from_millis(100)); // until it has loaded `sleep`
        let alone = tree_rss(child.id());
        let with_us = tree_rss(std::process::id());
        let _ = child.kill();
        let _ = child.wait();
        assert!(alone > 0);
        assert!(with_us > alone, "our tree holds the child too");
    }

    #[cfg(unix)]
    #[test]
    fn the_open_files_limit_can_be_read() {
        let (soft, hard) = open_files_limit().expect("a limit");
        assert!(soft <= hard);
        assert_eq!(raise_open_files_limit(soft), Some(soft));
    }
}
