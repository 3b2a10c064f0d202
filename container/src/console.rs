//! The container's console: a pty whose slave becomes the init's `/dev/console` and
//! stdio, and whose master the caller keeps (`cgconfigd console NAME` relays it).
//!
//! As LXC did before version 4 (and does where it cannot allocate in the container's
//! devpts), the pty comes from the host's devpts: the parent opens it, the child
//! bind-mounts the slave onto the container's `/dev/console`. For a container with a
//! user namespace the slave is given to the container's root, so that its init can
//! reopen its console.

use rustix::fs::{Mode, OFlags};
use rustix::pty::{grantpt, openpt, ptsname, unlockpt, OpenptFlags};
use std::io;
use std::os::fd::OwnedFd;

/// A pty pair for a console.
#[derive(Debug)]
pub struct Pty {
    /// The master: what the caller reads and writes.
    pub master: OwnedFd,
    /// The slave: the container's console.
    pub slave: OwnedFd,
    /// The slave's path on the host (`/dev/pts/N`).
    pub path: String,
}

fn io_err(e: rustix::io::Errno) -> io::Error {
    io::Error::from_raw_os_error(e.raw_os_error())
}

impl Pty {
    /// Opens a new pty on the host's devpts; both ends close-on-exec.
    pub fn open() -> io::Result<Pty> {
        let master = openpt(OpenptFlags::RDWR | OpenptFlags::NOCTTY | OpenptFlags::CLOEXEC)
            .map_err(io_err)?;
        grantpt(&master).map_err(io_err)?;
        unlockpt(&master).map_err(io_err)?;
        let name = ptsname(&master, Vec::new()).map_err(io_err)?;
        let path = name.to_string_lossy().into_owned();
        let slave = rustix::fs::open(
            name.as_c_str(),
            OFlags::RDWR | OFlags::NOCTTY | OFlags::CLOEXEC,
            Mode::empty(),
        )
        .map_err(io_err)?;
        Ok(Pty {
            master,
            slave,
            path,
        })
    }

    /// Gives the slave to `uid`/`gid` (the container's root on the host).
    pub fn chown(&self, uid: u32, gid: u32) -> io::Result<()> {
        rustix::fs::fchown(
            &self.slave,
            Some(rustix::fs::Uid::from_raw(uid)),
            Some(rustix::fs::Gid::from_raw(gid)),
        )
        .map_err(io_err)
    }
}
