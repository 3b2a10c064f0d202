//! Which configuration files a run reads, in which order.
//!
//! `cgconfigparser -l FILE -L DIR` and cgconfigd read a file list built here: `-l` files as
//! given, and for each `-L` directory the names ending in `.conf` (but not `.conf` alone),
//! sorted bytewise, as libcgroup 3.1+ does. libcgroup 2.0.2 read every file of the
//! directory, editor backups included; see docs/compat.md.

use std::io;
use std::path::{Path, PathBuf};

/// The `*.conf` files of `dir`, sorted by name.
pub fn conf_files_in(dir: &Path) -> io::Result<Vec<PathBuf>> {
    let mut files = Vec::new();
    for entry in std::fs::read_dir(dir)? {
        let entry = entry?;
        let name = entry.file_name();
        let name = name.as_encoded_bytes();
        if name.len() <= ".conf".len() || !name.ends_with(b".conf") || name.starts_with(b".") {
            continue;
        }
        // Directories named *.conf are skipped; symlinks to files are followed, as libcgroup does.
        if entry.path().is_file() {
            files.push(entry.path());
        }
    }
    files.sort();
    Ok(files)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_conf_files_in_byte_order() {
        let dir = tempfile::tempdir().unwrap();
        for name in [
            "b.conf",
            "a.conf",
            ".conf",
            "c.txt",
            "x.conf.conf",
            "B.conf",
            ".hidden.conf",
            "a.conf~",
        ] {
            std::fs::write(dir.path().join(name), "").unwrap();
        }
        std::fs::create_dir(dir.path().join("d.conf")).unwrap();
        let names: Vec<String> = conf_files_in(dir.path())
            .unwrap()
            .iter()
            .map(|p| p.file_name().unwrap().to_string_lossy().into_owned())
            .collect();
        assert_eq!(names, ["B.conf", "a.conf", "b.conf", "x.conf.conf"]);
    }
}
