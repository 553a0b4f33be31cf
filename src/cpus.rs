//! How many CPUs are there, and how many may this process use? (lesson 09)
//!
//! `std::thread::available_parallelism()` answers the second question: on Linux it
//! takes the CPU affinity mask (`taskset`) and the cgroup CPU quota (containers) into
//! account. The first question, the machine's logical CPU count, is what Python's
//! `multiprocessing.cpu_count()` answers; std has no function for it, so we read it
//! where the OS publishes it.

use std::num::NonZeroUsize;

/// What `available_parallelism` says: the number of threads that can really run at once.
pub fn available() -> usize {
    std::thread::available_parallelism().map_or(1, NonZeroUsize::get)
}

/// The machine's logical CPUs (cores × hardware threads), where the OS tells: the
/// online CPUs on Linux, `hw.logicalcpu` on macOS, `NUMBER_OF_PROCESSORS` on Windows.
pub fn logical() -> Option<usize> {
    if cfg!(target_os = "linux") {
        let online = std::fs::read_to_string("/sys/devices/system/cpu/online").ok()?;
        count_cpu_list(online.trim())
    } else if cfg!(target_os = "macos") {
        let output = std::process::Command::new("sysctl")
            .args(["-n", "hw.logicalcpu"])
            .output()
            .ok()?;
        String::from_utf8_lossy(&output.stdout).trim().parse().ok()
    } else {
        std::env::var("NUMBER_OF_PROCESSORS").ok()?.parse().ok()
    }
}

/// The CPUs this process may run on (Linux: `Cpus_allowed_list` of `/proc/self/status`),
/// as the kernel lists them, e.g. `0-1`, and how many that is.
pub fn affinity() -> Option<(String, usize)> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let list = status
        .lines()
        .find_map(|line| line.strip_prefix("Cpus_allowed_list:"))?
        .trim()
        .to_string();
    let count = count_cpu_list(&list)?;
    Some((list, count))
}

/// Counts a kernel CPU list such as `0-3,8,10-11` (7 CPUs).
pub fn count_cpu_list(list: &str) -> Option<usize> {
    let mut count = 0;
    for part in list.split(',').filter(|part| !part.is_empty()) {
        count += match part.split_once('-') {
            Some((first, last)) => {
                let (first, last): (usize, usize) = (first.parse().ok()?, last.parse().ok()?);
                last.checked_sub(first)? + 1
            }
            None => {
                part.parse::<usize>().ok()?;
                1
            }
        };
    }
    Some(count)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_kernel_cpu_lists() {
        assert_eq!(count_cpu_list("0"), Some(1));
        assert_eq!(count_cpu_list("0-1"), Some(2));
        assert_eq!(count_cpu_list("0-3,8,10-11"), Some(7));
        assert_eq!(count_cpu_list("3-1"), None);
        assert_eq!(count_cpu_list("x"), None);
    }

    #[test]
    fn available_is_at_most_the_logical_count() {
        assert!(available() >= 1);
        if let Some(logical) = logical() {
            assert!(available() <= logical);
        }
    }
}
