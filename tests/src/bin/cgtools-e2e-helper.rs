//! Test helper: a process for the pure cgroup v2 kernel tests (`tests/tests/kernel_v2.rs`)
//! to move, kill and limit. The first argument says what it does:
//!
//! * `wait`: sleeps until it is killed or its stdin is closed;
//! * `threads`: the same, with a second thread (for moving single threads);
//! * `alloc`: after a line on its stdin, touches ever more memory, up to 1 GiB (bounded,
//!   so that a missing limit fails the test instead of exhausting the machine).
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
        other => {
            eprintln!("cgtools-e2e-helper: unknown mode {other:?} (wait, threads, alloc)");
            std::process::exit(2);
        }
    }
}
