//! The client side of the rules daemon's unix-socket protocol (libcgroup's cgrulesengd):
//! how cgexec and cgclassify tell the daemon to leave a process where they put it.
//!
//! The protocol, as libcgroup speaks it: connect a `SOCK_STREAM` socket to
//! `/var/run/cgred.socket`, write the process id (`pid_t`) and then the flags (`int`), both
//! in native byte order, and read back the 18 bytes `SUCCESS_STORE_PID\0`. One process per
//! connection. Flags 0 asks the daemon not to move the process itself,
//! [`UNCHANGE_CHILDREN`] not to move its children either (`--sticky`),
//! [`CANCEL_UNCHANGE_PROCESS`] to forget an earlier request (`cgclassify --cancel-sticky`).
//!
//! No daemon listening is not an error: the tools carry on silently, as libcgroup's do.
//! A daemon that accepts the connection but does not answer properly is.

use std::io::{Read, Write};
use std::os::unix::net::UnixStream;
use std::path::{Path, PathBuf};
use std::time::Duration;

/// Where the tools look for the daemon (libcgroup's `CGRULE_CGRED_SOCKET_PATH`).
pub const SOCKET_PATH: &str = "/var/run/cgred.socket";

/// Where our daemons bind the socket by default. On Debian (and every distribution since
/// about 2011) `/var/run` is a symbolic link to `/run`, so [`SOCKET_PATH`], which
/// libcgroup's tools are compiled with, reaches it too; binding the `/run` name keeps the
/// daemon independent of that link being in place at boot.
pub const BIND_PATH: &str = "/run/cgred.socket";

/// The daemon's answer once it has stored the request (with its terminating NUL).
pub const REPLY: &[u8; 18] = b"SUCCESS_STORE_PID\0";

/// Flag: the daemon leaves the process's children where they start, too (`--sticky`).
pub const UNCHANGE_CHILDREN: i32 = 0x1;

/// Flag: the daemon forgets an earlier request for the process (`--cancel-sticky`).
pub const CANCEL_UNCHANGE_PROCESS: i32 = 0x2;

/// The environment variable that points the tools at another socket, for tests. Only debug
/// builds read it: a released cgexec may be installed setuid root, and no user should
/// choose which socket it talks to as root.
pub const SOCKET_ENV: &str = "CGTOOLS_CGRED_SOCKET";

/// How long a daemon that accepted the connection may take to answer. libcgroup waits
/// forever; cgexec runs in front of every job, so a stuck daemon must not hang them all.
const TIMEOUT: Duration = Duration::from_secs(10);

/// What became of a registration.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Registration {
    /// The daemon stored it.
    Stored,
    /// Nothing listens on the socket: nothing to tell.
    NoDaemon,
}

/// The socket the tools talk to: [`SOCKET_PATH`], or in debug builds the value of
/// [`SOCKET_ENV`] when it is set.
pub fn socket_path() -> PathBuf {
    #[cfg(debug_assertions)]
    if let Some(path) = std::env::var_os(SOCKET_ENV) {
        return PathBuf::from(path);
    }
    PathBuf::from(SOCKET_PATH)
}

/// Asks the daemon listening on `socket` to leave process `pid` alone, with `flags`.
/// A socket nobody listens on (missing, refused, not ours to open) is
/// [`Registration::NoDaemon`]; an error means a daemon answered wrongly or not at all.
pub fn register(socket: &Path, pid: u32, flags: i32) -> Result<Registration, String> {
    // Usually nobody runs the daemon: one lookup says so, where a socket, a failed connect
    // and a close take three (cgexec does this before every job it starts).
    if let Err(e) = std::fs::symlink_metadata(socket) {
        if e.kind() == std::io::ErrorKind::NotFound {
            return Ok(Registration::NoDaemon);
        }
    }
    let mut stream = match UnixStream::connect(socket) {
        Ok(stream) => stream,
        Err(_) => return Ok(Registration::NoDaemon),
    };
    let pid = i32::try_from(pid).map_err(|_| format!("process id {pid} is out of range"))?;
    let io_error = |what: &str, e: std::io::Error| {
        let reason = match e.kind() {
            std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut => {
                format!("no answer within {} seconds", TIMEOUT.as_secs())
            }
            std::io::ErrorKind::UnexpectedEof => "the daemon closed the connection".to_string(),
            _ => crate::backend::error::errno_of(&e).desc().to_string(),
        };
        format!("cannot {what} {}: {reason}", socket.display())
    };
    stream
        .set_read_timeout(Some(TIMEOUT))
        .and_then(|()| stream.set_write_timeout(Some(TIMEOUT)))
        .map_err(|e| io_error("set up", e))?;
    let mut request = [0u8; 8];
    request[..4].copy_from_slice(&pid.to_ne_bytes());
    request[4..].copy_from_slice(&flags.to_ne_bytes());
    stream
        .write_all(&request)
        .map_err(|e| io_error("write to", e))?;
    let mut reply = [0u8; REPLY.len()];
    stream
        .read_exact(&mut reply)
        .map_err(|e| io_error("read the answer of", e))?;
    if &reply != REPLY {
        return Err(format!(
            "unexpected answer from {}: {:?}",
            socket.display(),
            String::from_utf8_lossy(&reply)
        ));
    }
    Ok(Registration::Stored)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::os::unix::net::UnixListener;

    /// A one-shot daemon: returns what it read, answers with `reply`.
    fn daemon(
        reply: &'static [u8],
    ) -> (tempfile::TempDir, PathBuf, std::thread::JoinHandle<Vec<u8>>) {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("cgred.socket");
        let listener = UnixListener::bind(&path).unwrap();
        let handle = std::thread::spawn(move || {
            let (mut conn, _) = listener.accept().unwrap();
            let mut request = [0u8; 8];
            conn.read_exact(&mut request).unwrap();
            conn.write_all(reply).unwrap();
            request.to_vec()
        });
        (dir, path, handle)
    }

    #[test]
    fn the_request_is_pid_then_flags_in_native_order() {
        let (_dir, path, handle) = daemon(REPLY);
        assert_eq!(
            register(&path, 4242, UNCHANGE_CHILDREN),
            Ok(Registration::Stored)
        );
        let request = handle.join().unwrap();
        assert_eq!(request[..4], 4242i32.to_ne_bytes());
        assert_eq!(request[4..], 1i32.to_ne_bytes());
    }

    #[test]
    fn a_wrong_answer_is_an_error_and_no_daemon_is_not() {
        let (_dir, path, handle) = daemon(b"SUCCESS_STORE_PIX\0");
        let err = register(&path, 1, 0).unwrap_err();
        assert!(err.contains("unexpected answer"), "{err}");
        handle.join().unwrap();

        let (_dir, path, handle) = daemon(b"SUCC");
        let err = register(&path, 1, 0).unwrap_err();
        assert!(err.contains("closed the connection"), "{err}");
        handle.join().unwrap();

        let dir = tempfile::tempdir().unwrap();
        assert_eq!(
            register(&dir.path().join("none"), 1, 0),
            Ok(Registration::NoDaemon)
        );
    }
}
