//! Reading a container config together with the files its `lxc.include` lines name. This
//! is the only part of the grammar crate that reads files.
//!
//! As in LXC (`set_config_includefiles`, `do_includedir`), `lxc.include = PATH` reads PATH
//! in place of the line, so later lines override or append exactly as if the included text
//! were written there; PATH may be a file or a directory, of which every entry whose name
//! ends in `.conf` (and is at least 6 characters long) is read; a path ending in `/` names a
//! directory that may be missing (then nothing is read), while any other missing path is an
//! error. An empty `lxc.include =` only clears the list of includes LXC reports for the key
//! (see [`Loaded::values`]); what was included stays.
//!
//! Differences from LXC: a directory's files are read in sorted order (LXC takes them in
//! the order the file system lists them, so the result could change from one machine to
//! the next); an include cycle, or includes nested deeper than [`MAX_INCLUDE_DEPTH`], is an
//! error (LXC recurses until it runs out of file descriptors or stack).

use super::ast::{Config, Entry};
use super::legacy::Renamer;
use super::{build, lex};
use crate::diagnostic::{io_reason, Diagnostic};
use crate::source::{ReadError, SourceFile, Span, Spanned};
use serde::{Deserialize, Serialize};
use std::ffi::OsString;
use std::fmt::Write as _;
use std::fs;
use std::path::{Path, PathBuf};

/// How deeply includes may nest (the top file is depth 1).
pub const MAX_INCLUDE_DEPTH: usize = 32;

/// Which of the [`Sources`] something comes from (0 is the file [`load()`] was given).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct FileId(pub usize);

/// A diagnostic together with the file it is about.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct FileDiagnostic {
    /// The file the diagnostic's spans point into.
    pub file: FileId,
    /// What is wrong there.
    pub diagnostic: Diagnostic,
}

impl FileDiagnostic {
    /// True for errors.
    pub fn is_error(&self) -> bool {
        self.diagnostic.is_error()
    }
}

/// The text of every file a load read, in reading order, and which line included each.
#[derive(Clone, Debug, Default)]
pub struct Sources {
    files: Vec<SourceFile>,
    included_from: Vec<Option<(FileId, Span)>>,
}

impl Sources {
    /// The file `id`, named as LXC would open it (an included file by the path the
    /// `lxc.include` line gives, joined with the file name for a directory).
    pub fn file(&self, id: FileId) -> Option<&SourceFile> {
        self.files.get(id.0)
    }

    /// Every file with its id, in reading order.
    pub fn iter(&self) -> impl Iterator<Item = (FileId, &SourceFile)> {
        self.files.iter().enumerate().map(|(i, f)| (FileId(i), f))
    }

    /// The `lxc.include` line that read file `id` (its file and the span of its value);
    /// `None` for the top file.
    pub fn included_from(&self, id: FileId) -> Option<(FileId, Span)> {
        self.included_from.get(id.0).copied().flatten()
    }

    /// Renders `diagnostics` against the files they are about, each followed by the chain
    /// of includes that led to its file.
    pub fn render(&self, diagnostics: &[FileDiagnostic]) -> String {
        let mut out = String::new();
        for d in diagnostics {
            let Some(src) = self.file(d.file) else {
                continue;
            };
            out.push_str(&d.diagnostic.render(src));
            let mut at = d.file;
            while let Some((parent, span)) = self.included_from(at) {
                if let Some(parent_src) = self.file(parent) {
                    let lc = parent_src.line_col(span.start);
                    let _ = writeln!(
                        out,
                        "      = note: `{}` is included from {}:{}:{}",
                        self.file(at).map_or("", SourceFile::name),
                        parent_src.name(),
                        lc.line,
                        lc.col
                    );
                }
                at = parent;
            }
        }
        out
    }
}

/// A setting and the file it was read from.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct LoadedEntry {
    /// The file whose text the entry's spans point into.
    pub file: FileId,
    /// The setting.
    pub entry: Entry,
}

/// A container config with its includes read.
#[derive(Clone, Debug)]
pub struct Loaded {
    /// Every file read.
    pub sources: Sources,
    /// Every setting in the order LXC applies them: each `lxc.include` line is followed by
    /// the settings of what it includes.
    pub entries: Vec<LoadedEntry>,
    /// Warnings about any of the files, by file and then by position.
    pub warnings: Vec<FileDiagnostic>,
}

impl Loaded {
    /// Renders diagnostics about these files (the warnings, or what an accessor reported).
    pub fn render(&self, diagnostics: &[FileDiagnostic]) -> String {
        self.sources.render(diagnostics)
    }

    /// The whole configuration as one file: the settings of every file in order, without
    /// the `lxc.include` lines (what they include is already there). Spans point into the
    /// file each entry came from, see [`Loaded::entries`].
    pub fn expanded(&self) -> Config {
        Config {
            entries: self
                .entries
                .iter()
                .filter(|e| e.entry.key.value != "lxc.include")
                .map(|e| e.entry.clone())
                .collect(),
        }
    }
}

/// A config that could not be loaded.
#[derive(Debug, thiserror::Error)]
pub enum LoadError {
    /// The config file itself could not be read.
    #[error(transparent)]
    Read(#[from] ReadError),
    /// The files were read, but hold errors (or an include could not be read).
    #[error("{}", .sources.render(.diagnostics).trim_end())]
    Invalid {
        /// Every file read.
        sources: Sources,
        /// The errors and warnings, by file and then by position.
        diagnostics: Vec<FileDiagnostic>,
    },
}

/// Reads a container config and everything it includes.
pub fn load(path: &Path) -> Result<Loaded, LoadError> {
    Loader::new().load(path)
}

/// Reads container configs; [`load()`] with the default settings.
#[derive(Clone, Debug, Default)]
pub struct Loader {
    root: Option<PathBuf>,
}

impl Loader {
    /// A loader that opens include paths as they are written.
    pub fn new() -> Self {
        Self::default()
    }

    /// Opens include paths under `root` instead of `/` (for a container image mounted
    /// elsewhere, or a test tree): `lxc.include = /usr/share/lxc/config/common.conf` reads
    /// `ROOT/usr/share/lxc/config/common.conf`, and a relative path is taken from `ROOT`.
    /// Messages still show the paths as written.
    pub fn root(mut self, root: impl Into<PathBuf>) -> Self {
        self.root = Some(root.into());
        self
    }

    /// Reads the config at `path` and its includes.
    pub fn load(&self, path: &Path) -> Result<Loaded, LoadError> {
        self.load_as(path, &path.display().to_string())
    }

    /// As [`Loader::load`], naming the file `name` in messages.
    pub fn load_as(&self, path: &Path, name: &str) -> Result<Loaded, LoadError> {
        let bytes = fs::read(path).map_err(|source| ReadError::Io {
            path: name.to_string(),
            source,
        })?;
        let src = SourceFile::from_bytes(name.to_string(), bytes)?;
        self.run(src, fs::canonicalize(path).ok())
    }

    /// Reads a config given as text, and its includes (which are files).
    pub fn load_source(&self, src: SourceFile) -> Result<Loaded, LoadError> {
        self.run(src, None)
    }

    fn run(&self, src: SourceFile, path: Option<PathBuf>) -> Result<Loaded, LoadError> {
        let mut run = Run {
            loader: self,
            sources: Sources::default(),
            entries: Vec::new(),
            diagnostics: Vec::new(),
            renamer: Renamer::default(),
            stack: Vec::new(),
        };
        run.read(src, path, None);
        let Run {
            sources,
            entries,
            mut diagnostics,
            ..
        } = run;
        diagnostics.sort_by_key(|d| (d.file, d.diagnostic.span.start));
        if diagnostics.iter().any(FileDiagnostic::is_error) {
            return Err(LoadError::Invalid {
                sources,
                diagnostics,
            });
        }
        Ok(Loaded {
            sources,
            entries,
            warnings: diagnostics,
        })
    }

    /// Where to open an include path.
    fn resolve(&self, written: &str) -> PathBuf {
        match &self.root {
            Some(root) => root.join(written.trim_start_matches('/')),
            None => PathBuf::from(written),
        }
    }
}

/// One load in progress.
struct Run<'a> {
    loader: &'a Loader,
    sources: Sources,
    entries: Vec<LoadedEntry>,
    diagnostics: Vec<FileDiagnostic>,
    renamer: Renamer,
    /// The files being read, outermost first: where they are (if known) and their names.
    stack: Vec<(Option<PathBuf>, String)>,
}

impl Run<'_> {
    /// Parses `src` and reads its includes in place.
    fn read(&mut self, src: SourceFile, path: Option<PathBuf>, from: Option<(FileId, Span)>) {
        let id = FileId(self.sources.files.len());
        let (raw, mut diagnostics) = lex(&src);
        let backend = build::rootfs_backend(&raw);
        self.stack.push((path, src.name().to_string()));
        self.sources.files.push(src);
        self.sources.included_from.push(from);
        for raw in raw {
            let settled =
                build::settle(raw, &mut self.renamer, backend.as_deref(), &mut diagnostics);
            let Some(entry) = settled else {
                continue;
            };
            let include = (entry.key.value == "lxc.include" && !entry.is_clear())
                .then(|| entry.value.clone());
            self.entries.push(LoadedEntry { file: id, entry });
            if let Some(written) = include {
                self.include(id, &written);
            }
        }
        self.diagnostics
            .extend(diagnostics.into_iter().map(|diagnostic| FileDiagnostic {
                file: id,
                diagnostic,
            }));
        self.stack.pop();
    }

    fn report(&mut self, file: FileId, diagnostic: Diagnostic) {
        self.diagnostics.push(FileDiagnostic { file, diagnostic });
    }

    /// `lxc.include = written`, in file `id`.
    fn include(&mut self, id: FileId, written: &Spanned<String>) {
        let span = written.span;
        let text = written.value.as_str();
        if !text.starts_with('/') {
            self.report(
                id,
                Diagnostic::warning(span, format!("the include path `{text}` is relative"))
                    .with_hint(
                        "LXC opens it from the directory it was started in, not from the config's \
                     directory; write the absolute path",
                    ),
            );
        }
        if self.stack.len() >= MAX_INCLUDE_DEPTH {
            self.report(
                id,
                Diagnostic::error(
                    span,
                    format!("includes are nested more than {MAX_INCLUDE_DEPTH} deep"),
                )
                .with_hint("flatten the chain of included files"),
            );
            return;
        }
        let path = self.loader.resolve(text);
        let drop_in = text.ends_with('/');
        if !drop_in && !path.is_dir() {
            self.include_file(id, span, &path, text.to_string());
            return;
        }
        let listing = match fs::read_dir(&path) {
            Ok(listing) => listing,
            // A drop-in directory (`common.conf.d/`) need not exist, as in LXC.
            Err(e) if drop_in && e.kind() == std::io::ErrorKind::NotFound => return,
            Err(e) => {
                self.report(
                    id,
                    Diagnostic::error(
                        span,
                        format!("cannot include the directory `{text}`: {}", io_reason(&e)),
                    ),
                );
                return;
            }
        };
        let mut names: Vec<OsString> = Vec::new();
        for dirent in listing {
            match dirent {
                Ok(dirent) => names.push(dirent.file_name()),
                Err(e) => {
                    self.report(
                        id,
                        Diagnostic::error(
                            span,
                            format!("cannot list the directory `{text}`: {}", io_reason(&e)),
                        ),
                    );
                    return;
                }
            }
        }
        // LXC's filter: a `.conf` suffix with at least one character before it.
        names.retain(|n| {
            let b = n.as_encoded_bytes();
            b.len() >= 6 && b.ends_with(b".conf")
        });
        names.sort();
        let dir = text.trim_end_matches('/');
        for name in names {
            let shown = format!("{dir}/{}", name.to_string_lossy());
            self.include_file(id, span, &path.join(&name), shown);
        }
    }

    /// Reads the file at `path` (shown as `shown`), included from file `id` at `span`.
    fn include_file(&mut self, id: FileId, span: Span, path: &Path, shown: String) {
        let cannot =
            |reason: String| Diagnostic::error(span, format!("cannot include `{shown}`: {reason}"));
        let canonical = match fs::canonicalize(path) {
            Ok(canonical) => canonical,
            Err(e) => {
                let mut d = cannot(io_reason(&e));
                if e.kind() == std::io::ErrorKind::NotFound {
                    d = d.with_hint(
                        "LXC refuses to load a config whose include is missing; end the path \
                         with `/` if it names a drop-in directory that may not exist",
                    );
                }
                self.report(id, d);
                return;
            }
        };
        if let Some(first) = self
            .stack
            .iter()
            .position(|(p, _)| p.as_ref() == Some(&canonical))
        {
            let chain: Vec<&str> = self.stack[first..]
                .iter()
                .map(|(_, name)| name.as_str())
                .chain([shown.as_str()])
                .collect();
            let d = Diagnostic::error(
                span,
                format!("`{shown}` includes itself: {}", chain.join(" -> ")),
            )
            .with_hint("remove one of these includes; LXC would recurse until it fails");
            self.report(id, d);
            return;
        }
        let src = fs::read(path)
            .map_err(|e| cannot(io_reason(&e)))
            .and_then(|bytes| {
                SourceFile::from_bytes(shown.clone(), bytes).map_err(|e| match e {
                    ReadError::NotUtf8 { line, .. } => {
                        cannot(format!("line {line} is not valid UTF-8 text"))
                    }
                    ReadError::Io { source, .. } => cannot(io_reason(&source)),
                })
            });
        match src {
            Ok(src) => self.read(src, Some(canonical), Some((id, span))),
            Err(d) => self.report(id, d),
        }
    }
}
