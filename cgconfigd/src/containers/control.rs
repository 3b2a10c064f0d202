//! The control socket: how `cgconfigd ls`, `info`, `start`, `stop`, `restart`, `attach`
//! and `console` talk to the daemon.
//!
//! A Unix stream socket, `STATE-DIR/control` (mode 0600, root's), one request per
//! connection: a line of JSON (`{"op":"stop","name":"web","timeout":10}`), answered with
//! a line of JSON (`{"ok":true}` or `{"ok":false,"error":"..."}`), then the connection is
//! closed. Every request is hostile input until checked:
//!
//! * the peer's credentials (`SO_PEERCRED`) are read when it connects: anyone but root is
//!   answered with a refusal and nothing else (the socket's mode keeps others out
//!   already; the check holds even if the mode is changed);
//! * a request has at most [`MAX_REQUEST`] bytes and must be complete within
//!   [`REQUEST_TIMEOUT`]; at most [`MAX_CONNECTIONS`] connections wait at once, more are
//!   closed at once; a client that does not read its answer holds the daemon for at most
//!   [`WRITE_TIMEOUT`];
//! * the JSON must be one of the requests below, with no unknown field; names are
//!   checked as container names ([`super::discovery::check_name`]: no `/`, no `..`, no
//!   control character, not hidden, at most 255 bytes) before anything is looked up;
//!   commands (`attach`, for the daemon's log: the client runs them) have at most
//!   [`MAX_ARGS`] arguments of [`MAX_ARG`] bytes.
//!
//! Two answers carry more than JSON. `attach` is answered with where the container is
//! ([`Location`]: its init's pid and start time, its directory, its group): the client
//! proves the pid is still that init (pidfd, start time) and attaches itself, with the
//! client's own terminal, as `lxc-attach` runs in its caller. `console` is answered with a
//! duplicate of the console's pty master, passed with the answer's bytes (`SCM_RIGHTS`),
//! and the connection stays open as long as the client relays: it is how the daemon knows
//! the console is taken ([`Conn::hand_over`]).
//!
//! The daemon is single-threaded and never blocks on a client: connections are read as
//! their bytes arrive, from the same `poll` as signals and inotify.

use super::group::Usage;
use super::process::Exit;
use serde::{Deserialize, Serialize};
use std::io::{self, Read, Write};
use std::os::fd::{AsFd, BorrowedFd};
use std::os::unix::fs::{FileTypeExt, PermissionsExt};
use std::os::unix::net::{UnixListener, UnixStream};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

/// The socket's name in the state directory.
pub const SOCKET: &str = "control";
/// The largest request, in bytes (the newline included).
pub const MAX_REQUEST: usize = 4096;
/// How long a client may take to send its request.
pub const REQUEST_TIMEOUT: Duration = Duration::from_secs(5);
/// How long an answer may take to be written.
pub const WRITE_TIMEOUT: Duration = Duration::from_secs(1);
/// How many connections may wait at once.
pub const MAX_CONNECTIONS: usize = 32;
/// The most arguments an `attach` command may have.
pub const MAX_ARGS: usize = 256;
/// The longest argument of an `attach` command.
pub const MAX_ARG: usize = 1024;
/// The largest answer a client reads.
pub const MAX_RESPONSE: usize = 64 << 20;
/// The longest `stop -t` a client may ask for (one day).
pub const MAX_TIMEOUT: u32 = 86_400;

/// A request.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "op", rename_all = "lowercase", deny_unknown_fields)]
pub enum Request {
    /// Every container (`cgconfigd ls`).
    Ls {
        /// With their addresses (`ls -f`, `--json`): read from each running container's
        /// network namespace, so not for a plain `ls`.
        #[serde(default, skip_serializing_if = "std::ops::Not::not")]
        addresses: bool,
    },
    /// One container, with its usage (`cgconfigd info`).
    Info {
        /// The container.
        name: String,
    },
    /// Start a stopped container.
    Start {
        /// The container.
        name: String,
    },
    /// Stop a running container.
    Stop {
        /// The container.
        name: String,
        /// SIGKILL at once, without the halt signal (`-k`).
        #[serde(default)]
        kill: bool,
        /// Seconds to wait after the halt signal (`-t`; default: the daemon's
        /// `--stop-timeout`).
        #[serde(default)]
        timeout: Option<u32>,
    },
    /// Stop, then start.
    Restart {
        /// The container.
        name: String,
    },
    /// Where a running container is, to run a command in it.
    Attach {
        /// The container.
        name: String,
        /// The beginning of the command, for the log (the client runs it; empty: the
        /// container's shell).
        #[serde(default)]
        command: Vec<String>,
    },
    /// Connect to a container's console or one of its ttys.
    Console {
        /// The container.
        name: String,
        /// 0: the console; N: tty N (`lxc.tty.max`).
        #[serde(default)]
        tty: u32,
    },
}

impl Request {
    /// The container it names, if any.
    pub fn name(&self) -> Option<&str> {
        match self {
            Request::Ls { .. } => None,
            Request::Info { name }
            | Request::Start { name }
            | Request::Stop { name, .. }
            | Request::Restart { name }
            | Request::Attach { name, .. }
            | Request::Console { name, .. } => Some(name),
        }
    }

    /// Parses and checks a request (see the module docs); `Err` says what is wrong.
    pub fn parse(bytes: &[u8]) -> Result<Request, String> {
        if bytes.len() > MAX_REQUEST {
            return Err(format!("request too large (more than {MAX_REQUEST} bytes)"));
        }
        let text =
            std::str::from_utf8(bytes).map_err(|_| "malformed request: not UTF-8".to_string())?;
        let request: Request = serde_json::from_str(text.trim_end()).map_err(|e| {
            let mut reason = e.to_string();
            reason.truncate(200);
            format!("malformed request: {reason}")
        })?;
        if let Some(name) = request.name() {
            super::discovery::check_name(name)
                .map_err(|reason| format!("invalid container name: {reason}"))?;
        }
        match &request {
            Request::Attach { command, .. } => {
                if command.len() > MAX_ARGS || command.iter().any(|a| a.len() > MAX_ARG) {
                    return Err(format!(
                        "the command is too long (at most {MAX_ARGS} arguments of {MAX_ARG} bytes)"
                    ));
                }
                if command.iter().any(|a| a.contains('\0')) {
                    return Err("an argument of the command contains a NUL byte".into());
                }
            }
            Request::Stop {
                timeout: Some(t), ..
            } if *t > MAX_TIMEOUT => {
                return Err(format!(
                    "the timeout is too long ({t} s; at most {MAX_TIMEOUT})"
                ));
            }
            _ => {}
        }
        Ok(request)
    }
}

/// One container, as `ls` and `info` show it.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Row {
    /// Its name.
    pub name: String,
    /// `STOPPED`, `STARTING`, `RUNNING`, `STOPPING`, `ABORTING`; `BROKEN` when its config
    /// does not load.
    pub state: String,
    /// The init's pid, while it runs.
    pub pid: Option<u32>,
    /// `lxc.start.auto` (unknown when broken).
    pub autostart: Option<bool>,
    /// `lxc.start.order`.
    pub order: Option<i32>,
    /// `lxc.start.delay`.
    pub delay: Option<u32>,
    /// `lxc.group`.
    pub groups: Vec<String>,
    /// IPv4 addresses, read from its network namespace while it runs (`lo`'s left out).
    pub ipv4: Vec<String>,
    /// IPv6 addresses, as the IPv4 ones (link-local ones left out, as `lxc-ls` does).
    pub ipv6: Vec<String>,
    /// Whether it has a user namespace (`lxc.idmap`).
    pub unprivileged: Option<bool>,
    /// Its group, from each hierarchy's root, while it runs.
    pub cgroup: Option<String>,
    /// When it started (seconds since the epoch), while it runs.
    pub started: Option<u64>,
    /// How its init ended last.
    pub last_exit: Option<Exit>,
    /// Why it is in its state.
    pub reason: Option<String>,
    /// Its config's errors, when broken.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub errors: Vec<String>,
    /// Its usage (`info` of a running container).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub usage: Option<Usage>,
    /// Its interfaces' host links and traffic (`info` of a running container).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub links: Vec<LinkTraffic>,
}

/// One interface of a running container as `lxc-info` shows it: the host's side (a
/// veth's host end, else the link it is on) and its byte counters from the container's
/// view (`tx_bytes` is what the host end received, as `lxc-info` prints them).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct LinkTraffic {
    /// Its name in the container.
    pub name: String,
    /// The host link (`Link:`).
    pub link: String,
    /// Bytes the container sent (`TX bytes:`: the host end's `rx_bytes`).
    pub tx_bytes: u64,
    /// Bytes the container received (`RX bytes:`: the host end's `tx_bytes`).
    pub rx_bytes: u64,
}

/// Where a running container is, for `attach`: the client opens a pidfd for `pid`,
/// checks `start_ticks`, reads the config of `dir` and joins the group `group` in the
/// hierarchies mounted at `hierarchies`.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Location {
    /// The init's pid (in the daemon's pid namespace).
    pub pid: u32,
    /// The init's start time (`/proc/<pid>/stat` field 22).
    pub start_ticks: u64,
    /// The container's directory (its `config`).
    pub dir: PathBuf,
    /// Its group, from each hierarchy's root.
    pub group: String,
    /// The mount points of the hierarchies its group is in.
    pub hierarchies: Vec<PathBuf>,
}

/// An answer.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Response {
    /// Whether the request was done.
    pub ok: bool,
    /// Why not.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
    /// `ls`: every container, by name; `info`: the one.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub containers: Vec<Row>,
    /// The container directory (`ls`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lxcpath: Option<String>,
    /// Where the container is (`attach`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub attach: Option<Location>,
}

impl Response {
    /// Done.
    pub fn ok() -> Response {
        Response {
            ok: true,
            ..Response::default()
        }
    }

    /// Not done, because of `error`.
    pub fn error(error: impl Into<String>) -> Response {
        Response {
            ok: false,
            error: Some(error.into()),
            ..Response::default()
        }
    }
}

/// A client connection, waiting for its request or for its answer.
#[derive(Debug)]
pub struct Conn {
    /// Its number.
    pub id: u64,
    stream: UnixStream,
    buf: Vec<u8>,
    deadline: Instant,
    /// Why its request will be refused whatever it is (the peer is not root).
    refused: Option<String>,
}

impl Conn {
    /// Writes `response` and closes the connection (errors are the client's problem).
    pub fn reply(mut self, response: &Response) {
        let mut text = serde_json::to_string(response)
            .unwrap_or_else(|_| r#"{"ok":false,"error":"cannot encode the answer"}"#.into());
        text.push('\n');
        let _ = self.stream.set_nonblocking(false);
        let _ = self.stream.set_write_timeout(Some(WRITE_TIMEOUT));
        let _ = self.stream.write_all(text.as_bytes());
        let _ = self.stream.shutdown(std::net::Shutdown::Write);
        // A Unix socket closed with unread bytes resets the peer, which would then lose
        // the answer: read what is left of an oversized request first (bounded).
        let _ = self.stream.set_nonblocking(true);
        let mut sink = [0u8; 4096];
        for _ in 0..64 {
            match self.stream.read(&mut sink) {
                Ok(n) if n > 0 => {}
                _ => break,
            }
        }
    }

    /// Writes `response` with a duplicate of `fd` attached (`SCM_RIGHTS`), and keeps the
    /// connection: the caller holds it while the client uses the descriptor (`console`),
    /// and sees it readable when the client is gone. `Err` when the client cannot be
    /// written to (it went away).
    pub fn hand_over(self, response: &Response, fd: BorrowedFd<'_>) -> io::Result<UnixStream> {
        use rustix::net::{sendmsg, SendAncillaryBuffer, SendAncillaryMessage, SendFlags};
        let mut text = serde_json::to_string(response)
            .unwrap_or_else(|_| r#"{"ok":false,"error":"cannot encode the answer"}"#.into());
        text.push('\n');
        let mut stream = self.stream;
        stream.set_nonblocking(false)?;
        stream.set_write_timeout(Some(WRITE_TIMEOUT))?;
        let fds = [fd];
        let mut space = [std::mem::MaybeUninit::uninit(); rustix::cmsg_space!(ScmRights(1))];
        let mut control = SendAncillaryBuffer::new(&mut space);
        if !control.push(SendAncillaryMessage::ScmRights(&fds)) {
            return Err(io::Error::other("no room for the descriptor"));
        }
        let sent = sendmsg(
            &stream,
            &[io::IoSlice::new(text.as_bytes())],
            &mut control,
            SendFlags::NOSIGNAL,
        )?;
        // The descriptor went with the first byte; the rest, if any, without.
        stream.write_all(&text.as_bytes()[sent..])?;
        stream.set_nonblocking(true)?;
        Ok(stream)
    }

    /// Its descriptor.
    pub fn fd(&self) -> BorrowedFd<'_> {
        self.stream.as_fd()
    }
}

/// What reading a connection gave.
#[derive(Debug)]
pub enum Incoming {
    /// Nothing complete yet.
    More,
    /// The client went away without a request.
    Gone,
    /// A request (or why it is refused), with the connection to answer on.
    Done(Conn, Result<Request, String>),
}

/// The listening socket and the connections being read.
#[derive(Debug)]
pub struct Server {
    listener: UnixListener,
    path: PathBuf,
    conns: Vec<Conn>,
    next: u64,
}

impl Server {
    /// Listens on `STATE-DIR/control`, replacing a socket a previous daemon left (the
    /// state directory's lock says no other daemon uses it); anything else at that path
    /// is an error.
    pub fn bind(state_dir: &Path) -> Result<Server, String> {
        let path = state_dir.join(SOCKET);
        match std::fs::symlink_metadata(&path) {
            Ok(m) if m.file_type().is_socket() => {
                std::fs::remove_file(&path).map_err(|e| {
                    format!("cannot remove the old {}: {}", path.display(), reason(&e))
                })?;
            }
            Ok(_) => {
                return Err(format!(
                    "{} exists and is not a socket; remove it",
                    path.display()
                ))
            }
            Err(_) => {}
        }
        let listener = UnixListener::bind(&path)
            .map_err(|e| format!("cannot listen on {}: {}", path.display(), reason(&e)))?;
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o600))
            .and_then(|()| listener.set_nonblocking(true))
            .map_err(|e| format!("cannot set up {}: {}", path.display(), reason(&e)))?;
        Ok(Server {
            listener,
            path,
            conns: Vec::new(),
            next: 0,
        })
    }

    /// The socket's path.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The listening descriptor.
    pub fn listener(&self) -> BorrowedFd<'_> {
        self.listener.as_fd()
    }

    /// The connections being read: (id, descriptor).
    pub fn conns(&self) -> Vec<(u64, BorrowedFd<'_>)> {
        self.conns
            .iter()
            .map(|c| (c.id, c.stream.as_fd()))
            .collect()
    }

    /// The earliest time a connection being read times out.
    pub fn deadline(&self) -> Option<Instant> {
        self.conns.iter().map(|c| c.deadline).min()
    }

    /// Accepts the waiting connections. Those of anyone but root are answered with a
    /// refusal at once; returns one line for the log per refusal.
    pub fn accept(&mut self) -> Vec<String> {
        let mut refused = Vec::new();
        loop {
            let stream = match self.listener.accept() {
                Ok((stream, _)) => stream,
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => break,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                Err(e) => {
                    refused.push(format!(
                        "cannot accept a connection on {}: {}",
                        self.path.display(),
                        reason(&e)
                    ));
                    break;
                }
            };
            self.next += 1;
            let mut conn = Conn {
                id: self.next,
                stream,
                buf: Vec::new(),
                deadline: Instant::now() + REQUEST_TIMEOUT,
                refused: None,
            };
            let creds = nix::sys::socket::getsockopt(
                &conn.stream,
                nix::sys::socket::sockopt::PeerCredentials,
            );
            match creds {
                Ok(c) if c.uid() == 0 => {}
                Ok(c) => {
                    refused.push(format!(
                        "refused a request on {} from uid {} (pid {}): only root may use it",
                        self.path.display(),
                        c.uid(),
                        c.pid()
                    ));
                    // Answered once its request is read (closing on unread bytes would
                    // reset the connection before the client reads the answer).
                    conn.refused = Some(format!(
                        "permission denied: only root may use cgconfigd's control socket (you are uid {})",
                        c.uid()
                    ));
                }
                Err(e) => {
                    refused.push(format!(
                        "refused a connection on {}: its peer is unknown ({})",
                        self.path.display(),
                        e.desc()
                    ));
                    continue;
                }
            }
            if self.conns.len() >= MAX_CONNECTIONS {
                conn.reply(&Response::error("busy: too many requests at once"));
                continue;
            }
            if conn.stream.set_nonblocking(true).is_err() {
                continue;
            }
            self.conns.push(conn);
        }
        refused
    }

    /// Reads what connection `id` sent.
    pub fn read(&mut self, id: u64) -> Incoming {
        let Some(at) = self.conns.iter().position(|c| c.id == id) else {
            return Incoming::Gone;
        };
        let conn = &mut self.conns[at];
        let mut chunk = [0u8; 1024];
        let mut eof = false;
        loop {
            match conn.stream.read(&mut chunk) {
                Ok(0) => {
                    eof = true;
                    break;
                }
                Ok(n) => {
                    conn.buf.extend_from_slice(&chunk[..n]);
                    if conn.buf.len() > MAX_REQUEST || conn.buf.contains(&b'\n') {
                        break;
                    }
                }
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => break,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                Err(_) => {
                    self.conns.remove(at);
                    return Incoming::Gone;
                }
            }
        }
        let conn = &self.conns[at];
        let complete = conn.buf.len() > MAX_REQUEST || conn.buf.contains(&b'\n') || eof;
        if !complete {
            return Incoming::More;
        }
        let conn = self.conns.remove(at);
        if eof && conn.buf.is_empty() {
            return Incoming::Gone;
        }
        let line = match conn.buf.iter().position(|b| *b == b'\n') {
            Some(end) => &conn.buf[..end],
            None => &conn.buf[..],
        };
        let parsed = match &conn.refused {
            Some(reason) => Err(reason.clone()),
            None => Request::parse(line),
        };
        Incoming::Done(conn, parsed)
    }

    /// Answers the connections whose request did not come in time.
    pub fn expire(&mut self, now: Instant) -> usize {
        let (late, keep): (Vec<Conn>, Vec<Conn>) =
            self.conns.drain(..).partition(|c| c.deadline <= now);
        self.conns = keep;
        let n = late.len();
        for conn in late {
            conn.reply(&Response::error(format!(
                "no complete request within {} s",
                REQUEST_TIMEOUT.as_secs()
            )));
        }
        n
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.path);
    }
}

fn reason(e: &io::Error) -> String {
    grammar::diagnostic::io_reason(e)
}

fn connect(path: &Path) -> Result<UnixStream, String> {
    UnixStream::connect(path).map_err(|e| match e.kind() {
        io::ErrorKind::NotFound | io::ErrorKind::ConnectionRefused => format!(
            "cgconfigd is not running (no daemon listens on {}); start it, or name its state \
             directory with --state-dir",
            path.display()
        ),
        io::ErrorKind::PermissionDenied => format!(
            "permission denied: only root may use cgconfigd's control socket {}",
            path.display()
        ),
        _ => format!("cannot connect to {}: {}", path.display(), reason(&e)),
    })
}

fn send(
    stream: &mut UnixStream,
    path: &Path,
    request: &Request,
    timeout: Duration,
) -> Result<(), String> {
    let mut text = serde_json::to_string(request).map_err(|e| e.to_string())?;
    text.push('\n');
    stream
        .set_read_timeout(Some(timeout))
        .and_then(|()| stream.set_write_timeout(Some(timeout)))
        .and_then(|()| stream.write_all(text.as_bytes()))
        .map_err(|e| {
            format!(
                "cannot send the request to {}: {}",
                path.display(),
                reason(&e)
            )
        })
}

/// Sends `request` to the daemon of `state_dir` and reads its answer; waits at most
/// `timeout` for it.
pub fn call(state_dir: &Path, request: &Request, timeout: Duration) -> Result<Response, String> {
    let path = state_dir.join(SOCKET);
    let mut stream = connect(&path)?;
    send(&mut stream, &path, request, timeout)?;
    let mut answer = Vec::new();
    stream
        .take(MAX_RESPONSE as u64)
        .read_to_end(&mut answer)
        .map_err(|e| match e.kind() {
            io::ErrorKind::WouldBlock | io::ErrorKind::TimedOut => {
                format!("no answer from cgconfigd within {} s", timeout.as_secs())
            }
            _ => format!(
                "cannot read the answer from {}: {}",
                path.display(),
                reason(&e)
            ),
        })?;
    if answer.is_empty() {
        return Err(format!(
            "cgconfigd closed {} without an answer",
            path.display()
        ));
    }
    serde_json::from_slice(&answer).map_err(|e| format!("cannot read cgconfigd's answer: {e}"))
}

/// Sends `request` and reads a one-line answer that may carry a descriptor (`console`);
/// returns the answer, the descriptor, and the connection, which the daemon watches: the
/// caller keeps it open while it uses the descriptor.
pub fn call_for_fd(
    state_dir: &Path,
    request: &Request,
    timeout: Duration,
) -> Result<(Response, Option<std::os::fd::OwnedFd>, UnixStream), String> {
    use rustix::net::{recvmsg, RecvAncillaryBuffer, RecvAncillaryMessage, RecvFlags};
    let path = state_dir.join(SOCKET);
    let mut stream = connect(&path)?;
    send(&mut stream, &path, request, timeout)?;
    let mut answer: Vec<u8> = Vec::new();
    let mut received: Option<std::os::fd::OwnedFd> = None;
    let mut chunk = [0u8; 4096];
    while !answer.contains(&b'\n') {
        if answer.len() > MAX_RESPONSE {
            return Err(format!("the answer from {} is too large", path.display()));
        }
        let mut space = [std::mem::MaybeUninit::uninit(); rustix::cmsg_space!(ScmRights(1))];
        let mut control = RecvAncillaryBuffer::new(&mut space);
        let got = recvmsg(
            &stream,
            &mut [io::IoSliceMut::new(&mut chunk)],
            &mut control,
            RecvFlags::CMSG_CLOEXEC,
        )
        .map_err(|e| match e {
            rustix::io::Errno::AGAIN => {
                format!("no answer from cgconfigd within {} s", timeout.as_secs())
            }
            e => format!(
                "cannot read the answer from {}: {}",
                path.display(),
                reason(&io::Error::from(e))
            ),
        })?;
        for message in control.drain() {
            if let RecvAncillaryMessage::ScmRights(fds) = message {
                for fd in fds {
                    // One descriptor is expected; any other is closed here.
                    received.get_or_insert(fd);
                }
            }
        }
        if got.bytes == 0 {
            break;
        }
        answer.extend_from_slice(&chunk[..got.bytes]);
    }
    if answer.is_empty() {
        return Err(format!(
            "cgconfigd closed {} without an answer",
            path.display()
        ));
    }
    let end = answer
        .iter()
        .position(|b| *b == b'\n')
        .unwrap_or(answer.len());
    let response: Response = serde_json::from_slice(&answer[..end])
        .map_err(|e| format!("cannot read cgconfigd's answer: {e}"))?;
    let _ = stream.set_read_timeout(None);
    Ok((response, received, stream))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn requests_are_checked_as_hostile_input() {
        assert_eq!(
            Request::parse(br#"{"op":"ls"}"#),
            Ok(Request::Ls { addresses: false })
        );
        assert_eq!(
            Request::parse(br#"{"op":"ls","addresses":true}"#),
            Ok(Request::Ls { addresses: true })
        );
        assert_eq!(
            Request::parse(b"{\"op\":\"stop\",\"name\":\"web\",\"timeout\":3}\n"),
            Ok(Request::Stop {
                name: "web".into(),
                kill: false,
                timeout: Some(3)
            })
        );
        let refused = |bytes: &[u8]| Request::parse(bytes).unwrap_err();
        assert!(refused(b"hello").starts_with("malformed request"));
        assert!(refused(br#"{"op":"rm","name":"x"}"#).starts_with("malformed request"));
        assert!(refused(br#"{"op":"ls","extra":1}"#).starts_with("malformed request"));
        assert!(refused(br#"{"op":"ls","addresses":"yes"}"#).starts_with("malformed request"));
        assert!(refused(br#"{"op":"info"}"#).starts_with("malformed request"));
        assert!(refused(br#"{"op":"info","name":7}"#).starts_with("malformed request"));
        assert!(refused(b"\xff\xfe").starts_with("malformed request: not UTF-8"));
        for name in ["../etc", "..", "a/b", ".x", "", "a\\u0000b"] {
            let text = format!(r#"{{"op":"start","name":"{name}"}}"#);
            assert!(
                refused(text.as_bytes()).starts_with("invalid container name"),
                "{name}"
            );
        }
        let long = format!(r#"{{"op":"info","name":"{}"}}"#, "x".repeat(MAX_REQUEST));
        assert!(refused(long.as_bytes()).starts_with("request too large"));
        let many = serde_json::json!({"op":"attach","name":"a","command":vec!["x"; MAX_ARGS + 1]});
        assert!(refused(many.to_string().as_bytes()).starts_with("the command is too long"));
        assert!(refused(br#"{"op":"stop","name":"a","timeout":99999999}"#)
            .starts_with("the timeout is too long"));
        assert!(
            refused(br#"{"op":"stop","name":"a","timeout":-1}"#).starts_with("malformed request")
        );
        // console: tty 0 (the console) unless a tty is named; a tty is a number.
        assert_eq!(
            Request::parse(br#"{"op":"console","name":"web"}"#),
            Ok(Request::Console {
                name: "web".into(),
                tty: 0
            })
        );
        assert_eq!(
            Request::parse(br#"{"op":"console","name":"web","tty":2}"#),
            Ok(Request::Console {
                name: "web".into(),
                tty: 2
            })
        );
        for tty in ["-1", "\"2\"", "4294967296", "1.5"] {
            let text = format!(r#"{{"op":"console","name":"web","tty":{tty}}}"#);
            assert!(
                refused(text.as_bytes()).starts_with("malformed request"),
                "{tty}"
            );
        }
    }

    #[test]
    fn a_socket_answers_and_the_stale_one_is_replaced() {
        let dir = tempfile::tempdir().unwrap();
        let mut server = Server::bind(dir.path()).unwrap();
        let client = std::thread::spawn({
            let dir = dir.path().to_path_buf();
            move || {
                call(
                    &dir,
                    &Request::Ls { addresses: false },
                    Duration::from_secs(5),
                )
            }
        });
        let start = Instant::now();
        let response = loop {
            assert!(start.elapsed() < Duration::from_secs(5));
            let refused = server.accept();
            assert!(refused.is_empty(), "{refused:?}");
            let ids: Vec<u64> = server.conns().iter().map(|(id, _)| *id).collect();
            let mut done = None;
            for id in ids {
                if let Incoming::Done(conn, request) = server.read(id) {
                    assert_eq!(request, Ok(Request::Ls { addresses: false }));
                    conn.reply(&Response::ok());
                    done = Some(());
                }
            }
            if done.is_some() {
                break client.join().unwrap();
            }
            std::thread::sleep(Duration::from_millis(5));
        };
        assert_eq!(response, Ok(Response::ok()));
        // Left behind by a daemon killed with SIGKILL: replaced.
        std::mem::forget(server);
        let again = Server::bind(dir.path());
        assert!(again.is_ok());
    }
}
