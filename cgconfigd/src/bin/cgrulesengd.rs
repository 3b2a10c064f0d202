//! cgrulesengd: the rules engine of cgconfigd on its own, with libcgroup's command line,
//! for units and scripts that start libcgroup's daemon (`cgrulesengd(8)`,
//! `docs/rules.md`).
//!
//! The options are libcgroup's, parsed in their order as `getopt_long` does (the command
//! line is defined in `cgtools::tools::cli::cgrulesengd`, shared with the man page). The
//! work is cgconfigd's daemon with `rules_only`: the rules engine and the cgred socket,
//! the templates of cgconfig.conf read but no group of it applied, no state directory.
//!
//! **Daemonizing.** Without `-n`/`-d` the command starts itself again as the daemon (a
//! new session, `/` as working directory, standard streams closed) and waits for it to
//! say it serves, through the service manager's protocol (`NOTIFY_SOCKET`, a socket in a
//! private directory): `READY=1` and the command exits 0; `STATUS=failed: ...` or the
//! daemon's end and it prints the reason and exits with the daemon's status. A re-exec,
//! not a `fork`, so that no `unsafe` is needed and the daemon starts from a clean process.

use cgconfigd::config::Sources;
use cgconfigd::log::{Level, Logger, Output, Syslog};
use cgconfigd::options::{Options, RunMode};
use cgconfigd::placement::Mode;
use cgconfigd::rules::cgred_server::Options as CgredOptions;
use cgconfigd::rules::engine::RulesSources;
use cgtools::tools::by_rules::RuleFiles;
use cgtools::tools::cli::cgrulesengd::{command, EXIT_UNKNOWN_OWNER, EXIT_USAGE};
use cgtools::tools::cmdline::wrong_input_line;
use std::ffi::OsString;
use std::os::unix::fs::DirBuilderExt;
use std::os::unix::net::UnixDatagram;
use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode, Stdio};
use std::sync::Arc;
use std::time::Duration;

/// Set in the environment of the daemon that a daemonizing cgrulesengd starts.
const DETACHED_ENV: &str = "CGRULESENGD_DETACHED";

/// libcgroup's line for a user who is not root (exit status 1).
const NOT_ROOT: &str = "Error: Only root can start/stop the control group rules engine daemon";

/// The syslog tag of libcgroup's daemon (`openlog("CGRE", ...)`), kept for log filters.
const SYSLOG_IDENT: &str = "CGRE";

/// syslog's `LOG_DAEMON` facility number.
const LOG_DAEMON: u8 = 3;

/// The options, once replayed in their order.
#[derive(Debug, PartialEq, Eq)]
struct Settings {
    /// Fork into the background (no `-n`, no `-d`).
    daemon: bool,
    /// libcgroup's verbosity: 0 nothing, 1 errors (default), 2 warnings, 3 info, 4 debug.
    verbosity: i32,
    /// `-f`: a file, or `-` for stdout.
    logfile: Option<PathBuf>,
    /// `-s`: the syslog facility's number.
    facility: Option<u8>,
    /// `-u`: the socket's owner.
    owner: Option<u32>,
    /// `-g`: the socket's group.
    group: Option<u32>,
    /// Arguments that are not options (ignored, as libcgroup does).
    ignored: Vec<String>,
}

fn main() -> ExitCode {
    let args: Vec<OsString> = std::env::args_os().collect();
    let settings = match parse(&args, std::env::var("CGROUP_LOGLEVEL").ok().as_deref()) {
        Ok(s) => s,
        Err(code) => return code,
    };
    if !nix::unistd::getuid().is_root() {
        eprintln!("{NOT_ROOT}");
        return ExitCode::FAILURE;
    }
    let detached = std::env::var_os(DETACHED_ENV).is_some();
    let logger = logger(&settings);
    for arg in &settings.ignored {
        logger.warning(&format!(
            "ignoring the argument `{arg}`: cgrulesengd takes none"
        ));
    }
    if settings.daemon && !detached {
        return daemonize(&args, &settings);
    }
    if detached {
        // The daemon: its own session, no hold on a mounted directory (libcgroup's
        // cgre_start_daemon). The log file was opened above, relative to the caller's
        // directory, as libcgroup opens it.
        if let Err(e) = rustix::process::setsid() {
            logger.error(&format!("cannot start a new session (setsid): {e}"));
            return ExitCode::FAILURE;
        }
        if let Err(e) = std::env::set_current_dir("/") {
            logger.error(&format!("cannot change the working directory to /: {e}"));
            return ExitCode::FAILURE;
        }
    }
    logger.info(&format!("proceeding with pid {}", std::process::id()));
    cgconfigd::daemon::run(&options(&settings, logger))
}

/// What one option does, in the order given.
enum Step {
    Verbose,
    Quiet,
    NoLog,
    NoDaemon,
    Debug,
    LogFile(PathBuf),
    Syslog(String),
    User(String),
    Group(String),
    Ignored(String),
}

/// The long options and their letters.
const LONG: [(&str, char); 10] = [
    ("help", 'h'),
    ("verbose", 'v'),
    ("quiet", 'q'),
    ("logfile", 'f'),
    ("syslog", 's'),
    ("nodaemon", 'n'),
    ("debug", 'd'),
    ("nolog", 'Q'),
    ("socket-user", 'u'),
    ("socket-group", 'g'),
];

/// The options of a command line clap accepted, in their order, its clusters split
/// ([`split_clusters`]): clap checks the line, and this replays it as getopt_long does
/// (clap keeps one place for all the `-v`s of a line).
fn steps(args: &[OsString]) -> Vec<Step> {
    let mut steps = Vec::new();
    let mut tokens = args
        .iter()
        .skip(1)
        .map(|a| a.to_string_lossy().into_owned());
    while let Some(token) = tokens.next() {
        let (letter, attached) = if token == "--" {
            steps.extend(tokens.by_ref().map(Step::Ignored));
            break;
        } else if let Some(long) = token.strip_prefix("--") {
            let (name, value) = match long.split_once('=') {
                Some((name, value)) => (name, Some(value.to_string())),
                None => (long, None),
            };
            // Exact, else the one long option it abbreviates (clap refused ambiguous ones).
            let letter = LONG
                .iter()
                .find(|(n, _)| *n == name)
                .or_else(|| LONG.iter().find(|(n, _)| n.starts_with(name)))
                .map_or('?', |(_, l)| *l);
            (letter, value)
        } else if let Some(short) = token.strip_prefix('-').filter(|s| !s.is_empty()) {
            let mut chars = short.chars();
            let letter = chars.next().unwrap_or('?');
            let rest = chars.as_str();
            let rest = rest
                .strip_prefix('=')
                .filter(|_| letter == 's')
                .unwrap_or(rest);
            (letter, (!rest.is_empty()).then(|| rest.to_string()))
        } else {
            steps.push(Step::Ignored(token));
            continue;
        };
        let mut value = || {
            attached
                .clone()
                .or_else(|| tokens.next())
                .unwrap_or_default()
        };
        steps.push(match letter {
            'v' => Step::Verbose,
            'q' => Step::Quiet,
            'Q' => Step::NoLog,
            'n' => Step::NoDaemon,
            'd' => Step::Debug,
            'f' => Step::LogFile(PathBuf::from(value())),
            'u' => Step::User(value()),
            'g' => Step::Group(value()),
            's' => Step::Syslog(attached.clone().unwrap_or_else(|| "D".to_string())),
            _ => continue,
        });
    }
    steps
}

/// Parses the command line as libcgroup does; `Err` is the exit status after help (0) or
/// a usage error (printed). `loglevel` is `CGROUP_LOGLEVEL`: `DEBUG` acts as `-d`'s
/// logging, before the options.
fn parse(args: &[OsString], loglevel: Option<&str>) -> Result<Settings, ExitCode> {
    match command().try_get_matches_from(split_clusters(args)) {
        Ok(_) => {}
        Err(e) => {
            use clap::error::ErrorKind;
            if matches!(e.kind(), ErrorKind::DisplayHelp | ErrorKind::DisplayVersion) {
                let _ = e.print();
                return Err(ExitCode::SUCCESS);
            }
            eprint!("{}", usage_error(&e, args));
            return Err(ExitCode::from(EXIT_USAGE));
        }
    }
    let steps = steps(&split_clusters(args));
    let mut s = Settings {
        daemon: true,
        verbosity: 1,
        logfile: None,
        facility: None,
        owner: None,
        group: None,
        ignored: Vec::new(),
    };
    if loglevel.is_some_and(|l| l.eq_ignore_ascii_case("DEBUG")) {
        s.verbosity = 4;
        s.logfile = Some(PathBuf::from("-"));
    }
    for step in steps {
        match step {
            Step::Verbose => s.verbosity += 1,
            Step::Quiet => s.verbosity -= 1,
            Step::NoLog => s.verbosity = 0,
            Step::NoDaemon => s.daemon = false,
            Step::Debug => {
                s.daemon = false;
                s.verbosity = 4;
                s.logfile = Some(PathBuf::from("-"));
            }
            Step::LogFile(path) => s.logfile = Some(path),
            Step::Ignored(arg) => s.ignored.push(arg),
            Step::Syslog(name) => match facility(&name) {
                Some(f) => s.facility = Some(f),
                None => {
                    eprintln!("Unknown syslog facility: {name}");
                    return Err(ExitCode::from(EXIT_USAGE));
                }
            },
            Step::User(name) => match nix::unistd::User::from_name(&name) {
                Ok(Some(user)) => s.owner = Some(user.uid.as_raw()),
                _ => return Err(unknown_owner(&format!("Cannot find user {name}"))),
            },
            Step::Group(name) => match nix::unistd::Group::from_name(&name) {
                Ok(Some(group)) => s.group = Some(group.gid.as_raw()),
                _ => return Err(unknown_owner(&format!("Cannot find group {name}"))),
            },
        }
    }
    Ok(s)
}

/// `args` with every cluster of short options split (`-vvq` is `-v -v -q`), so that each
/// letter has its place for the replay, and `-sFACILITY` written `-s=FACILITY`, the form
/// clap takes for an optional value (getopt's `s::` takes it attached, and only so). A
/// letter taking a value (`f`, `u`, `g`) keeps the rest of the cluster as its value.
/// Nothing after `--` is touched.
fn split_clusters(args: &[OsString]) -> Vec<OsString> {
    let mut out = Vec::with_capacity(args.len());
    let mut options = true;
    for (n, arg) in args.iter().enumerate() {
        let text = arg.to_string_lossy();
        if n == 0 || !options || !text.starts_with('-') || text.starts_with("--") || text.len() < 2
        {
            options &= text != "--";
            out.push(arg.clone());
            continue;
        }
        let cluster = &text[1..];
        for (i, c) in cluster.char_indices() {
            let rest = &cluster[i + c.len_utf8()..];
            match c {
                'f' | 'u' | 'g' => {
                    out.push(OsString::from(format!("-{c}{rest}")));
                    break;
                }
                's' if !rest.is_empty() => {
                    let value = rest.strip_prefix('=').unwrap_or(rest);
                    out.push(OsString::from(format!("-s={value}")));
                    break;
                }
                _ => out.push(OsString::from(format!("-{c}"))),
            }
        }
    }
    out
}

/// libcgroup's facilities: `0` to `7` for local0 to local7, `D` for daemon.
fn facility(name: &str) -> Option<u8> {
    match name.as_bytes() {
        [d @ b'0'..=b'7'] => Some(16 + (d - b'0')),
        b"D" => Some(LOG_DAEMON),
        _ => None,
    }
}

/// A `-u` or `-g` name that does not exist: libcgroup's line, the usage, status 3.
fn unknown_owner(line: &str) -> ExitCode {
    eprintln!("{line}");
    eprintln!("{}", command().render_usage());
    eprintln!("{}", wrong_input_line("cgrulesengd"));
    ExitCode::from(EXIT_UNKNOWN_OWNER)
}

/// A usage error: getopt's line where it has one (`invalid option -- 'x'`, `unrecognized
/// option '--foo'`, `option requires an argument -- 'f'`, ...; scripts written for
/// libcgroup's daemon may match them), else clap's, then the usage line and libcgroup's
/// `Wrong input parameters` line.
fn usage_error(e: &clap::Error, args: &[OsString]) -> String {
    use clap::error::{ContextKind, ErrorKind};
    let tool = "cgrulesengd";
    let invalid = e
        .get(ContextKind::InvalidArg)
        .map(|v| v.to_string())
        .unwrap_or_default();
    let last = args
        .last()
        .map(|a| a.to_string_lossy().into_owned())
        .unwrap_or_default();
    let line = match e.kind() {
        ErrorKind::UnknownArgument if invalid.starts_with("--") => {
            format!("{tool}: unrecognized option '{invalid}'")
        }
        ErrorKind::UnknownArgument if invalid.starts_with('-') => {
            let letter = invalid.trim_start_matches('-');
            format!("{tool}: invalid option -- '{letter}'")
        }
        // A value missing at the end of the line (`-f`, `--logfile`).
        ErrorKind::InvalidValue if !last.contains('=') && last.starts_with("--") => {
            let name = invalid.split(' ').next().unwrap_or(&invalid).to_string();
            format!("{tool}: option '{name}' requires an argument")
        }
        ErrorKind::InvalidValue if last.starts_with('-') => {
            let letter = invalid
                .split(' ')
                .next()
                .filter(|n| n.len() == 2)
                .map(|n| n.trim_start_matches('-').to_string())
                .unwrap_or_else(|| last.chars().last().map(String::from).unwrap_or_default());
            format!("{tool}: option requires an argument -- '{letter}'")
        }
        ErrorKind::TooManyValues | ErrorKind::UnknownArgument | ErrorKind::NoEquals
            if invalid.starts_with("--") =>
        {
            let name = invalid.split([' ', '=']).next().unwrap_or(&invalid);
            let name = name.trim_end_matches("...");
            format!("{tool}: option '{name}' doesn't allow an argument")
        }
        _ => {
            let rendered = e.render().to_string();
            let first = rendered.lines().next().unwrap_or("").to_string();
            format!("{tool}: {}", first.trim_start_matches("error: "))
        }
    };
    format!(
        "{line}\n{}\n{}\n",
        command().render_usage(),
        wrong_input_line(tool)
    )
}

/// Where the log goes: `-f` (a file, or `-` for stdout; a file that cannot be opened
/// falls back to stdout, as in libcgroup), `-s`, syslog when neither was given; nothing
/// at verbosity 0.
fn logger(s: &Settings) -> Logger {
    let level = match s.verbosity {
        ..=1 => Level::Error,
        2 => Level::Warning,
        3 => Level::Info,
        _ => Level::Debug,
    };
    let mut outputs = Vec::new();
    if s.verbosity > 0 {
        match &s.logfile {
            Some(path) if path.as_os_str() == "-" => outputs.push(Output::Stdout),
            Some(path) => match std::fs::OpenOptions::new()
                .create(true)
                .append(true)
                .open(path)
            {
                Ok(file) => outputs.push(Output::File(Arc::new(file))),
                Err(e) => {
                    eprintln!(
                        "Failed to open log file {}, error: {}. Continuing anyway.",
                        path.display(),
                        grammar::diagnostic::io_reason(&e)
                    );
                    outputs.push(Output::Stdout);
                }
            },
            None => {}
        }
        let facility = match (s.facility, &s.logfile) {
            (Some(f), _) => Some(f),
            (None, None) => Some(LOG_DAEMON),
            (None, Some(_)) => None,
        };
        if let Some(f) = facility {
            match Syslog::new(f, SYSLOG_IDENT) {
                Ok(syslog) => outputs.push(Output::Syslog(Arc::new(syslog))),
                Err(e) => eprintln!("cgrulesengd: cannot log to syslog: {e}"),
            }
        }
    }
    Logger::to("cgrulesengd", level, outputs)
}

/// cgconfigd's daemon, as the rules engine only.
fn options(s: &Settings, logger: Logger) -> Options {
    let etc = RuleFiles::system().etc;
    // Tests point the daemon at a private socket, as they point the tools
    // (cgtools::rules::cgred::socket_path); release builds cannot.
    let private = if cfg!(debug_assertions) {
        std::env::var_os(cgtools::rules::cgred::SOCKET_ENV).map(PathBuf::from)
    } else {
        None
    };
    let defaults = CgredOptions::default();
    let cgred = CgredOptions {
        path: private.unwrap_or(defaults.path.clone()),
        owner: s.owner,
        group: s.group,
        ..defaults
    };
    Options {
        sources: Sources {
            config: etc.join("cgconfig.conf"),
            dropins: etc.join("cgconfig.d"),
        },
        // Not used: the rules engine alone records nothing.
        state_dir: PathBuf::from("/run/cgrulesengd"),
        mode: Mode::Root,
        base: cgtools::GroupPath::default(),
        supervisor: "supervisor".to_string(),
        remove_on_stop: false,
        log_level: Level::Debug,
        run: RunMode::Daemon,
        containers: None,
        rules: Some(RulesSources {
            main: etc.join("cgrules.conf"),
            dir: etc.join("cgrules.d"),
        }),
        cgred: Some(cgred),
        logger: Some(logger),
        rules_only: true,
    }
}

/// How often the waiting command looks whether the daemon ended.
const POLL: Duration = Duration::from_millis(50);

/// Starts the daemon (this program again, detached) and waits until it serves or ends.
fn daemonize(args: &[OsString], s: &Settings) -> ExitCode {
    let fail = |message: String| {
        eprintln!("cgrulesengd: {message}");
        ExitCode::FAILURE
    };
    let dir = match private_dir() {
        Ok(dir) => dir,
        Err(message) => return fail(message),
    };
    let _remove = RemoveDir(dir.clone());
    let path = dir.join("notify");
    let listener = match UnixDatagram::bind(&path) {
        Ok(l) => l,
        Err(e) => return fail(format!("cannot bind {}: {e}", path.display())),
    };
    if let Err(e) = listener.set_read_timeout(Some(POLL)) {
        return fail(format!("cannot wait on {}: {e}", path.display()));
    }
    let exe = match std::env::current_exe() {
        Ok(exe) => exe,
        Err(e) => return fail(format!("cannot find its own executable: {e}")),
    };
    let to_stdout = s.logfile.as_deref() == Some(Path::new("-"));
    let child = Command::new(exe)
        .args(args.iter().skip(1))
        .env("NOTIFY_SOCKET", &path)
        .env(cgconfigd::notify::UNTIL_READY_ENV, "1")
        .env(DETACHED_ENV, "1")
        .stdin(Stdio::null())
        // libcgroup's daemon keeps stdout only when it logs there (-f -).
        .stdout(if to_stdout {
            Stdio::inherit()
        } else {
            Stdio::null()
        })
        .stderr(Stdio::null())
        .spawn();
    let mut child = match child {
        Ok(c) => c,
        Err(e) => return fail(format!("cannot start the daemon: {e}")),
    };
    let mut failed: Option<String> = None;
    let mut buf = [0u8; 4096];
    loop {
        if let Ok(len) = listener.recv(&mut buf) {
            let text = String::from_utf8_lossy(&buf[..len]);
            for line in text.lines() {
                if line == "READY=1" {
                    return ExitCode::SUCCESS;
                }
                if let Some(why) = line.strip_prefix("STATUS=failed: ") {
                    failed = Some(why.to_string());
                }
            }
        }
        match child.try_wait() {
            Ok(None) => {}
            Ok(Some(status)) => {
                // The daemon's own status (1 for a start that failed), never 0.
                let code = status
                    .code()
                    .and_then(|c| u8::try_from(c).ok())
                    .filter(|&c| c != 0)
                    .unwrap_or(1);
                match failed {
                    Some(why) => eprintln!("cgrulesengd: {why}"),
                    None => {
                        eprintln!("cgrulesengd: the daemon ended before it was ready ({status})")
                    }
                }
                return ExitCode::from(code);
            }
            Err(e) => return fail(format!("cannot wait for the daemon: {e}")),
        }
    }
}

/// A directory only root can enter, for the readiness socket: nobody else may tell the
/// waiting command that the daemon is ready.
fn private_dir() -> Result<PathBuf, String> {
    let base = std::env::temp_dir();
    let pid = std::process::id();
    for n in 0..100 {
        let dir = base.join(format!("cgrulesengd-{pid}-{n}"));
        match std::fs::DirBuilder::new().mode(0o700).create(&dir) {
            Ok(()) => return Ok(dir),
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => continue,
            Err(e) => return Err(format!("cannot create {}: {e}", dir.display())),
        }
    }
    Err(format!(
        "cannot create a private directory in {}",
        base.display()
    ))
}

/// Removes the readiness socket's directory when the command exits.
struct RemoveDir(PathBuf);

impl Drop for RemoveDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    fn settings(args: &[&str]) -> Settings {
        let mut all = vec![OsString::from("cgrulesengd")];
        all.extend(args.iter().map(OsString::from));
        parse(&all, None).unwrap()
    }

    #[test]
    fn options_replay_in_their_order_as_getopt_gives_them() {
        let s = settings(&[]);
        assert!(s.daemon);
        assert_eq!((s.verbosity, s.logfile, s.facility), (1, None, None));
        // -d is -n, -f - and the most verbose log, at its place on the line.
        let s = settings(&["-d", "-f", "log"]);
        assert_eq!(
            (s.daemon, s.verbosity, s.logfile),
            (false, 4, Some(PathBuf::from("log")))
        );
        let s = settings(&["-f", "log", "-d", "-q"]);
        assert_eq!((s.verbosity, s.logfile), (3, Some(PathBuf::from("-"))));
        assert_eq!(settings(&["-vvv"]).verbosity, 4);
        assert_eq!(settings(&["-vvq", "-q"]).verbosity, 1);
        let s = settings(&["-vv", "-Q", "-v", "--syslog=3", "-s", "--nod"]);
        assert_eq!(
            (s.daemon, s.verbosity, s.facility),
            (false, 1, Some(LOG_DAEMON))
        );
        let s = settings(&["--logfile=a", "--verb", "-s7", "extra"]);
        assert_eq!(s.facility, Some(23));
        let s = settings(&["-vs0", "-fs1"]);
        assert_eq!(
            (s.facility, s.logfile),
            (Some(16), Some(PathBuf::from("s1")))
        );
        let s = settings(&["--logfile=a", "--verb", "-s7", "extra"]);
        assert_eq!(s.logfile, Some(PathBuf::from("a")));
        assert_eq!((s.verbosity, s.facility), (2, Some(23)));
        assert_eq!(s.ignored, vec!["extra".to_string()]);
        let s = settings(&["-u", "root", "--socket-group=root"]);
        assert_eq!((s.owner, s.group), (Some(0), Some(0)));
        let debug = parse(&[OsString::from("cgrulesengd")], Some("debug")).unwrap();
        assert_eq!(
            (debug.daemon, debug.verbosity, debug.logfile),
            (true, 4, Some(PathBuf::from("-")))
        );
    }

    #[test]
    fn facilities_are_libcgroups() {
        assert_eq!(facility("0"), Some(16));
        assert_eq!(facility("7"), Some(23));
        assert_eq!(facility("D"), Some(3));
        for bad in ["8", "d", "daemon", ""] {
            assert_eq!(facility(bad), None, "{bad}");
        }
    }
}
