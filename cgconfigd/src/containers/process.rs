//! Processes by pidfd: opening one, proving it is the process a record names (its start
//! time in `/proc/<pid>/stat`), signalling it, reaping it; and the signal names LXC
//! configs use.

use nix::errno::Errno;
use rustix::process::{Pid, Signal, WaitId, WaitIdOptions};
use rustix_libc_wrappers::process::SignalExt;
use std::fs;
use std::os::fd::{AsFd, BorrowedFd, OwnedFd};

/// The kernel's first real-time signal as glibc programs see it (glibc keeps 32 and 33):
/// systemd's `SIGRTMIN+3`, its "halt", is 37.
pub const SIGRTMIN: i32 = 34;
/// The last real-time signal.
pub const SIGRTMAX: i32 = 64;
/// systemd's halt request.
pub const SYSTEMD_HALT: i32 = SIGRTMIN + 3;

/// A pidfd for `pid`.
pub fn pidfd_open(pid: u32) -> Result<OwnedFd, String> {
    let raw = i32::try_from(pid).map_err(|_| format!("{pid} is not a pid"))?;
    let pid = Pid::from_raw(raw).ok_or_else(|| format!("{pid} is not a pid"))?;
    rustix::process::pidfd_open(pid, rustix::process::PidfdFlags::empty())
        .map_err(|e| Errno::from_raw(e.raw_os_error()).desc().to_string())
}

/// Field 22 of `/proc/<pid>/stat`: when the process started, in clock ticks after boot.
/// With the pid, it names one process for the whole life of the system (a pid is reused,
/// the pair never is).
pub fn start_ticks(pid: u32) -> Option<u64> {
    let text = fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    start_ticks_of(&text)
}

/// [`start_ticks`] from the text of a `stat` file. The command name (field 2) is in
/// parentheses and may contain anything, `)` and blanks included: fields are counted
/// after its last `)`.
pub fn start_ticks_of(stat: &str) -> Option<u64> {
    let after = &stat[stat.rfind(')')? + 1..];
    // Field 3 (state) is the first after the name; 22 is the 20th.
    after.split_whitespace().nth(19)?.parse().ok()
}

/// This boot's id (`/proc/sys/kernel/random/boot_id`): a record from another boot names
/// no process of this one.
pub fn boot_id() -> String {
    fs::read_to_string("/proc/sys/kernel/random/boot_id")
        .map(|s| s.trim().to_string())
        .unwrap_or_default()
}

/// The system's clock ticks per second, for start times (always 100 on Linux: the
/// kernel reports `USER_HZ` to user space).
pub const TICKS_PER_SECOND: u64 = 100;

/// Sends signal `signo` through `pidfd` (race-free: the pidfd names one process, never a
/// successor with the same pid). Signals from 1 to 64, real-time ones included.
pub fn send(pidfd: BorrowedFd<'_>, signo: i32) -> Result<(), String> {
    let signal = Signal::from_raw(signo).ok_or_else(|| format!("{signo} is not a signal"))?;
    rustix::process::pidfd_send_signal(pidfd, signal)
        .map_err(|e| Errno::from_raw(e.raw_os_error()).desc().to_string())
}

/// How a process ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Exit {
    /// It exited with this status.
    Status(i32),
    /// A signal killed it.
    Signal(i32),
    /// It ended, how is unknown (not the daemon's child: it was re-adopted).
    Unknown,
}

impl Exit {
    /// `exit status 0`, `killed by SIGKILL`, `status unknown`.
    pub fn describe(self) -> String {
        match self {
            Exit::Status(n) => format!("exit status {n}"),
            Exit::Signal(n) => format!("killed by {}", signal_name(n)),
            Exit::Unknown => "exit status unknown (not cgconfigd's child)".to_string(),
        }
    }

    /// Whether it ended well (status 0).
    pub fn success(self) -> bool {
        self == Exit::Status(0)
    }
}

/// Reaps the process of `pidfd` if it has ended: `Ok(None)` while it runs. A process that
/// is not the daemon's child (re-adopted after a restart) cannot be reaped:
/// `Ok(Some(Exit::Unknown))` once the pidfd says it ended.
pub fn reap(pidfd: BorrowedFd<'_>) -> Result<Option<Exit>, String> {
    let options = WaitIdOptions::EXITED | WaitIdOptions::NOHANG;
    match rustix::process::waitid(WaitId::PidFd(pidfd), options) {
        Ok(None) => Ok(None),
        Ok(Some(status)) => {
            if let Some(signal) = status.terminating_signal() {
                Ok(Some(Exit::Signal(signal)))
            } else {
                Ok(Some(Exit::Status(status.exit_status().unwrap_or(0))))
            }
        }
        Err(e) if e == rustix::io::Errno::CHILD => {
            if ended(pidfd) {
                Ok(Some(Exit::Unknown))
            } else {
                Ok(None)
            }
        }
        Err(e) => Err(Errno::from_raw(e.raw_os_error()).desc().to_string()),
    }
}

/// Whether the process of `pidfd` has ended (its pidfd is readable).
pub fn ended(pidfd: BorrowedFd<'_>) -> bool {
    use nix::poll::{poll, PollFd, PollFlags, PollTimeout};
    let mut fds = [PollFd::new(pidfd.as_fd(), PollFlags::POLLIN)];
    matches!(poll(&mut fds, PollTimeout::ZERO), Ok(n) if n > 0)
}

/// Whether process `pid` blocks signal `signo` (its `SigBlk:` in `/proc/<pid>/status`):
/// how LXC tells that a container's init is systemd (which blocks `SIGRTMIN+3` and reads
/// it from a signalfd).
pub fn blocks(pid: u32, signo: i32) -> bool {
    fs::read_to_string(format!("/proc/{pid}/status"))
        .ok()
        .is_some_and(|text| blocks_in(&text, signo))
}

/// [`blocks`] from the text of a `status` file.
pub fn blocks_in(status: &str, signo: i32) -> bool {
    let Some(mask) = status
        .lines()
        .find_map(|l| l.strip_prefix("SigBlk:"))
        .and_then(|m| u64::from_str_radix(m.trim(), 16).ok())
    else {
        return false;
    };
    (1..=64).contains(&signo) && mask & (1u64 << (signo - 1)) != 0
}

/// The names of the standard signals, by number.
const NAMES: &[(&str, i32)] = &[
    ("HUP", 1),
    ("INT", 2),
    ("QUIT", 3),
    ("ILL", 4),
    ("TRAP", 5),
    ("ABRT", 6),
    ("IOT", 6),
    ("BUS", 7),
    ("FPE", 8),
    ("KILL", 9),
    ("USR1", 10),
    ("SEGV", 11),
    ("USR2", 12),
    ("PIPE", 13),
    ("ALRM", 14),
    ("TERM", 15),
    ("STKFLT", 16),
    ("CHLD", 17),
    ("CONT", 18),
    ("STOP", 19),
    ("TSTP", 20),
    ("TTIN", 21),
    ("TTOU", 22),
    ("URG", 23),
    ("XCPU", 24),
    ("XFSZ", 25),
    ("VTALRM", 26),
    ("PROF", 27),
    ("WINCH", 28),
    ("IO", 29),
    ("POLL", 29),
    ("PWR", 30),
    ("SYS", 31),
];

/// A signal as LXC's `lxc.signal.*` keys take it (`sig_parse`): a number, or a name with
/// or without `SIG` (`SIGPWR`, `pwr`), or `SIGRTMIN+N` / `SIGRTMAX-N`.
pub fn parse_signal(text: &str) -> Result<i32, String> {
    let t = text.trim();
    if let Ok(n) = t.parse::<i32>() {
        return if (1..=SIGRTMAX).contains(&n) {
            Ok(n)
        } else {
            Err(format!("`{t}` is not a signal number (1 to {SIGRTMAX})"))
        };
    }
    let upper = t.to_ascii_uppercase();
    let name = upper.strip_prefix("SIG").unwrap_or(&upper);
    let rt = |rest: &str, base: i32, sign: i32| -> Option<i32> {
        let n = if rest.is_empty() {
            0
        } else {
            rest.parse::<i32>().ok()?
        };
        let s = base + sign * n;
        (SIGRTMIN..=SIGRTMAX).contains(&s).then_some(s)
    };
    let found = if let Some(rest) = name.strip_prefix("RTMIN") {
        match rest.strip_prefix('+') {
            Some(n) => rt(n, SIGRTMIN, 1),
            None => rt(rest, SIGRTMIN, 1).filter(|_| rest.is_empty()),
        }
    } else if let Some(rest) = name.strip_prefix("RTMAX") {
        match rest.strip_prefix('-') {
            Some(n) => rt(n, SIGRTMAX, -1),
            None => rt(rest, SIGRTMAX, -1).filter(|_| rest.is_empty()),
        }
    } else {
        NAMES.iter().find(|(n, _)| *n == name).map(|(_, s)| *s)
    };
    found.ok_or_else(|| {
        format!("`{t}` is not a signal (a number, a name such as SIGPWR, or SIGRTMIN+N)")
    })
}

/// `SIGTERM`, `SIGRTMIN+3`, `signal 99`.
pub fn signal_name(signo: i32) -> String {
    if let Some((name, _)) = NAMES.iter().find(|(_, s)| *s == signo) {
        return format!("SIG{name}");
    }
    if (SIGRTMIN..=SIGRTMAX).contains(&signo) {
        return format!("SIGRTMIN+{}", signo - SIGRTMIN);
    }
    format!("signal {signo}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn signals_parse_as_lxc_writes_them() {
        assert_eq!(parse_signal("SIGPWR"), Ok(30));
        assert_eq!(parse_signal("pwr"), Ok(30));
        assert_eq!(parse_signal("SIGUSR1"), Ok(10));
        assert_eq!(parse_signal("9"), Ok(9));
        assert_eq!(parse_signal("SIGRTMIN+3"), Ok(37));
        assert_eq!(parse_signal("SIGRTMIN"), Ok(34));
        assert_eq!(parse_signal("SIGRTMAX-1"), Ok(63));
        assert!(parse_signal("SIGRTMIN+40").is_err());
        assert!(parse_signal("SIGNOPE").is_err());
        assert!(parse_signal("0").is_err());
        assert!(parse_signal("65").is_err());
        assert_eq!(signal_name(30), "SIGPWR");
        assert_eq!(signal_name(37), "SIGRTMIN+3");
        assert_eq!(signal_name(9), "SIGKILL");
    }

    #[test]
    fn the_start_time_is_counted_after_the_last_parenthesis() {
        // A command name with `) ` in it must not shift the fields.
        let stat = "4242 (a) b (c) S 1 4242 4242 0 -1 4194560 94 0 0 0 0 0 0 0 20 0 1 0 \
                    987654 2220032 161 18446744073709551615 1 1 0 0 0 0 0 0 0 0 0 0 17 1 0 0";
        assert_eq!(start_ticks_of(stat), Some(987654));
        assert_eq!(start_ticks_of("garbage"), None);
        // This process's own line parses.
        assert!(start_ticks(std::process::id()).is_some());
    }

    #[test]
    fn a_blocked_signal_is_read_from_sigblk() {
        // systemd blocks most signals, SIGRTMIN+3 (bit 36) among them.
        let systemd = "Name:\tsystemd\nSigBlk:\t7be3c0fe28014a03\nSigIgn:\t0000000000001000\n";
        assert!(blocks_in(systemd, SYSTEMD_HALT));
        let sh = "Name:\tsh\nSigBlk:\t0000000000000000\n";
        assert!(!blocks_in(sh, SYSTEMD_HALT));
        assert!(!blocks_in("Name:\tx\n", SYSTEMD_HALT));
    }
}
