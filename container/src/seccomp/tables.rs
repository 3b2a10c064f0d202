//! Syscall names and numbers per ABI, from the kernel's syscall tables as the `syscalls`
//! crate carries them, with the two things libseccomp adds that the tables lack: ARM's
//! private syscalls and, on 32-bit x86, the socket and IPC calls that are also reached
//! through the `socketcall(2)` and `ipc(2)` multiplexers.

use std::str::FromStr;

/// The number of `name` in a table of the `syscalls` crate; keywords are spelt `r#break`
/// there.
macro_rules! from_table {
    ($table:ty, $name:expr) => {{
        let name: &str = $name;
        <$table>::from_str(name)
            .ok()
            .or_else(|| <$table>::from_str(&format!("r#{name}")).ok())
            .map(|s| s.id())
    }};
}

/// A syscall ABI a filter can see: the `arch` field of `struct seccomp_data`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Abi {
    /// x86_64 (`AUDIT_ARCH_X86_64`); x32 calls have the same arch and bit 30 set in the
    /// syscall number.
    X86_64,
    /// 32-bit x86 (`AUDIT_ARCH_I386`), the compat ABI of x86_64 kernels.
    I386,
    /// aarch64 (`AUDIT_ARCH_AARCH64`).
    Aarch64,
    /// 32-bit ARM EABI (`AUDIT_ARCH_ARM`), the compat ABI of arm64 kernels.
    Arm,
}

/// `__X32_SYSCALL_BIT`: x32 syscalls are x86_64 calls with this bit set in the number.
pub const X32_SYSCALL_BIT: u32 = 0x4000_0000;

impl Abi {
    /// The value of `seccomp_data.arch` for calls of this ABI (`<linux/audit.h>`).
    pub fn audit_arch(self) -> u32 {
        const LE: u32 = 0x4000_0000;
        const BITS64: u32 = 0x8000_0000;
        match self {
            Abi::X86_64 => 62 | BITS64 | LE,
            Abi::I386 => 3 | LE,
            Abi::Aarch64 => 183 | BITS64 | LE,
            Abi::Arm => 40 | LE,
        }
    }

    /// The name used in messages.
    pub fn name(self) -> &'static str {
        match self {
            Abi::X86_64 => "x86_64",
            Abi::I386 => "x86",
            Abi::Aarch64 => "arm64",
            Abi::Arm => "arm",
        }
    }

    /// The number of syscall `name` in this ABI, as libseccomp resolves it.
    pub fn lookup(self, name: &str) -> Option<u32> {
        let number = match self {
            Abi::X86_64 => from_table!(syscalls::x86_64::Sysno, name),
            Abi::I386 => from_table!(syscalls::x86::Sysno, name),
            Abi::Aarch64 => from_table!(syscalls::aarch64::Sysno, name),
            Abi::Arm => from_table!(syscalls::arm::Sysno, name).or_else(|| arm_private(name)),
        };
        number.and_then(|n| u32::try_from(n).ok())
    }

    /// Every syscall name of this ABI (for "did you mean").
    pub fn names(self) -> Vec<&'static str> {
        match self {
            Abi::X86_64 => syscalls::x86_64::Sysno::iter()
                .map(|s| unraw(s.name()))
                .collect(),
            Abi::I386 => syscalls::x86::Sysno::iter()
                .map(|s| unraw(s.name()))
                .collect(),
            Abi::Aarch64 => syscalls::aarch64::Sysno::iter()
                .map(|s| unraw(s.name()))
                .collect(),
            Abi::Arm => syscalls::arm::Sysno::iter()
                .map(|s| unraw(s.name()))
                .chain(ARM_PRIVATE.iter().map(|(n, _)| *n))
                .collect(),
        }
    }

    /// For 32-bit x86: the multiplexer a call `name` is also reached through, and the value
    /// of its first argument that selects it (libseccomp's `x86_rule_add`).
    pub fn multiplexed(self, name: &str) -> Option<Multiplexed> {
        if self != Abi::I386 {
            return None;
        }
        if let Some(i) = SOCKETCALLS.iter().position(|n| *n == name) {
            return Some(Multiplexed {
                syscall: I386_SOCKETCALL,
                call: i as u32 + 1,
                // socketcall(2) refuses any call number it does not know, so comparing
                // the whole argument is exact.
                mask: u64::MAX,
            });
        }
        IPC_CALLS
            .iter()
            .find(|(n, _)| *n == name)
            .map(|(_, call)| Multiplexed {
                syscall: I386_IPC,
                call: *call,
                // ipc(2) keeps a version in the upper 16 bits of `call` and dispatches on
                // the lower 16 only: compare those, or a version would slip past.
                mask: 0xffff,
            })
    }
}

/// A call that a multiplexer syscall also reaches.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Multiplexed {
    /// The multiplexer's number (`socketcall` or `ipc`).
    pub syscall: u32,
    /// The value of its first argument (under `mask`) that selects the call.
    pub call: u32,
    /// Which bits of the first argument select the call.
    pub mask: u64,
}

/// Whether `name` is a syscall on any architecture the tables know: a name that is not is
/// a typo (libseccomp's resolver fails for it, and LXC skips the rule).
pub fn known_anywhere(name: &str) -> bool {
    [Abi::X86_64, Abi::I386, Abi::Aarch64, Abi::Arm]
        .iter()
        .any(|abi| abi.lookup(name).is_some())
        || from_table!(syscalls::mips::Sysno, name).is_some()
        || from_table!(syscalls::mips64::Sysno, name).is_some()
        || from_table!(syscalls::powerpc::Sysno, name).is_some()
        || from_table!(syscalls::powerpc64::Sysno, name).is_some()
        || from_table!(syscalls::s390x::Sysno, name).is_some()
        || from_table!(syscalls::sparc::Sysno, name).is_some()
        || from_table!(syscalls::sparc64::Sysno, name).is_some()
        || from_table!(syscalls::riscv32::Sysno, name).is_some()
        || from_table!(syscalls::riscv64::Sysno, name).is_some()
        || from_table!(syscalls::loongarch64::Sysno, name).is_some()
        || SOCKETCALLS.contains(&name)
        || IPC_CALLS.iter().any(|(n, _)| *n == name)
}

fn unraw(name: &'static str) -> &'static str {
    name.strip_prefix("r#").unwrap_or(name)
}

/// ARM's private syscalls (`__ARM_NR_BASE` 0x0f0000 + n), which libseccomp names and the
/// generic tables leave out.
const ARM_PRIVATE: [(&str, u32); 5] = [
    ("breakpoint", 0x0f_0001),
    ("cacheflush", 0x0f_0002),
    ("usr26", 0x0f_0003),
    ("usr32", 0x0f_0004),
    ("set_tls", 0x0f_0005),
];

fn arm_private(name: &str) -> Option<i32> {
    ARM_PRIVATE
        .iter()
        .find(|(n, _)| *n == name)
        .map(|(_, nr)| *nr as i32)
}

/// `socketcall(2)` and `ipc(2)` on 32-bit x86.
const I386_SOCKETCALL: u32 = 102;
const I386_IPC: u32 = 117;

/// The calls of `socketcall(2)`, by their number minus one (`SYS_SOCKET` is 1, ...,
/// `SYS_SENDMMSG` 20; `<linux/net.h>`).
const SOCKETCALLS: [&str; 20] = [
    "socket",
    "bind",
    "connect",
    "listen",
    "accept",
    "getsockname",
    "getpeername",
    "socketpair",
    "send",
    "recv",
    "sendto",
    "recvfrom",
    "shutdown",
    "setsockopt",
    "getsockopt",
    "sendmsg",
    "recvmsg",
    "accept4",
    "recvmmsg",
    "sendmmsg",
];

/// The calls of `ipc(2)` and their numbers (`<linux/ipc.h>`: `SEMOP` 1, ...).
const IPC_CALLS: [(&str, u32); 12] = [
    ("semop", 1),
    ("semget", 2),
    ("semctl", 3),
    ("semtimedop", 4),
    ("msgsnd", 11),
    ("msgrcv", 12),
    ("msgget", 13),
    ("msgctl", 14),
    ("shmat", 21),
    ("shmdt", 22),
    ("shmget", 23),
    ("shmctl", 24),
];
