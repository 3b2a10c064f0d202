//! The client's side of a pty: `cgconfigd console` relays between the caller's terminal
//! and a container's console, `cgconfigd attach` between the caller's terminal and the
//! pty it gives the attached command. As LXC's `lxc_console` and `lxc_attach` terminal
//! loop (`src/lxc/terminal.c`):
//!
//! * the caller's terminal, when stdin is one, is put in raw mode with ssh's settings
//!   (LXC's `lxc_setup_tios`: no echo, no line editing, no signals from keys, no output
//!   processing) and restored on every way out: the end of the relay, an error, a signal
//!   (SIGTERM, SIGINT, SIGHUP and SIGQUIT are read from a signalfd while the relay runs,
//!   so the restoring code always runs), and a panic (the guard's `Drop`);
//! * the pty gets the caller's window size at the start and on every SIGWINCH;
//! * with an escape key (the console, `Ctrl+a` by default), `escape q` ends the relay and
//!   `escape escape` sends the key itself; `escape` then any other key sends that key
//!   alone, as LXC does;
//! * the master is non-blocking (the console's is shared with the daemon, which drains it
//!   while no client is connected): what the pty cannot take yet is kept and sent when
//!   it can, and the caller's input is not read meanwhile.

use nix::sys::signal::{SigSet, Signal};
use nix::sys::signalfd::{SfdFlags, SignalFd};
use rustix::event::{poll, PollFd, PollFlags};
use rustix::termios::{
    tcgetattr, tcgetwinsize, tcsetattr, tcsetwinsize, InputModes, LocalModes, OptionalActions,
    OutputModes, SpecialCodeIndex, Termios,
};
use std::io::{self, IsTerminal};
use std::os::fd::{BorrowedFd, OwnedFd};

/// The caller's terminal in raw mode; restored when dropped.
pub struct RawMode {
    fd: OwnedFd,
    saved: Termios,
}

impl RawMode {
    /// Puts the terminal `fd` in raw mode.
    pub fn enter(fd: BorrowedFd<'_>) -> io::Result<RawMode> {
        let saved = tcgetattr(fd)?;
        let mut raw = saved.clone();
        raw.input_modes |= InputModes::IGNPAR;
        raw.input_modes -= InputModes::ISTRIP
            | InputModes::INLCR
            | InputModes::IGNCR
            | InputModes::ICRNL
            | InputModes::IXON
            | InputModes::IXANY
            | InputModes::IXOFF
            | InputModes::IUCLC;
        raw.local_modes -= LocalModes::TOSTOP
            | LocalModes::ISIG
            | LocalModes::ICANON
            | LocalModes::ECHO
            | LocalModes::ECHOE
            | LocalModes::ECHOK
            | LocalModes::ECHONL
            | LocalModes::IEXTEN;
        raw.output_modes -= OutputModes::OPOST;
        raw.special_codes[SpecialCodeIndex::VMIN] = 1;
        raw.special_codes[SpecialCodeIndex::VTIME] = 0;
        let fd = fd.try_clone_to_owned()?;
        tcsetattr(&fd, OptionalActions::Flush, &raw)?;
        Ok(RawMode { fd, saved })
    }
}

impl Drop for RawMode {
    fn drop(&mut self) {
        // As LXC: TCSAFLUSH, so that keys typed after the end do not reach the shell as
        // raw bytes.
        let _ = tcsetattr(&self.fd, OptionalActions::Flush, &self.saved);
    }
}

/// The signals the relay handles itself, blocked (read from a signalfd) while it runs;
/// the previous mask is back when dropped.
pub struct Signals {
    fd: SignalFd,
    old: SigSet,
}

impl Signals {
    /// Blocks SIGWINCH, SIGTERM, SIGINT, SIGHUP, SIGQUIT and SIGTTOU (a terminal's modes
    /// may then be set from a background process group, as LXC ignores it for).
    pub fn block() -> io::Result<Signals> {
        let mut set = SigSet::empty();
        for s in [
            Signal::SIGWINCH,
            Signal::SIGTERM,
            Signal::SIGINT,
            Signal::SIGHUP,
            Signal::SIGQUIT,
            Signal::SIGTTOU,
        ] {
            set.add(s);
        }
        let old = set.thread_swap_mask(nix::sys::signal::SigmaskHow::SIG_BLOCK)?;
        let fd = SignalFd::with_flags(&set, SfdFlags::SFD_CLOEXEC | SfdFlags::SFD_NONBLOCK)
            .inspect_err(|_| {
                let _ = old.thread_set_mask();
            })?;
        Ok(Signals { fd, old })
    }

    /// The signals that came, in order.
    fn read(&self) -> Vec<i32> {
        let mut out = Vec::new();
        while let Ok(Some(info)) = self.fd.read_signal() {
            out.push(info.ssi_signo as i32);
        }
        out
    }
}

impl Drop for Signals {
    fn drop(&mut self) {
        let _ = self.old.thread_set_mask();
    }
}

/// Copies the window size of the terminal `from` to the pty `to`.
pub fn copy_window_size(from: BorrowedFd<'_>, to: BorrowedFd<'_>) {
    if let Ok(size) = tcgetwinsize(from) {
        let _ = tcsetwinsize(to, size);
    }
}

/// The escape key: `Ctrl+<letter>` (LXC's `-e`): `a`, `^a`, `A` and `^A` all name
/// Ctrl+a (byte 1).
pub fn parse_escape(text: &str) -> Result<u8, String> {
    let letter = text.strip_prefix('^').unwrap_or(text);
    match letter.as_bytes() {
        [c] if c.is_ascii_alphabetic() => Ok(c.to_ascii_lowercase() - b'a' + 1),
        _ => Err(format!(
            "`{text}` is not an escape key: give a letter, as in `-e b` or `-e ^b` for Ctrl+b"
        )),
    }
}

/// The letter of an escape key (1 is `a`).
pub fn escape_letter(key: u8) -> char {
    char::from(b'a' + key.saturating_sub(1))
}

/// What the escape sequence does with the caller's input: LXC's `lxc_terminal_stdin_cb`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Escape {
    key: u8,
    seen: bool,
}

impl Escape {
    /// The escape `key` (1 for Ctrl+a).
    pub fn new(key: u8) -> Escape {
        Escape { key, seen: false }
    }

    /// Appends to `out` what `input` sends to the pty; `true` when `escape q` ends the
    /// relay (what follows it is not sent).
    pub fn feed(&mut self, input: &[u8], out: &mut Vec<u8>) -> bool {
        for &c in input {
            if c == self.key && !self.seen {
                self.seen = true;
                continue;
            }
            if c == b'q' && self.seen {
                return true;
            }
            self.seen = false;
            out.push(c);
        }
        false
    }
}

/// Why a relay ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum End {
    /// The escape sequence.
    Escape,
    /// The caller's input ended.
    InputClosed,
    /// The pty's other side is closed (nothing in the container has it open any more).
    PtyClosed,
    /// The watched process ended (attach: the command), and its output is copied.
    Exited,
    /// The watched connection closed (console: the daemon let go of the console).
    Released,
    /// A signal (not SIGWINCH).
    Signal(i32),
}

/// What a relay connects.
pub struct Relay<'a> {
    /// The pty's master.
    pub master: BorrowedFd<'a>,
    /// Where the caller's keys come from, if the pty gets them.
    pub input: Option<BorrowedFd<'a>>,
    /// Where the pty's output goes.
    pub output: BorrowedFd<'a>,
    /// The caller's terminal, for SIGWINCH.
    pub terminal: Option<BorrowedFd<'a>>,
    /// The escape key, if any.
    pub escape: Option<u8>,
    /// Ends the relay when readable: a process's pidfd ([`End::Exited`]).
    pub process: Option<BorrowedFd<'a>>,
    /// Ends the relay when readable or closed: a connection ([`End::Released`]).
    pub connection: Option<BorrowedFd<'a>>,
}

const CHUNK: usize = 4096;

impl Relay<'_> {
    /// Relays until one of the [`End`]s; `signals` must have been blocked by the caller
    /// (before the process it watches was started, so that none is lost).
    pub fn run(&self, signals: &Signals) -> io::Result<End> {
        rustix::fs::fcntl_setfl(
            self.master,
            rustix::fs::fcntl_getfl(self.master)? | rustix::fs::OFlags::NONBLOCK,
        )?;
        let mut escape = self.escape.map(Escape::new);
        let mut pending: Vec<u8> = Vec::new();
        let mut buf = [0u8; CHUNK];
        loop {
            let read_input = self.input.is_some() && pending.len() < CHUNK;
            let mut fds = vec![
                PollFd::new(&signals.fd, PollFlags::IN),
                PollFd::new(
                    &self.master,
                    if pending.is_empty() {
                        PollFlags::IN
                    } else {
                        PollFlags::IN | PollFlags::OUT
                    },
                ),
            ];
            let input_at = match (read_input, &self.input) {
                (true, Some(fd)) => {
                    fds.push(PollFd::new(fd, PollFlags::IN));
                    Some(fds.len() - 1)
                }
                _ => None,
            };
            let process_at = self.process.as_ref().map(|fd| {
                fds.push(PollFd::new(fd, PollFlags::IN));
                fds.len() - 1
            });
            let connection_at = self.connection.as_ref().map(|fd| {
                fds.push(PollFd::new(fd, PollFlags::IN));
                fds.len() - 1
            });
            match poll(&mut fds, None) {
                Ok(_) => {}
                Err(rustix::io::Errno::INTR) => continue,
                Err(e) => return Err(e.into()),
            }
            let ready = |i: usize| !fds[i].revents().is_empty();
            let (signals_ready, master_ready) = (ready(0), ready(1));
            let input_ready = input_at.is_some_and(ready);
            let process_ready = process_at.is_some_and(ready);
            let connection_ready = connection_at.is_some_and(ready);
            drop(fds);
            if signals_ready {
                for signo in signals.read() {
                    if signo == Signal::SIGWINCH as i32 {
                        if let Some(t) = self.terminal {
                            copy_window_size(t, self.master);
                        }
                    } else {
                        return Ok(End::Signal(signo));
                    }
                }
            }
            if master_ready {
                if let Some(end) = self.copy_out(&mut buf)? {
                    return Ok(end);
                }
                if !pending.is_empty() {
                    let n = write_some(self.master, &pending)?;
                    pending.drain(..n);
                }
            }
            if input_ready {
                if let Some(input) = self.input {
                    let n = match rustix::io::read(input, &mut buf) {
                        Ok(0) => return Ok(End::InputClosed),
                        Ok(n) => n,
                        Err(rustix::io::Errno::INTR | rustix::io::Errno::AGAIN) => 0,
                        // A terminal that hung up reads EIO.
                        Err(rustix::io::Errno::IO) => return Ok(End::InputClosed),
                        Err(e) => return Err(e.into()),
                    };
                    let ended = match &mut escape {
                        Some(e) => e.feed(&buf[..n], &mut pending),
                        None => {
                            pending.extend_from_slice(&buf[..n]);
                            false
                        }
                    };
                    if !pending.is_empty() {
                        let n = write_some(self.master, &pending)?;
                        pending.drain(..n);
                    }
                    if ended {
                        return Ok(End::Escape);
                    }
                }
            }
            if process_ready {
                // What the command wrote before it ended: the pty has it all once its
                // writers are gone (a read flushes what the kernel still carries).
                loop {
                    match self.copy_out(&mut buf)? {
                        Some(_) => break,
                        None if would_block(self.master) => break,
                        None => {}
                    }
                }
                return Ok(End::Exited);
            }
            if connection_ready {
                return Ok(End::Released);
            }
        }
    }

    /// Copies what the master has to the output: `Some(End::PtyClosed)` when the pty's
    /// other side is closed.
    fn copy_out(&self, buf: &mut [u8]) -> io::Result<Option<End>> {
        match rustix::io::read(self.master, &mut *buf) {
            Ok(0) | Err(rustix::io::Errno::IO) => Ok(Some(End::PtyClosed)),
            Ok(n) => {
                write_all(self.output, &buf[..n])?;
                Ok(None)
            }
            Err(rustix::io::Errno::INTR | rustix::io::Errno::AGAIN) => Ok(None),
            Err(e) => Err(e.into()),
        }
    }
}

/// Whether a read of the non-blocking `fd` would find nothing now.
fn would_block(fd: BorrowedFd<'_>) -> bool {
    let mut fds = [PollFd::new(&fd, PollFlags::IN)];
    !matches!(poll(&mut fds, Some(&rustix::event::Timespec::default())), Ok(n) if n > 0)
}

/// Writes what the non-blocking `fd` takes now; returns how much.
fn write_some(fd: BorrowedFd<'_>, data: &[u8]) -> io::Result<usize> {
    match rustix::io::write(fd, data) {
        Ok(n) => Ok(n),
        Err(rustix::io::Errno::AGAIN | rustix::io::Errno::INTR) => Ok(0),
        Err(e) => Err(e.into()),
    }
}

/// Writes all of `data` to `fd` (the caller's output, blocking or not).
fn write_all(fd: BorrowedFd<'_>, mut data: &[u8]) -> io::Result<()> {
    while !data.is_empty() {
        match rustix::io::write(fd, data) {
            Ok(n) => data = &data[n..],
            Err(rustix::io::Errno::INTR) => {}
            Err(rustix::io::Errno::AGAIN) => {
                let mut fds = [PollFd::new(&fd, PollFlags::OUT)];
                let _ = poll(&mut fds, None);
            }
            Err(e) => return Err(e.into()),
        }
    }
    Ok(())
}

/// Which of stdin, stdout and stderr are terminals.
pub fn std_terminals() -> [bool; 3] {
    [
        io::stdin().is_terminal(),
        io::stdout().is_terminal(),
        io::stderr().is_terminal(),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;

    fn feed(e: &mut Escape, input: &[u8]) -> (Vec<u8>, bool) {
        let mut out = Vec::new();
        let ended = e.feed(input, &mut out);
        (out, ended)
    }

    /// What lxc-console 5.0.2 sent to a busybox shell for each input (`cat -v` in the
    /// container, LXC's console under a pty).
    #[test]
    fn the_escape_works_as_lxc_consoles() {
        let mut e = Escape::new(1);
        // Ctrl+a Ctrl+a: one Ctrl+a.
        assert_eq!(feed(&mut e, b"a\x01\x01b\r"), (b"a\x01b\r".to_vec(), false));
        // Ctrl+a then another key: that key alone.
        assert_eq!(feed(&mut e, b"a\x01xb\r"), (b"axb\r".to_vec(), false));
        // Ctrl+a q ends; nothing after it is sent.
        assert_eq!(
            feed(&mut e, b"a\x01\x01\x01qb\r"),
            (b"a\x01".to_vec(), true)
        );
        // Split across reads.
        let mut e = Escape::new(1);
        assert_eq!(feed(&mut e, b"ls\x01"), (b"ls".to_vec(), false));
        assert_eq!(feed(&mut e, b"q"), (Vec::new(), true));
        // A q alone is a q.
        let mut e = Escape::new(2);
        assert_eq!(feed(&mut e, b"q\x01q"), (b"q\x01q".to_vec(), false));
    }

    #[test]
    fn escape_keys_are_letters_as_lxc_consoles_e() {
        assert_eq!(parse_escape("a"), Ok(1));
        assert_eq!(parse_escape("^b"), Ok(2));
        assert_eq!(parse_escape("Z"), Ok(26));
        assert_eq!(escape_letter(2), 'b');
        assert!(parse_escape("ab").is_err());
        assert!(parse_escape("1").is_err());
        assert!(parse_escape("").is_err());
    }
}
