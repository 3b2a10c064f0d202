//! The service manager's readiness protocol (`sd_notify(3)`), in a few lines.
//!
//! systemd passes an `AF_UNIX` datagram socket in `NOTIFY_SOCKET` (a path, or `@name` for
//! the abstract namespace); each datagram is newline-separated `KEY=value` assignments.
//! cgconfigd sends `READY=1` once every configured group exists, `RELOADING=1` (with
//! `MONOTONIC_USEC`, as `Type=notify-reload` wants) when a reload starts and `READY=1`
//! when it is done, `STOPPING=1` on SIGTERM, and `STATUS=` with a one-line summary.
//! Without `NOTIFY_SOCKET` nothing is sent: the daemon runs the same by hand.

use std::io;
use std::os::unix::net::{SocketAddr, UnixDatagram};

/// Set (to anything) beside `NOTIFY_SOCKET`: the listener only waits for the start (the
/// parent of a daemonizing `cgrulesengd`, which exits once the child is ready), so nothing
/// is sent after `READY=1`.
pub const UNTIL_READY_ENV: &str = "CGCONFIGD_NOTIFY_UNTIL_READY";

/// A connection to the service manager, or nothing.
#[derive(Debug)]
pub struct Notifier {
    target: Option<(UnixDatagram, SocketAddr)>,
    /// Stop after `READY=1` ([`UNTIL_READY_ENV`]).
    until_ready: bool,
    /// `READY=1` was sent and `until_ready` is set: nothing more is sent.
    done: std::cell::Cell<bool>,
}

impl Notifier {
    /// From `NOTIFY_SOCKET`; `Err` with the reason when it is set but unusable.
    pub fn from_env() -> Result<Notifier, String> {
        match std::env::var_os("NOTIFY_SOCKET") {
            None => Ok(Notifier::none()),
            Some(value) => {
                let value = value.to_string_lossy().into_owned();
                let mut notifier =
                    Notifier::to(&value).map_err(|e| format!("NOTIFY_SOCKET={value}: {e}"))?;
                notifier.until_ready = std::env::var_os(UNTIL_READY_ENV).is_some();
                Ok(notifier)
            }
        }
    }

    /// Sends nowhere.
    pub fn none() -> Notifier {
        Notifier {
            target: None,
            until_ready: false,
            done: std::cell::Cell::new(false),
        }
    }

    /// Sends to `address` (a path, or `@name` for the abstract namespace).
    pub fn to(address: &str) -> io::Result<Notifier> {
        let addr = if let Some(name) = address.strip_prefix('@') {
            use std::os::linux::net::SocketAddrExt;
            SocketAddr::from_abstract_name(name.as_bytes())?
        } else if address.starts_with('/') {
            SocketAddr::from_pathname(address)?
        } else {
            return Err(io::Error::new(
                io::ErrorKind::InvalidInput,
                "not an absolute path nor an abstract socket name",
            ));
        };
        let socket = UnixDatagram::unbound()?;
        Ok(Notifier {
            target: Some((socket, addr)),
            ..Notifier::none()
        })
    }

    /// Whether a service manager listens.
    pub fn active(&self) -> bool {
        self.target.is_some()
    }

    /// Sends `assignments` (`KEY=value` lines) as one datagram.
    pub fn send(&self, assignments: &[(&str, &str)]) -> io::Result<()> {
        let Some((socket, addr)) = &self.target else {
            return Ok(());
        };
        if self.done.get() {
            return Ok(());
        }
        let mut message = String::new();
        for (key, value) in assignments {
            message.push_str(key);
            message.push('=');
            // A value is one line: a newline would start another assignment.
            message.push_str(&value.replace('\n', " "));
            message.push('\n');
        }
        if self.until_ready && assignments.iter().any(|&(key, _)| key == "READY") {
            self.done.set(true);
        }
        socket.send_to_addr(message.as_bytes(), addr).map(|_| ())
    }

    /// `READY=1` and the status line.
    pub fn ready(&self, status: &str) -> io::Result<()> {
        self.send(&[("READY", "1"), ("STATUS", status)])
    }

    /// `RELOADING=1` with the monotonic clock, and the status line.
    pub fn reloading(&self, status: &str) -> io::Result<()> {
        let now = monotonic_usec().to_string();
        self.send(&[
            ("RELOADING", "1"),
            ("MONOTONIC_USEC", &now),
            ("STATUS", status),
        ])
    }

    /// `STOPPING=1` and the status line.
    pub fn stopping(&self, status: &str) -> io::Result<()> {
        self.send(&[("STOPPING", "1"), ("STATUS", status)])
    }

    /// `EXTEND_TIMEOUT_USEC=`: the service manager waits `by` more (a stop that has
    /// containers to stop), with the status line.
    pub fn extend_timeout(&self, by: std::time::Duration, status: &str) -> io::Result<()> {
        let usec = by.as_micros().to_string();
        self.send(&[("EXTEND_TIMEOUT_USEC", &usec), ("STATUS", status)])
    }

    /// The status line alone.
    pub fn status(&self, status: &str) -> io::Result<()> {
        self.send(&[("STATUS", status)])
    }
}

/// CLOCK_MONOTONIC in microseconds, the clock systemd compares `MONOTONIC_USEC` with.
fn monotonic_usec() -> u64 {
    use nix::time::{clock_gettime, ClockId};
    clock_gettime(ClockId::CLOCK_MONOTONIC).map_or(0, |t| {
        (t.tv_sec() as u64) * 1_000_000 + (t.tv_nsec() as u64) / 1000
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[test]
    fn datagrams_reach_a_path_socket() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("notify");
        let listener = UnixDatagram::bind(&path).unwrap();
        listener
            .set_read_timeout(Some(Duration::from_secs(5)))
            .unwrap();
        let n = Notifier::to(path.to_str().unwrap()).unwrap();
        n.ready("3 groups\napplied").unwrap();
        let mut buf = [0u8; 512];
        let len = listener.recv(&mut buf).unwrap();
        assert_eq!(
            std::str::from_utf8(&buf[..len]).unwrap(),
            "READY=1\nSTATUS=3 groups applied\n"
        );
        n.reloading("x").unwrap();
        let len = listener.recv(&mut buf).unwrap();
        let text = std::str::from_utf8(&buf[..len]).unwrap();
        assert!(text.starts_with("RELOADING=1\nMONOTONIC_USEC="), "{text}");
    }

    #[test]
    fn abstract_names_and_nothing() {
        use std::os::linux::net::SocketAddrExt;
        let name = format!("cgconfigd-test-{}", std::process::id());
        let addr = SocketAddr::from_abstract_name(name.as_bytes()).unwrap();
        let listener = UnixDatagram::bind_addr(&addr).unwrap();
        Notifier::to(&format!("@{name}"))
            .unwrap()
            .stopping("bye")
            .unwrap();
        let mut buf = [0u8; 64];
        let len = listener.recv(&mut buf).unwrap();
        assert_eq!(&buf[..len], b"STOPPING=1\nSTATUS=bye\n");
        assert!(Notifier::to("relative").is_err());
        // Until ready: READY=1 is the last datagram.
        let mut once = Notifier::to(&format!("@{name}")).unwrap();
        once.until_ready = true;
        once.status("starting").unwrap();
        once.ready("up").unwrap();
        once.status("later").unwrap();
        let len = listener.recv(&mut buf).unwrap();
        assert_eq!(&buf[..len], b"STATUS=starting\n");
        let len = listener.recv(&mut buf).unwrap();
        assert_eq!(&buf[..len], b"READY=1\nSTATUS=up\n");
        listener.set_nonblocking(true).unwrap();
        assert!(listener.recv(&mut buf).is_err());
        assert!(Notifier::none().ready("x").is_ok());
    }
}
