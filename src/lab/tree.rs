//! The watched process tree: who started whom, when each was first and last seen, how
//! each ended, and the most memory the tree held at once.
//!
//! On Linux a sampler reads `/proc` every few milliseconds: every process below the
//! lab is the watched tree (the lab starts only the program; with the lab as the
//! "child subreaper", orphans are re-parented to it and stay below it). Elsewhere only
//! the program the lab started is known, from its own start and wait.

use std::collections::HashMap;
use std::sync::mpsc::{RecvTimeoutError, Sender};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use super::record::Exit;

/// How often `/proc` is read.
const EVERY: Duration = Duration::from_millis(5);
/// After a walk of the tree, the sampler waits at least this many times as long as
/// the walk took before the next: at most about a tenth of one core. A walk reads
/// every thread's list of children, so a thousand threads make it long.
const WALK_PACE: u32 = 10;
/// Memory is summed at most this often...
const MEMORY_EVERY: Duration = Duration::from_millis(20);
/// ...and, after a sum that took a while, only after this many times as long again:
/// the kernel counts a process's proportional share page by page (`smaps_rollup`), so
/// a big tree costs milliseconds a sum (summed every 20 ms, about 3 % of all the CPU
/// a thousand async downloads use). Paced this way it takes at most about a tenth of
/// one core, and lesson 12's peaks stay what a sum every 20 ms finds (115-131 MB for
/// a thread each, 55-59 MB async, in runs here).
const MEMORY_PACE: u32 = 10;

/// What the lab knows of one process.
#[derive(Debug, Clone)]
pub struct Seen {
    pub pid: u32,
    /// `None` for the program the lab started.
    pub parent: Option<u32>,
    pub first: Instant,
    pub last: Instant,
    pub alive: bool,
    pub exit: Exit,
    /// The most threads seen running in it at once (0: never sampled).
    pub most_threads: u32,
    /// The kernel's start time of the process, to tell a reused pid from the old one.
    started: u64,
}

#[derive(Default)]
struct Known {
    processes: Vec<Seen>,
    peak_memory: u64,
}

/// The sampler of one run's tree.
pub struct Tree {
    root: u32,
    known: Arc<Mutex<Known>>,
    /// Held for a whole look, so that two looks (the sampler's and `sample_now`)
    /// never overlap: an older view of `/proc` applied after a newer one would
    /// call a process that has just been seen gone.
    looking: Arc<Mutex<()>>,
    /// Dropped to stop the sampler: it wakes at once, not at its next look.
    stop: Option<Sender<()>>,
    sampler: Option<JoinHandle<()>>,
}

impl Tree {
    /// Starts watching below this process; `root` is the program just started.
    pub fn watch(root: u32, started: Instant) -> Tree {
        let known = Arc::new(Mutex::new(Known::default()));
        lock(&known).processes.push(Seen {
            pid: root,
            parent: None,
            first: started,
            last: started,
            alive: true,
            exit: Exit::default(),
            most_threads: 0,
            started: 0,
        });
        let (stop, stopped) = std::sync::mpsc::channel::<()>();
        let looking = Arc::new(Mutex::new(()));
        let sampler = cfg!(target_os = "linux").then(|| {
            let (known, looking) = (known.clone(), looking.clone());
            std::thread::Builder::new()
                .name("lab-tree".into())
                .spawn(move || {
                    let (mut next_memory, mut walk) = (Instant::now(), Duration::ZERO);
                    loop {
                        {
                            let _looking = lock(&looking);
                            let with_memory = Instant::now() >= next_memory;
                            let look = Instant::now();
                            sample(root, &known, with_memory);
                            if with_memory {
                                next_memory =
                                    Instant::now() + MEMORY_EVERY.max(look.elapsed() * MEMORY_PACE);
                            } else {
                                walk = look.elapsed();
                            }
                        }
                        // A tree of many threads takes longer to walk: look less often.
                        let wait = EVERY.max(walk * WALK_PACE);
                        if stopped.recv_timeout(wait) != Err(RecvTimeoutError::Timeout) {
                            break;
                        }
                    }
                })
                .ok()
        });
        Tree {
            root,
            known,
            looking,
            stop: Some(stop),
            sampler: sampler.flatten(),
        }
    }

    /// Looks once more now (before deciding whether the tree is done).
    pub fn sample_now(&self) {
        if cfg!(target_os = "linux") {
            let _looking = lock(&self.looking);
            sample(self.root, &self.known, false);
        }
    }

    /// The pids of the tree that were alive when last looked at.
    pub fn alive(&self) -> Vec<u32> {
        lock(&self.known)
            .processes
            .iter()
            .filter(|seen| seen.alive)
            .map(|seen| seen.pid)
            .collect()
    }

    /// Notes how a process ended, from a wait of the lab's own (the program, or an
    /// orphan re-parented to the lab).
    pub fn ended(&self, pid: u32, exit: Exit) {
        let now = Instant::now();
        let mut known = lock(&self.known);
        if let Some(seen) = known
            .processes
            .iter_mut()
            .rev()
            .find(|seen| seen.pid == pid)
        {
            seen.alive = false;
            seen.exit = exit;
            seen.last = now;
        }
    }

    /// Stops sampling; every process seen, and the peak memory (bytes, `None` where
    /// not measured).
    pub fn finish(mut self) -> (Vec<Seen>, Option<u64>) {
        self.stop = None;
        if let Some(sampler) = self.sampler.take() {
            let _ = sampler.join();
        }
        let known = std::mem::take(&mut *lock(&self.known));
        let peak = Some(known.peak_memory).filter(|&bytes| bytes > 0);
        (known.processes, peak)
    }
}

fn lock<T>(mutex: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    mutex
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

/// One process's line of `/proc/PID/stat`, the fields the lab needs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Stat {
    pub pid: u32,
    pub parent: u32,
    pub zombie: bool,
    /// How many threads it has now.
    pub threads: u32,
    pub started: u64,
    /// The exit status in `waitpid`'s form, meaningful for a zombie (Linux 3.5+).
    pub exit_status: Option<i32>,
}

/// Reads `pid (name) state ppid ...`; the name may hold spaces and parentheses, so
/// the fields are counted from the last `)`.
pub fn parse_stat(text: &str) -> Option<Stat> {
    let (head, rest) = text.rsplit_once(')')?;
    let pid = head.split_once(" (")?.0.trim().parse().ok()?;
    let fields: Vec<&str> = rest.split_whitespace().collect();
    // fields[0] is field 3 (state); field N is fields[N - 3].
    let state = *fields.first()?;
    let parent = fields.get(1)?.parse().ok()?;
    let threads = fields.get(17)?.parse().ok()?;
    let started = fields.get(19)?.parse().ok()?;
    let exit_status = fields.get(49).and_then(|field| field.parse().ok());
    Some(Stat {
        pid,
        parent,
        zombie: state == "Z",
        threads,
        started,
        exit_status,
    })
}

/// An exit status in `waitpid`'s form as an [`Exit`].
pub fn exit_from_status(status: i32) -> Exit {
    let signal = status & 0x7f;
    if signal == 0 {
        Exit {
            code: Some((status >> 8) & 0xff),
            signal: None,
        }
    } else {
        Exit {
            code: None,
            signal: Some(signal),
        }
    }
}

/// The processes below `ancestor` now (not `ancestor` itself), from each one's list
/// of children in `/proc/PID/task/TID/children`: a look costs what the tree holds,
/// not what the machine runs (2 to 12 ms a look with 70 processes here, scanning all
/// of `/proc`). Where the kernel keeps no such lists, from all of `/proc`.
pub fn tree_below(ancestor: u32) -> Vec<Stat> {
    let lists = format!("/proc/{ancestor}/task/{ancestor}/children");
    if !std::path::Path::new(&lists).exists() {
        return below(ancestor, &all_processes());
    }
    let mut found: Vec<Stat> = Vec::new();
    let mut parents = children_of(ancestor);
    while let Some(pid) = parents.pop() {
        let Some(stat) = stat_of(pid) else { continue }; // ended meanwhile
        if !found.iter().any(|seen| seen.pid == pid) {
            parents.extend(children_of(pid));
            found.push(stat);
        }
    }
    found
}

/// The children of every thread of `pid` (a thread that ended meanwhile has none).
fn children_of(pid: u32) -> Vec<u32> {
    let Ok(threads) = std::fs::read_dir(format!("/proc/{pid}/task")) else {
        return Vec::new();
    };
    let lists = threads
        .filter_map(Result::ok)
        .filter_map(|thread| std::fs::read_to_string(thread.path().join("children")).ok());
    lists
        .flat_map(|list| {
            let pids: Vec<u32> = list
                .split_whitespace()
                .filter_map(|pid| pid.parse().ok())
                .collect();
            pids
        })
        .collect()
}

/// True if `pid` is still the process that started at `started`, has not ended, and
/// its parent is one of `tree` (the lab or a process of the tree).
fn still_in(tree: &[u32], pid: u32, started: u64) -> bool {
    stat_of(pid).is_some_and(|stat| {
        started != 0 && stat.started == started && !stat.zombie && tree.contains(&stat.parent)
    })
}

fn stat_of(pid: u32) -> Option<Stat> {
    parse_stat(&std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?)
}

/// Every process now, from `/proc`.
pub fn all_processes() -> Vec<Stat> {
    let Ok(entries) = std::fs::read_dir("/proc") else {
        return Vec::new();
    };
    entries
        .filter_map(Result::ok)
        .filter_map(|entry| entry.file_name().to_str()?.parse::<u32>().ok())
        .filter_map(stat_of)
        .collect()
}

/// The processes below `ancestor` in `all` (not `ancestor` itself).
pub fn below(ancestor: u32, all: &[Stat]) -> Vec<Stat> {
    let mut found: Vec<Stat> = Vec::new();
    let mut parents = vec![ancestor];
    while let Some(parent) = parents.pop() {
        for stat in all.iter().filter(|stat| stat.parent == parent) {
            if stat.pid != ancestor && !found.iter().any(|seen| seen.pid == stat.pid) {
                found.push(*stat);
                parents.push(stat.pid);
            }
        }
    }
    found
}

fn sample(root: u32, known: &Mutex<Known>, with_memory: bool) {
    let now = Instant::now();
    let tree = tree_below(std::process::id());
    let memory: u64 = if with_memory {
        tree.iter()
            .filter(|stat| !stat.zombie)
            .map(|stat| crate::usage::memory_of(stat.pid))
            .sum()
    } else {
        0
    };
    let mut known = lock(known);
    known.peak_memory = known.peak_memory.max(memory);
    let by_pid: HashMap<u32, &Stat> = tree.iter().map(|stat| (stat.pid, stat)).collect();
    // Those seen before: still there, or gone.
    let mut in_tree: Vec<u32> = known
        .processes
        .iter()
        .filter(|seen| seen.alive)
        .map(|seen| seen.pid)
        .collect();
    in_tree.push(std::process::id());
    for seen in known.processes.iter_mut().filter(|seen| seen.alive) {
        match by_pid.get(&seen.pid) {
            Some(stat) if seen.started == 0 || seen.started == stat.started => {
                seen.started = stat.started;
                if stat.zombie {
                    seen.alive = false;
                    if let Some(status) = stat.exit_status {
                        seen.exit = exit_from_status(status);
                    }
                } else {
                    seen.last = now;
                    seen.most_threads = seen.most_threads.max(stat.threads);
                }
            }
            // Missed by the walk, but still there: a process whose parent has just
            // ended is moved to the lab while the walk reads the children lists, and
            // a walk in that moment finds it under neither. Its parent says it is
            // still in the tree.
            _ if seen.pid != root && still_in(&in_tree, seen.pid, seen.started) => {
                seen.last = now;
            }
            // Gone (reaped by its parent), or its pid already reused.
            _ if seen.pid != root => seen.alive = false,
            // The program itself ends when the lab's wait says so.
            _ => {}
        }
    }
    // Those new.
    for stat in &tree {
        let is_known = known.processes.iter().any(|seen| {
            seen.pid == stat.pid && (seen.started == stat.started || seen.started == 0)
        });
        if !is_known && !stat.zombie {
            known.processes.push(Seen {
                pid: stat.pid,
                parent: Some(stat.parent),
                first: now,
                last: now,
                alive: true,
                exit: Exit::default(),
                most_threads: stat.threads,
                started: stat.started,
            });
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_stat_line_is_read_from_the_last_parenthesis() {
        let mut line = String::from("4242 (a (b) c) S 17");
        for n in 5..=52 {
            line.push_str(&format!(" {n}"));
        }
        let stat = parse_stat(&line).expect("read");
        assert_eq!((stat.pid, stat.parent, stat.zombie), (4242, 17, false));
        assert_eq!((stat.threads, stat.started), (20, 22));
        assert_eq!(stat.exit_status, Some(52));
        assert_eq!(exit_from_status(256).code, Some(1));
        assert_eq!(exit_from_status(9).signal, Some(9));
    }

    #[cfg(target_os = "linux")]
    #[test]
    fn a_child_is_below_its_parent() {
        let mut child = std::process::Command::new("sleep")
            .arg("5")
            .spawn()
            .expect("sleep starts");
        let all = all_processes();
        let found = below(std::process::id(), &all);
        let _ = child.kill();
        let _ = child.wait();
        assert!(found.iter().any(|stat| stat.pid == child.id()));
    }

    /// The walk through each process's list of children finds a grandchild too, and
    /// agrees with the scan of all of `/proc`.
    #[cfg(target_os = "linux")]
    #[test]
    fn the_walk_down_the_children_finds_grandchildren() {
        let mut child = std::process::Command::new("sh")
            .args(["-c", "sleep 5 & sleep 5 & wait"])
            .spawn()
            .expect("sh starts");
        let me = std::process::id();
        let deadline = Instant::now() + Duration::from_secs(5);
        let found = loop {
            let found = tree_below(me);
            let grandchildren = found.iter().filter(|stat| stat.parent == child.id());
            if grandchildren.count() == 2 || Instant::now() > deadline {
                break found;
            }
            std::thread::sleep(Duration::from_millis(10));
        };
        let scanned = below(me, &all_processes());
        let ours = |stats: &[Stat]| {
            let mut pids: Vec<u32> = stats
                .iter()
                .filter(|stat| stat.pid == child.id() || stat.parent == child.id())
                .map(|stat| stat.pid)
                .collect();
            pids.sort();
            pids
        };
        let (found, scanned) = (ours(&found), ours(&scanned));
        for &pid in &found {
            let pid = nix::unistd::Pid::from_raw(pid as i32);
            let _ = nix::sys::signal::kill(pid, nix::sys::signal::Signal::SIGKILL);
        }
        let _ = child.wait();
        assert_eq!(found.len(), 3, "sh and its two sleeps: {found:?}");
        assert_eq!(found, scanned);
    }
}
