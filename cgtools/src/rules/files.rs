//! Which rules files are read, and in which order, and reading them: the one lister and
//! reader of cgexec and cgclassify (by rules) and of the rules engine, so that a tool and
//! the daemon never disagree about which rules exist.
//!
//! The main file (`/etc/cgrules.conf`) comes first, then the files of the drop-in
//! directory (`/etc/cgrules.d`) in byte order of their names. libcgroup reads every
//! regular file or symlink of the directory in `readdir` order, whatever its name; the
//! order is the file system's, so the first matching rule could change from one host to
//! the next, and an editor's swap file or a package manager's leftover copy would become
//! live rules. So names are sorted, and these are skipped (`docs/compat.md`):
//!
//! * hidden names (`.x`: editor swap files, `.#x` locks);
//! * backups and package manager leftovers: a name ending in `~`, `.bak`, `.orig`,
//!   `.rej`, `.swp`, `.tmp`, `.dpkg-old`, `.dpkg-new`, `.dpkg-dist`, `.dpkg-tmp`,
//!   `.dpkg-bak`, `.ucf-old`, `.ucf-new`, `.ucf-dist`, `.rpmsave`, `.rpmnew`, `.rpmorig`;
//! * what is not a regular file once symlinks are followed (directories, sockets,
//!   dangling symlinks).
//!
//! A missing directory holds no rules (libcgroup's backward compatible path). A missing
//! main file is reported in [`RulesListing::main_missing`] and left to the caller: the
//! tools fail as libcgroup's do, the engine counts it as empty.

use std::io;
use std::path::{Path, PathBuf};

use grammar::cgrules::Rules;
use grammar::diagnostic::io_reason;

/// The name endings of backups and package managers' copies, never read as rules.
const BACKUP_SUFFIXES: &[&str] = &[
    "~",
    ".bak",
    ".orig",
    ".rej",
    ".swp",
    ".tmp",
    ".dpkg-old",
    ".dpkg-new",
    ".dpkg-dist",
    ".dpkg-tmp",
    ".dpkg-bak",
    ".ucf-old",
    ".ucf-new",
    ".ucf-dist",
    ".rpmsave",
    ".rpmnew",
    ".rpmorig",
];

/// The rules files to read.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct RulesListing {
    /// The files, in reading order: the main file if it exists, then the directory's.
    pub files: Vec<PathBuf>,
    /// `cannot read FILE: No such file or directory` when the main file does not exist.
    pub main_missing: Option<String>,
}

/// Whether a name in the drop-in directory is skipped: hidden, or a backup.
pub fn is_skipped_name(name: &std::ffi::OsStr) -> bool {
    let name = name.as_encoded_bytes();
    name.starts_with(b".")
        || BACKUP_SUFFIXES
            .iter()
            .any(|suffix| name.ends_with(suffix.as_bytes()))
}

/// Lists the rules files of `main` and the drop-in directory `dir`. Errors name the path
/// and the system's reason: `cannot read FILE: ...` for a main file or a drop-in that
/// cannot be looked at (other than missing), `cannot list DIR: ...` for a directory that
/// exists but cannot be read.
pub fn list(main: &Path, dir: &Path) -> Result<RulesListing, String> {
    let cannot_read =
        |path: &Path, e: &io::Error| format!("cannot read {}: {}", path.display(), io_reason(e));
    let mut listing = RulesListing::default();
    match std::fs::metadata(main) {
        Ok(_) => listing.files.push(main.to_path_buf()),
        Err(e) if e.kind() == io::ErrorKind::NotFound => {
            listing.main_missing = Some(cannot_read(main, &e));
        }
        Err(e) => return Err(cannot_read(main, &e)),
    }
    let cannot_list = |e: &io::Error| format!("cannot list {}: {}", dir.display(), io_reason(e));
    let entries = match std::fs::read_dir(dir) {
        Ok(entries) => entries,
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(listing),
        Err(e) => return Err(cannot_list(&e)),
    };
    let mut more = Vec::new();
    for entry in entries {
        let entry = entry.map_err(|e| cannot_list(&e))?;
        if is_skipped_name(&entry.file_name()) {
            continue;
        }
        let path = entry.path();
        match std::fs::metadata(&path) {
            Ok(meta) if meta.is_file() => more.push(path),
            Ok(_) => {}
            // A dangling symlink, or a file removed while listing.
            Err(e) if e.kind() == io::ErrorKind::NotFound => {}
            Err(e) => return Err(cannot_read(&path, &e)),
        }
    }
    more.sort();
    listing.files.extend(more);
    Ok(listing)
}

/// The rules of the listed files, parsed: one list in reading order.
#[derive(Clone, Debug, Default)]
pub struct RulesRead {
    /// Every file's rules, in reading order.
    pub rules: Rules,
    /// The files read, in order (see [`RulesListing::files`]).
    pub files: Vec<PathBuf>,
    /// Each rule's file (an index into `files`) and line, in the order of `rules`: the
    /// classifier names a rule by its position, messages by its file and line.
    pub lines: Vec<(usize, usize)>,
    /// As [`RulesListing::main_missing`]: the tools refuse, the engine reads no rules.
    pub main_missing: Option<String>,
}

/// Lists the rules files as [`list`] does and parses them. Every file is read, so that
/// all errors are reported at once. `Err`: one entry per file that failed, its
/// diagnostics rendered (`file:line:col`, the line and a caret) or why it cannot be read,
/// or the listing's own error.
pub fn read(main: &Path, dir: &Path) -> Result<RulesRead, Vec<String>> {
    let listing = list(main, dir).map_err(|e| vec![e])?;
    let mut read = RulesRead {
        files: listing.files,
        main_missing: listing.main_missing,
        ..RulesRead::default()
    };
    let mut errors = Vec::new();
    for (index, path) in read.files.iter().enumerate() {
        let src = match grammar::SourceFile::read(path) {
            Ok(src) => src,
            Err(e) => {
                errors.push(e.to_string());
                continue;
            }
        };
        match grammar::cgrules::parse(&src) {
            Ok(rules) => {
                for rule in rules.rules {
                    read.lines.push((index, src.line_col(rule.span.start).line));
                    read.rules.rules.push(rule);
                }
            }
            Err(diagnostics) => errors.push(grammar::diagnostic::render_all(&diagnostics, &src)),
        }
    }
    if errors.is_empty() {
        Ok(read)
    } else {
        Err(errors)
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
    use super::*;
    use std::ffi::OsStr;

    #[test]
    fn main_first_then_the_directory_sorted_by_name() {
        let tmp = tempfile::tempdir().unwrap();
        let main = tmp.path().join("cgrules.conf");
        let dir = tmp.path().join("cgrules.d");
        std::fs::write(&main, "").unwrap();
        std::fs::create_dir(&dir).unwrap();
        for name in ["b", "a.conf", "B", "10-x", "9-y"] {
            std::fs::write(dir.join(name), "").unwrap();
        }
        let listing = list(&main, &dir).unwrap();
        let names: Vec<&OsStr> = listing.files[1..]
            .iter()
            .map(|p| p.file_name().unwrap())
            .collect();
        assert_eq!(listing.files[0], main);
        assert_eq!(names, ["10-x", "9-y", "B", "a.conf", "b"]);
        assert_eq!(listing.main_missing, None);
    }

    #[test]
    fn hidden_backup_and_non_files_are_skipped() {
        let tmp = tempfile::tempdir().unwrap();
        let dir = tmp.path().join("cgrules.d");
        std::fs::create_dir(&dir).unwrap();
        for name in [
            "keep",
            ".hidden",
            ".keep.swp",
            "keep~",
            "keep.bak",
            "keep.dpkg-old",
            "keep.dpkg-dist",
            "keep.rpmnew",
            "keep.rpmsave",
            "keep.ucf-dist",
        ] {
            std::fs::write(dir.join(name), "").unwrap();
        }
        std::fs::create_dir(dir.join("subdir")).unwrap();
        std::os::unix::fs::symlink(dir.join("keep"), dir.join("link")).unwrap();
        std::os::unix::fs::symlink(dir.join("subdir"), dir.join("dirlink")).unwrap();
        std::os::unix::fs::symlink(dir.join("gone"), dir.join("dangling")).unwrap();
        let listing = list(&tmp.path().join("cgrules.conf"), &dir).unwrap();
        assert_eq!(listing.files, [dir.join("keep"), dir.join("link")]);
    }

    #[test]
    fn missing_files_are_no_rules_and_the_main_one_is_reported() {
        let tmp = tempfile::tempdir().unwrap();
        let main = tmp.path().join("cgrules.conf");
        let listing = list(&main, &tmp.path().join("cgrules.d")).unwrap();
        assert!(listing.files.is_empty());
        assert_eq!(
            listing.main_missing,
            Some(format!(
                "cannot read {}: No such file or directory",
                main.display()
            ))
        );
    }

    #[test]
    fn errors_name_the_path() {
        let tmp = tempfile::tempdir().unwrap();
        // A directory that is a file cannot be listed.
        let not_dir = tmp.path().join("cgrules.d");
        std::fs::write(&not_dir, "").unwrap();
        let error = list(&tmp.path().join("cgrules.conf"), &not_dir).unwrap_err();
        assert_eq!(
            error,
            format!("cannot list {}: Not a directory", not_dir.display())
        );
        // A main file below a file cannot be looked at.
        let main = not_dir.join("cgrules.conf");
        let error = list(&main, &tmp.path().join("none")).unwrap_err();
        assert_eq!(
            error,
            format!("cannot read {}: Not a directory", main.display())
        );
    }

    #[test]
    fn skipped_names() {
        for name in [".x", "x~", "x.dpkg-new", "x.rpmorig", "x.orig", "x.tmp"] {
            assert!(is_skipped_name(OsStr::new(name)), "{name}");
        }
        for name in ["x", "x.conf", "rules", "dpkg-old", "x.bak.conf"] {
            assert!(!is_skipped_name(OsStr::new(name)), "{name}");
        }
    }

    #[test]
    fn rules_are_read_in_order_with_their_files_and_lines_and_every_error_located() {
        let tmp = tempfile::tempdir().unwrap();
        let main = tmp.path().join("cgrules.conf");
        let dir = tmp.path().join("cgrules.d");
        std::fs::write(&main, "# users\nalice  cpu  a/\n").unwrap();
        std::fs::create_dir(&dir).unwrap();
        std::fs::write(dir.join("20-b"), "bob  cpu  b/\n%  memory  m/\n").unwrap();
        std::fs::write(dir.join("10-c"), "\n\ncarol  cpu  c/\n").unwrap();
        let got = read(&main, &dir).unwrap();
        let subjects: Vec<String> = got
            .rules
            .iter()
            .map(|r| r.subject.value.to_field())
            .collect();
        // The `%` line belongs to bob's rule.
        assert_eq!(subjects, ["alice", "carol", "bob"]);
        assert_eq!(
            got.files,
            [main.clone(), dir.join("10-c"), dir.join("20-b")]
        );
        assert_eq!(got.lines, [(0, 2), (1, 3), (2, 1)]);
        assert_eq!(got.main_missing, None);

        // Two bad files: both reported, each at its place.
        std::fs::write(dir.join("30-bad"), "dave  cpu\n").unwrap();
        std::fs::write(dir.join("40-bad"), "erin  cpu  e/\nfrank\n").unwrap();
        let errors = read(&main, &dir).unwrap_err();
        assert_eq!(errors.len(), 2, "{errors:?}");
        assert!(errors[0].contains("30-bad:1:"), "{}", errors[0]);
        assert!(errors[1].contains("40-bad:2:"), "{}", errors[1]);

        // No main file: the directory's rules, and the main file said missing.
        std::fs::remove_dir_all(&dir).unwrap();
        std::fs::remove_file(&main).unwrap();
        let got = read(&main, &dir).unwrap();
        assert!(got.rules.rules.is_empty() && got.files.is_empty());
        assert_eq!(
            got.main_missing.as_deref(),
            Some(format!("cannot read {}: No such file or directory", main.display()).as_str())
        );
    }
}
