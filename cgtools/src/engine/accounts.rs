//! User and group names, looked up once each: the owners a configuration or a command
//! line names (`perm` blocks, `cgcreate -t/-a`) and the subjects of classification rules.
//!
//! [`Accounts`] is the seam: [`SystemAccounts`] asks the system's NSS databases, tests
//! pass a fake. [`Members`] is the same seam for the member lists of groups (the rules'
//! `@group`): [`SystemMembers`] asks NSS, [`GroupFile`] reads a file in `/etc/group`
//! format without NSS (for a binary that must not load NSS modules), tests pass a fake. It is its own module so that the checks ([`super::check`]), the desired
//! state ([`super::desired`]), the rules and the tools can share it without importing
//! each other.

use std::collections::HashMap;

/// Where user and group names are looked up (the system's NSS databases, or a fake in
/// tests).
pub trait Accounts {
    /// The uid of user `name`, `None` if there is no such user.
    fn uid(&mut self, name: &str) -> Result<Option<u32>, String>;
    /// The gid of group `name`, `None` if there is no such group.
    fn gid(&mut self, name: &str) -> Result<Option<u32>, String>;
}

/// The host's users and groups (getpwnam/getgrnam), each name looked up once.
#[derive(Debug, Default)]
pub struct SystemAccounts {
    users: HashMap<String, Option<u32>>,
    groups: HashMap<String, Option<u32>>,
}

impl Accounts for SystemAccounts {
    fn uid(&mut self, name: &str) -> Result<Option<u32>, String> {
        if let Some(&uid) = self.users.get(name) {
            return Ok(uid);
        }
        let uid = nix::unistd::User::from_name(name)
            .map_err(|errno| errno.desc().to_string())?
            .map(|user| user.uid.as_raw());
        self.users.insert(name.to_string(), uid);
        Ok(uid)
    }

    fn gid(&mut self, name: &str) -> Result<Option<u32>, String> {
        if let Some(&gid) = self.groups.get(name) {
            return Ok(gid);
        }
        let gid = nix::unistd::Group::from_name(name)
            .map_err(|errno| errno.desc().to_string())?
            .map(|group| group.gid.as_raw());
        self.groups.insert(name.to_string(), gid);
        Ok(gid)
    }
}

/// Where the member lists of groups are looked up: the user names listed in a group's
/// last field of `/etc/group` (not the users whose primary group it is).
pub trait Members {
    /// The user names listed as members of group `name`; empty for an unknown group.
    fn members(&mut self, name: &str) -> Vec<String>;
}

/// The host's group database through NSS (getgrnam).
#[derive(Debug, Default)]
pub struct SystemMembers;

impl Members for SystemMembers {
    fn members(&mut self, name: &str) -> Vec<String> {
        nix::unistd::Group::from_name(name)
            .ok()
            .flatten()
            .map(|g| g.mem)
            .unwrap_or_default()
    }
}

/// The member lists of a group file in `/etc/group` format, read once and without NSS:
/// `name:password:gid:member,member`. As getgrnam with the `files` source, the first
/// line of a name wins; lines that are not four fields (and NIS `+`/`-` lines) are
/// skipped.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct GroupFile {
    members: HashMap<String, Vec<String>>,
}

impl GroupFile {
    /// The groups of a file's text.
    pub fn parse(text: &str) -> GroupFile {
        let mut members: HashMap<String, Vec<String>> = HashMap::new();
        for line in text.lines() {
            let fields: Vec<&str> = line.split(':').collect();
            let [name, _password, _gid, list] = fields[..] else {
                continue;
            };
            if name.is_empty() || name.starts_with(['+', '-']) {
                continue;
            }
            members.entry(name.to_string()).or_insert_with(|| {
                list.split(',')
                    .map(str::trim)
                    .filter(|m| !m.is_empty())
                    .map(str::to_string)
                    .collect()
            });
        }
        GroupFile { members }
    }

    /// Reads and parses `path` (normally `/etc/group`).
    pub fn read(path: &std::path::Path) -> std::io::Result<GroupFile> {
        Ok(GroupFile::parse(&std::fs::read_to_string(path)?))
    }
}

impl Members for GroupFile {
    fn members(&mut self, name: &str) -> Vec<String> {
        self.members.get(name).cloned().unwrap_or_default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn system_accounts_know_root() {
        let mut accounts = SystemAccounts::default();
        assert_eq!(accounts.uid("root"), Ok(Some(0)));
        assert_eq!(accounts.gid("root"), Ok(Some(0)));
        assert_eq!(accounts.uid("no-such-user-cgtools"), Ok(None));
    }

    #[test]
    fn a_group_file_lists_members_first_line_wins() {
        let mut file = GroupFile::parse(
            "root:x:0:\nstaff:x:50:alice, bob\n+nis::::\nbroken:x\nstaff:x:51:carol\n",
        );
        assert_eq!(file.members("staff"), ["alice", "bob"]);
        assert!(file.members("root").is_empty());
        assert!(file.members("nobody-here").is_empty());
        assert!(file.members("+nis").is_empty());
    }

    #[test]
    fn system_members_of_an_unknown_group_are_none() {
        assert!(SystemMembers.members("no-such-group-cgtools").is_empty());
    }
}
