//! User and group names, looked up once each: the owners a configuration or a command
//! line names (`perm` blocks, `cgcreate -t/-a`) and the subjects of classification rules.
//!
//! [`Accounts`] is the seam: [`SystemAccounts`] asks the system's NSS databases, tests
//! pass a fake. [`Members`] is the same seam for the member lists of groups (the rules'
//! `@group`): [`SystemMembers`] asks NSS, tests pass a fake.
//! [`FileAccounts`] serves both from `/etc/passwd` and `/etc/group` without NSS, asking
//! glibc's `getent` only for names the files lack (the static cgexec and cgclassify).
//!
//! It is its own module so that the checks ([`super::check`]), the desired
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

/// The host's users and groups (getpwnam/getgrnam, getpwuid/getgrgid), each name and id
/// looked up once: a rules engine asks for the names of every process's ids, and NSS may
/// be sssd or LDAP.
#[derive(Debug, Default)]
pub struct SystemAccounts {
    users: HashMap<String, Option<u32>>,
    groups: HashMap<String, Option<u32>>,
    user_names: HashMap<u32, Option<String>>,
    group_names: HashMap<u32, Option<String>>,
}

impl SystemAccounts {
    /// Ids whose names are kept at most per map; beyond, the map starts again (a host with
    /// that many distinct ids running is unusual, and a lookup is only a cost).
    const NAMES_KEPT: usize = 1 << 16;

    /// The name of user `uid`, if any.
    pub fn user_name(&mut self, uid: u32) -> Option<String> {
        cached_name(&mut self.user_names, uid, |uid| {
            nix::unistd::User::from_uid(nix::unistd::Uid::from_raw(uid))
                .ok()
                .flatten()
                .map(|u| u.name)
        })
    }

    /// The name of group `gid`, if any.
    pub fn group_name(&mut self, gid: u32) -> Option<String> {
        cached_name(&mut self.group_names, gid, |gid| {
            nix::unistd::Group::from_gid(nix::unistd::Gid::from_raw(gid))
                .ok()
                .flatten()
                .map(|g| g.name)
        })
    }
}

/// The name of `id` in `names`, looked up with `lookup` the first time; a full map starts
/// again ([`SystemAccounts::NAMES_KEPT`]).
fn cached_name(
    names: &mut HashMap<u32, Option<String>>,
    id: u32,
    lookup: impl FnOnce(u32) -> Option<String>,
) -> Option<String> {
    if names.len() >= SystemAccounts::NAMES_KEPT {
        names.clear();
    }
    names.entry(id).or_insert_with(|| lookup(id)).clone()
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

/// Users and groups read from files in `/etc/passwd` and `/etc/group` format, without NSS:
/// what the static cgexec and cgclassify resolve the rules' names with (a static glibc
/// binary must not call getpwnam and friends: the NSS modules they load at run time must
/// come from the glibc the binary was linked with; `docs/compat.md`).
///
/// As getpwnam with the `files` source, the first line of a name or an id wins, and
/// lines with too few fields (and NIS `+`/`-` lines) are skipped. A name or id the files
/// do not know is asked of `getent` (a dynamically linked program of glibc that goes
/// through NSS: LDAP, sssd, systemd's dynamic users), once per name, when
/// [`FileAccounts::with_getent`] enabled it; the answers are parsed as file lines.
#[derive(Clone, Debug, Default)]
pub struct FileAccounts {
    users: HashMap<String, u32>,
    user_names: HashMap<u32, String>,
    groups: HashMap<String, u32>,
    group_names: HashMap<u32, String>,
    members: HashMap<String, Vec<String>>,
    getent: Option<std::path::PathBuf>,
    asked: std::collections::HashSet<(bool, String)>,
}

impl FileAccounts {
    /// The users and groups of the texts of a passwd and a group file.
    pub fn parse(passwd: &str, group: &str) -> FileAccounts {
        let mut accounts = FileAccounts::default();
        accounts.add_passwd(passwd);
        accounts.add_group(group);
        accounts
    }

    /// Reads `/etc/passwd` and `/etc/group` (a missing file knows nobody) and asks
    /// `getent` for what they do not know.
    pub fn system() -> FileAccounts {
        let read = |path: &str| std::fs::read_to_string(path).unwrap_or_default();
        FileAccounts::parse(&read("/etc/passwd"), &read("/etc/group")).with_getent()
    }

    /// Asks glibc's `getent` (`/usr/bin/getent` or `/bin/getent`, never through PATH)
    /// for names and ids the files do not know. Without one, they stay unknown.
    pub fn with_getent(mut self) -> FileAccounts {
        self.getent = ["/usr/bin/getent", "/bin/getent"]
            .iter()
            .map(std::path::PathBuf::from)
            .find(|p| p.is_file());
        self
    }

    fn add_passwd(&mut self, text: &str) {
        for line in text.lines() {
            let fields: Vec<&str> = line.split(':').collect();
            if fields.len() < 7 || fields[0].is_empty() || fields[0].starts_with(['+', '-']) {
                continue;
            }
            let Ok(uid) = fields[2].parse::<u32>() else {
                continue;
            };
            self.users.entry(fields[0].to_string()).or_insert(uid);
            self.user_names
                .entry(uid)
                .or_insert_with(|| fields[0].to_string());
        }
    }

    fn add_group(&mut self, text: &str) {
        for line in text.lines() {
            let fields: Vec<&str> = line.split(':').collect();
            let [name, _password, gid, list] = fields[..] else {
                continue;
            };
            if name.is_empty() || name.starts_with(['+', '-']) {
                continue;
            }
            let Ok(gid) = gid.parse::<u32>() else {
                continue;
            };
            self.groups.entry(name.to_string()).or_insert(gid);
            self.group_names
                .entry(gid)
                .or_insert_with(|| name.to_string());
            self.members.entry(name.to_string()).or_insert_with(|| {
                list.split(',')
                    .map(str::trim)
                    .filter(|m| !m.is_empty())
                    .map(str::to_string)
                    .collect()
            });
        }
    }

    /// Asks getent once for `key` in the passwd (`user`) or group database and adds
    /// its answer.
    fn ask(&mut self, user: bool, key: &str) {
        let Some(getent) = &self.getent else {
            return;
        };
        if !self.asked.insert((user, key.to_string())) {
            return;
        }
        let database = if user { "passwd" } else { "group" };
        let answer = std::process::Command::new(getent)
            .args([database, key])
            .stdin(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .output();
        if let Ok(output) = answer {
            let text = String::from_utf8_lossy(&output.stdout);
            if user {
                self.add_passwd(&text);
            } else {
                self.add_group(&text);
            }
        }
    }

    /// The name of user `uid`, if any.
    pub fn user_name(&mut self, uid: u32) -> Option<String> {
        if !self.user_names.contains_key(&uid) {
            self.ask(true, &uid.to_string());
        }
        self.user_names.get(&uid).cloned()
    }

    /// The name of group `gid`, if any.
    pub fn group_name(&mut self, gid: u32) -> Option<String> {
        if !self.group_names.contains_key(&gid) {
            self.ask(false, &gid.to_string());
        }
        self.group_names.get(&gid).cloned()
    }
}

impl Accounts for FileAccounts {
    fn uid(&mut self, name: &str) -> Result<Option<u32>, String> {
        if !self.users.contains_key(name) {
            self.ask(true, name);
        }
        Ok(self.users.get(name).copied())
    }

    fn gid(&mut self, name: &str) -> Result<Option<u32>, String> {
        if !self.groups.contains_key(name) {
            self.ask(false, name);
        }
        Ok(self.groups.get(name).copied())
    }
}

impl Members for FileAccounts {
    fn members(&mut self, name: &str) -> Vec<String> {
        if !self.members.contains_key(name) {
            self.ask(false, name);
        }
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
        assert_eq!(accounts.user_name(0).as_deref(), Some("root"));
        assert_eq!(accounts.group_name(0).as_deref(), Some("root"));
        // Beyond every range Debian, systemd and its container managers hand out.
        assert_eq!(accounts.user_name(4_000_000_000), None);
    }

    #[test]
    fn system_members_of_an_unknown_group_are_none() {
        assert!(SystemMembers.members("no-such-group-cgtools").is_empty());
    }
    #[test]
    fn file_accounts_read_passwd_and_group_first_line_wins() {
        let mut accounts = FileAccounts::parse(
            "root:x:0:0:root:/root:/bin/bash\nalice:x:1000:1000::/home/alice:/bin/sh\n\
             +nis::::::\nshort:x:5\nbadid:x:abc:1::/:/bin/sh\nalice:x:2000:1::/:/bin/sh\n\
             twin:x:1000:1::/:/bin/sh\n",
            "root:x:0:\nstaff:x:50:alice, bob\nstaff:x:51:carol\n-nis:::\nodd:x:notanumber:\n",
        );
        assert_eq!(accounts.uid("root"), Ok(Some(0)));
        assert_eq!(accounts.uid("alice"), Ok(Some(1000)));
        assert_eq!(accounts.uid("twin"), Ok(Some(1000)));
        assert_eq!(accounts.user_name(1000).as_deref(), Some("alice"));
        for unknown in ["+nis", "short", "badid", "nobody-here"] {
            assert_eq!(accounts.uid(unknown), Ok(None), "{unknown}");
        }
        assert_eq!(accounts.user_name(4242), None);
        assert_eq!(accounts.gid("staff"), Ok(Some(50)));
        assert_eq!(accounts.group_name(50).as_deref(), Some("staff"));
        // getgrgid finds the first line with the id, whatever its name did before.
        assert_eq!(accounts.group_name(51).as_deref(), Some("staff"));
        assert_eq!(accounts.members("staff"), ["alice", "bob"]);
        assert_eq!(accounts.gid("odd"), Ok(None));
        assert_eq!(accounts.gid("-nis"), Ok(None));
        assert!(accounts.members("root").is_empty());
    }

    #[test]
    fn file_accounts_ask_getent_for_what_the_files_lack() {
        // An empty passwd file knows nobody; getent (through NSS) knows root.
        let mut accounts = FileAccounts::parse("", "").with_getent();
        // Debian's libc-bin (Essential: yes) ships it.
        assert!(
            accounts.getent.is_some(),
            "no /usr/bin/getent or /bin/getent"
        );
        assert_eq!(accounts.uid("root"), Ok(Some(0)));
        assert_eq!(accounts.user_name(0).as_deref(), Some("root"));
        assert_eq!(accounts.gid("root"), Ok(Some(0)));
        assert_eq!(accounts.uid("no-such-user-cgtools"), Ok(None));
        // Each unknown key is asked once.
        assert_eq!(accounts.uid("no-such-user-cgtools"), Ok(None));
        assert_eq!(accounts.asked.len(), 3);
    }
}
