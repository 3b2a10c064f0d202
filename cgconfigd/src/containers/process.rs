//! Processes by pidfd: opening one, proving it is the process a record names (its start
//! time in `/proc/<pid>/stat`), signalling it, reaping it. Signal names are the
//! container crate's (`container::spec::{parse_signal, signal_name}`), as LXC reads them.

use nix::errno::Errno;
use rustix::process::{Pid, Signal, WaitId, WaitIdOptions};
use rustix_libc_wrappers::process::SignalExt;
use std::fs;
use std::os::fd::{AsFd, BorrowedFd, OwnedFd};

pub use container::spec::signal_name;
use container::spec::SIGRTMIN;

/// systemd's halt request, `SIGRTMIN+3` (glibc keeps the kernel's 32 and 33 for itself).
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

#[cfg(test)]
mod tests {
    use super::*;

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
