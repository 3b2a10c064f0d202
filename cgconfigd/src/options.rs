//! The command line as values (the definition is `cgtools::tools::cli::cgconfigd`).

use crate::config::Sources;
use crate::log::{Level, Logger};
use crate::placement::Mode;
use crate::rules::cgred_server::Options as CgredOptions;
use crate::rules::engine::RulesSources;
use cgtools::GroupPath;
use std::path::PathBuf;

/// What the run does.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RunMode {
    /// Stay in the foreground, keep the tree matching the files.
    Daemon,
    /// Apply, then exit.
    Once,
    /// Parse and check, then exit.
    Check,
    /// Print what applying would change, then exit.
    DryRun,
    /// Remove the groups the record lists, then exit.
    Unload,
}

/// Every option.
#[derive(Clone, Debug)]
pub struct Options {
    /// The files.
    pub sources: Sources,
    /// The state directory.
    pub state_dir: PathBuf,
    /// Root or delegated.
    pub mode: Mode,
    /// Where the groups are rooted.
    pub base: GroupPath,
    /// Delegated mode: the daemon's own leaf.
    pub supervisor: String,
    /// On SIGTERM, remove the empty groups it created.
    pub remove_on_stop: bool,
    /// Log messages up to this level.
    pub log_level: Level,
    /// What the run does.
    pub run: RunMode,
    /// The containers, unless `--no-containers`.
    pub containers: Option<ContainerOptions>,
    /// The rules engine's files, with `--rules-engine`.
    pub rules: Option<RulesSources>,
    /// The cgred socket served beside the rules engine (`cgexec --sticky` and
    /// `cgclassify --sticky`/`--cancel-sticky` talk to it); `None` serves none.
    pub cgred: Option<CgredOptions>,
    /// Where messages go (`cgrulesengd`'s `-f`, `-s`, `-Q`); `None`: stderr, up to
    /// `log_level`.
    pub logger: Option<Logger>,
    /// The rules engine only (`cgrulesengd`): the configuration files are read for their
    /// templates and checked, but no group of theirs is created, changed or removed, and
    /// nothing is recorded (no state directory).
    pub rules_only: bool,
}

/// The options about containers.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ContainerOptions {
    /// `--lxcpath`, if given.
    pub lxcpath: Option<PathBuf>,
    /// `--containers-group`.
    pub group: GroupPath,
    /// `--boot-groups`.
    pub boot_groups: String,
    /// `--stop-timeout`, in seconds.
    pub stop_timeout: u32,
    /// `--keep-containers`.
    pub keep_running: bool,
    /// `--restart-containers`.
    pub restart: String,
}

impl Options {
    /// From clap's matches of `cgtools::tools::cli::cgconfigd::command()`.
    pub fn from_matches(m: &clap::ArgMatches) -> Options {
        let path = |id: &str| m.get_one::<PathBuf>(id).cloned().unwrap_or_default();
        let text = |id: &str| m.get_one::<String>(id).cloned().unwrap_or_default();
        let run = if m.get_flag("once") {
            RunMode::Once
        } else if m.get_flag("check") {
            RunMode::Check
        } else if m.get_flag("dry-run") {
            RunMode::DryRun
        } else if m.get_flag("unload") {
            RunMode::Unload
        } else {
            RunMode::Daemon
        };
        Options {
            sources: Sources {
                config: path("config"),
                dropins: path("config-dir"),
            },
            state_dir: path("state-dir"),
            mode: if text("mode") == "delegated" {
                Mode::Delegated
            } else {
                Mode::Root
            },
            base: m.get_one::<GroupPath>("base").cloned().unwrap_or_default(),
            supervisor: text("supervisor"),
            remove_on_stop: m.get_flag("remove-on-stop"),
            log_level: text("log-level").parse().unwrap_or(Level::Info),
            run,
            containers: (!m.get_flag("no-containers")).then(|| ContainerOptions {
                lxcpath: m.get_one::<PathBuf>("lxcpath").cloned(),
                group: m
                    .get_one::<GroupPath>("containers-group")
                    .cloned()
                    .unwrap_or_default(),
                boot_groups: text("boot-groups"),
                stop_timeout: m.get_one::<u32>("stop-timeout").copied().unwrap_or(5),
                keep_running: m.get_flag("keep-containers"),
                restart: text("restart-containers"),
            }),
            rules: m.get_flag("rules-engine").then(|| RulesSources {
                main: path("rules"),
                dir: path("rules-dir"),
            }),
            cgred: (m.get_flag("rules-engine") && !m.get_flag("no-cgred-socket")).then(|| {
                CgredOptions {
                    path: path("cgred-socket"),
                    owner: m.get_one::<u32>("cgred-socket-user").copied(),
                    group: m.get_one::<u32>("cgred-socket-group").copied(),
                    ..CgredOptions::default()
                }
            }),
            logger: None,
            rules_only: false,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_are_libcgroups_paths_and_run() {
        let m = cgtools::tools::cli::cgconfigd::command()
            .try_get_matches_from(["cgconfigd"])
            .unwrap();
        let o = Options::from_matches(&m);
        assert_eq!(o.sources.config, PathBuf::from("/etc/cgconfig.conf"));
        assert_eq!(o.sources.dropins, PathBuf::from("/etc/cgconfig.d"));
        assert_eq!(o.state_dir, PathBuf::from("/run/cgconfigd"));
        assert_eq!(o.mode, Mode::Root);
        assert!(o.base.is_root());
        assert_eq!(o.supervisor, "supervisor");
        assert_eq!(o.log_level, Level::Info);
        assert_eq!(o.run, RunMode::Daemon);
        assert!(!o.remove_on_stop);
        let c = o.containers.unwrap();
        assert_eq!(c.lxcpath, None);
        assert_eq!(c.group.as_relative(), "lxc");
        assert_eq!(c.boot_groups, "onboot,");
        assert_eq!(c.stop_timeout, 5);
        assert!(!c.keep_running);
        assert_eq!(c.restart, "no");
        assert_eq!(o.rules, None);
        assert_eq!(o.cgred, None);
        let m = cgtools::tools::cli::cgconfigd::command()
            .try_get_matches_from(["cgconfigd", "--rules-engine"])
            .unwrap();
        assert_eq!(
            Options::from_matches(&m).cgred,
            Some(CgredOptions::default())
        );
    }

    #[test]
    fn cgred_socket_options() {
        let parse = |args: &[&str]| {
            cgtools::tools::cli::cgconfigd::command()
                .try_get_matches_from(args)
                .map(|m| Options::from_matches(&m).cgred)
        };
        let o = parse(&[
            "cgconfigd",
            "--rules-engine",
            "--cgred-socket",
            "/tmp/x.socket",
            "--cgred-socket-user",
            "root",
            "--cgred-socket-group",
            "4242",
        ])
        .unwrap()
        .unwrap();
        assert_eq!(o.path, PathBuf::from("/tmp/x.socket"));
        assert_eq!((o.owner, o.group), (Some(0), Some(4242)));
        assert_eq!(o.mode, 0o660);
        assert_eq!(
            parse(&["cgconfigd", "--rules-engine", "--no-cgred-socket"]).unwrap(),
            None
        );
        assert!(parse(&["cgconfigd", "--no-cgred-socket", "--cgred-socket", "/x"]).is_err());
        assert!(parse(&["cgconfigd", "--cgred-socket-user", "no-such-user-hopefully"]).is_err());
    }

    #[test]
    fn every_option_is_read() {
        let m = cgtools::tools::cli::cgconfigd::command()
            .try_get_matches_from([
                "cgconfigd",
                "-c",
                "a.conf",
                "-d",
                "d",
                "--state-dir",
                "s",
                "--mode",
                "delegated",
                "-b",
                "x/y",
                "--supervisor",
                "me",
                "--remove-on-stop",
                "--log-level",
                "debug",
                "--dry-run",
                "--lxcpath",
                "/srv/lxc",
                "--containers-group",
                "ct/all",
                "--boot-groups",
                "web,",
                "--stop-timeout",
                "30",
                "--keep-containers",
                "--restart-containers",
                "on-failure",
                "--rules-engine",
                "--rules",
                "r.conf",
                "--rules-dir",
                "r.d",
            ])
            .unwrap();
        let o = Options::from_matches(&m);
        assert_eq!(o.sources.config, PathBuf::from("a.conf"));
        assert_eq!(o.mode, Mode::Delegated);
        assert_eq!(o.base.as_relative(), "x/y");
        assert_eq!(o.supervisor, "me");
        assert!(o.remove_on_stop);
        assert_eq!(o.log_level, Level::Debug);
        assert_eq!(o.run, RunMode::DryRun);
        let c = o.containers.unwrap();
        assert_eq!(c.lxcpath, Some(PathBuf::from("/srv/lxc")));
        assert_eq!(c.group.as_relative(), "ct/all");
        assert_eq!(c.boot_groups, "web,");
        assert_eq!(c.stop_timeout, 30);
        assert!(c.keep_running);
        assert_eq!(c.restart, "on-failure");
        assert_eq!(
            o.rules,
            Some(RulesSources {
                main: PathBuf::from("r.conf"),
                dir: PathBuf::from("r.d"),
            })
        );
        let m = cgtools::tools::cli::cgconfigd::command()
            .try_get_matches_from(["cgconfigd", "--no-containers"])
            .unwrap();
        assert!(Options::from_matches(&m).containers.is_none());
    }
}
