//! Which configuration files a run reads, in which order.
//!
//! `cgconfigparser -l FILE -L DIR` and cgconfigd read a file list built here: `-l` files as
//! given, and for each `-L` directory the names ending in `.conf` (but not `.conf` alone),
//! sorted bytewise, as libcgroup 3.1+ does. libcgroup 2.0.2 read every file of the
//! directory, editor backups included; see docs/compat.md. The tools that create groups
//! from templates (cgexec and cgclassify by the rules) and the rules engine read the
//! templates of the same files ([`templates_in`]).

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

/// The `template` sections of one configuration file, in order. `Err`: why the file
/// cannot be read, or the first line of its parse errors (`file:line:col: ...`).
pub fn templates_in(file: &Path) -> Result<Vec<grammar::cgconfig::Group>, String> {
    use super::check::FileError;
    let (_, config) = super::check::read_config(file).map_err(|e| match e {
        FileError::Unreadable { message, .. } => message,
        FileError::Invalid { report, .. } => report.lines().next().unwrap_or("").to_string(),
    })?;
    Ok(config
        .sections
        .into_iter()
        .filter_map(|section| match section {
            grammar::cgconfig::Section::Template(t) => Some(t),
            _ => None,
        })
        .collect())
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
