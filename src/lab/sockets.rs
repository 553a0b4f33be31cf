//! Which process of the watched tree holds a connection to the lab's server (Linux).
//!
//! The server sends each request's number and client address as it arrives. While
//! the connection is open, the client's socket has an inode, and the process that
//! holds it has a descriptor `socket:[inode]` under `/proc/PID/fd`. The inode comes
//! from the kernel's socket diagnostics (netlink `sock_diag`, as `ss` asks): one
//! socket looked up by its two addresses. Where that is not allowed, it comes from
//! `/proc/net/tcp` (local address = the client's, remote = the server's), which lists
//! every socket of the machine as text: 10 to 20 ms a look with 800 sockets here,
//! against well under a millisecond. Inode 0 is a connection already closed
//! (`TIME_WAIT`): a port is soon used again, so such a socket may share the client's
//! address and is skipped. Requests that arrive together are resolved together, with
//! one look at the tree's descriptors.

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
            let mut pending: Vec<Pending> = Vec::new();
            // A look costs more the more descriptors the tree holds (a thousand
            // connections, a thousand links to read): wait four times as long as the
            // last look took, so that the lab takes at most a fifth of a core.
            let mut last_look = Duration::ZERO;
            let mut last_end = Instant::now();
            let diag = diag::Diag::open();
            let mut descriptors = Descriptors::default();
            loop {
                if pending.is_empty() {
                    match clients.recv() {
                        Ok((number, client)) => pending.push(Pending::new(number, client)),
                        Err(_) => break,
                    }
                }
                // Requests that arrive meanwhile wait for the next look, which comes
                // soon whatever a look cost while only a few are pending: a connection
                // of a few tens of milliseconds must not be missed for want of a look
                // while it was open.
                let gap = if pending.len() < 64 {
                    (last_look * 4).clamp(Duration::from_millis(2), Duration::from_millis(5))
                } else {
                    (last_look * 4).max(Duration::from_millis(2))
                };
                let next_look = last_end + gap;
                while let Some(wait) = next_look.checked_duration_since(Instant::now()) {
                    match clients.recv_timeout(wait) {
                        Ok((number, client)) => pending.push(Pending::new(number, client)),
                        Err(RecvTimeoutError::Timeout) => break,
                        // No more requests: look for those pending until found or given up.
                        Err(RecvTimeoutError::Disconnected) => {
                            std::thread::sleep(wait);
                            break;
                        }
                    }
                }
                pending.extend(
                    clients
                        .try_iter()
                        .map(|(number, client)| Pending::new(number, client)),
                );
                let look = Instant::now();
                let resolved = owners_of(&mut pending, server, diag.as_ref(), &mut descriptors);
                last_end = Instant::now();
                last_look = last_end - look;
                pending.retain(|request| {
                    !resolved.contains_key(&request.number) && request.since.elapsed() < GIVE_UP
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

/// A request whose connection's owner is not found yet.
struct Pending {
    number: usize,
    client: SocketAddr,
    since: Instant,
    /// Its socket's inode, once the kernel has named it (it stays while it is open).
    inode: Option<u64>,
}

impl Pending {
    fn new(number: usize, client: SocketAddr) -> Pending {
        Pending {
            number,
            client,
            since: Instant::now(),
            inode: None,
        }
    }
}

fn owners_of(
    pending: &mut [Pending],
    server: SocketAddr,
    diag: Option<&diag::Diag>,
    descriptors: &mut Descriptors,
) -> HashMap<usize, u32> {
    let from_proc = match diag {
        Some(_) => HashMap::new(),
        None if pending.iter().any(|request| request.inode.is_none()) => inodes_from_proc(server),
        None => HashMap::new(),
    };
    let mut wanted: HashMap<u64, Vec<usize>> = HashMap::new();
    for request in pending.iter_mut() {
        if request.inode.is_none() {
            request.inode = match diag {
                Some(diag) => diag.inode(request.client, server),
                None => from_proc.get(&request.client).copied(),
            };
        }
        if let Some(inode) = request.inode {
            wanted.entry(inode).or_default().push(request.number);
        }
    }
    if wanted.is_empty() {
        return HashMap::new();
    }
    let mut owners = descriptors.look(&wanted, false);
    // Not found: its descriptor may have been closed and opened again under the same
    // number since the last look, which a kept link would hide, or the walk of the
    // tree left its process out. Looked for again at once, before the connection can
    // end: every link read, over all of `/proc` (rare, and dearer).
    let missing = |owners: &HashMap<usize, u32>| {
        wanted
            .values()
            .flatten()
            .any(|number| !owners.contains_key(number))
    };
    if missing(&owners) {
        owners.extend(descriptors.look(&wanted, true));
    }
    owners
}

/// The socket descriptors of the tree at the last look: (pid, start time) -> (fd ->
/// socket inode). A look reads the link of each descriptor it has not seen before and
/// keeps the rest from here: with a thousand connections open, a few new links a look
/// instead of a thousand (the lab's cost in lesson 12 was mostly these reads).
#[derive(Default)]
struct Descriptors(HashMap<(u32, u64), HashMap<u32, Option<u64>>>);

impl Descriptors {
    /// Request number -> pid, for the requests whose socket is in `wanted`.
    fn look(&mut self, wanted: &HashMap<u64, Vec<usize>>, read_all: bool) -> HashMap<usize, u32> {
        let mut owners = HashMap::new();
        let mut now = HashMap::new();
        // The lists of children the walk reads may leave out a process while others
        // are being started (the kernel says they are exact only for a stopped task):
        // `read_all` takes the tree from all of `/proc` instead, which costs more.
        let me = std::process::id();
        let tree = if read_all {
            super::tree::below(me, &super::tree::all_processes())
        } else {
            super::tree::tree_below(me)
        };
        for stat in tree {
            let Ok(fds) = std::fs::read_dir(format!("/proc/{}/fd", stat.pid)) else {
                continue;
            };
            let key = (stat.pid, stat.started);
            let before = self.0.remove(&key).unwrap_or_default();
            let mut links = HashMap::new();
            for fd in fds.filter_map(Result::ok) {
                let Some(number) = fd.file_name().to_str().and_then(|fd| fd.parse().ok()) else {
                    continue;
                };
                // Only a socket's link is kept: a descriptor that was something else
                // (a pipe, a file) may be a socket by now.
                let inode = match before.get(&number) {
                    Some(&Some(inode)) if !read_all => Some(inode),
                    _ => socket_inode(&fd.path()),
                };
                if let Some(numbers) = inode.and_then(|inode| wanted.get(&inode)) {
                    for &request in numbers {
                        owners.insert(request, stat.pid);
                    }
                }
                links.insert(number, inode);
            }
            now.insert(key, links);
        }
        self.0 = now;
        owners
    }
}

/// The inode of the socket a descriptor link names (`socket:[12345]`), if it is one.
fn socket_inode(link: &std::path::Path) -> Option<u64> {
    let link = std::fs::read_link(link).ok()?;
    link.to_str()?
        .strip_prefix("socket:[")?
        .strip_suffix(']')?
        .parse()
        .ok()
}

/// Every open connection to `server`, from `/proc/net/tcp`: client address -> inode.
fn inodes_from_proc(server: SocketAddr) -> HashMap<SocketAddr, u64> {
    let table = std::fs::read_to_string("/proc/net/tcp").unwrap_or_default();
    table
        .lines()
        .skip(1)
        .filter_map(parse_line)
        .filter(|row| row.remote == server && row.inode != 0)
        .map(|row| (row.local, row.inode))
        .collect()
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

/// The kernel's socket diagnostics: one TCP socket looked up by its two addresses.
#[cfg(target_os = "linux")]
mod diag {
    use std::net::{IpAddr, SocketAddr};
    use std::os::fd::{AsRawFd, OwnedFd};

    use nix::sys::socket::{
        AddressFamily, MsgFlags, NetlinkAddr, SockFlag, SockProtocol, SockType, recv, sendto,
        setsockopt, socket, sockopt,
    };
    use nix::sys::time::{TimeVal, TimeValLike};

    /// The message type of a request, and of the answer that found the socket; an
    /// answer of another type (an error) means no such socket.
    const SOCK_DIAG_BY_FAMILY: u16 = 20;
    const NLM_F_REQUEST: u16 = 1;
    /// Where the socket's inode is in the answer: after the 16-byte netlink header,
    /// at byte 68 of `struct inet_diag_msg`.
    const INODE_AT: usize = 16 + 68;

    pub struct Diag(OwnedFd);

    impl Diag {
        /// `None` where netlink is not allowed (a sandbox): then `/proc/net/tcp`.
        pub fn open() -> Option<Diag> {
            let fd = socket(
                AddressFamily::Netlink,
                SockType::Datagram,
                SockFlag::SOCK_CLOEXEC,
                SockProtocol::NetlinkSockDiag,
            )
            .ok()?;
            setsockopt(&fd, sockopt::ReceiveTimeout, &TimeVal::milliseconds(200)).ok()?;
            Some(Diag(fd))
        }

        /// The inode of the open socket from `client` to `server`, if there is one.
        pub fn inode(&self, client: SocketAddr, server: SocketAddr) -> Option<u64> {
            let request = request(client, server)?;
            let kernel = NetlinkAddr::new(0, 0);
            sendto(self.0.as_raw_fd(), &request, &kernel, MsgFlags::empty()).ok()?;
            let mut answer = [0u8; 512];
            let length = recv(self.0.as_raw_fd(), &mut answer, MsgFlags::empty()).ok()?;
            inode_in(&answer[..length])
        }
    }

    /// A netlink header and a `struct inet_diag_req_v2` that names one socket by its
    /// local (`client`) and remote (`server`) addresses. Numbers in the machine's
    /// byte order, ports and addresses in the network's.
    pub fn request(client: SocketAddr, server: SocketAddr) -> Option<Vec<u8>> {
        let (family, local, remote) = match (client.ip(), server.ip()) {
            (IpAddr::V4(local), IpAddr::V4(remote)) => (2u8, padded(local), padded(remote)),
            (IpAddr::V6(local), IpAddr::V6(remote)) => (10u8, local.octets(), remote.octets()),
            _ => return None,
        };
        let mut message = Vec::with_capacity(72);
        message.extend(72u32.to_ne_bytes()); // the whole message's length
        message.extend(SOCK_DIAG_BY_FAMILY.to_ne_bytes());
        message.extend(NLM_F_REQUEST.to_ne_bytes()); // one socket, not a dump
        message.extend(1u32.to_ne_bytes()); // sequence number
        message.extend(0u32.to_ne_bytes()); // to the kernel
        message.extend([family, 6, 0, 0]); // TCP, no extensions
        message.extend(u32::MAX.to_ne_bytes()); // in any state
        message.extend(client.port().to_be_bytes());
        message.extend(server.port().to_be_bytes());
        message.extend(local);
        message.extend(remote);
        message.extend(0u32.to_ne_bytes()); // on any interface
        message.extend([0xff; 8]); // no cookie
        Some(message)
    }

    fn padded(ip: std::net::Ipv4Addr) -> [u8; 16] {
        let mut bytes = [0; 16];
        bytes[..4].copy_from_slice(&ip.octets());
        bytes
    }

    /// The inode in the kernel's answer; `None` for an error (no such socket) and for
    /// inode 0 (a closed connection).
    pub fn inode_in(answer: &[u8]) -> Option<u64> {
        let kind = u16::from_ne_bytes(answer.get(4..6)?.try_into().ok()?);
        let inode = u32::from_ne_bytes(answer.get(INODE_AT..INODE_AT + 4)?.try_into().ok()?);
        (kind == SOCK_DIAG_BY_FAMILY && inode != 0).then_some(u64::from(inode))
    }
}

/// Elsewhere the lab names connections only.
#[cfg(not(target_os = "linux"))]
mod diag {
    pub struct Diag;

    impl Diag {
        pub fn open() -> Option<Diag> {
            None
        }

        pub fn inode(&self, _: std::net::SocketAddr, _: std::net::SocketAddr) -> Option<u64> {
            None
        }
    }
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

    /// The kernel's answer names the same socket as `/proc/net/tcp`, by inode; a
    /// connection that is not there has none.
    #[cfg(target_os = "linux")]
    #[test]
    fn the_kernel_names_our_own_open_connection() {
        let Some(diag) = diag::Diag::open() else {
            eprintln!("netlink sock_diag is not allowed here: the lab reads /proc/net/tcp");
            return;
        };
        let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
        let server = listener.local_addr().expect("addr");
        let client = std::net::TcpStream::connect(server).expect("connect");
        let local = client.local_addr().expect("local");
        let inode = diag.inode(local, server);
        assert!(inode.is_some());
        assert_eq!(inode, inodes_from_proc(server).get(&local).copied());
        let elsewhere: SocketAddr = "127.0.0.1:9".parse().expect("addr");
        assert_eq!(diag.inode(elsewhere, server), None);
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
