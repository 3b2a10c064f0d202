//! The command line of `cgrulesengd`, libcgroup's options (2.0.2 and 3.x: `hvqf:s::ndQu:g:`),
//! and the sections of its manual page (section 8) that are not about options.
//!
//! libcgroup parses them with `getopt_long`: repeated options are allowed, the later one
//! wins, `-v`/`-q` count, `-d` sets what `-n -f -` and the highest verbosity set at its
//! place on the line, long options may be abbreviated, and arguments that are not options
//! are ignored. The definition below keeps all of that (the binary replays the options in
//! their order); see `cgconfigd/src/bin/cgrulesengd.rs`.

use clap::{Arg, ArgAction, Command};
use std::path::PathBuf;

/// The manual section of `cgrulesengd`: a system administration command.
pub const MAN_SECTION: &str = "8";

/// Exit status of a usage error: libcgroup's cgrulesengd returns 2 (not the 129 of the
/// 3.x tools) for an unknown option, a missing value or an unknown syslog facility.
pub const EXIT_USAGE: u8 = 2;

/// Exit status for a `-u` user or `-g` group that does not exist (libcgroup's 3).
pub const EXIT_UNKNOWN_OWNER: u8 = 3;

/// The argument definitions of `cgrulesengd`.
pub fn command() -> Command {
    Command::new("cgrulesengd")
        .about("Daemon for the cgroups rules engine")
        .long_about(
            "Daemon for the cgroups rules engine.\n\n\
             cgrulesengd moves every process, as it starts a program or changes its user or \
             group, into the groups the rules of /etc/cgrules.conf and /etc/cgrules.d say \
             (see cgrules.conf(5); cgexec and cgclassify without -g follow the same rules). \
             At start it classifies every running process, then listens to the kernel's \
             process events; when events were lost (a burst overran the receive buffer) it \
             classifies every process again, so no process is missed. A destination with \
             variables (%u, %g, %p...) is created on first use from its template in \
             /etc/cgconfig.conf or /etc/cgconfig.d; the groups of those files are not \
             created by cgrulesengd (cgconfigd or cgconfigparser do that).\n\n\
             It serves the socket /run/cgred.socket (also reached as /var/run/cgred.socket), \
             mode 0660, through which cgexec --sticky, cgclassify --sticky and \
             cgclassify --cancel-sticky ask it to leave processes where they are.\n\n\
             It runs the rules engine of cgconfigd: cgconfigd --rules-engine does the same \
             job inside the service that applies cgconfig.conf; run one or the other. \
             Without -n or -d it becomes a daemon (a new session, / as working directory, \
             standard input and output closed) and the command returns only once the daemon \
             serves: with status 0, or with the daemon's error and a non-zero status when it \
             cannot start (a rules file with an error, no proc connector...).\n\n\
             Exit status: 0 when the daemon started (or was stopped by SIGTERM or SIGINT); \
             1 when it cannot start, or when not run as root; 2 for an unknown option, a \
             missing option value or an unknown syslog facility; 3 for a -u user or -g group \
             that does not exist.",
        )
        .override_usage("cgrulesengd [options]")
        .infer_long_args(true)
        .arg(
            Arg::new("quiet")
                .short('q')
                .long("quiet")
                .action(ArgAction::Count)
                .help("Log less: only errors by default, nothing with -q"),
        )
        .arg(
            Arg::new("verbose")
                .short('v')
                .long("verbose")
                .action(ArgAction::Count)
                .help("Log more: warnings (-v), what the daemon does (-vv), every step (-vvv)"),
        )
        .arg(
            Arg::new("logfile")
                .short('f')
                .long("logfile")
                .value_name("FILE")
                .action(ArgAction::Append)
                .value_parser(clap::value_parser!(PathBuf))
                .value_hint(clap::ValueHint::FilePath)
                .help("Append the log to FILE; - writes it to standard output"),
        )
        .arg(
            Arg::new("syslog")
                .short('s')
                .long("syslog")
                .value_name("FACILITY")
                .num_args(0..=1)
                .require_equals(true)
                .default_missing_value("D")
                .action(ArgAction::Append)
                .help("Log to syslog, with FACILITY 0 to 7 (local0 to local7) or D (daemon, the default); the default log when -f is not given"),
        )
        .arg(
            Arg::new("nodaemon")
                .short('n')
                .long("nodaemon")
                .action(ArgAction::Count)
                .help("Stay in the foreground"),
        )
        .arg(
            Arg::new("debug")
                .short('d')
                .long("debug")
                .action(ArgAction::Count)
                .help("Same as -n -f - with the most verbose log"),
        )
        .arg(
            Arg::new("nolog")
                .short('Q')
                .long("nolog")
                .action(ArgAction::Count)
                .help("Log nothing"),
        )
        .arg(
            Arg::new("socket-user")
                .short('u')
                .long("socket-user")
                .value_name("USER")
                .action(ArgAction::Append)
                .value_hint(clap::ValueHint::Username)
                .help("Owner of the cgred socket (default: root)"),
        )
        .arg(
            Arg::new("socket-group")
                .short('g')
                .long("socket-group")
                .value_name("GROUP")
                .action(ArgAction::Append)
                .help("Group of the cgred socket (default: root's group)"),
        )
        .arg(
            // getopt leaves arguments that are not options alone, and libcgroup's daemon
            // never looks at them: accepted and ignored, with a warning.
            Arg::new("ignored")
                .value_name("ARGUMENT")
                .num_args(0..)
                .action(ArgAction::Append)
                .hide(true),
        )
}

/// Sections of the manual page beyond the options.
pub const MAN_EXTRA: &[(&str, &[&str])] = &[
    (
        "FILES",
        &[
            "/etc/cgrules.conf, then the files of /etc/cgrules.d (not hidden, in name order): the rules. A missing file counts as empty.",
            "/etc/cgconfig.conf, then /etc/cgconfig.d/*.conf: read for their templates only. A file with an error stops the start, as in libcgroup.",
            "/run/cgred.socket: the socket of cgexec --sticky and cgclassify --sticky/--cancel-sticky; libcgroup's tools use /var/run/cgred.socket, the same file where /var/run links to /run.",
        ],
    ),
    (
        "SIGNALS",
        &[
            "SIGUSR2 reads the rules again (libcgroup's signal), SIGUSR1 the templates; both, and SIGHUP, read the rules and the templates. A file with an error changes nothing: the previous rules stay in force and the error is logged with its file:line:col. After a reload every process is classified again. The rules files are also watched with inotify: an edit applies without a signal.",
            "SIGTERM and SIGINT stop the daemon; the processes stay in their groups.",
        ],
    ),
    (
        "LOGGING",
        &[
            "Without -f the log goes to syslog (facility daemon, tag CGRE, as libcgroup's). -f FILE appends to FILE (when it cannot be opened, to standard output, as libcgroup does); -f - writes to standard output; -s with -f logs to both. Lines read \"cgrulesengd: MESSAGE\", errors and warnings with their severity; a rules error starts with FILE:LINE:COL. The environment variable CGROUP_LOGLEVEL=DEBUG has the effect of -d's logging (the most verbose, to standard output).",
        ],
    ),
    (
        "SEE ALSO",
        &["cgconfigd(8), cgexec(1), cgclassify(1), cgrules.conf(5)"],
    ),
];
