//! Group names: the one rule, shared by the config checks and the cgroup backend, for which
//! names may reach the kernel.
//!
//! A group name is a path relative to a hierarchy's root, `/`-separated, as in
//! `group web/frontend` or `cgcreate -g cpu:/web/frontend`. A leading and a trailing `/` are
//! allowed and mean nothing; `.` and `/` alone name the root group. Everything that could
//! leave the hierarchy (`..`), confuse it (`.`, empty components) or break listings and the
//! kernel's limits (control characters, NUL, a component over 255 bytes) is refused before
//! anything touches the filesystem.

/// The kernel's limit on one directory name (NAME_MAX).
pub const MAX_COMPONENT_BYTES: usize = 255;

/// Why a group name is refused.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum NameError {
    /// Nothing at all.
    #[error("the group name is empty")]
    Empty,
    /// `a//b`.
    #[error("group name `{0}` has an empty component (`//`)")]
    EmptyComponent(String),
    /// `a/../b`.
    #[error("group name `{0}` contains `..`, which would leave the hierarchy")]
    DotDot(String),
    /// `a/./b`.
    #[error("group name `{0}` contains a `.` component")]
    Dot(String),
    /// A NUL or other control character.
    #[error("group name `{}` contains the control character {}", .name.escape_debug(), .found.escape_unicode())]
    Control {
        /// The name.
        name: String,
        /// The character.
        found: char,
    },
    /// A component longer than NAME_MAX.
    #[error("group name component `{}...` is {len} bytes long; the kernel allows at most 255", .component.chars().take(20).collect::<String>())]
    TooLong {
        /// The component.
        component: String,
        /// Its length in bytes.
        len: usize,
    },
}

impl NameError {
    /// What to do about it.
    pub fn hint(&self) -> Option<&'static str> {
        match self {
            NameError::Empty => Some("use `.` to name the root group"),
            NameError::EmptyComponent(_) => Some("remove the doubled `/`"),
            NameError::DotDot(_) | NameError::Dot(_) => {
                Some("write the path from the hierarchy's root without `.` or `..`")
            }
            NameError::Control { .. } | NameError::TooLong { .. } => None,
        }
    }
}

/// Splits a group name into its components after checking it; the root group (`.`, `/`)
/// has none.
pub fn group_components(name: &str) -> Result<Vec<&str>, NameError> {
    let mut components = Vec::new();
    for_each_component(name, |c| components.push(c))?;
    Ok(components)
}

/// Checks a group name as [`group_components`] does, without collecting the components
/// (cgexec checks every rule's destination on every run).
pub fn check_group_name(name: &str) -> Result<(), NameError> {
    for_each_component(name, |_| {})
}

/// Checks `name` and calls `each` with its components in order (none for the root).
fn for_each_component<'a>(name: &'a str, mut each: impl FnMut(&'a str)) -> Result<(), NameError> {
    if name.is_empty() {
        return Err(NameError::Empty);
    }
    if let Some(found) = name.chars().find(|c| c.is_control()) {
        return Err(NameError::Control {
            name: name.to_string(),
            found,
        });
    }
    if name == "." || name == "/" {
        return Ok(());
    }
    let inner = name.strip_prefix('/').unwrap_or(name);
    let inner = inner.strip_suffix('/').unwrap_or(inner);
    for component in inner.split('/') {
        match component {
            "" => return Err(NameError::EmptyComponent(name.to_string())),
            ".." => return Err(NameError::DotDot(name.to_string())),
            "." => return Err(NameError::Dot(name.to_string())),
            c if c.len() > MAX_COMPONENT_BYTES => {
                return Err(NameError::TooLong {
                    component: c.to_string(),
                    len: c.len(),
                })
            }
            c => each(c),
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_relative_absolute_and_root_names() {
        assert_eq!(group_components("a/b").unwrap(), ["a", "b"]);
        assert_eq!(group_components("/a/b/").unwrap(), ["a", "b"]);
        assert_eq!(group_components("web server").unwrap(), ["web server"]);
        assert!(group_components(".").unwrap().is_empty());
        assert!(group_components("/").unwrap().is_empty());
        assert_eq!(group_components("..a/b..").unwrap(), ["..a", "b.."]);
    }

    #[test]
    fn refuses_every_escape_and_malformed_name() {
        for bad in [
            "", "..", "../x", "a/..", "a/../b", "/..", "a//b", "//", "./a", "a/.", "a\0b", "a\nb",
            "a\tb", "\x7f",
        ] {
            assert!(group_components(bad).is_err(), "{bad:?} accepted");
        }
        let long = "x".repeat(256);
        assert!(matches!(
            group_components(&long),
            Err(NameError::TooLong { len: 256, .. })
        ));
        assert!(group_components(&"x".repeat(255)).is_ok());
    }

    #[test]
    fn messages_name_the_offence() {
        assert_eq!(
            group_components("a/../b").unwrap_err().to_string(),
            "group name `a/../b` contains `..`, which would leave the hierarchy"
        );
        assert_eq!(
            group_components("a\nb").unwrap_err().to_string(),
            "group name `a\\nb` contains the control character \\u{a}"
        );
    }
}
