//! The kernel's process events, from the proc connector, and a scan of `/proc`.
//!
//! [`Connector`] is a `NETLINK_CONNECTOR` socket bound to the proc connector's multicast
//! group and subscribed with `PROC_CN_MCAST_LISTEN` (unsubscribed on drop). It is
//! non-blocking, for the daemon's `poll` loop: when the descriptor is readable,
//! [`Connector::read`] appends every event waiting (up to [`MAX_DATAGRAMS_PER_READ`]
//! datagrams) to the caller's vector, reusing one receive buffer.
//!
//! The kernel drops events when the socket's receive buffer is full and says so once,
//! with `ENOBUFS` on the next receive: that becomes [`Event::Overrun`], after which the
//! caller must rescan `/proc` ([`scan`]) because any process may have been missed.
//!
//! The kernel structures are written here with explicit byte offsets (no `unsafe`, no
//! transmutes), from `include/uapi/linux/netlink.h` (`struct nlmsghdr`),
//! `include/uapi/linux/connector.h` (`struct cb_id`, `struct cn_msg`, `CN_IDX_PROC`,
//! `CN_VAL_PROC`) and `include/uapi/linux/cn_proc.h` (`enum proc_cn_mcast_op`,
//! `struct proc_event`). All fields are in the host's byte order.
//!
//! Listening needs `CAP_NET_ADMIN` in the initial user namespace, and the kernel ignores
//! subscriptions from other pid or user namespaces (`drivers/connector/cn_proc.c`,
//! `cn_proc_mcast_ctl`): the daemon must run in the host's namespaces. Pids in events are
//! those of the initial pid namespace.

use rustix::io::Errno;
use rustix::net::netlink::{self, SocketAddrNetlink};
use rustix::net::{sockopt, AddressFamily, RecvFlags, SendFlags, SocketFlags, SocketType};
use std::fmt;
use std::io;
use std::os::fd::{AsFd, BorrowedFd, OwnedFd};
use std::path::{Path, PathBuf};

// include/uapi/linux/netlink.h
/// `sizeof(struct nlmsghdr)`: `__u32 nlmsg_len; __u16 nlmsg_type; __u16 nlmsg_flags;
/// __u32 nlmsg_seq; __u32 nlmsg_pid;`.
const NLMSG_HDRLEN: usize = 16;
/// `NLMSG_DONE`: the type the connector gives its messages (`cn_netlink_send_mult`).
const NLMSG_DONE: u16 = 3;
/// `NLMSG_ALIGNTO`.
const NLMSG_ALIGNTO: usize = 4;

// include/uapi/linux/connector.h
/// `CN_IDX_PROC`: the proc connector's index, also its multicast group.
const CN_IDX_PROC: u32 = 0x1;
/// `CN_VAL_PROC`.
const CN_VAL_PROC: u32 = 0x1;
/// `sizeof(struct cn_msg)`: `struct cb_id { __u32 idx; __u32 val; } id; __u32 seq;
/// __u32 ack; __u16 len; __u16 flags; __u8 data[];`.
const CN_MSG_LEN: usize = 20;

// include/uapi/linux/cn_proc.h
/// `PROC_CN_MCAST_LISTEN` of `enum proc_cn_mcast_op`.
const PROC_CN_MCAST_LISTEN: u32 = 1;
/// `PROC_CN_MCAST_IGNORE`.
const PROC_CN_MCAST_IGNORE: u32 = 2;
/// `struct proc_event`: `enum what what;` at 0, `__u32 cpu;` at 4,
/// `__u64 __attribute__((aligned(8))) timestamp_ns;` at 8, then the `event_data` union.
const EVENT_DATA: usize = 16;
/// `what` values (`enum what` in `struct proc_event`): `PROC_EVENT_NONE`, the
/// acknowledgement of a subscription (`event_data.ack.err`).
const PROC_EVENT_NONE: u32 = 0;
/// `PROC_EVENT_FORK`.
const PROC_EVENT_FORK: u32 = 0x0000_0001;
/// `PROC_EVENT_EXEC`.
const PROC_EVENT_EXEC: u32 = 0x0000_0002;
/// `PROC_EVENT_UID`.
const PROC_EVENT_UID: u32 = 0x0000_0004;
/// `PROC_EVENT_GID`.
const PROC_EVENT_GID: u32 = 0x0000_0040;
/// `PROC_EVENT_EXIT`.
const PROC_EVENT_EXIT: u32 = 0x8000_0000;

/// The most datagrams one [`Connector::read`] takes, so that a flood of events cannot
/// keep the daemon's loop from its other descriptors; `poll` reports the socket readable
/// again while more are waiting.
pub const MAX_DATAGRAMS_PER_READ: usize = 1024;

/// The receive buffer: far more than one datagram (a `nlmsghdr`, a `cn_msg` and a
/// `proc_event` of 40 bytes: 76 bytes), one page.
const RECV_BUFFER: usize = 4096;

/// One process event.
///
/// Pids are the kernel's: `pid` is the thread's id, `tgid` its process's (the thread
/// group leader's pid, what `/proc` lists and what rules classify).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Event {
    /// A thread called `execve` successfully (`PROC_EVENT_EXEC`).
    Exec {
        /// The thread.
        pid: u32,
        /// Its process.
        tgid: u32,
    },
    /// A thread's user ids changed (`PROC_EVENT_UID`: `setuid`, `setresuid`, ...).
    Uid {
        /// The thread.
        pid: u32,
        /// Its process.
        tgid: u32,
        /// The new real user id.
        ruid: u32,
        /// The new effective user id.
        euid: u32,
    },
    /// A thread's group ids changed (`PROC_EVENT_GID`).
    Gid {
        /// The thread.
        pid: u32,
        /// Its process.
        tgid: u32,
        /// The new real group id.
        rgid: u32,
        /// The new effective group id.
        egid: u32,
    },
    /// A new thread or process (`PROC_EVENT_FORK`; a new process when `child_pid ==
    /// child_tgid`).
    Fork {
        /// The process that forked (for a new thread: the process it joins).
        parent_tgid: u32,
        /// The new thread.
        child_pid: u32,
        /// Its process.
        child_tgid: u32,
    },
    /// A thread exited (`PROC_EVENT_EXIT`; the process is gone when `pid == tgid` and
    /// the other threads are gone).
    Exit {
        /// The thread.
        pid: u32,
        /// Its process.
        tgid: u32,
        /// The kernel's `exit_code`: a wait status (exit status `<< 8`, or the signal).
        code: u32,
    },
    /// The receive buffer overflowed and the kernel dropped events (`ENOBUFS`): any
    /// process may have been missed, rescan `/proc` ([`scan`]).
    Overrun,
}

/// An operation on the connector socket failed: which one and the kernel's reason.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Error {
    /// What was being done ("open a NETLINK_CONNECTOR socket", ...).
    pub operation: &'static str,
    /// The kernel's reason.
    pub errno: Errno,
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let reason = io::Error::from(self.errno);
        write!(f, "cannot {}: {reason}", self.operation)
    }
}

impl std::error::Error for Error {}

/// A failed `operation`, with the kernel's reason.
fn fail(operation: &'static str) -> impl FnOnce(Errno) -> Error {
    move |errno| Error { operation, errno }
}

/// A proc connector listener (see the module documentation).
#[derive(Debug)]
pub struct Connector {
    socket: OwnedFd,
    buffer: Vec<u8>,
    /// Events received while waiting for the subscription's acknowledgement, returned by
    /// the first [`Connector::read`].
    pending: Vec<Event>,
}

impl Connector {
    /// Opens the socket, joins the proc connector's group and subscribes. With
    /// `recv_buffer`, sets the receive buffer first ([`Connector::set_recv_buffer`]).
    ///
    /// The kernel acknowledges the subscription at once (in `sendto`); the
    /// acknowledgement is checked here. Fails with `EPROTONOSUPPORT` on a kernel without
    /// `CONFIG_CONNECTOR`, `EPERM` without `CAP_NET_ADMIN`, and `EOPNOTSUPP` when no
    /// acknowledgement comes: a kernel without `CONFIG_PROC_EVENTS`, or a process outside
    /// the initial pid or user namespace, whose subscription the kernel ignores.
    pub fn open(recv_buffer: Option<usize>) -> Result<Connector, Error> {
        let socket = rustix::net::socket_with(
            AddressFamily::NETLINK,
            SocketType::DGRAM,
            SocketFlags::CLOEXEC | SocketFlags::NONBLOCK,
            Some(netlink::CONNECTOR),
        )
        .map_err(fail("open a NETLINK_CONNECTOR socket"))?;
        let mut connector = Connector {
            socket,
            buffer: vec![0; RECV_BUFFER],
            pending: Vec::new(),
        };
        if let Some(bytes) = recv_buffer {
            connector.set_recv_buffer(bytes)?;
        }
        rustix::net::bind(&connector.socket, &SocketAddrNetlink::new(0, CN_IDX_PROC))
            .map_err(fail("join the proc connector's multicast group"))?;
        const SUBSCRIBE: &str = "subscribe to process events (PROC_CN_MCAST_LISTEN)";
        connector
            .control(PROC_CN_MCAST_LISTEN)
            .map_err(fail(SUBSCRIBE))?;
        match connector.acknowledgement()? {
            Some(0) => Ok(connector),
            // No acknowledgement, or one lost in an overrun of a tiny buffer: events are
            // flowing, then, so the subscription worked.
            None if connector.pending.contains(&Event::Overrun) => Ok(connector),
            None => Err(Error {
                operation: "subscribe to process events (no acknowledgement: a kernel \
                            without CONFIG_PROC_EVENTS, or not in the initial pid and user \
                            namespaces)",
                errno: Errno::OPNOTSUPP,
            }),
            Some(err) => Err(fail(SUBSCRIBE)(Errno::from_raw_os_error(err as i32))),
        }
    }

    /// The error number of the kernel's acknowledgement of our subscription (`0`: done),
    /// `None` if none is waiting; events read meanwhile are kept in `pending`.
    fn acknowledgement(&mut self) -> Result<Option<u32>, Error> {
        let mut ack = None;
        loop {
            match rustix::net::recvfrom(&self.socket, &mut self.buffer[..], RecvFlags::empty()) {
                Ok((_, length, from)) => {
                    if from_kernel(from) {
                        let length = length.min(self.buffer.len());
                        parse_messages(&self.buffer[..length], &mut self.pending, &mut ack);
                    }
                    if ack.is_some() {
                        return Ok(ack);
                    }
                }
                Err(Errno::NOBUFS) => self.pending.push(Event::Overrun),
                Err(Errno::INTR) => {}
                Err(Errno::AGAIN) => return Ok(None),
                Err(errno) => {
                    return Err(fail("receive the subscription's acknowledgement")(errno))
                }
            }
        }
    }

    /// Sends `op` (`enum proc_cn_mcast_op`) to the proc connector: a `nlmsghdr`, a
    /// `cn_msg` for `CN_IDX_PROC`/`CN_VAL_PROC` and the 4-byte op.
    fn control(&self, op: u32) -> Result<(), Errno> {
        let message = control_message(op, CONTROL_ACK);
        rustix::net::sendto(
            &self.socket,
            &message,
            SendFlags::empty(),
            &SocketAddrNetlink::new(0, 0),
        )?;
        Ok(())
    }

    /// Sets the socket's receive buffer to `bytes`, with `SO_RCVBUFFORCE` (beyond
    /// `net.core.rmem_max`, which needs `CAP_NET_ADMIN`), else with `SO_RCVBUF` (capped at
    /// `rmem_max`). The kernel doubles the value for its bookkeeping and has a minimum;
    /// returns what it set (`SO_RCVBUF` read back).
    pub fn set_recv_buffer(&self, bytes: usize) -> Result<usize, Error> {
        match sockopt::set_socket_recv_buffer_size_force(&self.socket, bytes) {
            Ok(()) => {}
            Err(Errno::PERM) => sockopt::set_socket_recv_buffer_size(&self.socket, bytes)
                .map_err(fail("set the receive buffer (SO_RCVBUF)"))?,
            Err(errno) => return Err(fail("set the receive buffer (SO_RCVBUFFORCE)")(errno)),
        }
        self.recv_buffer()
    }

    /// The socket's receive buffer size (`SO_RCVBUF`).
    pub fn recv_buffer(&self) -> Result<usize, Error> {
        sockopt::socket_recv_buffer_size(&self.socket)
            .map_err(fail("read the receive buffer size (SO_RCVBUF)"))
    }

    /// Appends the events waiting on the socket to `events`, reading datagrams until none
    /// is left or [`MAX_DATAGRAMS_PER_READ`] were read; returns how many events it
    /// appended. A receive failing with `ENOBUFS` appends [`Event::Overrun`] (once for
    /// several in a row) and reading goes on. Datagrams that are not proc connector
    /// events from the kernel, and events of other kinds, are skipped.
    pub fn read(&mut self, events: &mut Vec<Event>) -> Result<usize, Error> {
        let before = events.len();
        events.append(&mut self.pending);
        let mut datagrams = 0;
        while datagrams < MAX_DATAGRAMS_PER_READ {
            match rustix::net::recvfrom(&self.socket, &mut self.buffer[..], RecvFlags::empty()) {
                Ok((_, length, from)) => {
                    datagrams += 1;
                    if from_kernel(from) {
                        let length = length.min(self.buffer.len());
                        parse_datagram(&self.buffer[..length], events);
                    }
                }
                Err(Errno::NOBUFS) => {
                    if events.last() != Some(&Event::Overrun) {
                        events.push(Event::Overrun);
                    }
                }
                Err(Errno::INTR) => {}
                Err(Errno::AGAIN) => break,
                Err(errno) => return Err(fail("receive process events")(errno)),
            }
        }
        Ok(events.len() - before)
    }
}

impl AsFd for Connector {
    /// The socket, for `poll`: readable when events are waiting.
    fn as_fd(&self) -> BorrowedFd<'_> {
        self.socket.as_fd()
    }
}

impl Drop for Connector {
    /// Unsubscribes (`PROC_CN_MCAST_IGNORE`), so that the kernel stops building events
    /// when no one listens; closing the socket leaves the group.
    fn drop(&mut self) {
        let _ = self.control(PROC_CN_MCAST_IGNORE);
    }
}

/// Whether a datagram came from the kernel (port 0), the only sender the proc connector
/// has.
fn from_kernel(from: Option<rustix::net::SocketAddrAny>) -> bool {
    from.and_then(|a| SocketAddrNetlink::try_from(a).ok())
        .is_some_and(|a| a.pid() == 0)
}

/// The `cn_msg.ack` of our control messages. The kernel's acknowledgement carries it back
/// plus one (`cn_proc_ack`; not the sequence number, which `send_msg` replaces with its
/// per-CPU counter), which tells it from the acknowledgements of other listeners'
/// subscriptions (multicast to every listener too).
const CONTROL_ACK: u32 = 0x6367_7264; // "cgrd"

/// The message that sends `op` to the proc connector with `cn_msg.ack` `ack` (see
/// [`Connector::control`]).
fn control_message(op: u32, ack: u32) -> [u8; NLMSG_HDRLEN + CN_MSG_LEN + 4] {
    const TOTAL: usize = NLMSG_HDRLEN + CN_MSG_LEN + 4;
    let mut m = [0u8; TOTAL];
    // nlmsghdr: len, type NLMSG_DONE, flags 0, seq 0, pid 0 (the kernel fills it in).
    m[0..4].copy_from_slice(&(TOTAL as u32).to_ne_bytes());
    m[4..6].copy_from_slice(&NLMSG_DONE.to_ne_bytes());
    // cn_msg: id.idx, id.val, seq 0, ack, len 4, flags 0.
    let cn = NLMSG_HDRLEN;
    m[cn..cn + 4].copy_from_slice(&CN_IDX_PROC.to_ne_bytes());
    m[cn + 4..cn + 8].copy_from_slice(&CN_VAL_PROC.to_ne_bytes());
    m[cn + 12..cn + 16].copy_from_slice(&ack.to_ne_bytes());
    m[cn + 16..cn + 18].copy_from_slice(&4u16.to_ne_bytes());
    m[cn + CN_MSG_LEN..].copy_from_slice(&op.to_ne_bytes());
    m
}

/// The host-order `u32` at `at` in `bytes`, if it is all there.
fn u32_at(bytes: &[u8], at: usize) -> Option<u32> {
    let b = bytes.get(at..at.checked_add(4)?)?;
    Some(u32::from_ne_bytes([b[0], b[1], b[2], b[3]]))
}

/// The host-order `u16` at `at` in `bytes`, if it is all there.
fn u16_at(bytes: &[u8], at: usize) -> Option<u16> {
    let b = bytes.get(at..at.checked_add(2)?)?;
    Some(u16::from_ne_bytes([b[0], b[1]]))
}

/// Appends the events of one datagram to `events`: each netlink message of type
/// `NLMSG_DONE` carrying a `cn_msg` for the proc connector. A malformed or truncated
/// message ends the datagram; messages of other types or connectors are skipped.
pub fn parse_datagram(datagram: &[u8], events: &mut Vec<Event>) {
    parse_messages(datagram, events, &mut None);
}

/// [`parse_datagram`], also setting `ack` to the error number of an acknowledgement of
/// our subscription.
fn parse_messages(datagram: &[u8], events: &mut Vec<Event>, ack: &mut Option<u32>) {
    let mut rest = datagram;
    while rest.len() >= NLMSG_HDRLEN {
        let Some(length) = u32_at(rest, 0).map(|l| l as usize) else {
            return;
        };
        if length < NLMSG_HDRLEN || length > rest.len() {
            return;
        }
        if u16_at(rest, 4) == Some(NLMSG_DONE) {
            match parse_cn_msg(&rest[NLMSG_HDRLEN..length]) {
                Some(Parsed::Event(event)) => events.push(event),
                Some(Parsed::Ack { ack: cookie, err }) if cookie == CONTROL_ACK.wrapping_add(1) => {
                    *ack = Some(err)
                }
                _ => {}
            }
        }
        let aligned = length.div_ceil(NLMSG_ALIGNTO) * NLMSG_ALIGNTO;
        rest = rest.get(aligned..).unwrap_or_default();
    }
}

/// What a proc connector message says.
enum Parsed {
    /// An event of a kind we use.
    Event(Event),
    /// An acknowledgement (`PROC_EVENT_NONE`) of the control message whose `cn_msg.ack`
    /// was `ack - 1`, with its error number.
    Ack {
        /// `cn_msg.ack`.
        ack: u32,
        /// `event_data.ack.err`.
        err: u32,
    },
}

/// What one `cn_msg` says, if it is a proc connector event of a kind we use or an
/// acknowledgement.
fn parse_cn_msg(message: &[u8]) -> Option<Parsed> {
    if u32_at(message, 0)? != CN_IDX_PROC || u32_at(message, 4)? != CN_VAL_PROC {
        return None;
    }
    let length = usize::from(u16_at(message, 16)?);
    let data = message.get(CN_MSG_LEN..CN_MSG_LEN.checked_add(length)?)?;
    if u32_at(data, 0)? == PROC_EVENT_NONE {
        let ack = u32_at(message, 12)?;
        let err = u32_at(data, EVENT_DATA)?;
        return Some(Parsed::Ack { ack, err });
    }
    parse_proc_event(data).map(Parsed::Event)
}

/// The event of one `struct proc_event`, if of a kind we use (not the acknowledgement
/// `PROC_EVENT_NONE`, nor `SID`, `PTRACE`, `COMM`, `COREDUMP`).
fn parse_proc_event(event: &[u8]) -> Option<Event> {
    let field = |n: usize| u32_at(event, EVENT_DATA + 4 * n);
    match u32_at(event, 0)? {
        // struct exec_proc_event { process_pid; process_tgid; }
        PROC_EVENT_EXEC => Some(Event::Exec {
            pid: field(0)?,
            tgid: field(1)?,
        }),
        // struct id_proc_event { process_pid; process_tgid; r.ruid / r.rgid; e.euid / e.egid; }
        PROC_EVENT_UID => Some(Event::Uid {
            pid: field(0)?,
            tgid: field(1)?,
            ruid: field(2)?,
            euid: field(3)?,
        }),
        PROC_EVENT_GID => Some(Event::Gid {
            pid: field(0)?,
            tgid: field(1)?,
            rgid: field(2)?,
            egid: field(3)?,
        }),
        // struct fork_proc_event { parent_pid; parent_tgid; child_pid; child_tgid; }
        PROC_EVENT_FORK => Some(Event::Fork {
            parent_tgid: field(1)?,
            child_pid: field(2)?,
            child_tgid: field(3)?,
        }),
        // struct exit_proc_event { process_pid; process_tgid; exit_code; exit_signal;
        // parent_pid; parent_tgid; }
        PROC_EVENT_EXIT => Some(Event::Exit {
            pid: field(0)?,
            tgid: field(1)?,
            code: field(2)?,
        }),
        _ => None,
    }
}

/// A process found by [`scan`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Scanned {
    /// Its pid (a thread group leader's: `/proc` lists processes, not threads).
    pub tgid: u32,
    /// Its parent's pid (`PPid:` of `/proc/PID/status`; 0 for init and kthreadd), for the
    /// sticky table's descendants after a rescan.
    pub ppid: u32,
    /// Real user id (`Uid:` of `/proc/PID/status`).
    pub ruid: u32,
    /// Effective user id.
    pub euid: u32,
    /// Real group id (`Gid:`).
    pub rgid: u32,
    /// Effective group id.
    pub egid: u32,
    /// Its command name (`Name:`, which the kernel cuts at 15 bytes).
    pub comm: String,
    /// Its executable (`/proc/PID/exe`); `None` for kernel threads, zombies and anything
    /// else whose link cannot be read.
    pub exe: Option<PathBuf>,
}

/// Every process of `/proc`, in one pass: its ids, parent, name and executable. A process that
/// exits during the scan is left out, not an error. Fails only when `/proc` cannot be
/// listed or a process's status cannot be read for another reason.
pub fn scan() -> Result<Vec<Scanned>, String> {
    scan_in(Path::new("/proc"))
}

/// [`scan`] of a procfs mounted at `proc`.
pub fn scan_in(proc: &Path) -> Result<Vec<Scanned>, String> {
    let listing =
        std::fs::read_dir(proc).map_err(|e| format!("cannot list {}: {e}", proc.display()))?;
    let mut processes = Vec::new();
    let mut status = String::new();
    let mut dir = proc.to_path_buf();
    for entry in listing {
        let entry = entry.map_err(|e| format!("cannot list {}: {e}", proc.display()))?;
        let name = entry.file_name();
        let Some(tgid) = name.to_str().and_then(|n| n.parse::<u32>().ok()) else {
            continue;
        };
        dir.push(&name);
        let found = scan_one(&mut dir, tgid, &mut status);
        dir.pop();
        match found {
            Ok(Some(process)) => processes.push(process),
            Ok(None) => {}
            Err(e) => return Err(e),
        }
    }
    Ok(processes)
}

/// One process of [`scan_in`] (`dir` is its `/proc` directory, returned as it came);
/// `None` if it is gone.
fn scan_one(dir: &mut PathBuf, tgid: u32, status: &mut String) -> Result<Option<Scanned>, String> {
    status.clear();
    dir.push("status");
    // Read calls alone (no statx and lseek first, as `read_to_string` makes).
    let read = cgtools::rules::classify::read_proc(dir);
    dir.pop();
    match read {
        Ok(bytes) => status.push_str(&String::from_utf8_lossy(&bytes)),
        // ESRCH: the process went between the open and the read.
        Err(e)
            if e.kind() == io::ErrorKind::NotFound
                || e.raw_os_error() == Some(Errno::SRCH.raw_os_error()) =>
        {
            return Ok(None)
        }
        Err(e) => return Err(format!("cannot read {}/status: {e}", dir.display())),
    }
    let Some(mut process) = parse_status(tgid, status) else {
        // A status without its ids: a process torn down while it was read.
        return Ok(None);
    };
    dir.push("exe");
    process.exe = std::fs::read_link(&*dir).ok();
    dir.pop();
    Ok(Some(process))
}

/// The ids, parent and name of a process from its `/proc/PID/status` (`exe` left
/// `None`).
pub fn parse_status(tgid: u32, status: &str) -> Option<Scanned> {
    let mut comm = None;
    let mut ppid = None;
    let mut uids = None;
    let mut gids = None;
    // `Uid:` and `Gid:` list real, effective, saved and filesystem ids.
    let pair = |rest: &str| -> Option<(u32, u32)> {
        let mut ids = rest.split_whitespace().map(str::parse::<u32>);
        Some((ids.next()?.ok()?, ids.next()?.ok()?))
    };
    for line in status.lines() {
        if let Some(name) = line.strip_prefix("Name:") {
            comm = Some(unescape_name(name.trim_start_matches('\t')));
        } else if let Some(rest) = line.strip_prefix("PPid:") {
            ppid = rest.trim().parse::<u32>().ok();
        } else if let Some(rest) = line.strip_prefix("Uid:") {
            uids = pair(rest);
        } else if let Some(rest) = line.strip_prefix("Gid:") {
            gids = pair(rest);
            // Name, PPid, Uid and Gid come first; the rest of the file is not needed.
            break;
        }
    }
    let ((ruid, euid), (rgid, egid)) = (uids?, gids?);
    Some(Scanned {
        tgid,
        ppid: ppid?,
        ruid,
        euid,
        rgid,
        egid,
        comm: comm?,
        exe: None,
    })
}

/// A `Name:` value as the kernel wrote it, without its escapes: `proc_task_name` escapes
/// only a newline (`\n`) and a backslash (`\\`).
fn unescape_name(escaped: &str) -> String {
    if !escaped.contains('\\') {
        return escaped.to_string();
    }
    let mut name = String::with_capacity(escaped.len());
    let mut chars = escaped.chars();
    while let Some(c) = chars.next() {
        if c != '\\' {
            name.push(c);
            continue;
        }
        match chars.next() {
            Some('n') => name.push('\n'),
            Some(other) => name.push(other),
            None => name.push('\\'),
        }
    }
    name
}

#[cfg(test)]
mod tests {
    //! The parsing, on datagrams built here from the kernel's layout: `struct nlmsghdr`
    //! (include/uapi/linux/netlink.h), `struct cn_msg` (include/uapi/linux/connector.h)
    //! and `struct proc_event` (include/uapi/linux/cn_proc.h), as `cn_proc.c` sends them:
    //! one `NLMSG_DONE` message per datagram, `cn_msg.len` the size of the event.

    use super::*;

    /// `sizeof(struct proc_event)` on the kernels we run on: 16 bytes of header and the
    /// largest union member, `exit_proc_event` (6 × 4 bytes).
    const PROC_EVENT_LEN: usize = 40;

    /// A datagram carrying one `proc_event` of kind `what` whose `event_data` starts with
    /// the `u32`s of `data`.
    fn datagram(what: u32, data: &[u32]) -> Vec<u8> {
        let mut event = vec![0u8; PROC_EVENT_LEN];
        event[0..4].copy_from_slice(&what.to_ne_bytes());
        event[4..8].copy_from_slice(&3u32.to_ne_bytes()); // cpu
        event[8..16].copy_from_slice(&123_456_789u64.to_ne_bytes()); // timestamp_ns
        for (i, v) in data.iter().enumerate() {
            event[16 + 4 * i..20 + 4 * i].copy_from_slice(&v.to_ne_bytes());
        }
        let mut cn = Vec::new();
        cn.extend_from_slice(&CN_IDX_PROC.to_ne_bytes());
        cn.extend_from_slice(&CN_VAL_PROC.to_ne_bytes());
        cn.extend_from_slice(&7u32.to_ne_bytes()); // seq
        cn.extend_from_slice(&0u32.to_ne_bytes()); // ack
        cn.extend_from_slice(&(PROC_EVENT_LEN as u16).to_ne_bytes());
        cn.extend_from_slice(&0u16.to_ne_bytes()); // flags
        cn.extend_from_slice(&event);
        netlink_message(NLMSG_DONE, &cn)
    }

    /// A netlink message of `kind` around `payload`, padded to `NLMSG_ALIGNTO`.
    fn netlink_message(kind: u16, payload: &[u8]) -> Vec<u8> {
        let mut m = Vec::new();
        let length = (NLMSG_HDRLEN + payload.len()) as u32;
        m.extend_from_slice(&length.to_ne_bytes());
        m.extend_from_slice(&kind.to_ne_bytes());
        m.extend_from_slice(&0u16.to_ne_bytes()); // flags
        m.extend_from_slice(&7u32.to_ne_bytes()); // seq
        m.extend_from_slice(&0u32.to_ne_bytes()); // pid: the kernel
        m.extend_from_slice(payload);
        while m.len() % NLMSG_ALIGNTO != 0 {
            m.push(0);
        }
        m
    }

    fn parse(bytes: &[u8]) -> Vec<Event> {
        let mut events = Vec::new();
        parse_datagram(bytes, &mut events);
        events
    }

    #[test]
    fn each_kind_of_event() {
        assert_eq!(
            parse(&datagram(PROC_EVENT_EXEC, &[101, 100])),
            [Event::Exec {
                pid: 101,
                tgid: 100
            }]
        );
        assert_eq!(
            parse(&datagram(PROC_EVENT_UID, &[5, 5, 1000, 65534])),
            [Event::Uid {
                pid: 5,
                tgid: 5,
                ruid: 1000,
                euid: 65534
            }]
        );
        assert_eq!(
            parse(&datagram(PROC_EVENT_GID, &[6, 6, 100, 65534])),
            [Event::Gid {
                pid: 6,
                tgid: 6,
                rgid: 100,
                egid: 65534
            }]
        );
        assert_eq!(
            parse(&datagram(PROC_EVENT_FORK, &[10, 9, 11, 11])),
            [Event::Fork {
                parent_tgid: 9,
                child_pid: 11,
                child_tgid: 11
            }]
        );
        assert_eq!(
            parse(&datagram(PROC_EVENT_EXIT, &[12, 12, 256, 17, 1, 1])),
            [Event::Exit {
                pid: 12,
                tgid: 12,
                code: 256
            }]
        );
    }

    #[test]
    fn other_kinds_and_the_acknowledgement_are_skipped() {
        // PROC_EVENT_NONE (the ack of a subscription), SID, PTRACE, COMM, COREDUMP.
        for what in [0, 0x80, 0x100, 0x200, 0x4000_0000] {
            assert_eq!(parse(&datagram(what, &[1, 1, 0, 0])), [], "what {what:#x}");
        }
    }

    #[test]
    fn several_messages_in_one_datagram() {
        let mut bytes = datagram(PROC_EVENT_FORK, &[1, 1, 2, 2]);
        bytes.extend(datagram(PROC_EVENT_EXEC, &[2, 2]));
        bytes.extend(netlink_message(1, &[])); // NLMSG_NOOP: skipped
        bytes.extend(datagram(PROC_EVENT_EXIT, &[2, 2, 0, 17, 1, 1]));
        assert_eq!(
            parse(&bytes),
            [
                Event::Fork {
                    parent_tgid: 1,
                    child_pid: 2,
                    child_tgid: 2
                },
                Event::Exec { pid: 2, tgid: 2 },
                Event::Exit {
                    pid: 2,
                    tgid: 2,
                    code: 0
                },
            ]
        );
    }

    #[test]
    fn acknowledgements_of_our_subscription() {
        // cn_proc_ack: cn_msg.ack is the control message's plus one.
        let ack = |cookie: u32, err: u32| {
            let mut bytes = datagram(PROC_EVENT_NONE, &[err]);
            bytes[NLMSG_HDRLEN + 12..NLMSG_HDRLEN + 16].copy_from_slice(&cookie.to_ne_bytes());
            bytes
        };
        let (mut events, mut found) = (Vec::new(), None);
        // Another listener's acknowledgement is not ours.
        parse_messages(&ack(1, 0), &mut events, &mut found);
        assert_eq!(found, None);
        parse_messages(&ack(CONTROL_ACK, 0), &mut events, &mut found);
        assert_eq!(found, None);
        parse_messages(&ack(CONTROL_ACK + 1, 1), &mut events, &mut found);
        assert_eq!(found, Some(1)); // EPERM
        assert_eq!(events, []);
    }

    #[test]
    fn other_connectors_are_skipped() {
        let mut bytes = datagram(PROC_EVENT_EXEC, &[2, 2]);
        // cb_id.idx of another connector (CN_IDX_CIFS = 2).
        bytes[NLMSG_HDRLEN..NLMSG_HDRLEN + 4].copy_from_slice(&2u32.to_ne_bytes());
        assert_eq!(parse(&bytes), []);
    }

    #[test]
    fn truncated_and_malformed_datagrams_give_what_is_whole() {
        let whole = datagram(PROC_EVENT_EXEC, &[2, 2]);
        for cut in 0..whole.len() {
            // Never panics; the only event is the whole one.
            assert_eq!(parse(&whole[..cut]), [], "cut at {cut}");
        }
        // nlmsg_len larger than the datagram, or smaller than its header.
        let mut long = whole.clone();
        long[0..4].copy_from_slice(&1000u32.to_ne_bytes());
        assert_eq!(parse(&long), []);
        let mut short = whole.clone();
        short[0..4].copy_from_slice(&8u32.to_ne_bytes());
        assert_eq!(parse(&short), []);
        // cn_msg.len beyond the message.
        let mut data = whole.clone();
        data[NLMSG_HDRLEN + 16..NLMSG_HDRLEN + 18].copy_from_slice(&200u16.to_ne_bytes());
        assert_eq!(parse(&data), []);
        // A first good message survives a broken second one.
        let mut two = whole.clone();
        two.extend_from_slice(&whole[..20]);
        assert_eq!(parse(&two), [Event::Exec { pid: 2, tgid: 2 }]);
    }

    #[test]
    fn the_control_message_has_the_kernels_layout() {
        let m = control_message(PROC_CN_MCAST_LISTEN, 99);
        assert_eq!(m.len(), 40);
        assert_eq!(u32_at(&m, 0), Some(40)); // nlmsg_len
        assert_eq!(u16_at(&m, 4), Some(NLMSG_DONE)); // nlmsg_type
        assert_eq!(u32_at(&m, 16), Some(CN_IDX_PROC)); // cn_msg.id.idx
        assert_eq!(u32_at(&m, 20), Some(CN_VAL_PROC)); // cn_msg.id.val
        assert_eq!(u32_at(&m, 28), Some(99)); // cn_msg.ack
        assert_eq!(u16_at(&m, 32), Some(4)); // cn_msg.len
        assert_eq!(u32_at(&m, 36), Some(1)); // PROC_CN_MCAST_LISTEN
        assert_eq!(
            u32_at(&control_message(PROC_CN_MCAST_IGNORE, 0), 36),
            Some(2)
        );
    }

    #[test]
    fn status_fields() {
        let status = "Name:\tmy\\\\prog\\n\nUmask:\t0022\nState:\tS (sleeping)\nTgid:\t42\n\
                      Ngid:\t0\nPid:\t42\nPPid:\t1\nTracerPid:\t0\n\
                      Uid:\t1000\t65534\t65534\t65534\nGid:\t100\t200\t200\t200\nFDSize:\t64\n";
        assert_eq!(
            parse_status(42, status),
            Some(Scanned {
                tgid: 42,
                ppid: 1,
                ruid: 1000,
                euid: 65534,
                rgid: 100,
                egid: 200,
                comm: "my\\prog\n".to_string(),
                exe: None,
            })
        );
        assert_eq!(parse_status(42, "Name:\tx\nUid:\t1\t1\t1\t1\n"), None);
        // No PPid: torn down while read.
        assert_eq!(
            parse_status(42, "Name:\tx\nUid:\t1\t1\t1\t1\nGid:\t1\t1\t1\t1\n"),
            None
        );
        assert_eq!(parse_status(42, ""), None);
    }

    #[test]
    fn scan_of_a_fake_proc() {
        let proc = tempfile::tempdir().unwrap();
        let p = proc.path();
        std::fs::create_dir(p.join("7")).unwrap();
        std::fs::write(
            p.join("7/status"),
            "Name:\tsleep\nPPid:\t1\nUid:\t0\t0\t0\t0\nGid:\t5\t6\t6\t6\n",
        )
        .unwrap();
        std::os::unix::fs::symlink("/usr/bin/sleep", p.join("7/exe")).unwrap();
        // A kernel thread: no exe link.
        std::fs::create_dir(p.join("2")).unwrap();
        std::fs::write(
            p.join("2/status"),
            "Name:\tkthreadd\nPPid:\t0\nUid:\t0\t0\t0\t0\nGid:\t0\t0\t0\t0\n",
        )
        .unwrap();
        // Gone: its directory is empty.
        std::fs::create_dir(p.join("9")).unwrap();
        // Not processes.
        std::fs::create_dir(p.join("self")).unwrap();
        std::fs::write(p.join("uptime"), "1.0 1.0\n").unwrap();
        let mut found = scan_in(p).unwrap();
        found.sort_by_key(|s| s.tgid);
        assert_eq!(found.len(), 2);
        assert_eq!(
            (found[0].tgid, found[0].comm.as_str(), &found[0].exe),
            (2, "kthreadd", &None)
        );
        assert_eq!(found[1].exe.as_deref(), Some(Path::new("/usr/bin/sleep")));
        assert_eq!((found[1].rgid, found[1].egid), (5, 6));
        assert_eq!((found[0].ppid, found[1].ppid), (0, 1));
        assert!(scan_in(&p.join("none"))
            .unwrap_err()
            .starts_with("cannot list"));
    }
}
