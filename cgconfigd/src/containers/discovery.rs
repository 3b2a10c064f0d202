//! Finding the containers, as LXC lists them (`list_defined_containers`): every
//! non-hidden subdirectory of the container directory (`lxcpath`) that holds a file named
//! `config`, that config loaded with `grammar::lxc` (includes followed).
//!
//! The container directory is `--lxcpath` when given, else `lxc.lxcpath` of
//! `/etc/lxc/lxc.conf` (LXC's system configuration, which `lxc-ls` and `lxc-start` read
//! too), else `/var/lib/lxc`. A missing directory has no containers.
//!
//! A container whose config does not load (a syntax error, an unknown key, a bad
//! `lxc.start.*` value, a missing include) is *broken*: it is listed with its errors
//! (`file:line:col`), never started, and the other containers are not affected. So is a
//! directory whose name cannot be a group name (cgconfigd names the container's group
//! after it): `..`, control characters, over 255 bytes.

use crate::config::one_line_errors;
use grammar::lxc::{Autostart, LoadError, Loaded};
use std::collections::BTreeMap;
use std::fs;
use std::io;
use std::path::{Path, PathBuf};

use super::launcher::ContainerDir;

/// LXC's default container directory.
pub const DEFAULT_LXCPATH: &str = "/var/lib/lxc";
/// LXC's system configuration, where `lxc.lxcpath` may move the container directory.
pub const LXC_CONF: &str = "/etc/lxc/lxc.conf";
/// The config file's name in a container directory.
pub const CONFIG: &str = "config";
/// The longest container name (a group name component).
pub const MAX_NAME: usize = 255;

/// The container directory: `option` if given, else `lxc.lxcpath` of `lxc_conf`, else
/// [`DEFAULT_LXCPATH`]; with a warning when `lxc_conf` exists but cannot be read.
pub fn lxcpath(option: Option<&Path>, lxc_conf: &Path) -> (PathBuf, Option<String>) {
    if let Some(path) = option {
        return (path.to_path_buf(), None);
    }
    match fs::read_to_string(lxc_conf) {
        Ok(text) => (
            lxcpath_in(&text).map_or_else(|| PathBuf::from(DEFAULT_LXCPATH), PathBuf::from),
            None,
        ),
        Err(e) if e.kind() == io::ErrorKind::NotFound => (PathBuf::from(DEFAULT_LXCPATH), None),
        Err(e) => (
            PathBuf::from(DEFAULT_LXCPATH),
            Some(format!(
                "cannot read {}: {}; containers are looked for in {DEFAULT_LXCPATH}",
                lxc_conf.display(),
                grammar::diagnostic::io_reason(&e)
            )),
        ),
    }
}

/// `lxc.lxcpath` in the text of `lxc.conf`, as LXC's `lxc_global_config_value` reads it:
/// the first line whose key is `lxc.lxcpath` (blanks around the key and the value
/// ignored, `#` lines skipped); an empty value is no value.
pub fn lxcpath_in(text: &str) -> Option<String> {
    text.lines()
        .map(str::trim)
        .filter(|l| !l.starts_with('#'))
        .filter_map(|l| l.split_once('='))
        .find(|(k, _)| k.trim() == "lxc.lxcpath")
        .map(|(_, v)| v.trim().to_string())
        .filter(|v| !v.is_empty())
}

/// Why a name cannot be a container's (or `Ok`): it names the container's group, and a
/// client's request, so it is held to the rules of a group name component.
pub fn check_name(name: &str) -> Result<(), String> {
    if name.is_empty() {
        return Err("a container name cannot be empty".into());
    }
    if name.len() > MAX_NAME {
        return Err(format!(
            "a container name is at most {MAX_NAME} bytes, this one has {}",
            name.len()
        ));
    }
    if name.contains('/') {
        return Err(format!(
            "`{}` is not a container name: it contains `/`",
            name.escape_debug()
        ));
    }
    if name.starts_with('.') {
        return Err(format!(
            "`{}` is not a container name: it starts with `.` (hidden directories are not containers)",
            name.escape_debug()
        ));
    }
    match cgtools::GroupPath::new(name) {
        Ok(p) if p.depth() == 1 && p.as_relative() == name => Ok(()),
        Ok(_) => Err(format!("`{}` is not a container name", name.escape_debug())),
        Err(e) => Err(format!(
            "`{}` is not a container name: {e}",
            name.escape_debug()
        )),
    }
}

/// A container whose config cannot be used.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Broken {
    /// Its name.
    pub name: String,
    /// Its directory.
    pub dir: PathBuf,
    /// Every error, one line each (`file:line:col: error: ... (hint: ...)`).
    pub errors: Vec<String>,
}

impl Broken {
    /// The first error, and how many more.
    pub fn summary(&self) -> String {
        let first = self.errors.first().cloned().unwrap_or_default();
        match self.errors.len() {
            0 | 1 => first,
            n => format!("{first} (and {} more)", n - 1),
        }
    }
}

/// A container that loads, with what decides how it starts at boot.
#[derive(Clone, Debug)]
pub struct Good {
    /// Its directory and config.
    pub dir: ContainerDir,
    /// `lxc.start.*` and `lxc.group`.
    pub autostart: Autostart,
    /// Its warnings (pre-3.0 keys, lines LXC ignores), one line each.
    pub warnings: Vec<String>,
}

/// A container directory as found.
#[derive(Clone, Debug)]
pub enum Found {
    /// Its config loads.
    Good(Box<Good>),
    /// It does not.
    Broken(Broken),
}

impl Found {
    /// Its name.
    pub fn name(&self) -> &str {
        match self {
            Found::Good(g) => &g.dir.name,
            Found::Broken(b) => &b.name,
        }
    }

    /// Its autostart settings, when its config loads.
    pub fn autostart(&self) -> Option<&Autostart> {
        match self {
            Found::Good(g) => Some(&g.autostart),
            Found::Broken(_) => None,
        }
    }
}

/// Lists the containers of `lxcpath`, by name. `Err` only when the directory exists but
/// cannot be listed (then nothing is known, and the caller keeps what it knew).
pub fn discover(lxcpath: &Path) -> Result<BTreeMap<String, Found>, String> {
    let mut found = BTreeMap::new();
    let listing = match fs::read_dir(lxcpath) {
        Ok(listing) => listing,
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(found),
        Err(e) => {
            return Err(format!(
                "cannot list the container directory {}: {}",
                lxcpath.display(),
                grammar::diagnostic::io_reason(&e)
            ))
        }
    };
    for entry in listing {
        let entry = entry.map_err(|e| {
            format!(
                "cannot list the container directory {}: {}",
                lxcpath.display(),
                grammar::diagnostic::io_reason(&e)
            )
        })?;
        let raw = entry.file_name();
        if raw.as_encoded_bytes().starts_with(b".") {
            continue;
        }
        let dir = entry.path();
        // A directory (or a symlink to one, as LXC follows) holding a `config` file.
        if !dir.is_dir() || !dir.join(CONFIG).is_file() {
            continue;
        }
        let name = raw.to_string_lossy().into_owned();
        let container = match check_name(&name) {
            Ok(()) if raw.to_str().is_some() => load(&name, &dir),
            Ok(()) => Found::Broken(Broken {
                name: name.clone(),
                dir: dir.clone(),
                errors: vec![format!(
                    "{}: the directory's name is not UTF-8 text",
                    dir.display()
                )],
            }),
            Err(reason) => Found::Broken(Broken {
                name: name.clone(),
                dir: dir.clone(),
                errors: vec![format!("{}: {reason}", dir.display())],
            }),
        };
        found.insert(name, container);
    }
    Ok(found)
}

/// Loads the container `name` of directory `dir`.
pub fn load(name: &str, dir: &Path) -> Found {
    let broken = |errors: Vec<String>| {
        Found::Broken(Broken {
            name: name.to_string(),
            dir: dir.to_path_buf(),
            errors,
        })
    };
    let config: Loaded = match grammar::lxc::load(&dir.join(CONFIG)) {
        Ok(loaded) => loaded,
        Err(LoadError::Read(e)) => return broken(vec![e.to_string()]),
        Err(LoadError::Invalid {
            sources,
            diagnostics,
        }) => {
            let errors: Vec<_> = diagnostics
                .into_iter()
                .filter(grammar::lxc::FileDiagnostic::is_error)
                .collect();
            return broken(one_line_errors(&sources.render(&errors)));
        }
    };
    let autostart = match config.autostart() {
        Ok(a) => a,
        Err(errors) => return broken(one_line_errors(&config.render(&errors))),
    };
    let warnings = one_line_errors(&config.render(&config.warnings));
    Found::Good(Box::new(Good {
        dir: ContainerDir {
            name: name.to_string(),
            dir: dir.to_path_buf(),
            config,
        },
        autostart,
        warnings,
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn container(root: &Path, name: &str, config: &str) {
        fs::create_dir_all(root.join(name)).unwrap();
        fs::write(root.join(name).join(CONFIG), config).unwrap();
    }

    #[test]
    fn the_container_directory_comes_from_the_option_then_lxc_conf() {
        let dir = tempfile::tempdir().unwrap();
        let conf = dir.path().join("lxc.conf");
        let opt = dir.path().join("opt");
        assert_eq!(lxcpath(Some(&opt), &conf), (opt.clone(), None));
        assert_eq!(lxcpath(None, &conf), (PathBuf::from(DEFAULT_LXCPATH), None));
        fs::write(
            &conf,
            "# lxc.lxcpath = /commented\nlxc.default_config = /x\n  lxc.lxcpath =  /srv/lxc  \nlxc.lxcpath = /second\n",
        )
        .unwrap();
        assert_eq!(lxcpath(None, &conf), (PathBuf::from("/srv/lxc"), None));
        fs::write(&conf, "lxc.lxcpath =\n").unwrap();
        assert_eq!(lxcpath(None, &conf).0, PathBuf::from(DEFAULT_LXCPATH));
        // A directory where the file should be: read as missing, with a warning.
        fs::remove_file(&conf).unwrap();
        fs::create_dir(&conf).unwrap();
        let (path, warning) = lxcpath(None, &conf);
        assert_eq!(path, PathBuf::from(DEFAULT_LXCPATH));
        assert!(warning.unwrap().contains("lxc.conf"));
    }

    #[test]
    fn names_are_held_to_group_name_rules() {
        assert!(check_name("web-1.example").is_ok());
        assert!(check_name("").is_err());
        assert!(check_name("..").is_err());
        assert!(check_name(".hidden").is_err());
        assert!(check_name("../etc").is_err());
        assert!(check_name("a/b").is_err());
        assert!(check_name("a\nb").is_err());
        assert!(check_name(&"x".repeat(256)).is_err());
        assert!(check_name(&"x".repeat(255)).is_ok());
    }

    #[test]
    fn every_visible_directory_with_a_config_is_a_container() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        container(
            root,
            "web",
            "lxc.start.auto = 1\nlxc.start.order = 10\nlxc.group = onboot web\n",
        );
        container(root, "db", "lxc.uts.name = db\n");
        container(root, ".hidden", "lxc.start.auto = 1\n");
        fs::create_dir(root.join("noconfig")).unwrap();
        fs::write(root.join("file"), "").unwrap();
        // A config directory is not a config file.
        fs::create_dir_all(root.join("odd").join(CONFIG)).unwrap();
        container(
            root,
            "broken",
            "lxc.uts.name = b\nlxc.start.auto = 7\nlxc.nonsense = 1\n",
        );
        let found = discover(root).unwrap();
        let names: Vec<&String> = found.keys().collect();
        assert_eq!(names, ["broken", "db", "web"]);
        let web = found["web"].autostart().unwrap();
        assert!(web.auto);
        assert_eq!(web.order, 10);
        assert_eq!(web.groups, ["onboot", "web"]);
        assert!(!found["db"].autostart().unwrap().auto);
        let Found::Broken(broken) = &found["broken"] else {
            panic!("broken loads");
        };
        // Every error, with its location, one line each.
        assert_eq!(broken.errors.len(), 1, "{:?}", broken.errors);
        let first = &broken.errors[0];
        assert!(
            first.contains("broken/config:3:1: error:") && first.contains("lxc.nonsense"),
            "{first}"
        );
        assert!(discover(&root.join("missing")).unwrap().is_empty());
    }

    #[test]
    fn an_autostart_value_lxc_refuses_breaks_only_that_container() {
        let dir = tempfile::tempdir().unwrap();
        container(
            dir.path(),
            "a",
            "lxc.start.auto = 7\nlxc.start.delay = -1\n",
        );
        container(dir.path(), "b", "lxc.start.auto = 1\n");
        let found = discover(dir.path()).unwrap();
        let Found::Broken(a) = &found["a"] else {
            panic!("a loads");
        };
        assert_eq!(a.errors.len(), 2, "{:?}", a.errors);
        assert!(
            a.errors[0].contains("a/config:1:18: error: `lxc.start.auto` must be 0 or 1, not `7`"),
            "{}",
            a.errors[0]
        );
        assert!(a.summary().ends_with("(and 1 more)"));
        assert!(found["b"].autostart().unwrap().auto);
    }
}
