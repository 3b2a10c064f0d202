//! Test helper: a process for the pure cgroup v2 kernel tests (`tests/tests/kernel_v2.rs`)
//! to move, kill and limit. The first argument says what it does:
//!
//! * `wait`: sleeps until it is killed or its stdin is closed;
//! * `threads`: the same, with a second thread (for moving single threads);
//! * `alloc`: after a line on its stdin, touches ever more memory, up to 1 GiB (bounded,
//!   so that a missing limit fails the test instead of exhausting the machine);
//! * a number: sleeps that many seconds (`sleep`);
//! * an absolute path: prints that file (`cat`), e.g. its own `/proc/self/cgroup`;
//! * `spawn PROGRAM`: starts `PROGRAM wait` (sharing its stdin), prints the child's pid
//!   on a line, then waits as `wait` does (a sticky process and its child);
//! * `setuid UID`: after a line on its stdin, sets all its user ids to UID (it must start
//!   as root), prints `done`, then waits as `wait` does (a uid rule that applies only
//!   after the change);
//! * `rt PROGRAM ARGS...`: takes the real-time policy SCHED_FIFO (priority 1), then
//!   executes PROGRAM with ARGS, which inherits the policy (`ignore_rt` rules).
//!
//! The modes but the first three serve tests that run it under a name of their own (a
//! link), where the VM lane's busybox would not run (its `sleep` and `cat` know no other
//! name, and it has no `chrt`).
//!
//! It exits 0 when it is done, 1 when a system call fails, 2 for an unknown mode.

use std::io::{Read, Write};

fn main() {
    let mode = std::env::args().nth(1).unwrap_or_default();
    let mut stdin = std::io::stdin();
    match mode.as_str() {
        "wait" => {
            let _ = stdin.read_to_end(&mut Vec::new());
        }
        "threads" => {
            std::thread::spawn(|| loop {
                std::thread::park();
            });
            let _ = stdin.read_to_end(&mut Vec::new());
        }
        "alloc" => {
            let _ = stdin.read(&mut [0; 8]);
            let mut hog = Vec::new();
            for _ in 0..1024 {
                let mut chunk = vec![0u8; 1 << 20];
                // A zeroed allocation is only reserved: write to every page to charge it.
                for page in chunk.iter_mut().step_by(4096) {
                    *page = 1;
                }
                hog.push(std::hint::black_box(chunk));
            }
        }
        seconds if seconds.parse::<u64>().is_ok() => {
            let seconds = seconds.parse::<u64>().unwrap_or(0);
            std::thread::sleep(std::time::Duration::from_secs(seconds));
        }
        "spawn" => {
            let program = std::env::args().nth(2).unwrap_or_default();
            let child = std::process::Command::new(&program).arg("wait").spawn();
            match child {
                Ok(child) => println!("{}", child.id()),
                Err(e) => fail(&format!("cannot start {program}: {e}")),
            }
            let _ = stdin.read_to_end(&mut Vec::new());
        }
        "setuid" => {
            let uid = std::env::args().nth(2).and_then(|u| u.parse::<u32>().ok());
            let Some(uid) = uid else {
                fail("setuid: give a uid")
            };
            let _ = stdin.read(&mut [0; 1]);
            if let Err(e) = nix::unistd::setuid(nix::unistd::Uid::from_raw(uid)) {
                fail(&format!("setuid {uid}: {e}"));
            }
            println!("done");
            let _ = std::io::stdout().flush();
            let _ = stdin.read_to_end(&mut Vec::new());
        }
        "rt" => {
            let args: Vec<String> = std::env::args().skip(2).collect();
            let Some((program, rest)) = args.split_first() else {
                fail("rt: give a program")
            };
            let param = libc::sched_param { sched_priority: 1 };
            // SAFETY: `param` is a valid sched_param that outlives the call; pid 0 is this
            // process. No wrapper in nix or rustix sets a scheduling policy.
            #[allow(unsafe_code)]
            let set = unsafe { libc::sched_setscheduler(0, libc::SCHED_FIFO, &param) };
            if set != 0 {
                fail(&format!(
                    "sched_setscheduler SCHED_FIFO: {}",
                    std::io::Error::last_os_error()
                ));
            }
            use std::os::unix::process::CommandExt;
            let e = std::process::Command::new(program).args(rest).exec();
            fail(&format!("cannot execute {program}: {e}"));
        }
        path if path.starts_with('/') => match std::fs::read(path) {
            Ok(bytes) => {
                let _ = std::io::stdout().write_all(&bytes);
            }
            Err(e) => {
                eprintln!("cgtools-e2e-helper: {path}: {e}");
                std::process::exit(1);
            }
        },
        other => {
            eprintln!(
                "cgtools-e2e-helper: unknown mode {other:?} (wait, threads, alloc, spawn, setuid, rt)"
            );
            std::process::exit(2);
        }
    }
}

/// Says why on stderr and exits 1.
fn fail(message: &str) -> ! {
    eprintln!("cgtools-e2e-helper: {message}");
    std::process::exit(1)
}
