//! A container's console and ttys: the daemon keeps their pty masters, `cgconfigd console
//! NAME [-t N]` relays one to the caller's terminal, as `lxc-console -n NAME -t N` (tty 0 is
//! the console, and the default here; ttys 1 to `lxc.tty.max` are ptys bound on the
//! container's `/dev/ttyN`, of which the daemon also keeps the slave, as LXC's monitor: a
//! tty no getty has open yet does not hang up on a client). Everything below about the
//! console holds for each tty, one client at a time on each.
//!
//! **Daemon side** ([`Console`]). The launch gives the daemon the master of the console's
//! pty (the slave is the init's `/dev/console` and stdio). While no client is connected
//! the daemon reads and discards what the container writes there, as LXC's monitor
//! does without a console log: a pty nobody reads fills up and the init would block on
//! its next write to the console. A client's `console` request is answered with a
//! duplicate of the master ([`super::control::Conn::hand_over`]) and the connection is
//! kept: while it is open the console is the client's (the daemon stops reading it, and a
//! second client is refused, as LXC refuses a second `lxc-console` on a busy console);
//! when the client goes, its connection reads EOF and the daemon drains the console again.
//! When no process of the container has the console open (the master hangs up), the
//! daemon looks again a second later instead of polling a hung-up descriptor.
//!
//! A daemon that restarts does not get the masters back (they are no process's but the old
//! daemon's): a re-adopted container has no console nor ttys until it is restarted.
//!
//! **Client side** ([`run`]). LXC's banner, then the relay of [`super::terminal`]: raw
//! mode when stdin is a terminal, the escape key (`-e`, Ctrl+a by default: `Ctrl+a q`
//! detaches, `Ctrl+a Ctrl+a` sends Ctrl+a), the window size. Stdin may also be a pipe:
//! its bytes are relayed and its end detaches.

use super::control::{call_for_fd, Conn, Request, Response};
use super::terminal::{self, End, RawMode, Relay, Signals};
use std::io::{self, IsTerminal, Read, Write};
use std::os::fd::{AsFd, BorrowedFd, OwnedFd};
use std::os::unix::net::UnixStream;
use std::path::Path;
use std::process::ExitCode;
use std::time::{Duration, Instant};

/// How long the daemon leaves a hung-up console (no process has it open) before it looks
/// again.
pub const HUNG_UP_RETRY: Duration = Duration::from_secs(1);
/// The most the daemon reads from a console at one wake-up.
const DRAIN: usize = 64 << 10;

/// A running container's console, in the daemon.
#[derive(Debug)]
pub struct Console {
    master: OwnedFd,
    /// A tty's slave, kept open as LXC's monitor keeps it: the master of a tty nothing in
    /// the container has open (no getty yet) does not hang up on a client.
    _slave: Option<OwnedFd>,
    /// The connection of the client the console is handed over to.
    session: Option<UnixStream>,
    /// After a hang-up, when to look at the master again.
    quiet_until: Option<Instant>,
}

/// What a console wants polled.
pub enum Watch<'a> {
    /// The master, to drain it.
    Master(BorrowedFd<'a>),
    /// The client's connection, to see it go.
    Client(BorrowedFd<'a>),
}

impl Console {
    /// Keeps the console's master (made non-blocking: the daemon never waits on it).
    pub fn new(master: OwnedFd) -> Console {
        if let Ok(flags) = rustix::fs::fcntl_getfl(&master) {
            let _ = rustix::fs::fcntl_setfl(&master, flags | rustix::fs::OFlags::NONBLOCK);
        }
        Console {
            master,
            _slave: None,
            session: None,
            quiet_until: None,
        }
    }

    /// Keeps a tty's pty (`lxc.tty.max`): the master as [`Console::new`], and the slave.
    pub fn tty(pty: container::console::Pty) -> Console {
        Console {
            _slave: Some(pty.slave),
            ..Console::new(pty.master)
        }
    }

    /// Whether a client has it.
    pub fn busy(&self) -> bool {
        self.session.is_some()
    }

    /// What to poll now, if anything.
    pub fn watch(&self, now: Instant) -> Option<Watch<'_>> {
        match &self.session {
            Some(s) => Some(Watch::Client(s.as_fd())),
            None if self.quiet_until.is_some_and(|t| now < t) => None,
            None => Some(Watch::Master(self.master.as_fd())),
        }
    }

    /// When [`Console::watch`] changes by itself.
    pub fn deadline(&self) -> Option<Instant> {
        self.quiet_until.filter(|_| self.session.is_none())
    }

    /// Reads and discards what the container wrote (no client is connected).
    pub fn drain(&mut self, now: Instant) {
        if self.session.is_some() {
            return;
        }
        self.quiet_until = None;
        let mut buf = [0u8; 4096];
        let mut total = 0;
        while total < DRAIN {
            match rustix::io::read(&self.master, &mut buf) {
                Ok(0) | Err(rustix::io::Errno::IO) => {
                    // Nothing in the container has the console open.
                    self.quiet_until = Some(now + HUNG_UP_RETRY);
                    return;
                }
                Ok(n) => total += n,
                Err(rustix::io::Errno::INTR) => {}
                Err(_) => return,
            }
        }
    }

    /// The client's connection is readable: `true` when the client went away (the
    /// console is free again).
    pub fn client_event(&mut self) -> bool {
        let Some(stream) = &mut self.session else {
            return false;
        };
        let mut buf = [0u8; 512];
        match stream.read(&mut buf) {
            // A client says nothing after its request: bytes are ignored.
            Ok(n) if n > 0 => false,
            Err(e) if e.kind() == io::ErrorKind::WouldBlock => false,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => false,
            _ => {
                self.session = None;
                true
            }
        }
    }

    /// Hands the console over to the client of `conn`.
    pub fn hand_over(&mut self, conn: Conn) -> Result<(), String> {
        if self.session.is_some() {
            return Err("busy".into());
        }
        let stream = conn
            .hand_over(&Response::ok(), self.master.as_fd())
            .map_err(|e| format!("cannot hand the console over: {e}"))?;
        self.session = Some(stream);
        self.quiet_until = None;
        Ok(())
    }
}

/// LXC's banner (`lxc_console`), for tty `tty` (0: the console) and the escape `key`.
pub fn banner(tty: u32, key: u8) -> String {
    let c = terminal::escape_letter(key);
    format!(
        "\nConnected to tty {tty}\nType <Ctrl+{c} q> to exit the console, <Ctrl+{c} Ctrl+{c}> to enter Ctrl+{c} itself\n"
    )
}

/// The console (0) or tty `n` of container `name`, in a sentence ("the console of web",
/// "tty 2 of web").
pub fn of(n: u32, name: &str) -> String {
    if n == 0 {
        format!("the console of {name}")
    } else {
        format!("tty {n} of {name}")
    }
}

/// How logs and refusals name the console (0) or tty `n`.
pub fn tty_name(n: u32) -> String {
    if n == 0 {
        "console".into()
    } else {
        format!("tty {n}")
    }
}

fn fail(message: &str) -> ExitCode {
    eprintln!("cgconfigd: {message}");
    ExitCode::FAILURE
}

/// `cgconfigd console NAME [-e KEY] [-t N]`: the console (tty 0, also without `-t`) or
/// tty N (`lxc.tty.max`).
pub fn run(state_dir: &Path, name: &str, escape: u8, tty: Option<u32>) -> ExitCode {
    let number = tty.unwrap_or(0);
    let request = Request::Console {
        name: name.to_string(),
        tty: number,
    };
    let (response, master, connection) =
        match call_for_fd(state_dir, &request, Duration::from_secs(60)) {
            Ok(answer) => answer,
            Err(e) => return fail(&e),
        };
    if !response.ok {
        return fail(response.error.as_deref().unwrap_or("the request failed"));
    }
    let Some(master) = master else {
        return fail("cgconfigd sent no console");
    };
    // A pty's master, nothing else: only a master has a slave's name.
    if rustix::pty::ptsname(&master, Vec::new()).is_err() {
        return fail("cgconfigd sent something that is not a console");
    }
    let signals = match Signals::block() {
        Ok(s) => s,
        Err(e) => return fail(&format!("cannot block signals: {e}")),
    };
    let stdin = rustix::stdio::stdin();
    let stdout = rustix::stdio::stdout();
    let tty = io::stdin().is_terminal();
    {
        let mut err = io::stderr().lock();
        let _ = err.write_all(banner(number, escape).as_bytes());
        let _ = err.flush();
    }
    let end = {
        let _raw = if tty {
            terminal::copy_window_size(stdin, master.as_fd());
            match RawMode::enter(stdin) {
                Ok(r) => Some(r),
                Err(e) => return fail(&format!("cannot set up the terminal: {e}")),
            }
        } else {
            None
        };
        Relay {
            master: master.as_fd(),
            input: Some(stdin),
            output: stdout,
            terminal: tty.then_some(stdin),
            escape: Some(escape),
            process: None,
            connection: Some(connection.as_fd()),
        }
        .run(&signals)
    };
    drop(signals);
    match end {
        Ok(End::Escape | End::InputClosed) => ExitCode::SUCCESS,
        Ok(End::PtyClosed | End::Released | End::Exited) => {
            eprintln!(
                "cgconfigd: {} closed (the container stopped?)",
                of(number, name)
            );
            ExitCode::SUCCESS
        }
        // As lxc-console: SIGTERM detaches.
        Ok(End::Signal(signo)) if signo == nix::sys::signal::Signal::SIGTERM as i32 => {
            ExitCode::SUCCESS
        }
        Ok(End::Signal(signo)) => ExitCode::from(128u8.saturating_add(signo as u8)),
        Err(e) => fail(&format!("relaying {}: {e}", of(number, name))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_banner_is_lxc_consoles() {
        // lxc-console 5.0.2 (Debian 12) on a terminal, before raw mode.
        assert_eq!(
            banner(0, 1),
            "\nConnected to tty 0\nType <Ctrl+a q> to exit the console, <Ctrl+a Ctrl+a> to enter Ctrl+a itself\n"
        );
        assert_eq!(
            banner(0, 2),
            "\nConnected to tty 0\nType <Ctrl+b q> to exit the console, <Ctrl+b Ctrl+b> to enter Ctrl+b itself\n"
        );
        // lxc-console 5.0.2 -t 4 on a container with lxc.tty.max = 4.
        assert_eq!(
            banner(4, 1),
            "\nConnected to tty 4\nType <Ctrl+a q> to exit the console, <Ctrl+a Ctrl+a> to enter Ctrl+a itself\n"
        );
    }

    #[test]
    fn a_tty_nothing_has_open_yet_keeps_its_master_up() {
        // The daemon keeps a tty's slave (as LXC's monitor): with no getty on it, its
        // master does not hang up, and what is written there is drained.
        let pty = container::console::Pty::open().unwrap();
        let writer = rustix::io::dup(&pty.slave).unwrap();
        let mut tty = Console::tty(pty);
        let now = Instant::now();
        rustix::io::write(&writer, b"login: ").unwrap();
        drop(writer);
        tty.drain(now);
        tty.drain(now);
        assert!(tty.deadline().is_none(), "the tty hung up");
        assert!(matches!(tty.watch(now), Some(Watch::Master(_))));
        assert_eq!(tty_name(0), "console");
        assert_eq!(tty_name(3), "tty 3");
        assert_eq!(of(0, "web"), "the console of web");
        assert_eq!(of(2, "web"), "tty 2 of web");
    }

    #[test]
    fn a_console_nobody_has_open_is_looked_at_again_later() {
        let pty = container::console::Pty::open().unwrap();
        let mut console = Console::new(pty.master);
        let now = Instant::now();
        assert!(matches!(console.watch(now), Some(Watch::Master(_))));
        // The container wrote; the daemon drains it.
        rustix::io::write(&pty.slave, b"boot messages\n").unwrap();
        console.drain(now);
        assert!(console.deadline().is_none());
        // Nothing has the slave open any more: a hang-up, not a busy loop.
        drop(pty.slave);
        console.drain(now);
        assert_eq!(console.deadline(), Some(now + HUNG_UP_RETRY));
        assert!(console.watch(now).is_none());
        assert!(matches!(
            console.watch(now + HUNG_UP_RETRY),
            Some(Watch::Master(_))
        ));
    }
}
