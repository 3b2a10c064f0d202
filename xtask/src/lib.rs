//! The files generated from the tools' clap definitions ([`cgtools::tools::cli::all`]): a
//! man page per tool in `man/` and completions for bash, zsh and fish in `completions/`.
//!
//! They are committed, so packagers need no build step to install them; the test in
//! `xtask/tests/` regenerates them in memory and fails when the committed copies differ.
//! `cargo xtask generate` writes them.

use std::collections::BTreeMap;
use std::fs;
use std::io;
use std::path::{Path, PathBuf};

use clap_complete::aot::{Bash, Fish, Generator, Zsh};

/// The directories this generator owns, relative to the repository root: every file in
/// them but the [`HAND_WRITTEN`] ones is generated, and a file the generator no longer
/// produces is stale.
pub const OWNED_DIRS: &[&str] = &["man", "completions"];

/// Files in the owned directories that are written by hand, not generated: the
/// file-format pages, which have no clap definition to come from
/// (`grammar/tests/man_pages.rs` keeps them true to the grammar instead).
pub const HAND_WRITTEN: &[&str] = &["man/cgconfig.conf.5", "man/cgrules.conf.5"];

/// The command that regenerates the files, for messages.
pub const REGENERATE: &str = "cargo xtask generate";

/// Every generated file: its path relative to the repository root, and its contents.
pub fn generate() -> io::Result<BTreeMap<PathBuf, Vec<u8>>> {
    let mut files = BTreeMap::new();
    for command in cgtools::tools::cli::all() {
        let name = command.get_name().to_string();
        let section = cgtools::tools::cli::man_section(&name);
        files.insert(
            PathBuf::from(format!("man/{name}.{section}")),
            man_page(command.clone())?,
        );
        files.insert(
            PathBuf::from(format!("completions/bash/{name}")),
            completion(Bash, command.clone())?,
        );
        files.insert(
            PathBuf::from(format!("completions/zsh/_{name}")),
            completion(Zsh, command.clone())?,
        );
        files.insert(
            PathBuf::from(format!("completions/fish/{name}.fish")),
            completion(Fish, command)?,
        );
    }
    Ok(files)
}

/// A tool's page: clap_mangen's sections, then the tool's extra sections
/// ([`cgtools::tools::cli::man_extra`], e.g. cgconfigd's signals and files), then the
/// version.
fn man_page(command: clap::Command) -> io::Result<Vec<u8>> {
    use clap_mangen::roff::{roman, Roff};
    let name = command.get_name().to_string();
    let section = cgtools::tools::cli::man_section(&name);
    let manual = if section == "8" {
        "System Administration"
    } else {
        "User Commands"
    };
    // No date, so that the pages are reproducible; a blank one keeps the .TH fields in
    // place (clap_mangen drops an empty field, shifting the source into the date's slot).
    // A tool without --version (cgrulesengd, as libcgroup's) has no VERSION section.
    let versioned = command.get_version().is_some();
    let man = clap_mangen::Man::new(command)
        .section(section)
        .date(" ")
        .source(format!("cgtools {}", env!("CARGO_PKG_VERSION")))
        .manual(manual);
    let extra_sections = cgtools::tools::cli::man_extra(&name);
    let mut out = Vec::new();
    if extra_sections.is_empty() {
        man.render(&mut out)?;
        return Ok(out);
    }
    man.render_title(&mut out)?;
    man.render_name_section(&mut out)?;
    man.render_synopsis_section(&mut out)?;
    man.render_description_section(&mut out)?;
    man.render_options_section(&mut out)?;
    let mut extra = Roff::default();
    for (heading, paragraphs) in extra_sections {
        extra.control("SH", [*heading]);
        for (i, paragraph) in paragraphs.iter().enumerate() {
            if i > 0 {
                extra.control("PP", []);
            }
            extra.text([roman(*paragraph)]);
        }
    }
    extra.to_writer(&mut out)?;
    if versioned {
        man.render_version_section(&mut out)?;
    }
    // Each section rendered alone starts with roff's quote-string preamble: keep the first.
    let text = String::from_utf8(out).map_err(|e| io::Error::other(e.to_string()))?;
    let preamble = ".ie \\n(.g .ds Aq \\(aq\n.el .ds Aq '\n";
    let mut parts = text.split(preamble);
    let mut joined = format!("{}{preamble}", parts.next().unwrap_or_default());
    for part in parts {
        joined.push_str(part);
    }
    Ok(joined.into_bytes())
}

fn completion(shell: impl Generator, mut command: clap::Command) -> io::Result<Vec<u8>> {
    let name = command.get_name().to_string();
    command.set_bin_name(name);
    command.build();
    let mut out = Vec::new();
    shell
        .try_generate(&command, &mut out)
        .map_err(|e| io::Error::other(e.to_string()))?;
    Ok(out)
}

/// What differs between `root` and freshly generated files: one line per file that is
/// missing, different, or no longer generated. Empty when everything is up to date.
pub fn stale(root: &Path) -> io::Result<Vec<String>> {
    let files = generate()?;
    let mut problems = Vec::new();
    for (path, contents) in &files {
        match fs::read(root.join(path)) {
            Ok(on_disk) if &on_disk == contents => {}
            Ok(_) => problems.push(format!("{} is out of date", path.display())),
            Err(e) if e.kind() == io::ErrorKind::NotFound => {
                problems.push(format!("{} is missing", path.display()))
            }
            Err(e) => return Err(e),
        }
    }
    for path in existing(root)? {
        if !files.contains_key(&path) {
            problems.push(format!("{} is no longer generated", path.display()));
        }
    }
    Ok(problems)
}

/// Writes every generated file under `root` and removes files in the owned directories
/// that are no longer generated. Returns the paths written or removed.
pub fn write(root: &Path) -> io::Result<Vec<String>> {
    let files = generate()?;
    let mut changed = Vec::new();
    for path in existing(root)? {
        if !files.contains_key(&path) {
            fs::remove_file(root.join(&path))?;
            changed.push(format!("removed {}", path.display()));
        }
    }
    for (path, contents) in &files {
        let full = root.join(path);
        if fs::read(&full).ok().as_deref() == Some(contents.as_slice()) {
            continue;
        }
        if let Some(dir) = full.parent() {
            fs::create_dir_all(dir)?;
        }
        fs::write(&full, contents)?;
        changed.push(format!("wrote {}", path.display()));
    }
    Ok(changed)
}

/// The generated files now in the owned directories (every file but the
/// [`HAND_WRITTEN`] ones), relative to `root`.
fn existing(root: &Path) -> io::Result<Vec<PathBuf>> {
    let mut out = Vec::new();
    for dir in OWNED_DIRS {
        collect(root, Path::new(dir), &mut out)?;
    }
    out.retain(|path| !HAND_WRITTEN.iter().any(|h| Path::new(h) == path));
    Ok(out)
}

fn collect(root: &Path, relative: &Path, out: &mut Vec<PathBuf>) -> io::Result<()> {
    let entries = match fs::read_dir(root.join(relative)) {
        Ok(entries) => entries,
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(()),
        Err(e) => return Err(e),
    };
    for entry in entries {
        let entry = entry?;
        let path = relative.join(entry.file_name());
        if entry.file_type()?.is_dir() {
            collect(root, &path, out)?;
        } else {
            out.push(path);
        }
    }
    Ok(())
}

/// The repository root (the workspace this crate belongs to).
pub fn repo_root() -> PathBuf {
    let manifest = Path::new(env!("CARGO_MANIFEST_DIR"));
    manifest.parent().unwrap_or(manifest).to_path_buf()
}
