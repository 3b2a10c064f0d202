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
             there) and never writes above its cgroup.\n\n\
             cgconfigd also starts the LXC containers of /var/lib/lxc that are marked for \
             autostart, each in a group of its own below its subtree, supervises them and \
             stops them in order (see CONTAINERS); with a command (ls, info, start, stop, \
             restart, attach, console) it is the client of the running daemon, printing \
             what lxc-ls and lxc-info print (see COMMANDS).",
        )
        .override_usage(
            "cgconfigd [-c FILE] [-d DIR] [--state-dir DIR] [--mode root|delegated] [-b PATH] \
             [--remove-on-stop] [--log-level LEVEL] [container options] \
             [--once | --check | --dry-run | --unload]\n       \
             cgconfigd [--state-dir DIR] ls|info|start|stop|restart|attach|console ...",
        )
        .subcommand_value_name("COMMAND")
        .disable_help_subcommand(true)
        .subcommand_help_heading("Client commands (sent to the running daemon)")
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
            Arg::new("rules-engine")
                .long("rules-engine")
                .action(ArgAction::SetTrue)
                .help("Classify processes by the rules (cgrulesengd's work): every process at start, new ones as they exec or change ids; needs CAP_NET_ADMIN in the host's namespaces"),
        )
        .arg(
            Arg::new("rules")
                .long("rules")
                .value_name("FILE")
                .default_value("/etc/cgrules.conf")
                .value_parser(clap::value_parser!(PathBuf))
                .help("With --rules-engine: the rules file; a missing file counts as empty"),
        )
        .arg(
            Arg::new("rules-dir")
                .long("rules-dir")
                .value_name("DIR")
                .default_value("/etc/cgrules.d")
                .value_parser(clap::value_parser!(PathBuf))
                .help("With --rules-engine: more rules, its files in name order after the rules file"),
        )
        .arg(
            Arg::new("cgred-socket")
                .long("cgred-socket")
                .value_name("PATH")
                .default_value(crate::rules::cgred::BIND_PATH)
                .value_parser(clap::value_parser!(PathBuf))
                .help("With --rules-engine: the cgred socket, where cgexec --sticky and cgclassify --sticky / --cancel-sticky ask that processes be left where they are (libcgroup's tools use /var/run/cgred.socket, the same file where /var/run links to /run)"),
        )
        .arg(
            Arg::new("cgred-socket-user")
                .long("cgred-socket-user")
                .value_name("NAME")
                .value_parser(parse_user)
                .help("The cgred socket's owner, a name or a uid (cgrulesengd's -u) [default: root]"),
        )
        .arg(
            Arg::new("cgred-socket-group")
                .long("cgred-socket-group")
                .value_name("NAME")
                .value_parser(parse_group)
                .help("The cgred socket's group, a name or a gid (cgrulesengd's -g); the socket's mode is 0660 [default: root's]"),
        )
        .arg(
            Arg::new("no-cgred-socket")
                .long("no-cgred-socket")
                .action(ArgAction::SetTrue)
                .conflicts_with_all(["cgred-socket", "cgred-socket-user", "cgred-socket-group"])
                .help("With --rules-engine: serve no cgred socket (no process is sticky)"),
        )
        .arg(
            Arg::new("state-dir")
                .long("state-dir")
                .value_name("DIR")
                .default_value("/run/cgconfigd")
                .value_parser(clap::value_parser!(PathBuf))
                .global(true)
                .help("Where the record of the groups cgconfigd created, the containers' state and the control socket are kept"),
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
            Arg::new("lxcpath")
                .long("lxcpath")
                .value_name("DIR")
                .value_parser(clap::value_parser!(PathBuf))
                .help("The container directory [default: lxc.lxcpath of /etc/lxc/lxc.conf, else /var/lib/lxc]"),
        )
        .arg(
            Arg::new("no-containers")
                .long("no-containers")
                .action(ArgAction::SetTrue)
                .help("Manage no containers: no discovery, no autostart, no control socket"),
        )
        .arg(
            Arg::new("containers-group")
                .long("containers-group")
                .value_name("PATH")
                .default_value("lxc")
                .value_parser(parse_containers_group)
                .help("The group, below the base, holding each container's group (PATH/NAME); lxc.cgroup.dir in a container's config moves it"),
        )
        .arg(
            Arg::new("boot-groups")
                .long("boot-groups")
                .value_name("LIST")
                .default_value("onboot,")
                .help("The lxc.group groups started at boot, in order; an empty entry means the containers without a group (LXC's BOOTGROUPS)"),
        )
        .arg(
            Arg::new("stop-timeout")
                .long("stop-timeout")
                .value_name("SECS")
                .default_value("5")
                .value_parser(clap::value_parser!(u32).range(0..=86400))
                .help("How long a container has to stop after its halt signal before its group is killed"),
        )
        .arg(
            Arg::new("keep-containers")
                .long("keep-containers")
                .action(ArgAction::SetTrue)
                .help("On SIGTERM, leave the containers running (the next cgconfigd re-adopts them); by default they are stopped"),
        )
        .arg(
            Arg::new("restart-containers")
                .long("restart-containers")
                .value_name("WHEN")
                .default_value("no")
                .value_parser(PossibleValuesParser::new(["no", "on-failure", "always"]))
                .help("Start again a container whose init exited by itself: never (as LXC), when it failed, or always"),
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
        .subcommand(
            Command::new("ls")
                .about("List the containers, as lxc-ls does")
                .arg(
                    Arg::new("fancy")
                        .short('f')
                        .long("fancy")
                        .action(ArgAction::SetTrue)
                        .help("A table: NAME STATE AUTOSTART GROUPS IPV4 IPV6 UNPRIVILEGED, as lxc-ls -f"),
                )
                .arg(
                    Arg::new("fancy-format")
                        .short('F')
                        .long("fancy-format")
                        .value_name("COLUMNS")
                        .help("The columns of -f, comma-separated: NAME STATE PID AUTOSTART GROUPS IPV4 IPV6 UNPRIVILEGED"),
                )
                .arg(
                    Arg::new("line")
                        .short('1')
                        .long("line")
                        .action(ArgAction::SetTrue)
                        .help("One name per line"),
                )
                .arg(
                    Arg::new("active")
                        .long("active")
                        .action(ArgAction::SetTrue)
                        .help("Only containers that are not stopped"),
                )
                .arg(
                    Arg::new("running")
                        .long("running")
                        .action(ArgAction::SetTrue)
                        .help("Only running containers"),
                )
                .arg(
                    Arg::new("stopped")
                        .long("stopped")
                        .action(ArgAction::SetTrue)
                        .help("Only stopped containers"),
                )
                .arg(
                    Arg::new("json")
                        .long("json")
                        .action(ArgAction::SetTrue)
                        .conflicts_with_all(["fancy", "fancy-format", "line"])
                        .help("Everything cgconfigd knows of each container, as JSON"),
                ),
        )
        .subcommand(
            Command::new("info")
                .about("Show a container's state, pid and usage, as lxc-info does")
                .arg(name_arg())
                .arg(
                    Arg::new("state")
                        .short('s')
                        .long("state")
                        .action(ArgAction::SetTrue)
                        .help("Only the state"),
                )
                .arg(
                    Arg::new("pid")
                        .short('p')
                        .long("pid")
                        .action(ArgAction::SetTrue)
                        .help("Only the init's pid"),
                )
                .arg(
                    Arg::new("ips")
                        .short('i')
                        .long("ips")
                        .action(ArgAction::SetTrue)
                        .help("Only the IP addresses"),
                )
                .arg(
                    Arg::new("stats")
                        .short('S')
                        .long("stats")
                        .action(ArgAction::SetTrue)
                        .help("Only the usage (CPU, block I/O, memory, kernel memory, network traffic)"),
                )
                .arg(
                    Arg::new("no-humanize")
                        .short('H')
                        .long("no-humanize")
                        .action(ArgAction::SetTrue)
                        .help("Raw numbers: nanoseconds and bytes"),
                )
                .arg(
                    Arg::new("json")
                        .long("json")
                        .action(ArgAction::SetTrue)
                        .conflicts_with_all(["state", "pid", "ips", "stats", "no-humanize"])
                        .help("Everything cgconfigd knows of the container, as JSON"),
                ),
        )
        .subcommand(
            Command::new("start")
                .about("Start a stopped container")
                .arg(name_arg()),
        )
        .subcommand(
            Command::new("stop")
                .about("Stop a container: its halt signal, then SIGKILL of its group after the timeout")
                .arg(name_arg())
                .arg(
                    Arg::new("kill")
                        .short('k')
                        .long("kill")
                        .action(ArgAction::SetTrue)
                        .help("SIGKILL of its group at once, without the halt signal"),
                )
                .arg(
                    Arg::new("timeout")
                        .short('t')
                        .long("timeout")
                        .value_name("SECS")
                        .value_parser(clap::value_parser!(u32).range(0..=86400))
                        .conflicts_with("kill")
                        .help("Seconds to wait after the halt signal [default: the daemon's --stop-timeout]"),
                ),
        )
        .subcommand(
            Command::new("restart")
                .about("Stop a container, then start it again")
                .arg(name_arg()),
        )
        .subcommand(
            Command::new("attach")
                .about("Run a command in a running container, as lxc-attach does")
                .long_about(
                    "Run a command in a running container, as lxc-attach does: in its \
                     namespaces and group, with its capability bounding set, no_new_privs, \
                     seccomp filter and AppArmor profile, as its root. Without a command, \
                     the shell of root in the container's /etc/passwd, else /bin/sh. The \
                     environment is cleared but container=lxc and a default PATH (and TERM \
                     when the command gets a terminal). The exit status is the command's \
                     (128 + the signal that killed it; 126 or 127 when it cannot be run).",
                )
                .arg(name_arg())
                .arg(
                    Arg::new("clear-env")
                        .long("clear-env")
                        .action(ArgAction::SetTrue)
                        .help("Clear the environment but container=lxc and PATH (the default)"),
                )
                .arg(
                    Arg::new("keep-env")
                        .long("keep-env")
                        .action(ArgAction::SetTrue)
                        .conflicts_with("clear-env")
                        .help("Keep the caller's whole environment (lxc-attach 5.0's default)"),
                )
                .arg(
                    Arg::new("keep-var")
                        .long("keep-var")
                        .value_name("NAME")
                        .action(ArgAction::Append)
                        .help("Keep the caller's variable NAME (repeatable)"),
                )
                .arg(
                    Arg::new("set-var")
                        .short('v')
                        .long("set-var")
                        .value_name("NAME=VALUE")
                        .action(ArgAction::Append)
                        .value_parser(parse_variable)
                        .help("Set a variable for the command (repeatable)"),
                )
                .arg(
                    Arg::new("command")
                        .value_name("CMD")
                        .num_args(0..)
                        .last(true)
                        .help("The command and its arguments, after --"),
                ),
        )
        .subcommand(
            Command::new("console")
                .about("Connect to a container's console or one of its ttys, as lxc-console does")
                .long_about(
                    "Connect to a container's console, as lxc-console -t 0 does, or with -t N \
                     to its tty N (lxc.tty.max): what the container writes to /dev/console \
                     (or /dev/ttyN) is shown, what is typed goes to it. The terminal is in raw \
                     mode until the escape sequence, Ctrl+a q (Ctrl+a Ctrl+a sends Ctrl+a), \
                     and restored then. One client at a time on each.",
                )
                .arg(name_arg())
                .arg(
                    Arg::new("escape")
                        .short('e')
                        .long("escape")
                        .value_name("KEY")
                        .value_parser(parse_escape)
                        .help("The escape key: a letter, Ctrl+KEY [default: a]"),
                )
                .arg(
                    Arg::new("tty")
                        .short('t')
                        .long("tty")
                        .value_name("NUMBER")
                        .value_parser(clap::value_parser!(u32))
                        .help(
                            "The tty: 1 to lxc.tty.max, or 0, the console [default: 0, not \
                             lxc-console's first free tty]",
                        ),
                ),
        )
}

/// The daemon's options given on a command line that also has a client command: only
/// `--state-dir` (which names the daemon to talk to) and `--log-level` go with a command.
pub fn daemon_options_with_command(m: &clap::ArgMatches) -> Vec<String> {
    let client_ok = ["state-dir", "log-level"];
    command()
        .get_arguments()
        .filter(|a| !client_ok.contains(&a.get_id().as_str()))
        .filter(|a| {
            m.value_source(a.get_id().as_str()) == Some(clap::parser::ValueSource::CommandLine)
        })
        .map(|a| {
            a.get_long()
                .map_or_else(|| a.get_id().to_string(), |l| format!("--{l}"))
        })
        .collect()
}

/// A user name or a uid, as its uid.
fn parse_user(text: &str) -> Result<u32, String> {
    use crate::engine::accounts::Accounts;
    account_id(text, "user", |a, n| a.uid(n))
}

/// A group name or a gid, as its gid.
fn parse_group(text: &str) -> Result<u32, String> {
    use crate::engine::accounts::Accounts;
    account_id(text, "group", |a, n| a.gid(n))
}

fn account_id(
    text: &str,
    what: &str,
    lookup: impl FnOnce(
        &mut crate::engine::accounts::SystemAccounts,
        &str,
    ) -> Result<Option<u32>, String>,
) -> Result<u32, String> {
    if let Ok(id) = text.parse::<u32>() {
        return Ok(id);
    }
    match lookup(&mut Default::default(), text) {
        Ok(Some(id)) => Ok(id),
        Ok(None) => Err(format!("no {what} `{text}`")),
        Err(reason) => Err(format!("cannot look up {what} `{text}`: {reason}")),
    }
}

fn name_arg() -> Arg {
    Arg::new("name")
        .value_name("NAME")
        .required(true)
        .help("The container")
}

fn parse_escape(text: &str) -> Result<String, String> {
    match text.strip_prefix('^').unwrap_or(text).as_bytes() {
        [c] if c.is_ascii_alphabetic() => Ok(text.to_string()),
        _ => Err(format!(
            "`{text}` is not an escape key: give a letter (`b`, or `^b`, for Ctrl+b)"
        )),
    }
}

fn parse_variable(text: &str) -> Result<String, String> {
    match text.split_once('=') {
        Some((name, _)) if !name.is_empty() && !name.contains('\0') && !text.contains('\0') => {
            Ok(text.to_string())
        }
        _ => Err(format!("`{text}` is not NAME=VALUE")),
    }
}

fn parse_containers_group(text: &str) -> Result<GroupPath, String> {
    let path = GroupPath::new(text).map_err(|e| e.to_string())?;
    if path.is_root() {
        return Err("the containers' group cannot be the base itself".into());
    }
    Ok(path)
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
        "CONTAINERS",
        &[
            "cgconfigd also starts, supervises and stops the LXC containers of the container directory: --lxcpath, else lxc.lxcpath of /etc/lxc/lxc.conf, else /var/lib/lxc. Every directory there whose name does not start with a dot and which holds a file named config is a container, its config read as LXC reads it (lxc.include followed). A config that does not load is logged with its file:line:col and that container is refused; the others are not affected. The directory and the configs are watched: a new container with lxc.start.auto = 1 is started, a changed config takes effect at the container's next start. Configs a config includes are read again at each start; SIGHUP lists the containers again. --no-containers turns all of this off.",
            "Each container runs in a group of its own below the base, never at a hierarchy's root as LXC started by root does: <base>/<--containers-group>/NAME, lxc/NAME by default; in delegated mode lxc/ is a sibling of the supervisor leaf. lxc.cgroup.dir = DIR in a container's config puts it in DIR/NAME and lxc.cgroup.dir.container = DIR in DIR (both below the base), so that a group of cgconfig.conf can hold containers and limit them together. The groups are recorded in owned.json before they are created, as every group cgconfigd makes, and removed when the container stops.",
            "At start, after READY=1 (containers never delay it), the containers with lxc.start.auto = 1 in the boot groups (--boot-groups, onboot, by default: the onboot group first, then the containers without lxc.group) are started in order of lxc.start.order, then name, waiting lxc.start.delay seconds after each one that started. Group names and container names are compared exactly (lxc-autostart compares prefixes). A container that fails to start is logged; the others start. A container stopped with cgconfigd stop, or whose init exited, is not started again when cgconfigd restarts in the same boot.",
            "A container whose init exits is STOPPED: its exit status is logged, whatever is left in its group is killed, and its group removed. With --restart-containers on-failure (exit status other than 0, or killed by a signal) or always, it is started again after 1 s, at most 5 times a minute.",
            "A container is stopped by cgconfigd stop and, unless --keep-containers is given, when cgconfigd stops: its halt signal is sent to its init (lxc.signal.halt, else SIGRTMIN+3 when the init blocks it, as systemd does, else SIGPWR); when the init has not exited after --stop-timeout seconds (5 by default), every process of its group is killed at once (cgroup.kill, or on cgroup v1 the group frozen, every task sent SIGKILL, thawed). At SIGTERM the containers are stopped highest lxc.start.order first, the containers of one order at the same time.",
            "The containers do not die with cgconfigd: their state (pid, start time, group) is kept in STATE-DIR/containers/NAME.json, and a new cgconfigd (an upgrade, a crash, kill -9) re-adopts those still running, recognised by their pid and their start time in /proc (a recycled pid is never taken for a container), and goes on supervising them.",
        ],
    ),
    (
        "COMMANDS",
        &[
            "With a command, cgconfigd is a client of the daemon of the state directory (--state-dir, /run/cgconfigd by default), through its control socket STATE-DIR/control, which only root may use. Every request is checked before it is used: size, names, commands.",
            "ls [-f] [-F COLUMNS] [-1] [--active | --running | --stopped] [--json]: the containers, as lxc-ls prints them: names in columns; with -f a table NAME STATE AUTOSTART GROUPS IPV4 IPV6 UNPRIVILEGED; -F chooses its columns among NAME STATE PID AUTOSTART GROUPS IPV4 IPV6 UNPRIVILEGED (without -f it changes nothing, as with lxc-ls). A container whose config does not load is named on standard error, as lxc-ls does; --json lists everything known of every container, its errors included.",
            "info NAME [-s] [-p] [-i] [-S] [-H] [--json]: Name, State, and for a running container PID, its IP addresses, CPU use, BlkIO use, Memory use and KMem use read from its group, and per interface its host Link with TX, RX and Total bytes, as lxc-info prints them; -s, -p, -i and -S print only the state, the pid, the addresses or the usage, -H raw numbers.",
            "start NAME: start a stopped container. stop NAME [-k] [-t SECS]: stop it (its halt signal, then SIGKILL of its group after SECS, default --stop-timeout; -k at once), and wait until it is stopped. restart NAME: stop it, then start it.",
            "attach NAME [--clear-env | --keep-env] [--keep-var NAME]... [-v NAME=VALUE]... [-- CMD...]: run CMD in the running container, as lxc-attach does: in its namespaces and its group, with its capability bounding set, no_new_privs, AppArmor profile and seccomp filter, as its root, in the caller's directory when the container has it (else /). Without CMD, root's shell in the container's /etc/passwd, else /bin/sh. The command runs in the client, with the client's standard input, output and error; those that are terminals are replaced by a new pty that the client relays to its terminal (in raw mode, restored at the end), so that the caller's terminal never enters the container. The environment is cleared but container=lxc and a default PATH (and TERM with a terminal), as lxc-attach --clear-env; --keep-env keeps the caller's, as lxc-attach 5.0 does by default. The exit status is the command's, 128 + the signal that killed it, 127 when it does not exist and 126 when it cannot be executed, 1 when it cannot be started.",
            "console NAME [-e KEY] [-t N]: connect to the container's console, as lxc-console -t 0 does, or with -t N to its tty N (1 to lxc.tty.max: /dev/ttyN in the container); without -t, the console (lxc-console takes the first free tty). LXC's banner, then what the container writes to /dev/console (or /dev/ttyN) is shown and what is typed goes to it, the terminal in raw mode (restored at the end, also on an error or a signal), its window size given to the console. Ctrl+a q detaches, Ctrl+a Ctrl+a sends Ctrl+a; -e b makes it Ctrl+b. Standard input may be a pipe: its bytes are sent and its end detaches. One client at a time on each: a second is refused while the first is connected, as is a tty the container does not have (exit status 1, as lxc-console). A container started with lxc.console.path = none has no console, nor has a container re-adopted after a restart of cgconfigd any console or tty (the ptys stayed with the daemon that started it). While no client is connected cgconfigd reads and discards the console's and the ttys' output, so that the container never blocks on them.",
        ],
    ),
    (
        "SIGNALS",
        &[
            "SIGHUP: a full reload: read and check every file again, compare every group with the live tree, and apply the difference (this repairs changes made by hand, which a reload after an edit leaves alone in the groups the edit did not change); list the containers again.",
            "SIGUSR1, SIGUSR2 (with --rules-engine, as libcgroup's cgrulesengd takes them): the same reload as SIGHUP, the rules and the templates included.",
            "SIGTERM, SIGINT: send STOPPING=1, stop the containers (see CONTAINERS; not with --keep-containers), then exit with status 0. While containers stop, EXTEND_TIMEOUT_USEC= tells systemd how long it may take. The groups of cgconfig.conf stay (as with libcgroup's service); with --remove-on-stop the empty groups cgconfigd created are removed first. A signal that arrives during an apply is handled when the apply is done.",
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
            "cgconfigd.service runs cgconfigd in root mode as Type=notify, early in the boot (DefaultDependencies=no, Before=basic.target), so that services ordered After=cgconfigd.service find every group in place. ExecReload sends SIGHUP. cgconfigd-delegated.service runs it in delegated mode with Delegate=yes and KillMode=process, so that stopping the service does not kill the tasks in its groups (cgconfigd stops the containers itself); systemd removes the service's empty sub-cgroups when it stops. Neither unit has systemd's sandboxing options: the containers cgconfigd starts would inherit them.",
            "The readiness protocol: READY=1 once every configured group exists, STATUS= with one line (groups applied, groups created by cgconfigd, groups kept, the last error), RELOADING=1 with MONOTONIC_USEC= then READY=1 around a reload, STOPPING=1 on SIGTERM and EXTEND_TIMEOUT_USEC= while containers stop. STATUS= also says how many containers run. Without NOTIFY_SOCKET nothing is sent.",
        ],
    ),
    (
        "EXIT STATUS",
        &[
            "0: stopped by SIGTERM or SIGINT; --once, --check, --dry-run or --unload succeeded; a command succeeded. 1: the configuration has errors at start, the first apply failed, the state directory cannot be used, or --unload left groups in place; a command failed (the daemon's answer is printed). 129: a usage error.",
        ],
    ),
    (
        "FILES",
        &[
            "/etc/cgconfig.conf, /etc/cgconfig.d/*.conf: the configuration (cgconfig.conf(5)).",
            "/run/cgconfigd/owned.json: the groups cgconfigd created. /run/cgconfigd/lock: taken while cgconfigd runs. /run/cgconfigd/control: the control socket. /run/cgconfigd/containers/NAME.json: what cgconfigd knows of a container, for a restarted daemon.",
            "/var/lib/lxc/NAME/config: a container's config (lxc.container.conf(5)). /etc/lxc/lxc.conf: lxc.lxcpath, where the containers are.",
        ],
    ),
    (
        "EXAMPLES",
        &[
            "Check the files without touching anything: cgconfigd --check",
            "Show what a start would change: cgconfigd --dry-run",
            "Try a configuration below a throw-away prefix, then remove what was created: cgconfigd --once --base try-1 --state-dir /tmp/try-1 -c ./cgconfig.conf && cgconfigd --unload --state-dir /tmp/try-1",
            "The containers, as lxc-ls -f shows them: cgconfigd ls -f. Stop one, giving it 30 s: cgconfigd stop web -t 30",
        ],
    ),
    (
        "SEE ALSO",
        &["cgconfigparser(8), cgconfig.conf(5), lxc.container.conf(5), lxc-ls(1), lxc-info(1), lxc-autostart(1), systemd.service(5), systemd.resource-control(5), sd_notify(3)"],
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

    #[test]
    fn attach_and_console_options_are_checked() {
        let parse = |args: &[&str]| command().try_get_matches_from(args);
        assert!(parse(&["cgconfigd", "console", "c", "-e", "^b"]).is_ok());
        assert!(parse(&["cgconfigd", "console", "c", "-e", "12"]).is_err());
        assert!(parse(&["cgconfigd", "console", "c", "-t", "x"]).is_err());
        assert!(parse(&["cgconfigd", "attach", "c", "-v", "A=1", "--", "ls", "-l"]).is_ok());
        assert!(parse(&["cgconfigd", "attach", "c", "-v", "=1"]).is_err());
        assert!(parse(&["cgconfigd", "attach", "c", "--clear-env", "--keep-env"]).is_err());
        let m = parse(&["cgconfigd", "attach", "c", "--", "sh", "-c", "exit 7"]).unwrap();
        let (_, sub) = m.subcommand().unwrap();
        let cmd: Vec<&String> = sub.get_many::<String>("command").unwrap().collect();
        assert_eq!(cmd, ["sh", "-c", "exit 7"]);
    }
}
