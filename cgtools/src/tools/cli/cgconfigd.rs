//! The command line of `cgconfigd`, and the sections of its manual page (section 8) that
//! are not about options.

use crate::GroupPath;
use clap::builder::PossibleValuesParser;
use clap::{Arg, ArgAction, ArgGroup, Command};
use std::path::PathBuf;

/// The manual section of `cgconfigd`: a system administration command.
pub const MAN_SECTION: &str = "8";

/// The argument definitions of `cgconfigd`.
pub fn command() -> Command {
    Command::new("cgconfigd")
        .version(env!("CARGO_PKG_VERSION"))
        .about("Apply cgconfig.conf at boot and keep the cgroup tree matching it")
        .long_about(
            "Apply cgconfig.conf at boot and keep the cgroup tree matching it.\n\n\
             cgconfigd reads FILE and the *.conf files of DIR (in name order), checks them \
             against the host, creates the groups they describe with their owners, modes and \
             settings, then tells the service manager it is ready (READY=1) and stays in the \
             foreground. When a file changes (edited in place, replaced by rename, deleted, \
             added; the drop-in directory created or removed) or on SIGHUP, it reads the \
             files again and applies only the difference. A file with an error changes \
             nothing: the previous state stays applied, the error is logged with its \
             file:line:col and shown in the service status, and the next good edit applies.\n\n\
             cgconfigd records in its state directory every group directory it creates, \
             before creating it. A group that leaves the configuration is removed if \
             cgconfigd created it and it is empty; a group it did not create is never \
             removed; a group that still has tasks is left in place and reported, its tasks \
             are never killed or moved.\n\n\
             In root mode (the default) groups are named as in libcgroup, from the root of \
             each hierarchy (or below --base). In delegated mode, for a service with \
             Delegate=yes, they live below the service's own cgroup: cgconfigd first moves \
             itself into the leaf group SUPERVISOR (unless systemd's DelegateSubgroup= put it \
             there) and never writes above its cgroup.",
        )
        .override_usage(
            "cgconfigd [-c FILE] [-d DIR] [--state-dir DIR] [--mode root|delegated] [-b PATH] \
             [--remove-on-stop] [--log-level LEVEL] [--once | --check | --dry-run | --unload]",
        )
        .arg(
            Arg::new("config")
                .short('c')
                .long("config")
                .value_name("FILE")
                .default_value("/etc/cgconfig.conf")
                .value_parser(clap::value_parser!(PathBuf))
                .help("The main configuration file; a missing file counts as empty"),
        )
        .arg(
            Arg::new("config-dir")
                .short('d')
                .long("config-dir")
                .value_name("DIR")
                .default_value("/etc/cgconfig.d")
                .value_parser(clap::value_parser!(PathBuf))
                .help("The drop-in directory: its *.conf files are read in name order after FILE"),
        )
        .arg(
            Arg::new("state-dir")
                .long("state-dir")
                .value_name("DIR")
                .default_value("/run/cgconfigd")
                .value_parser(clap::value_parser!(PathBuf))
                .help("Where the record of the groups cgconfigd created is kept"),
        )
        .arg(
            Arg::new("mode")
                .long("mode")
                .value_name("MODE")
                .default_value("root")
                .value_parser(PossibleValuesParser::new(["root", "delegated"]))
                .help("root: groups from each hierarchy's root, as libcgroup names them; delegated: below the cgroup systemd delegated to the service"),
        )
        .arg(
            Arg::new("base")
                .short('b')
                .long("base")
                .value_name("PATH")
                .default_value("/")
                .value_parser(parse_base)
                .help("Root the groups at PATH: below each hierarchy's root (root mode) or below the service's cgroup (delegated mode)"),
        )
        .arg(
            Arg::new("supervisor")
                .long("supervisor")
                .value_name("NAME")
                .default_value("supervisor")
                .value_parser(parse_leaf)
                .help("Delegated mode: the leaf group cgconfigd's own process lives in"),
        )
        .arg(
            Arg::new("remove-on-stop")
                .long("remove-on-stop")
                .action(ArgAction::SetTrue)
                .help("On SIGTERM, remove the empty groups cgconfigd created (default: they stay)"),
        )
        .arg(
            Arg::new("log-level")
                .long("log-level")
                .value_name("LEVEL")
                .default_value("info")
                .value_parser(PossibleValuesParser::new([
                    "error", "warning", "notice", "info", "debug",
                ]))
                .help("Log messages up to LEVEL"),
        )
        .arg(
            Arg::new("once")
                .long("once")
                .action(ArgAction::SetTrue)
                .help("Apply the configuration (removals included), then exit"),
        )
        .arg(
            Arg::new("check")
                .long("check")
                .action(ArgAction::SetTrue)
                .help("Parse and check the files against the host, change nothing, exit"),
        )
        .arg(
            Arg::new("dry-run")
                .long("dry-run")
                .action(ArgAction::SetTrue)
                .help("Print what applying would change (removals included), change nothing, exit"),
        )
        .arg(
            Arg::new("unload")
                .long("unload")
                .action(ArgAction::SetTrue)
                .help("Remove the empty groups the state directory records as created by cgconfigd, then exit"),
        )
        .group(ArgGroup::new("run-mode").args(["once", "check", "dry-run", "unload"]))
}

fn parse_base(text: &str) -> Result<GroupPath, String> {
    GroupPath::new(text).map_err(|e| e.to_string())
}

fn parse_leaf(text: &str) -> Result<String, String> {
    let path = GroupPath::new(text).map_err(|e| e.to_string())?;
    if path.depth() != 1 {
        return Err(format!("`{text}` must be one group name, without `/`"));
    }
    Ok(path.as_relative().to_string())
}

/// The sections of the manual page after OPTIONS: (heading, paragraphs). Paragraphs are
/// plain text; the man page generator escapes them.
pub const MAN_EXTRA: &[(&str, &[&str])] = &[
    (
        "MODES",
        &[
            "root (default): group paths are those of libcgroup: group daemons/www is /sys/fs/cgroup/<hierarchy>/daemons/www, or below --base. For a group directly under a cgroup v2 root, cgconfigd enables its controllers in the root's cgroup.subtree_control, as libcgroup does; under systemd the root belongs to systemd, which may take such controllers back (systemd issue 38547), so prefer delegated mode on systemd hosts.",
            "delegated: for a service started with Delegate=yes. cgconfigd reads /proc/self/cgroup; the cgroup systemd gave the service (its cgroup in the cgroup v2 hierarchy, or in name=systemd on a legacy host) is the base, and group daemons/www is <service cgroup>/<--base>/daemons/www. Before creating anything cgconfigd moves itself into the leaf <service cgroup>/SUPERVISOR, so that the service cgroup holds no process and may enable controllers for its children; with DelegateSubgroup=supervisor (systemd 254 and later) systemd starts it there already. A hierarchy in which cgconfigd does not run in the service's cgroup was not delegated: groups there are refused with their location in the file. Controllers the service's cgroup does not have (cgroup.controllers) are refused too. cgconfigd never writes a cgroup.subtree_control above the service's cgroup, the root's included.",
        ],
    ),
    (
        "RELOADING",
        &[
            "cgconfigd watches FILE's directory and DIR with inotify: an edit in place, a new version renamed over the old one, a file deleted or re-created, DIR created after the start or removed. A reload starts once every changed file is complete (closed after writing, or renamed into place) and no event came for 10 ms, or 100 ms when a file was deleted or renamed away (it may be about to be re-created); at the latest 1 s after the first event. SIGHUP starts one at once. Both send RELOADING=1, then READY=1 when done.",
            "A reload after an edit costs in proportion to the edit: a file whose text did not change is not parsed again, and in a changed file only the group sections whose text changed are parsed and checked (all its groups when its default, namespace, mount, template or systemd sections change, or a default section of a file before it); only the groups whose desired state changed, and those that left the configuration, are compared with the live tree. SIGHUP is a full reload: every file is parsed and checked again (user and group names looked up again), and every group is compared with the live tree, which also puts back values, owners and modes changed by hand since.",
            "A reload checks all the files before it changes anything. When one has an error, nothing is changed: the error is logged with its file:line:col, STATUS= shows it, and the last good configuration stays applied. Otherwise only what differs from the live tree is written: new groups created, changed settings written, owners and modes corrected, and groups that left the configuration removed (see OWNERSHIP). If the kernel refuses a change, what that reload did is taken back and the error is logged.",
            "Removing a setting from the file leaves the group's value as it is: the file lists values to write, not a complete state.",
        ],
    ),
    (
        "OWNERSHIP",
        &[
            "STATE-DIR/owned.json lists every group directory cgconfigd created, written (to a temporary file, fsynced, renamed into place) before the directory is created and updated after a directory is removed. At start the record is checked against the live tree, and each entry again before its directory is removed: directories that are gone are forgotten, and a directory that was removed and re-created by someone else (another inode) is not cgconfigd's any more. Only recorded directories are ever removed, and only when empty: a group with tasks or with child groups is kept and reported in the log and in STATUS=, and removal is tried again on every reload and every 30 seconds.",
            "Killed at any moment (even with SIGKILL in the middle of an apply), cgconfigd started again converges to the configuration and its record stays correct. The default state directory is on /run, a tmpfs: it lives exactly as long as the cgroup tree it describes. A state directory is locked; a second cgconfigd using it is refused.",
        ],
    ),
    (
        "SIGNALS",
        &[
            "SIGHUP: a full reload: read and check every file again, compare every group with the live tree, and apply the difference (this repairs changes made by hand, which a reload after an edit leaves alone in the groups the edit did not change).",
            "SIGTERM, SIGINT: send STOPPING=1 and exit with status 0. The groups stay (as with libcgroup's service); with --remove-on-stop the empty groups cgconfigd created are removed first. A signal that arrives during an apply is handled when the apply is done.",
        ],
    ),
    (
        "LOGGING",
        &[
            "One line per event on standard error. When JOURNAL_STREAM is set (started by systemd) every line starts with its syslog priority (<3> error, <4> warning, <5> notice, <6> info, <7> debug), which the journal records and strips; otherwise lines start with cgconfigd: and, for errors and warnings, error: or warning:. Configuration errors are logged one per line as cgconfigd: FILE:LINE:COL: error: MESSAGE, with the hint and notes, without a second error: label.",
        ],
    ),
    (
        "SYSTEMD",
        &[
            "cgconfigd.service runs cgconfigd in root mode as Type=notify, early in the boot (DefaultDependencies=no, Before=basic.target), so that services ordered After=cgconfigd.service find every group in place. ExecReload sends SIGHUP. cgconfigd-delegated.service runs it in delegated mode with Delegate=yes and KillMode=process, so that stopping the service does not kill the tasks in its groups; systemd removes the service's empty sub-cgroups when it stops.",
            "The readiness protocol: READY=1 once every configured group exists, STATUS= with one line (groups applied, groups created by cgconfigd, groups kept, the last error), RELOADING=1 with MONOTONIC_USEC= then READY=1 around a reload, STOPPING=1 on SIGTERM. Without NOTIFY_SOCKET nothing is sent.",
        ],
    ),
    (
        "EXIT STATUS",
        &[
            "0: stopped by SIGTERM or SIGINT; --once, --check, --dry-run or --unload succeeded. 1: the configuration has errors at start, the first apply failed, the state directory cannot be used, or --unload left groups in place. 129: a usage error.",
        ],
    ),
    (
        "FILES",
        &[
            "/etc/cgconfig.conf, /etc/cgconfig.d/*.conf: the configuration (cgconfig.conf(5)).",
            "/run/cgconfigd/owned.json: the groups cgconfigd created. /run/cgconfigd/lock: taken while cgconfigd runs.",
        ],
    ),
    (
        "EXAMPLES",
        &[
            "Check the files without touching anything: cgconfigd --check",
            "Show what a start would change: cgconfigd --dry-run",
            "Try a configuration below a throw-away prefix, then remove what was created: cgconfigd --once --base try-1 --state-dir /tmp/try-1 -c ./cgconfig.conf && cgconfigd --unload --state-dir /tmp/try-1",
        ],
    ),
    (
        "SEE ALSO",
        &["cgconfigparser(1), cgconfig.conf(5), systemd.service(5), systemd.resource-control(5), sd_notify(3)"],
    ),
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_command_line_is_consistent() {
        command().debug_assert();
    }

    #[test]
    fn run_modes_exclude_each_other_and_values_are_checked() {
        assert!(command()
            .try_get_matches_from(["cgconfigd", "--once", "--check"])
            .is_err());
        assert!(command()
            .try_get_matches_from(["cgconfigd", "--base", "../x"])
            .is_err());
        assert!(command()
            .try_get_matches_from(["cgconfigd", "--supervisor", "a/b"])
            .is_err());
        let m = command()
            .try_get_matches_from(["cgconfigd", "--base", "/t/x/", "--mode", "delegated"])
            .unwrap();
        assert_eq!(m.get_one::<GroupPath>("base").unwrap().as_relative(), "t/x");
    }
}
