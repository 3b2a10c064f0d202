//! Test helper for `container/tests/kernel_seccomp.rs`: installs an LXC seccomp policy
//! with `container::seccomp::Filter` as the launcher does, then makes the calls named on
//! its command line and prints what each returned. Being a binary of the workspace, it
//! runs in the VM lane too.
//!
//! ```text
//! cgtools-seccomp-probe [--no-new-privs] POLICY CALL...
//! ```
//!
//! `--no-new-privs` sets `PR_SET_NO_NEW_PRIVS` before installing (what the launcher does
//! for `lxc.no_new_privs = 1`). After installing it prints `no_new_privs 0|1`, then one
//! line per call: `CALL ok` or `CALL errno N`. A call the filter kills or traps ends the
//! process with SIGSYS (core dumps are turned off first). The calls:
//!
//! * `getpid`, `getppid`
//! * `delete_module`, `init_module`, `finit_module`: of a module that does not exist
//!   (the kernel answers ENOENT, ENOEXEC, ...: never EPERM for root)
//! * `umount2` and `umount2_force` (`MNT_FORCE`): of a path that does not exist (ENOENT)
//! * `kill_self` (`kill(getpid(), 0)`) and `kill_missing` (`kill(0x7fffffff, 0)`: ESRCH)
//!
//! Exit status: 0 when every call was made, 1 when the policy could not be compiled or
//! installed (the reason on stderr), 2 for a usage error.

use container::seccomp::Filter;
use nix::errno::Errno;
use nix::kmod::{delete_module, finit_module, init_module, DeleteModuleFlags, ModuleInitFlags};
use nix::mount::{umount2, MntFlags};
use nix::sys::resource::{setrlimit, Resource};
use nix::sys::signal::kill;
use nix::unistd::{getpid, getppid, Pid};
use std::io::Write;
use std::path::Path;
use std::process::ExitCode;

const MISSING_PATH: &str = "/cgtools-seccomp-probe/does-not-exist";

fn call(name: &str) -> Option<nix::Result<()>> {
    Some(match name {
        "getpid" => {
            getpid();
            Ok(())
        }
        "getppid" => {
            getppid();
            Ok(())
        }
        "delete_module" => {
            delete_module(c"cgtools_seccomp_probe_none", DeleteModuleFlags::O_NONBLOCK)
        }
        "init_module" => init_module(&[], c""),
        "finit_module" => std::fs::File::open("/dev/null")
            .map_err(|e| Errno::from_raw(e.raw_os_error().unwrap_or(0)))
            .and_then(|f| finit_module(&f, c"", ModuleInitFlags::empty())),
        "umount2" => umount2(MISSING_PATH, MntFlags::empty()),
        "umount2_force" => umount2(MISSING_PATH, MntFlags::MNT_FORCE),
        "kill_self" => kill(getpid(), None),
        "kill_missing" => kill(Pid::from_raw(0x7fff_ffff), None),
        _ => return None,
    })
}

fn main() -> ExitCode {
    let mut args: Vec<String> = std::env::args().skip(1).collect();
    let no_new_privs = args.first().is_some_and(|a| a == "--no-new-privs");
    if no_new_privs {
        args.remove(0);
    }
    let Some((policy, calls)) = args.split_first() else {
        eprintln!("usage: cgtools-seccomp-probe [--no-new-privs] POLICY CALL...");
        return ExitCode::from(2);
    };
    if let Some(unknown) = calls.iter().find(|c| call_known(c).is_none()) {
        eprintln!("cgtools-seccomp-probe: unknown call {unknown:?}");
        return ExitCode::from(2);
    }
    // A trapped call dumps core by default: not into the test's directory.
    let _ = setrlimit(Resource::RLIMIT_CORE, 0, 0);
    let filter = match Filter::from_file(Path::new(policy)) {
        Ok(filter) => filter,
        Err(e) => {
            eprintln!("{e}");
            return ExitCode::from(1);
        }
    };
    if no_new_privs {
        if let Err(e) = nix::sys::prctl::set_no_new_privs() {
            eprintln!("cgtools-seccomp-probe: PR_SET_NO_NEW_PRIVS: {e}");
            return ExitCode::from(1);
        }
    }
    if let Err(e) = filter.install() {
        eprintln!("cgtools-seccomp-probe: installing the filter: {e}");
        return ExitCode::from(1);
    }
    let mut out = std::io::stdout().lock();
    let nnp = nix::sys::prctl::get_no_new_privs().map_or(-1, i32::from);
    let _ = writeln!(out, "no_new_privs {nnp}");
    for name in calls {
        // What is printed so far survives a call that kills the process.
        let _ = out.flush();
        let line = match call(name) {
            Some(Ok(())) => format!("{name} ok"),
            Some(Err(errno)) => format!("{name} errno {}", errno as i32),
            None => continue,
        };
        let _ = writeln!(out, "{line}");
    }
    let _ = out.flush();
    ExitCode::SUCCESS
}

/// Whether `name` is a call this probe knows (checked before anything is installed).
fn call_known(name: &str) -> Option<()> {
    const CALLS: [&str; 9] = [
        "getpid",
        "getppid",
        "delete_module",
        "init_module",
        "finit_module",
        "umount2",
        "umount2_force",
        "kill_self",
        "kill_missing",
    ];
    CALLS.contains(&name).then_some(())
}
