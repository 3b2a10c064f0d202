//! User and group names, looked up once each: the owners a configuration or a command
//! line names (`perm` blocks, `cgcreate -t/-a`) and the subjects of classification rules.
//!
//! [`Accounts`] is the seam: [`SystemAccounts`] asks the system's NSS databases, tests
//! pass a fake. It is its own module so that the checks ([`super::check`]), the desired
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
}
