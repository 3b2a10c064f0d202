//! Group paths: a validated name of a group relative to a hierarchy's root.
//!
//! The rule for which names are acceptable is [`grammar::name::group_components`], shared
//! with the config checks, so a name the parser accepts is a name the backend accepts. A
//! [`GroupPath`] never contains `..`, `.`, empty components, control characters or a
//! component over 255 bytes; the filesystem layer (`fsio`) additionally refuses to
//! follow a symlink or cross a mount on the way, so a path cannot leave its hierarchy.

use std::fmt;
use std::str::FromStr;

use grammar::name::group_components;

use crate::backend::error::{Error, Result};

/// A group's path below the root of a hierarchy; the root group has no components.
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct GroupPath {
    /// `a/b/c`, no leading or trailing `/`; empty for the root.
    relative: String,
}

impl GroupPath {
    /// Validates `name` (`a/b`, `/a/b/`, `.` or `/` for the root).
    pub fn new(name: &str) -> Result<GroupPath> {
        let components = group_components(name).map_err(Error::from)?;
        Ok(GroupPath {
            relative: components.join("/"),
        })
    }

    /// The root group of a hierarchy.
    pub fn root() -> GroupPath {
        GroupPath::default()
    }

    /// Whether this is the root group.
    pub fn is_root(&self) -> bool {
        self.relative.is_empty()
    }

    /// The path relative to the hierarchy's root, without a leading `/` (empty for the root).
    pub fn as_relative(&self) -> &str {
        &self.relative
    }

    /// The path's components, top-down.
    pub fn components(&self) -> impl Iterator<Item = &str> {
        self.relative.split('/').filter(|c| !c.is_empty())
    }

    /// The number of components (0 for the root).
    pub fn depth(&self) -> usize {
        self.components().count()
    }

    /// The last component, `None` for the root.
    pub fn file_name(&self) -> Option<&str> {
        self.components().last()
    }

    /// The parent group, `None` for the root.
    pub fn parent(&self) -> Option<GroupPath> {
        if self.is_root() {
            return None;
        }
        let relative = match self.relative.rfind('/') {
            Some(i) => self.relative[..i].to_string(),
            None => String::new(),
        };
        Some(GroupPath { relative })
    }

    /// The child group `name` (one component, validated like any name).
    pub fn child(&self, name: &str) -> Result<GroupPath> {
        let components = group_components(name).map_err(Error::from)?;
        let mut relative = self.relative.clone();
        for c in components {
            if !relative.is_empty() {
                relative.push('/');
            }
            relative.push_str(c);
        }
        Ok(GroupPath { relative })
    }

    /// `other` below this path (`a` joined with `b/c` is `a/b/c`): both are valid, so
    /// the result is, without a second check.
    pub fn join(&self, other: &GroupPath) -> GroupPath {
        if self.is_root() {
            return other.clone();
        }
        if other.is_root() {
            return self.clone();
        }
        GroupPath {
            relative: format!("{}/{}", self.relative, other.relative),
        }
    }

    /// The ancestor made of the first `depth` components (the path itself when it has no
    /// more).
    pub fn truncated(&self, depth: usize) -> GroupPath {
        if depth == 0 {
            return GroupPath::root();
        }
        // Components are never empty, so the depth-th `/` ends the ancestor.
        let end = self
            .relative
            .match_indices('/')
            .nth(depth - 1)
            .map_or(self.relative.len(), |(i, _)| i);
        GroupPath {
            relative: self.relative[..end].to_string(),
        }
    }

    /// The directories from below the ancestor of `depth` components down to this path,
    /// top-down: what creating the group makes when only that ancestor exists.
    pub(crate) fn below(&self, depth: usize) -> Vec<GroupPath> {
        (depth + 1..=self.depth())
            .map(|d| self.truncated(d))
            .collect()
    }

    /// The root and every ancestor of this group, top-down, not including itself.
    pub fn ancestors(&self) -> Vec<GroupPath> {
        let mut out = vec![GroupPath::root()];
        let mut relative = String::new();
        let components: Vec<&str> = self.components().collect();
        for c in components.iter().take(components.len().saturating_sub(1)) {
            if !relative.is_empty() {
                relative.push('/');
            }
            relative.push_str(c);
            out.push(GroupPath {
                relative: relative.clone(),
            });
        }
        if self.is_root() {
            out.clear();
        }
        out
    }

    /// Whether `self` is `other` or lies below it.
    pub fn is_within(&self, other: &GroupPath) -> bool {
        other.is_root()
            || self.relative == other.relative
            || self
                .relative
                .strip_prefix(&other.relative)
                .is_some_and(|rest| rest.starts_with('/'))
    }
}

impl fmt::Display for GroupPath {
    /// `/a/b`, and `/` for the root, as libcgroup prints group paths.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "/{}", self.relative)
    }
}

/// Serialised as its display form (`/a/b`), which is what scripts read in `--json` output.
impl serde::Serialize for GroupPath {
    fn serialize<S: serde::Serializer>(
        &self,
        serializer: S,
    ) -> std::result::Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

impl FromStr for GroupPath {
    type Err = Error;

    fn from_str(s: &str) -> Result<GroupPath> {
        GroupPath::new(s)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::backend::error::ErrorKind;

    #[test]
    fn normalises_leading_and_trailing_slashes() {
        assert_eq!(GroupPath::new("/a/b/").unwrap().as_relative(), "a/b");
        assert_eq!(GroupPath::new("a/b").unwrap().to_string(), "/a/b");
        assert!(GroupPath::new(".").unwrap().is_root());
        assert_eq!(GroupPath::new("/").unwrap().to_string(), "/");
    }

    #[test]
    fn refuses_every_escape_before_touching_anything() {
        for bad in [
            "..",
            "../etc",
            "a/../../etc",
            "/..",
            "a/..",
            "./a",
            "a/./b",
            "a//b",
            "//etc",
            "a\0b",
            "a\nb",
            "",
            "\u{1b}[31m",
        ] {
            let e = GroupPath::new(bad).unwrap_err();
            assert!(matches!(e.kind(), ErrorKind::InvalidName(_)), "{bad:?}");
            assert_eq!(e.exit_code(), 91, "{bad:?}");
        }
        assert!(GroupPath::new(&"x".repeat(256)).is_err());
        assert!(GroupPath::root().child("..").is_err());
        assert!(GroupPath::root().child("a/../..").is_err());
    }

    #[test]
    fn truncated_and_joined() {
        let p = GroupPath::new("a/bb/c").unwrap();
        let at = |d| p.truncated(d).as_relative().to_string();
        assert_eq!(
            [at(0), at(1), at(2), at(3), at(9)],
            ["", "a", "a/bb", "a/bb/c", "a/bb/c"]
        );
        let root = GroupPath::root();
        assert_eq!(root.join(&p), p);
        assert_eq!(p.join(&root), p);
        let q = GroupPath::new("x/y").unwrap();
        assert_eq!(q.join(&p).as_relative(), "x/y/a/bb/c");
        let below: Vec<String> = p.below(1).iter().map(|g| g.to_string()).collect();
        assert_eq!(below, ["/a/bb", "/a/bb/c"]);
        assert!(p.below(3).is_empty());
    }

    #[test]
    fn family() {
        let p = GroupPath::new("a/b/c").unwrap();
        assert_eq!(p.parent().unwrap().as_relative(), "a/b");
        assert_eq!(p.file_name(), Some("c"));
        assert_eq!(p.depth(), 3);
        let ancestors: Vec<String> = p.ancestors().iter().map(|a| a.to_string()).collect();
        assert_eq!(ancestors, ["/", "/a", "/a/b"]);
        assert!(GroupPath::root().ancestors().is_empty());
        assert_eq!(
            GroupPath::new("a").unwrap().parent(),
            Some(GroupPath::root())
        );
        assert_eq!(GroupPath::root().parent(), None);
        assert_eq!(GroupPath::root().child("x/y").unwrap().as_relative(), "x/y");
        assert!(p.is_within(&GroupPath::new("a").unwrap()));
        assert!(!GroupPath::new("ab")
            .unwrap()
            .is_within(&GroupPath::new("a").unwrap()));
    }
}
