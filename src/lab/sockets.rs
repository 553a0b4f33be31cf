//! Which process of the watched tree holds a connection to the lab's server (Linux).
//!
//! The server sends each request's number and client address as it arrives. While
//! the connection is open, the client's socket is a line of `/proc/net/tcp` (local
//! address = the client's address, remote address = the server's) with an inode, and
//! the process that holds it has a descriptor `socket:[inode]` under `/proc/PID/fd`.
//! A line with inode 0 is a connection already closed (`TIME_WAIT`): a port is soon
//! used again, so such a line may share the client's address and is skipped. Requests that arrive together
//! are resolved together: one read of `/proc/net/tcp`, one look at the tree's
//! descriptors.

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::mpsc::{Receiver, RecvTimeoutError};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

/// How long a request is looked for before it is left without a pid.
const GIVE_UP: Duration = Duration::from_millis(500);

/// Request number -> the pid that held its connection.
pub type Owners = Arc<Mutex<HashMap<usize, u32>>>;

/// Resolves every request sent on `clients` until the channel closes.
pub fn resolve(
    clients: Receiver<(usize, SocketAddr)>,
    server: SocketAddr,
) -> (Owners, Option<JoinHandle<()>>) {
    let owners: Owners = Arc::default();
    if !cfg!(target_os = "linux") {
        return (owners, None);
    }
    let found = owners.clone();
    let thread = std::thread::Builder::new()
        .name("lab-sockets".into())
        .spawn(move || {
            // Requests not found yet are looked for again while they may still be open
            // (a descriptor can be a moment late in /proc).
            let mut pending: Vec<(usize, SocketAddr, Instant)> = Vec::new();
            // A look costs more the more descriptors the tree holds (a thousand
            // connections, a thousand links to read): wait four times as long as the
            // last look took, so that the lab takes at most a fifth of a core.
            let mut last_look = Duration::ZERO;
            loop {
                // A few requests pending are looked for again soon whatever a look
                // cost: a connection of a few tens of milliseconds must not be
                // missed for want of a look while it was open.
                let wait = if pending.is_empty() {
                    Duration::from_secs(3600)
                } else if pending.len() < 64 {
                    (last_look * 4).clamp(Duration::from_millis(2), Duration::from_millis(5))
                } else {
                    (last_look * 4).max(Duration::from_millis(2))
                };
                match clients.recv_timeout(wait) {
                    Ok((number, addr)) => pending.push((number, addr, Instant::now())),
                    Err(RecvTimeoutError::Timeout) => {}
                    Err(RecvTimeoutError::Disconnected) if pending.is_empty() => break,
                    Err(RecvTimeoutError::Disconnected) => {}
                }
                pending.extend(
                    clients
                        .try_iter()
                        .map(|(n, addr)| (n, addr, Instant::now())),
                );
                let batch: Vec<(usize, SocketAddr)> = pending
                    .iter()
                    .map(|&(number, addr, _)| (number, addr))
                    .collect();
                let look = Instant::now();
                let resolved = owners_of(&batch, server);
                last_look = look.elapsed();
                pending.retain(|(number, _, since)| {
                    !resolved.contains_key(number) && since.elapsed() < GIVE_UP
                });
                found
                    .lock()
                    .unwrap_or_else(|poisoned| poisoned.into_inner())
                    .extend(resolved);
            }
        })
        .ok();
    (owners, thread)
}

fn owners_of(batch: &[(usize, SocketAddr)], server: SocketAddr) -> HashMap<usize, u32> {
    let table = std::fs::read_to_string("/proc/net/tcp").unwrap_or_default();
    let inodes: HashMap<SocketAddr, u64> = table
        .lines()
        .skip(1)
        .filter_map(parse_line)
        .filter(|row| row.remote == server && row.inode != 0)
        .map(|row| (row.local, row.inode))
        .collect();
    let wanted: HashMap<u64, Vec<usize>> =
        batch
            .iter()
            .fold(HashMap::new(), |mut wanted, (number, addr)| {
                if let Some(&inode) = inodes.get(addr) {
                    wanted.entry(inode).or_default().push(*number);
                }
                wanted
            });
    let mut owners = HashMap::new();
    if wanted.is_empty() {
        return owners;
    }
    let tree = super::tree::below(std::process::id(), &super::tree::all_processes());
    for stat in tree {
        let Ok(fds) = std::fs::read_dir(format!("/proc/{}/fd", stat.pid)) else {
            continue;
        };
        for fd in fds.filter_map(Result::ok) {
            let Ok(link) = std::fs::read_link(fd.path()) else {
                continue;
            };
            let inode = link
                .to_str()
                .and_then(|link| link.strip_prefix("socket:["))
                .and_then(|rest| rest.strip_suffix(']'))
                .and_then(|inode| inode.parse::<u64>().ok());
            if let Some(numbers) = inode.and_then(|inode| wanted.get(&inode)) {
                for &number in numbers {
                    owners.insert(number, stat.pid);
                }
            }
        }
    }
    owners
}

/// One line of `/proc/net/tcp`: both ends of a connection and its socket's inode.
struct Row {
    local: SocketAddr,
    remote: SocketAddr,
    inode: u64,
}

fn parse_line(line: &str) -> Option<Row> {
    let fields: Vec<&str> = line.split_whitespace().collect();
    Some(Row {
        local: parse_address(fields.get(1)?)?,
        remote: parse_address(fields.get(2)?)?,
        inode: fields.get(9)?.parse().ok()?,
    })
}

/// `0100007F:D431`: an IPv4 address as the kernel's 32-bit number in hex (in the
/// machine's byte order, little-endian on x86 and ARM), then the port in hex.
fn parse_address(text: &str) -> Option<SocketAddr> {
    let (ip, port) = text.split_once(':')?;
    let ip = u32::from_str_radix(ip, 16).ok()?;
    let port = u16::from_str_radix(port, 16).ok()?;
    let ip = std::net::Ipv4Addr::from(ip.to_ne_bytes());
    Some(SocketAddr::from((ip, port)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_kernel_address_reads_as_ip_and_port() {
        if cfg!(target_endian = "little") {
            assert_eq!(
                parse_address("0100007F:D431"),
                Some("127.0.0.1:54321".parse().expect("addr"))
            );
        }
        assert_eq!(parse_address("nonsense"), None);
    }

    #[cfg(target_os = "linux")]
    #[test]
    fn our_own_open_connection_is_found_in_the_table() {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
        let client =
            std::net::TcpStream::connect(listener.local_addr().expect("addr")).expect("connect");
        let local = client.local_addr().expect("local");
        let remote = client.peer_addr().expect("peer");
        let table = std::fs::read_to_string("/proc/net/tcp").expect("table");
        assert!(
            table
                .lines()
                .skip(1)
                .filter_map(parse_line)
                .any(|row| row.local == local && row.remote == remote && row.inode != 0)
        );
    }
}
