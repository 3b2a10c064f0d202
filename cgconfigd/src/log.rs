//! One line per event on stderr.
//!
//! Under systemd (`JOURNAL_STREAM` set: stderr is connected to the journal) each line
//! starts with the syslog priority in angle brackets (`<4>`), which journald turns into
//! the entry's priority and strips, so `journalctl -p warning -u cgconfigd` works. Run
//! by hand, lines read `cgconfigd: warning: ...`, except that a message which already
//! says how bad it is gets no second label: a configuration error logs as
//! `cgconfigd: FILE:LINE:COL: error: ...`, never `cgconfigd: error: FILE:...: error: ...`.
//! Messages never contain a newline: a multi-line text is folded onto one line so that
//! one event stays one journal entry.
//!
//! `cgrulesengd` logs where libcgroup's does ([`Logger::to`]): a file (`-f FILE`), stdout
//! (`-f -`), syslog (`-s[FACILITY]`, [`Syslog`]), or nowhere (`-Q`), with its own name in
//! front of the lines.

use std::fmt;
use std::fs::File;
use std::io::Write;
use std::os::unix::net::UnixDatagram;
use std::path::PathBuf;
use std::str::FromStr;
use std::sync::Arc;

/// How important a message is; the numbers are syslog's.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Level {
    /// Something failed (3).
    Error = 3,
    /// Something needs attention (4).
    Warning = 4,
    /// A normal but significant event: a group removed or kept (5).
    Notice = 5,
    /// What the daemon does: started, applied, reloaded (6).
    Info = 6,
    /// Every step (7).
    Debug = 7,
}

impl Level {
    /// The name `--log-level` takes.
    pub fn name(self) -> &'static str {
        match self {
            Level::Error => "error",
            Level::Warning => "warning",
            Level::Notice => "notice",
            Level::Info => "info",
            Level::Debug => "debug",
        }
    }

    /// Every level, most severe first.
    pub const ALL: [Level; 5] = [
        Level::Error,
        Level::Warning,
        Level::Notice,
        Level::Info,
        Level::Debug,
    ];
}

impl FromStr for Level {
    type Err = String;

    fn from_str(s: &str) -> Result<Level, String> {
        Level::ALL
            .into_iter()
            .find(|l| l.name() == s)
            .ok_or_else(|| format!("unknown log level `{s}` (error, warning, notice, info, debug)"))
    }
}

impl fmt::Display for Level {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// Where the lines go.
#[derive(Clone, Debug)]
pub enum Output {
    /// stderr, with journal priorities under systemd (cgconfigd's only output).
    Stderr,
    /// stdout (`cgrulesengd -f -`), plain lines.
    Stdout,
    /// A file opened for appending (`cgrulesengd -f FILE`), plain lines.
    File(Arc<File>),
    /// The syslog socket (`cgrulesengd -s`).
    Syslog(Arc<Syslog>),
}

/// The local syslog daemon's socket (`/dev/log`), written the way syslog(3) does: one
/// datagram per message, `<PRIORITY>IDENT[PID]: MESSAGE`. A few lines instead of a crate:
/// the format is that one line (RFC 3164 without the timestamp, which rsyslog, syslog-ng
/// and journald fill in with the time of reception).
#[derive(Debug)]
pub struct Syslog {
    socket: UnixDatagram,
    path: PathBuf,
    facility: u8,
    ident: String,
}

impl Syslog {
    /// The path syslog(3) writes to.
    pub const PATH: &'static str = "/dev/log";

    /// Messages for `facility` (syslog's number: 3 daemon, 16 to 23 local0 to local7),
    /// tagged `ident`. Nothing is connected yet: each message is sent to the path, so
    /// that a syslog daemon restarted meanwhile still gets the next one.
    pub fn new(facility: u8, ident: &str) -> std::io::Result<Syslog> {
        Ok(Syslog {
            socket: UnixDatagram::unbound()?,
            path: PathBuf::from(Syslog::PATH),
            facility,
            ident: ident.to_string(),
        })
    }

    /// The datagram for `message` at `level`.
    fn datagram(&self, level: Level, message: &str) -> String {
        format!(
            "<{}>{}[{}]: {message}",
            u32::from(self.facility) * 8 + level as u32,
            self.ident,
            std::process::id()
        )
    }

    fn send(&self, level: Level, message: &str) {
        // As syslog(3): a message nobody receives is lost, never an error of the caller.
        let _ = self
            .socket
            .send_to(self.datagram(level, message).as_bytes(), &self.path);
    }
}

/// Where messages go and which are shown.
#[derive(Clone, Debug)]
pub struct Logger {
    max: Level,
    journal: bool,
    name: String,
    outputs: Vec<Output>,
}

impl Logger {
    /// Shows messages up to `max` on stderr; uses priority prefixes when `JOURNAL_STREAM`
    /// is set.
    pub fn new(max: Level) -> Logger {
        Logger::to("cgconfigd", max, vec![Output::Stderr])
    }

    /// Shows messages up to `max` on each of `outputs` (none: logs nothing), lines starting
    /// with `name`.
    pub fn to(name: &str, max: Level, outputs: Vec<Output>) -> Logger {
        Logger {
            max,
            journal: std::env::var_os("JOURNAL_STREAM").is_some(),
            name: name.to_string(),
            outputs,
        }
    }

    /// Whether messages of `level` are shown.
    pub fn enabled(&self, level: Level) -> bool {
        level <= self.max && !self.outputs.is_empty()
    }

    /// Writes one line.
    pub fn log(&self, level: Level, message: &str) {
        if !self.enabled(level) {
            return;
        }
        // A closed stderr, a full disk, a missing syslog daemon must not stop the daemon.
        for output in &self.outputs {
            match output {
                Output::Stderr => {
                    let line = self.format(level, message, self.journal);
                    let _ = std::io::stderr().lock().write_all(line.as_bytes());
                }
                Output::Stdout => {
                    let line = self.format(level, message, false);
                    let mut out = std::io::stdout().lock();
                    let _ = out.write_all(line.as_bytes()).and_then(|()| out.flush());
                }
                Output::File(file) => {
                    let line = self.format(level, message, false);
                    let _ = (&**file).write_all(line.as_bytes());
                }
                Output::Syslog(syslog) => syslog.send(level, &self.plain(level, message)),
            }
        }
    }

    /// The message with its severity when it does not say it, without the name.
    fn plain(&self, level: Level, message: &str) -> String {
        let message = one_line(message);
        if level <= Level::Warning && !says_its_severity(&message) {
            format!("{level}: {message}")
        } else {
            message
        }
    }

    fn format(&self, level: Level, message: &str, journal: bool) -> String {
        if journal {
            format!("<{}>{}\n", level as u8, one_line(message))
        } else {
            format!("{}: {}\n", self.name, self.plain(level, message))
        }
    }

    /// [`Level::Error`].
    pub fn error(&self, message: &str) {
        self.log(Level::Error, message);
    }

    /// [`Level::Warning`].
    pub fn warning(&self, message: &str) {
        self.log(Level::Warning, message);
    }

    /// [`Level::Notice`].
    pub fn notice(&self, message: &str) {
        self.log(Level::Notice, message);
    }

    /// [`Level::Info`].
    pub fn info(&self, message: &str) {
        self.log(Level::Info, message);
    }

    /// [`Level::Debug`].
    pub fn debug(&self, message: &str) {
        self.log(Level::Debug, message);
    }
}

/// Whether `message` starts with its own severity: `error: ...`, or a diagnostic's header
/// `FILE:LINE:COL: error: ...` (also `warning:` and `note:`).
fn says_its_severity(message: &str) -> bool {
    let rest = diagnostic_header(message).map_or(message, |(_, label, _)| label);
    ["error: ", "warning: ", "note: "]
        .iter()
        .any(|label| rest.starts_with(label))
}

/// A diagnostic's one-line form `FILE:LINE:COL: LABEL: MESSAGE` split into the location,
/// the text from the label on, and the message after the label; `None` for other text.
/// The location is what comes before the first `: `, and must end in two numbers.
pub fn diagnostic_header(line: &str) -> Option<(&str, &str, &str)> {
    let (location, rest) = line.split_once(": ")?;
    let mut parts = location.rsplitn(3, ':');
    let number = |part: Option<&str>| {
        part.is_some_and(|p| !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit()))
    };
    let (col, row, file) = (parts.next(), parts.next(), parts.next());
    if !number(col) || !number(row) || file.is_none_or(str::is_empty) {
        return None;
    }
    let (_, message) = rest.split_once(": ")?;
    Some((location, rest, message))
}

/// `text` with line breaks folded into `; ` and trailing blanks removed.
pub fn one_line(text: &str) -> String {
    let parts: Vec<&str> = text
        .lines()
        .map(str::trim_end)
        .filter(|l| !l.is_empty())
        .collect();
    parts.join("; ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn journal_lines_carry_the_priority_and_plain_lines_the_name() {
        let journal = Logger::new(Level::Info);
        assert_eq!(journal.format(Level::Warning, "x", true), "<4>x\n");
        assert_eq!(journal.format(Level::Info, "a\nb\n", true), "<6>a; b\n");
        let plain = Logger::new(Level::Info);
        assert_eq!(
            plain.format(Level::Error, "x", false),
            "cgconfigd: error: x\n"
        );
        assert_eq!(plain.format(Level::Notice, "x", false), "cgconfigd: x\n");
        // A configuration error says `error:` itself: once is enough.
        assert_eq!(
            plain.format(
                Level::Error,
                "/etc/cgconfig.conf:9:25: error: expected `;` (hint: end it with `;`)",
                false
            ),
            "cgconfigd: /etc/cgconfig.conf:9:25: error: expected `;` (hint: end it with `;`)\n"
        );
        assert_eq!(
            plain.format(Level::Warning, "a.conf:1:2: warning: old key", false),
            "cgconfigd: a.conf:1:2: warning: old key\n"
        );
        // Only a header at the start counts; a location inside the text does not.
        assert_eq!(
            plain.format(Level::Error, "cannot apply: a.conf:1:2: error: x", false),
            "cgconfigd: error: cannot apply: a.conf:1:2: error: x\n"
        );
        assert_eq!(
            plain.format(Level::Error, "a.conf:x:2: error: y", false),
            "cgconfigd: error: a.conf:x:2: error: y\n"
        );
        assert!(!plain.enabled(Level::Debug));
        assert!(plain.enabled(Level::Error));
    }

    #[test]
    fn files_get_plain_lines_syslog_its_priority_and_nothing_logs_nothing() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("log");
        let file = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(&path)
            .unwrap();
        let log = Logger::to(
            "cgrulesengd",
            Level::Warning,
            vec![Output::File(Arc::new(file))],
        );
        log.error("a\nb");
        log.info("not shown");
        log.warning("x.conf:1:2: error: y");
        assert_eq!(
            std::fs::read_to_string(&path).unwrap(),
            "cgrulesengd: error: a; b\ncgrulesengd: x.conf:1:2: error: y\n"
        );
        // daemon (3) * 8 + warning (4); local7 (23) * 8 + debug (7).
        let daemon = Syslog::new(3, "CGRE").unwrap();
        let pid = std::process::id();
        assert_eq!(
            daemon.datagram(Level::Warning, "x"),
            format!("<28>CGRE[{pid}]: x")
        );
        let local7 = Syslog::new(23, "CGRE").unwrap();
        assert_eq!(
            local7.datagram(Level::Debug, "y"),
            format!("<191>CGRE[{pid}]: y")
        );
        assert!(!Logger::to("cgrulesengd", Level::Debug, vec![]).enabled(Level::Error));
    }

    #[test]
    fn levels_parse_by_name() {
        assert_eq!("notice".parse::<Level>(), Ok(Level::Notice));
        assert!("loud".parse::<Level>().is_err());
    }
}
