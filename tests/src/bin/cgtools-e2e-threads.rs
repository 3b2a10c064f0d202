//! Test helper: a process with N extra threads (first argument, default 3) that prints
//! `ready` once they all run, then sleeps until killed. The real-kernel tests of every
//! crate move it (`test_support::Spawned::threaded`) to check that every thread of a
//! process follows it; being a binary of the workspace, it runs in the VM lane too.

use std::io::Write;
use std::time::Duration;

fn main() {
    let n: usize = std::env::args()
        .nth(1)
        .and_then(|a| a.parse().ok())
        .unwrap_or(3);
    let (tx, rx) = std::sync::mpsc::channel();
    for _ in 0..n {
        let tx = tx.clone();
        // Small stacks: the tests ask for up to 1500 threads, in a VM with little memory.
        let spawned = std::thread::Builder::new()
            .stack_size(64 * 1024)
            .spawn(move || {
                let _ = tx.send(());
                loop {
                    std::thread::sleep(Duration::from_secs(3600));
                }
            });
        if let Err(e) = spawned {
            eprintln!("cgtools-e2e-threads: cannot start a thread: {e}");
            std::process::exit(1);
        }
    }
    for _ in 0..n {
        let _ = rx.recv();
    }
    let mut out = std::io::stdout();
    let _ = writeln!(out, "ready");
    let _ = out.flush();
    std::thread::sleep(Duration::from_secs(300));
}
