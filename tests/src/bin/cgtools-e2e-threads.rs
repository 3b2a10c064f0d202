//! Test helper: a process with N extra threads (first argument, default 3) that prints
//! `ready` once they all run, then sleeps until killed. The end-to-end tests move it to
//! check that every thread of a process follows it.

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
        std::thread::spawn(move || {
            let _ = tx.send(());
            loop {
                std::thread::sleep(Duration::from_secs(3600));
            }
        });
    }
    for _ in 0..n {
        let _ = rx.recv();
    }
    let mut out = std::io::stdout();
    let _ = writeln!(out, "ready");
    let _ = out.flush();
    std::thread::sleep(Duration::from_secs(300));
}
