//! What a run costs the machine: CPU time, the memory of one process (the lab's tree
//! sampler adds them up), and the open-files limit that a thousand connections run
//! into. Unix only where the OS has no portable way; elsewhere the answer is `None`
//! ("not measured").

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
    fn the_memory_of_a_process_is_read() {
        assert!(memory_of(std::process::id()) > 0);
        assert_eq!(memory_of(u32::MAX), 0, "no such process: nothing");
    }

    #[cfg(unix)]
    #[test]
    fn the_open_files_limit_can_be_read() {
        let (soft, hard) = open_files_limit().expect("a limit");
        assert!(soft <= hard);
        assert_eq!(raise_open_files_limit(soft), Some(soft));
    }
}
