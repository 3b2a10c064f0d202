//! Test helper: a process for the pure cgroup v2 kernel tests (`tests/tests/kernel_v2.rs`)
//! to move, kill and limit. The first argument says what it does:
//!
//! * `wait`: sleeps until it is killed or its stdin is closed;
//! * `threads`: the same, with a second thread (for moving single threads);
//! * `alloc`: after a line on its stdin, touches ever more memory, up to 1 GiB (bounded,
//!   so that a missing limit fails the test instead of exhausting the machine);
//! * a number: sleeps that many seconds (`sleep`);
//! * an absolute path: prints that file (`cat`), e.g. its own `/proc/self/cgroup`.
//!
//! The last two serve tests that run it under a name of their own (a link), where the
//! VM lane's `sleep` and `cat`, busybox, would not run.
//!
//! It exits 0 when it is done, 2 for an unknown mode.

use std::io::Read;

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
        path if path.starts_with('/') => match std::fs::read(path) {
            Ok(bytes) => {
                use std::io::Write;
                let _ = std::io::stdout().write_all(&bytes);
            }
            Err(e) => {
                eprintln!("cgtools-e2e-helper: {path}: {e}");
                std::process::exit(1);
            }
        },
        other => {
            eprintln!("cgtools-e2e-helper: unknown mode {other:?} (wait, threads, alloc)");
            std::process::exit(2);
        }
    }
}
