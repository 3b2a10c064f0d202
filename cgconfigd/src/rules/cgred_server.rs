//! The server side of the cgred socket: libcgroup's cgrulesengd protocol, through which
//! `cgexec`, `cgexec --sticky`, `cgclassify --sticky` and `cgclassify --cancel-sticky`
//! (ours, `cgtools::rules::cgred`, and libcgroup's) fill the [`StickyTable`]
//! (`docs/rules.md`, "Sticky processes and the cgred socket").
//!
//! The protocol, as libcgroup's daemon serves it (`src/daemon/cgrulesengd.c`,
//! `cgre_receive_unix_domain_msg`): a `SOCK_STREAM` unix socket; one request per
//! connection; the client writes the process id (`pid_t`) then the flags (`int`), native
//! byte order, 8 bytes in all (libcgroup's client in two writes, ours in one); the daemon
//! checks that `/proc/<pid>` exists, applies the flags (exactly
//! `CGROUP_DAEMON_CANCEL_UNCHANGE_PROCESS`: forget the process; anything else: store it)
//! and answers with the 18 bytes `SUCCESS_STORE_PID\0` (`CGRULE_SUCCESS_STORE_PID` with
//! its NUL, [`REPLY`]); on any failure it closes the connection without an answer, which
//! both clients report as an error.
//!
//! The socket is bound at [`DEFAULT_SOCKET_PATH`] unless [`Options::path`] says otherwise,
//! with mode 0660 as libcgroup's daemon sets it (`chmod(path, 0660)` after the bind) and
//! the owner and group of libcgroup's `-u USER` / `-g GROUP` (`--socket-user`,
//! `--socket-group`; unchanged, that is root's, by default).
//!
//! **Hostile input.** Anyone the socket's mode lets in may connect, so the server never
//! blocks on a client: the listener and every connection are non-blocking and served from
//! the daemon's poll loop ([`Server::pollables`], [`Server::deadline`],
//! [`Server::service`]). A connection that has not sent a whole request within
//! [`Options::request_timeout`] is closed; one that sends more than 8 bytes before the
//! answer, a process id that is not a live process, or flags other than 0 to 3 is closed
//! without an answer; past [`Options::max_connections`] open connections a new one is
//! closed at once. None of these stops the next client from being served.

use std::fmt;
use std::io::{self, Read};
use std::os::fd::{AsFd, BorrowedFd, OwnedFd};
use std::os::unix::fs::{FileTypeExt, MetadataExt, PermissionsExt};
use std::os::unix::net::{UnixListener, UnixStream};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use rustix::net::{AddressFamily, SendFlags, SocketAddrUnix, SocketFlags, SocketType};

use super::sticky::{Full, Registered, StickyTable, KNOWN_FLAGS};

/// Where the socket is bound by default ([`cgtools::rules::cgred::BIND_PATH`]).
pub use cgtools::rules::cgred::BIND_PATH as DEFAULT_SOCKET_PATH;

/// The socket's mode: libcgroup's daemon sets 0660 and has no option to change it.
pub const DEFAULT_MODE: u32 = 0o660;

/// The answer to a request that was applied (with its NUL, 18 bytes).
pub const REPLY: &[u8; 18] = cgtools::rules::cgred::REPLY;

/// The size of a request: a `pid_t` and an `int`.
pub const REQUEST_LEN: usize = 8;

/// How long a client may take to send its request, by default. Both clients write it
/// right after connecting.
pub const DEFAULT_REQUEST_TIMEOUT: Duration = Duration::from_secs(2);

/// How many connections may wait for their request at once, by default.
pub const DEFAULT_MAX_CONNECTIONS: usize = 64;

/// How the socket is set up.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Options {
    /// Where it is bound ([`DEFAULT_SOCKET_PATH`]).
    pub path: PathBuf,
    /// Its owner (libcgroup's `-u USER`); `None` leaves the daemon's (root).
    pub owner: Option<u32>,
    /// Its group (libcgroup's `-g GROUP`); `None` leaves the daemon's.
    pub group: Option<u32>,
    /// Its mode ([`DEFAULT_MODE`]).
    pub mode: u32,
    /// How long a connection may take to send its request.
    pub request_timeout: Duration,
    /// How many connections may be open at once; more are closed as they come.
    pub max_connections: usize,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            path: PathBuf::from(DEFAULT_SOCKET_PATH),
            owner: None,
            group: None,
            mode: DEFAULT_MODE,
            request_timeout: DEFAULT_REQUEST_TIMEOUT,
            max_connections: DEFAULT_MAX_CONNECTIONS,
        }
    }
}

/// An operation on the socket failed: which, on which path, and the kernel's reason.
#[derive(Debug)]
pub struct Error {
    /// The socket's path.
    pub path: PathBuf,
    /// What was being done ("bind", "set the mode of", ...).
    pub operation: String,
    /// The kernel's reason.
    pub source: io::Error,
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "cannot {} the cgred socket {}: {}",
            self.operation,
            self.path.display(),
            self.source
        )
    }
}

impl std::error::Error for Error {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        Some(&self.source)
    }
}

/// The client at the other end of a connection (`SO_PEERCRED`), for the log.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Peer {
    /// Its process id when it connected.
    pub pid: i32,
    /// Its effective user id when it connected.
    pub uid: u32,
}

/// What became of one connection, for the daemon's log.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Outcome {
    /// The request was applied and answered.
    Served {
        /// Who asked (unknown if the kernel would not say).
        peer: Option<Peer>,
        /// The process.
        pid: u32,
        /// The flags it sent.
        flags: i32,
        /// What the table did.
        registered: Registered,
    },
    /// The connection was closed without an answer.
    Refused {
        /// Who asked (unknown if the kernel would not say).
        peer: Option<Peer>,
        /// Why.
        reason: String,
    },
}

impl fmt::Display for Outcome {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let who = |peer: &Option<Peer>| match peer {
            Some(p) => format!("process {} (uid {})", p.pid, p.uid),
            None => "a client".to_string(),
        };
        match self {
            Outcome::Served {
                peer,
                pid,
                registered,
                ..
            } => match registered {
                Registered::Stored { children: true } => write!(
                    f,
                    "{} made process {pid} and its children sticky",
                    who(peer)
                ),
                Registered::Stored { children: false } => {
                    write!(f, "{} made process {pid} sticky", who(peer))
                }
                Registered::Cancelled => {
                    write!(f, "{} cancelled the stickiness of process {pid}", who(peer))
                }
            },
            Outcome::Refused { peer, reason } => {
                write!(f, "refused a request of {}: {reason}", who(peer))
            }
        }
    }
}

/// A connection waiting for (the rest of) its request.
#[derive(Debug)]
struct Connection {
    stream: UnixStream,
    peer: Option<Peer>,
    /// One byte more than a request, to see a client that sends too much.
    buf: [u8; REQUEST_LEN + 1],
    len: usize,
    deadline: Instant,
}

/// What reading a connection gave.
enum Progress {
    /// Not all of the request yet.
    Waiting,
    /// The request.
    Request { pid: i32, flags: i32 },
    /// Close the connection without an answer, for this reason.
    Refuse(String),
}

/// The cgred socket (see the module documentation).
#[derive(Debug)]
pub struct Server {
    listener: UnixListener,
    path: PathBuf,
    /// The bound socket's device and inode: removed on drop only if still there.
    identity: (u64, u64),
    connections: Vec<Connection>,
    request_timeout: Duration,
    max_connections: usize,
    proc: PathBuf,
}

impl Server {
    /// Binds the socket as `options` say: a stale socket left at the path by a daemon
    /// that is gone is replaced; a socket something still listens on, or a file that is
    /// not a socket, is an error (libcgroup's daemon removes whatever is there).
    pub fn bind(options: &Options) -> Result<Server, Error> {
        let path = &options.path;
        let fail = |operation: &str| {
            let path = path.clone();
            let operation = operation.to_string();
            move |source: io::Error| Error {
                path,
                operation,
                source,
            }
        };
        match std::fs::symlink_metadata(path) {
            Ok(meta) if meta.file_type().is_socket() => match UnixStream::connect(path) {
                Ok(_) => {
                    return Err(fail("bind")(io::Error::new(
                        io::ErrorKind::AddrInUse,
                        "another daemon is listening on it",
                    )))
                }
                Err(e)
                    if e.raw_os_error() == Some(rustix::io::Errno::CONNREFUSED.raw_os_error()) =>
                {
                    std::fs::remove_file(path).map_err(fail("remove the stale"))?;
                }
                Err(e) => return Err(fail("probe the existing")(e)),
            },
            Ok(_) => {
                return Err(fail("bind")(io::Error::new(
                    io::ErrorKind::AlreadyExists,
                    "a file that is not a socket is in the way (not removed)",
                )))
            }
            Err(e) if e.kind() == io::ErrorKind::NotFound => {}
            Err(e) => return Err(fail("look up")(e)),
        }
        let address = SocketAddrUnix::new(path.as_path()).map_err(|e| fail("bind")(e.into()))?;
        let socket: OwnedFd = rustix::net::socket_with(
            AddressFamily::UNIX,
            SocketType::STREAM,
            SocketFlags::CLOEXEC | SocketFlags::NONBLOCK,
            None,
        )
        .map_err(|e| fail("create")(e.into()))?;
        rustix::net::bind(&socket, &address).map_err(|e| fail("bind")(e.into()))?;
        // From here on the file is ours: remove it if setting it up fails.
        let set_up = || -> Result<(u64, u64), Error> {
            // The mode first, while the socket is still root's: it is never more open
            // than asked, whatever the umask (libcgroup sets the owner first).
            std::fs::set_permissions(path, std::fs::Permissions::from_mode(options.mode))
                .map_err(fail("set the mode of"))?;
            if options.owner.is_some() || options.group.is_some() {
                std::os::unix::fs::chown(path, options.owner, options.group)
                    .map_err(fail("set the owner of"))?;
            }
            let backlog = i32::try_from(options.max_connections).unwrap_or(i32::MAX);
            rustix::net::listen(&socket, backlog).map_err(|e| fail("listen on")(e.into()))?;
            let meta = std::fs::symlink_metadata(path).map_err(fail("look up"))?;
            Ok((meta.dev(), meta.ino()))
        };
        let identity = match set_up() {
            Ok(identity) => identity,
            Err(e) => {
                let _ = std::fs::remove_file(path);
                return Err(e);
            }
        };
        Ok(Server {
            listener: UnixListener::from(socket),
            path: path.clone(),
            identity,
            connections: Vec::new(),
            request_timeout: options.request_timeout,
            max_connections: options.max_connections,
            proc: PathBuf::from("/proc"),
        })
    }

    /// Where the socket is bound.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// How many connections wait for their request.
    #[cfg(test)]
    pub fn pending(&self) -> usize {
        self.connections.len()
    }

    /// The descriptors to poll for reading: the listener and every waiting connection.
    /// When any is readable, or at [`deadline`](Self::deadline), call
    /// [`service`](Self::service).
    pub fn pollables(&self) -> Vec<BorrowedFd<'_>> {
        std::iter::once(self.listener.as_fd())
            .chain(self.connections.iter().map(|c| c.stream.as_fd()))
            .collect()
    }

    /// When the first waiting connection times out, if any waits.
    pub fn deadline(&self) -> Option<Instant> {
        self.connections.iter().map(|c| c.deadline).min()
    }

    /// Accepts every pending connection, reads what every connection sent, applies and
    /// answers the whole requests to `table`, closes the connections that timed out or
    /// misbehaved. Never blocks. Returns what became of each connection closed, for the
    /// log (a connection still waiting for its request gives nothing yet).
    pub fn service(&mut self, table: &mut StickyTable) -> Vec<Outcome> {
        let mut outcomes = Vec::new();
        self.accept(&mut outcomes);
        let now = Instant::now();
        let mut i = 0;
        while i < self.connections.len() {
            let conn = &mut self.connections[i];
            let outcome = match read_request(conn) {
                Progress::Waiting if now >= conn.deadline => Some(Outcome::Refused {
                    peer: conn.peer,
                    reason: format!(
                        "no whole request within {} ms ({} of {REQUEST_LEN} bytes)",
                        self.request_timeout.as_millis(),
                        conn.len
                    ),
                }),
                Progress::Waiting => None,
                Progress::Refuse(reason) => Some(Outcome::Refused {
                    peer: conn.peer,
                    reason,
                }),
                Progress::Request { pid, flags } => {
                    Some(apply(&self.proc, conn, pid, flags, table))
                }
            };
            match outcome {
                Some(outcome) => {
                    // Dropping the stream closes the connection.
                    self.connections.swap_remove(i);
                    outcomes.push(outcome);
                }
                None => i += 1,
            }
        }
        outcomes
    }

    /// Accepts until no connection is pending.
    fn accept(&mut self, outcomes: &mut Vec<Outcome>) {
        loop {
            let stream = match self.listener.accept() {
                Ok((stream, _)) => stream,
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => return,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                Err(e) => {
                    // ECONNABORTED, EMFILE, ENOBUFS...: this connection is lost, the
                    // next poll tries again.
                    outcomes.push(Outcome::Refused {
                        peer: None,
                        reason: format!("cannot accept on {}: {e}", self.path.display()),
                    });
                    return;
                }
            };
            let peer = rustix::net::sockopt::socket_peercred(&stream)
                .ok()
                .map(|cred| Peer {
                    pid: cred.pid.as_raw_pid(),
                    uid: cred.uid.as_raw(),
                });
            if self.connections.len() >= self.max_connections {
                outcomes.push(Outcome::Refused {
                    peer,
                    reason: format!(
                        "{} connections already wait for their request",
                        self.connections.len()
                    ),
                });
                continue;
            }
            if let Err(e) = stream.set_nonblocking(true) {
                outcomes.push(Outcome::Refused {
                    peer,
                    reason: format!("cannot make the connection non-blocking: {e}"),
                });
                continue;
            }
            self.connections.push(Connection {
                stream,
                peer,
                buf: [0; REQUEST_LEN + 1],
                len: 0,
                deadline: Instant::now() + self.request_timeout,
            });
        }
    }
}

impl Drop for Server {
    /// Removes the socket file, if it is still the one this server bound.
    fn drop(&mut self) {
        if let Ok(meta) = std::fs::symlink_metadata(&self.path) {
            if (meta.dev(), meta.ino()) == self.identity {
                let _ = std::fs::remove_file(&self.path);
            }
        }
    }
}

/// Reads what `conn` has sent so far, without blocking.
fn read_request(conn: &mut Connection) -> Progress {
    let mut eof = false;
    while conn.len < conn.buf.len() {
        match conn.stream.read(&mut conn.buf[conn.len..]) {
            Ok(0) => {
                eof = true;
                break;
            }
            Ok(n) => conn.len += n,
            Err(e) if e.kind() == io::ErrorKind::WouldBlock => break,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => return Progress::Refuse(format!("cannot read the request: {e}")),
        }
    }
    if conn.len > REQUEST_LEN {
        return Progress::Refuse(format!(
            "more than the {REQUEST_LEN} bytes of a request before the answer"
        ));
    }
    if conn.len < REQUEST_LEN {
        if eof {
            return Progress::Refuse(format!(
                "closed after {} of the {REQUEST_LEN} bytes of a request",
                conn.len
            ));
        }
        return Progress::Waiting;
    }
    let [p0, p1, p2, p3, f0, f1, f2, f3, _] = conn.buf;
    Progress::Request {
        pid: i32::from_ne_bytes([p0, p1, p2, p3]),
        flags: i32::from_ne_bytes([f0, f1, f2, f3]),
    }
}

/// Checks a whole request, applies it to `table` and answers it.
fn apply(proc: &Path, conn: &Connection, pid: i32, flags: i32, table: &mut StickyTable) -> Outcome {
    let refuse = |reason: String| Outcome::Refused {
        peer: conn.peer,
        reason,
    };
    let Some(pid_u) = u32::try_from(pid).ok().filter(|&p| p > 0) else {
        return refuse(format!("{pid} is not a process id"));
    };
    if flags & !KNOWN_FLAGS != 0 {
        return refuse(format!("unknown flags {flags:#x} for process {pid}"));
    }
    // As libcgroup: the process must exist (a stale entry would make whatever process
    // reuses the id sticky).
    if let Err(e) = std::fs::symlink_metadata(proc.join(pid_u.to_string())) {
        return refuse(format!("no process {pid}: {e}"));
    }
    let registered = match table.register(pid_u, flags) {
        Ok(registered) => registered,
        Err(Full { capacity }) => {
            return refuse(format!(
            "process {pid} not stored: the table of sticky processes is full ({capacity} entries)"
        ))
        }
    };
    // The answer fits the empty send buffer of a new connection: one non-blocking send.
    // NOSIGNAL: a client that went away gets no SIGPIPE sent to the daemon.
    match rustix::net::send(&conn.stream, REPLY, SendFlags::NOSIGNAL) {
        Ok(n) if n == REPLY.len() => Outcome::Served {
            peer: conn.peer,
            pid: pid_u,
            flags,
            registered,
        },
        // The request is applied either way: the client will report an error, and
        // registering again is harmless.
        Ok(n) => refuse(format!(
            "applied for process {pid}, but only {n} bytes of the answer were sent"
        )),
        Err(e) => refuse(format!(
            "applied for process {pid}, but the answer could not be sent: {}",
            io::Error::from(e)
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use cgtools::rules::cgred::{
        register, Registration, CANCEL_UNCHANGE_PROCESS, UNCHANGE_CHILDREN,
    };
    use std::io::Write;
    use std::thread::JoinHandle;

    /// A server on a socket in a fresh temporary directory.
    fn server(options: impl FnOnce(&mut Options)) -> (tempfile::TempDir, Server) {
        let dir = tempfile::tempdir().unwrap();
        let mut opts = Options {
            path: dir.path().join("cgred.socket"),
            ..Options::default()
        };
        options(&mut opts);
        let server = Server::bind(&opts).unwrap();
        (dir, server)
    }

    /// Services `server` until `n` connections are closed (or 10 s pass: fails).
    fn serve(server: &mut Server, table: &mut StickyTable, n: usize) -> Vec<Outcome> {
        let start = Instant::now();
        let mut outcomes = Vec::new();
        while outcomes.len() < n {
            assert!(
                start.elapsed() < Duration::from_secs(10),
                "only {outcomes:?} after 10 s"
            );
            let fds = server.pollables();
            let mut polled: Vec<_> = fds
                .iter()
                .map(|fd| rustix::event::PollFd::new(fd, rustix::event::PollFlags::IN))
                .collect();
            let tick = rustix::event::Timespec {
                tv_sec: 0,
                tv_nsec: 20_000_000,
            };
            rustix::event::poll(&mut polled, Some(&tick)).unwrap();
            drop(polled);
            drop(fds);
            outcomes.extend(server.service(table));
        }
        outcomes
    }

    /// Our client (what cgexec --sticky and cgclassify call), in a thread.
    fn client(path: &Path, pid: u32, flags: i32) -> JoinHandle<Result<Registration, String>> {
        let path = path.to_path_buf();
        std::thread::spawn(move || register(&path, pid, flags))
    }

    fn me() -> u32 {
        std::process::id()
    }

    #[test]
    fn our_client_registers_and_cancels() {
        let (_dir, mut server) = server(|_| {});
        let mut table = StickyTable::new();
        let c = client(server.path(), me(), UNCHANGE_CHILDREN);
        let outcomes = serve(&mut server, &mut table, 1);
        assert_eq!(c.join().unwrap(), Ok(Registration::Stored));
        let Outcome::Served {
            peer,
            pid,
            flags,
            registered,
        } = &outcomes[0]
        else {
            panic!("{outcomes:?}")
        };
        assert_eq!((*pid, *flags), (me(), UNCHANGE_CHILDREN));
        assert_eq!(*registered, Registered::Stored { children: true });
        assert_eq!(peer.map(|p| p.pid), Some(me() as i32));
        assert!(table.children_sticky(me()));
        assert!(outcomes[0].to_string().contains("and its children sticky"));

        let c = client(server.path(), me(), CANCEL_UNCHANGE_PROCESS);
        let outcomes = serve(&mut server, &mut table, 1);
        assert_eq!(c.join().unwrap(), Ok(Registration::Stored));
        assert!(matches!(
            outcomes[0],
            Outcome::Served {
                registered: Registered::Cancelled,
                ..
            }
        ));
        assert!(table.is_empty());
        assert_eq!(server.pending(), 0);
    }

    /// Sends `bytes` on a new connection, keeps it open; returns it.
    fn raw(path: &Path, bytes: &[u8]) -> UnixStream {
        let mut stream = UnixStream::connect(path).unwrap();
        stream.write_all(bytes).unwrap();
        stream
    }

    fn request(pid: i32, flags: i32) -> Vec<u8> {
        [pid.to_ne_bytes(), flags.to_ne_bytes()].concat()
    }

    /// What the server sent before closing `stream` (closing with unread data resets the
    /// connection: nothing either).
    fn answer(mut stream: UnixStream) -> Vec<u8> {
        stream
            .set_read_timeout(Some(Duration::from_secs(10)))
            .unwrap();
        let mut got = Vec::new();
        match stream.read_to_end(&mut got) {
            Ok(_) => got,
            Err(e) if e.kind() == io::ErrorKind::ConnectionReset => got,
            Err(e) => panic!("{e}"),
        }
    }

    #[test]
    fn garbage_is_refused_without_an_answer_and_the_next_client_is_served() {
        let (_dir, mut server) = server(|_| {});
        let mut table = StickyTable::new();
        let pid = me() as i32;
        let bad = [
            (request(0, 0), "is not a process id"),
            (request(-7, 0), "is not a process id"),
            (request(i32::MAX, 0), "no process"),
            (request(pid, 0x40), "unknown flags 0x40"),
            (request(pid, -1), "unknown flags"),
            (
                [request(pid, 1), vec![0; 4]].concat(),
                "more than the 8 bytes",
            ),
            (vec![0xff; 4096], "more than the 8 bytes"),
        ];
        for (bytes, why) in bad {
            let stream = raw(server.path(), &bytes);
            let outcomes = serve(&mut server, &mut table, 1);
            match &outcomes[0] {
                Outcome::Refused { reason, .. } => assert!(reason.contains(why), "{reason}"),
                other => panic!("{bytes:?}: {other:?}"),
            }
            assert_eq!(answer(stream), b"", "{why}");
            assert!(table.is_empty());
        }
        // Short and closed.
        let stream = raw(server.path(), &[1, 2, 3]);
        stream.shutdown(std::net::Shutdown::Write).unwrap();
        let outcomes = serve(&mut server, &mut table, 1);
        assert!(
            outcomes[0].to_string().contains("closed after 3 of the 8"),
            "{outcomes:?}"
        );

        let c = client(server.path(), me(), 0);
        serve(&mut server, &mut table, 1);
        assert_eq!(c.join().unwrap(), Ok(Registration::Stored));
        assert!(table.is_sticky(me()) && !table.children_sticky(me()));
    }

    #[test]
    fn a_request_in_two_writes_is_served() {
        // libcgroup's client writes the pid and the flags separately.
        let (_dir, mut server) = server(|_| {});
        let mut table = StickyTable::new();
        let mut stream = raw(server.path(), &(me() as i32).to_ne_bytes());
        assert!(server.service(&mut table).is_empty());
        assert_eq!(server.pending(), 1);
        stream.write_all(&1i32.to_ne_bytes()).unwrap();
        serve(&mut server, &mut table, 1);
        assert_eq!(answer(stream), REPLY);
        assert!(table.children_sticky(me()));
    }

    #[test]
    fn silent_clients_time_out_without_blocking_others() {
        let timeout = Duration::from_millis(1000);
        let (_dir, mut server) = server(|o| o.request_timeout = timeout);
        let mut table = StickyTable::new();
        let silent = UnixStream::connect(server.path()).unwrap();
        let half = raw(server.path(), &[1, 0]);
        assert!(server.service(&mut table).is_empty());
        assert_eq!(server.pending(), 2);
        assert!(server.deadline().is_some());

        let started = Instant::now();
        let c = client(server.path(), me(), UNCHANGE_CHILDREN);
        let outcomes = serve(&mut server, &mut table, 1);
        assert_eq!(c.join().unwrap(), Ok(Registration::Stored));
        assert!(
            matches!(outcomes[0], Outcome::Served { .. }),
            "{outcomes:?}"
        );
        assert!(
            started.elapsed() < timeout,
            "served only after {:?}",
            started.elapsed()
        );

        let outcomes = serve(&mut server, &mut table, 2);
        assert!(started.elapsed() >= timeout);
        for outcome in &outcomes {
            assert!(
                outcome
                    .to_string()
                    .contains("no whole request within 1000 ms"),
                "{outcome}"
            );
        }
        assert_eq!(answer(silent), b"");
        assert_eq!(answer(half), b"");
        assert_eq!(server.pending(), 0);
        assert_eq!(server.deadline(), None);
    }

    #[test]
    fn connections_past_the_bound_are_closed_at_once() {
        let (_dir, mut server) = server(|o| o.max_connections = 2);
        let mut table = StickyTable::new();
        let _a = UnixStream::connect(server.path()).unwrap();
        let _b = UnixStream::connect(server.path()).unwrap();
        let c = UnixStream::connect(server.path()).unwrap();
        let outcomes = server.service(&mut table);
        assert_eq!(outcomes.len(), 1, "{outcomes:?}");
        assert!(outcomes[0]
            .to_string()
            .contains("2 connections already wait"));
        assert_eq!(answer(c), b"");
        assert_eq!(server.pending(), 2);
    }

    #[test]
    fn a_full_table_refuses_without_an_answer() {
        let (_dir, mut server) = server(|_| {});
        let mut table = StickyTable::with_capacity(0);
        let c = client(server.path(), me(), 0);
        let outcomes = serve(&mut server, &mut table, 1);
        let err = c.join().unwrap().unwrap_err();
        assert!(err.contains("closed the connection"), "{err}");
        assert!(outcomes[0].to_string().contains("is full (0 entries)"));
    }

    #[test]
    fn the_socket_file_mode_stale_sockets_and_obstacles() {
        let (dir, server) = server(|_| {});
        let path = server.path().to_path_buf();
        let meta = std::fs::symlink_metadata(&path).unwrap();
        assert!(meta.file_type().is_socket());
        assert_eq!(meta.mode() & 0o7777, DEFAULT_MODE);

        // Something listens: not taken over.
        let err = Server::bind(&Options {
            path: path.clone(),
            ..Options::default()
        })
        .unwrap_err();
        assert_eq!(err.source.kind(), io::ErrorKind::AddrInUse);
        assert!(err.to_string().contains(&*path.to_string_lossy()), "{err}");
        assert!(err.to_string().contains("cannot bind"), "{err}");

        // Dropped: the file goes.
        drop(server);
        assert!(!path.exists());

        // A stale socket (nobody listens) is replaced, with the mode asked.
        drop(std::os::unix::net::UnixDatagram::bind(&path).unwrap());
        let stale = std::fs::symlink_metadata(&path).unwrap();
        assert!(stale.file_type().is_socket());
        let server = Server::bind(&Options {
            path: path.clone(),
            mode: 0o600,
            ..Options::default()
        })
        .unwrap();
        assert_eq!(
            std::fs::symlink_metadata(&path).unwrap().mode() & 0o7777,
            0o600
        );
        drop(server);

        // A regular file is left alone.
        std::fs::write(&path, "not a socket").unwrap();
        let err = Server::bind(&Options {
            path: path.clone(),
            ..Options::default()
        })
        .unwrap_err();
        assert!(err.to_string().contains("not a socket"), "{err}");
        assert_eq!(std::fs::read_to_string(&path).unwrap(), "not a socket");

        // A path in a missing directory: the kernel's reason.
        let err = Server::bind(&Options {
            path: dir.path().join("missing/cgred.socket"),
            ..Options::default()
        })
        .unwrap_err();
        assert!(err.to_string().contains("missing/cgred.socket"), "{err}");
        assert!(err.to_string().contains("No such file"), "{err}");
    }

    #[test]
    fn owner_and_group_are_applied() {
        if !nix::unistd::geteuid().is_root() {
            test_support::skip!("giving the socket to another owner needs root");
        }
        let (_dir, server) = server(|o| {
            o.owner = Some(65534);
            o.group = Some(65533);
            o.mode = 0o620;
        });
        let meta = std::fs::symlink_metadata(server.path()).unwrap();
        assert_eq!((meta.uid(), meta.gid()), (65534, 65533));
        assert_eq!(meta.mode() & 0o7777, 0o620);
    }
}
