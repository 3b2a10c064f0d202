//! `cargo xtask generate`: write the man pages and shell completions generated from the
//! tools' clap definitions. `cargo xtask check`: exit 1 when the committed ones are stale.

use std::process::ExitCode;

fn main() -> ExitCode {
    let root = xtask::repo_root();
    let task = std::env::args().nth(1).unwrap_or_default();
    let result = match task.as_str() {
        "generate" | "man" => xtask::write(&root).map(|changed| {
            for line in &changed {
                println!("{line}");
            }
            if changed.is_empty() {
                println!("man pages and completions are up to date");
            }
            true
        }),
        "check" => xtask::stale(&root).map(|problems| {
            for line in &problems {
                eprintln!("{line}");
            }
            if !problems.is_empty() {
                eprintln!(
                    "regenerate with `{}` and commit the result",
                    xtask::REGENERATE
                );
            }
            problems.is_empty()
        }),
        _ => {
            eprintln!("usage: cargo xtask generate | check");
            return ExitCode::from(2);
        }
    };
    match result {
        Ok(true) => ExitCode::SUCCESS,
        Ok(false) => ExitCode::FAILURE,
        Err(e) => {
            eprintln!("xtask: {e}");
            ExitCode::FAILURE
        }
    }
}
