//! The bpf(2) calls of the device program: load it, attach it to a cgroup v2 directory,
//! list and detach the device programs attached there (`Documentation/bpf/` and
//! `include/uapi/linux/bpf.h`; each `union bpf_attr` layout is in the function that
//! fills it).
//!
//! nix has no bpf(2), and the crates that do (aya, libbpf-rs) bring an ELF loader and
//! much more for what is six commands with a handful of fields each. So [`bpf`] is the
//! one function of the crate with `unsafe`: it takes a typed [`Call`] whose pointers are
//! borrows that outlive the system call, and returns descriptors already owned.

use std::os::fd::{AsRawFd, BorrowedFd, FromRawFd, OwnedFd};

use nix::errno::Errno;
use nix::libc;

use super::program::Insn;

const BPF_PROG_LOAD: libc::c_long = 5;
const BPF_PROG_ATTACH: libc::c_long = 8;
const BPF_PROG_DETACH: libc::c_long = 9;
const BPF_PROG_GET_FD_BY_ID: libc::c_long = 13;
const BPF_OBJ_GET_INFO_BY_FD: libc::c_long = 15;
const BPF_PROG_QUERY: libc::c_long = 16;

const BPF_PROG_TYPE_CGROUP_DEVICE: u32 = 15;
const BPF_CGROUP_DEVICE: u32 = 6;
/// Programs of descendants run too, and all must allow: a nested container can narrow
/// its devices further but never widen them (LXC attaches with it as well).
const BPF_F_ALLOW_MULTI: u32 = 2;

/// What `bpftool prog list` shows for our programs (at most 15 bytes: alphanumerics, `_`,
/// `.`).
const PROG_NAME: &[u8] = b"cgtools_devices";
/// Cgroup device programs call no helper, so any license would do; LXC says GPL.
const LICENSE: &[u8] = b"GPL\0";

/// One bpf(2) command and its arguments.
pub(crate) enum Call<'a> {
    /// `BPF_PROG_LOAD` of a device program; with a buffer, the verifier's log goes there.
    Load {
        insns: &'a [Insn],
        log: Option<&'a mut [u8]>,
    },
    /// `BPF_PROG_ATTACH` with `BPF_F_ALLOW_MULTI`.
    Attach {
        cgroup: BorrowedFd<'a>,
        prog: BorrowedFd<'a>,
    },
    /// `BPF_PROG_DETACH` of one program of a multi-program attachment.
    Detach {
        cgroup: BorrowedFd<'a>,
        prog: BorrowedFd<'a>,
    },
    /// `BPF_PROG_QUERY`: the ids of the device programs attached to this very cgroup
    /// (not those it inherits).
    Query {
        cgroup: BorrowedFd<'a>,
        ids: &'a mut [u32],
    },
    /// `BPF_PROG_GET_FD_BY_ID`.
    ProgById { id: u32 },
    /// `BPF_OBJ_GET_INFO_BY_FD`: the first bytes of `struct bpf_prog_info`.
    Info {
        prog: BorrowedFd<'a>,
        info: &'a mut [u8],
    },
}

/// What a call returned.
pub(crate) enum Reply {
    /// A new descriptor (load, get by id).
    Fd(OwnedFd),
    /// How many programs are attached (query; may exceed the buffer, then ENOSPC).
    Count(u32),
    /// Nothing (attach, detach, info).
    Done,
}

/// `union bpf_attr`, zeroed: the kernel checks that the bytes past a command's fields are
/// zero, and reads at most its own `sizeof`.
#[repr(C, align(8))]
struct Attr([u8; 128]);

impl Attr {
    fn put_u32(&mut self, at: usize, v: u32) {
        self.0[at..at + 4].copy_from_slice(&v.to_ne_bytes());
    }
    fn put_u64(&mut self, at: usize, v: u64) {
        self.0[at..at + 8].copy_from_slice(&v.to_ne_bytes());
    }
    fn get_u32(&self, at: usize) -> u32 {
        let mut b = [0u8; 4];
        b.copy_from_slice(&self.0[at..at + 4]);
        u32::from_ne_bytes(b)
    }
}

fn fd_u32(fd: BorrowedFd<'_>) -> u32 {
    // A descriptor is never negative.
    fd.as_raw_fd() as u32
}

fn len_u32(len: usize) -> u32 {
    u32::try_from(len).unwrap_or(u32::MAX)
}

/// Makes one bpf(2) call.
// The only unsafe code of the crate (see the module docs): the workspace denies it
// everywhere else.
#[allow(unsafe_code)]
pub(crate) fn bpf(call: Call<'_>) -> Result<Reply, Errno> {
    let mut attr = Attr([0; 128]);
    let cmd = match &call {
        Call::Load { insns, log } => {
            // prog_type, insn_cnt, insns, license, log_level, log_size, log_buf,
            // kern_version, prog_flags, prog_name[16].
            attr.put_u32(0, BPF_PROG_TYPE_CGROUP_DEVICE);
            attr.put_u32(4, len_u32(insns.len()));
            attr.put_u64(8, insns.as_ptr() as u64);
            attr.put_u64(16, LICENSE.as_ptr() as u64);
            if let Some(log) = log {
                attr.put_u32(24, 1);
                // The kernel wants room for at least 128 bytes and at most u32::MAX >> 2.
                attr.put_u32(28, len_u32(log.len()).min(u32::MAX >> 2));
                attr.put_u64(32, log.as_ptr() as u64);
            }
            attr.0[48..48 + PROG_NAME.len()].copy_from_slice(PROG_NAME);
            BPF_PROG_LOAD
        }
        Call::Attach { cgroup, prog } | Call::Detach { cgroup, prog } => {
            // target_fd, attach_bpf_fd, attach_type, attach_flags.
            attr.put_u32(0, fd_u32(*cgroup));
            attr.put_u32(4, fd_u32(*prog));
            attr.put_u32(8, BPF_CGROUP_DEVICE);
            if matches!(call, Call::Attach { .. }) {
                attr.put_u32(12, BPF_F_ALLOW_MULTI);
                BPF_PROG_ATTACH
            } else {
                BPF_PROG_DETACH
            }
        }
        Call::Query { cgroup, ids } => {
            // target_fd, attach_type, query_flags (0: this cgroup's own programs),
            // attach_flags (out), prog_ids, prog_cnt (in: room, out: count).
            attr.put_u32(0, fd_u32(*cgroup));
            attr.put_u32(4, BPF_CGROUP_DEVICE);
            attr.put_u64(16, ids.as_ptr() as u64);
            attr.put_u32(24, len_u32(ids.len()));
            BPF_PROG_QUERY
        }
        Call::ProgById { id } => {
            attr.put_u32(0, *id);
            BPF_PROG_GET_FD_BY_ID
        }
        Call::Info { prog, info } => {
            // bpf_fd, info_len, info.
            attr.put_u32(0, fd_u32(*prog));
            attr.put_u32(4, len_u32(info.len()));
            attr.put_u64(8, info.as_ptr() as u64);
            BPF_OBJ_GET_INFO_BY_FD
        }
    };
    // SAFETY: the kernel reads `attr` (ours, 128 bytes) and, through the pointers put in
    // it above, only memory that `call` borrows for this whole function: `insns` (its
    // length as the count), the static license and program name, and the buffers it may
    // write (`log`, `ids`, `info`), each with its own length, all of them `&mut` so that
    // nothing else reads them meanwhile. A descriptor it returns (load, get by id) is new
    // and owned by nothing else, so `OwnedFd` may take it.
    let ret = unsafe {
        let ret = libc::syscall(
            libc::SYS_bpf,
            cmd,
            attr.0.as_mut_ptr(),
            std::mem::size_of::<Attr>(),
        );
        if ret >= 0 && matches!(call, Call::Load { .. } | Call::ProgById { .. }) {
            // A descriptor fits an i32.
            return Ok(Reply::Fd(OwnedFd::from_raw_fd(ret as i32)));
        }
        ret
    };
    if ret < 0 {
        let errno = Errno::last();
        if errno == Errno::ENOSPC && matches!(call, Call::Query { .. }) {
            // The count is written before the kernel finds the buffer too small.
            return Ok(Reply::Count(attr.get_u32(24)));
        }
        return Err(errno);
    }
    Ok(match call {
        Call::Query { .. } => Reply::Count(attr.get_u32(24)),
        _ => Reply::Done,
    })
}

/// Loads a device program; on a refusal, the verifier's explanation if it gives one.
pub(crate) fn load(insns: &[Insn]) -> Result<OwnedFd, (Errno, Option<String>)> {
    match bpf(Call::Load { insns, log: None }) {
        Ok(Reply::Fd(fd)) => Ok(fd),
        Ok(_) => Err((Errno::EIO, None)),
        Err(errno) => {
            // Again with the log, which the first attempt skips to save the buffer.
            let mut log = vec![0u8; 64 * 1024];
            let retry = bpf(Call::Load {
                insns,
                log: Some(&mut log),
            });
            if let Ok(Reply::Fd(fd)) = retry {
                return Ok(fd);
            }
            let end = log.iter().position(|&b| b == 0).unwrap_or(log.len());
            let text = String::from_utf8_lossy(&log[..end]).trim().to_string();
            Err((errno, (!text.is_empty()).then_some(text)))
        }
    }
}

/// The kernel's id of a loaded program (what `bpftool prog show id N` takes).
pub(crate) fn prog_id(prog: BorrowedFd<'_>) -> Result<u32, Errno> {
    // struct bpf_prog_info starts with `type` and `id`.
    let mut info = [0u8; 8];
    bpf(Call::Info {
        prog,
        info: &mut info,
    })?;
    let mut id = [0u8; 4];
    id.copy_from_slice(&info[4..8]);
    Ok(u32::from_ne_bytes(id))
}

/// The ids of the device programs attached to `cgroup` itself.
pub(crate) fn attached(cgroup: BorrowedFd<'_>) -> Result<Vec<u32>, Errno> {
    let mut ids = vec![0u32; 16];
    loop {
        let Reply::Count(n) = bpf(Call::Query {
            cgroup,
            ids: &mut ids,
        })?
        else {
            return Err(Errno::EIO);
        };
        let n = n as usize;
        if n <= ids.len() {
            ids.truncate(n);
            return Ok(ids);
        }
        ids = vec![0u32; n];
    }
}

/// Attaches `prog` to `cgroup` (`BPF_F_ALLOW_MULTI`).
pub(crate) fn attach(cgroup: BorrowedFd<'_>, prog: BorrowedFd<'_>) -> Result<(), Errno> {
    bpf(Call::Attach { cgroup, prog }).map(drop)
}

/// Detaches `prog` from `cgroup`.
pub(crate) fn detach(cgroup: BorrowedFd<'_>, prog: BorrowedFd<'_>) -> Result<(), Errno> {
    bpf(Call::Detach { cgroup, prog }).map(drop)
}

/// Detaches the program with kernel id `id` from `cgroup`.
pub(crate) fn detach_id(cgroup: BorrowedFd<'_>, id: u32) -> Result<(), Errno> {
    match bpf(Call::ProgById { id })? {
        Reply::Fd(prog) => {
            use std::os::fd::AsFd;
            detach(cgroup, prog.as_fd())
        }
        _ => Err(Errno::EIO),
    }
}
