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

use std::fmt;
use std::io::Write;
use std::str::FromStr;

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

/// Where messages go and which are shown.
#[derive(Clone, Debug)]
pub struct Logger {
    max: Level,
    journal: bool,
}

impl Logger {
    /// Shows messages up to `max`; uses priority prefixes when `JOURNAL_STREAM` is set.
    pub fn new(max: Level) -> Logger {
        Logger {
            max,
            journal: std::env::var_os("JOURNAL_STREAM").is_some(),
        }
    }

    /// Whether messages of `level` are shown.
    pub fn enabled(&self, level: Level) -> bool {
        level <= self.max
    }

    /// Writes one line.
    pub fn log(&self, level: Level, message: &str) {
        if !self.enabled(level) {
            return;
        }
        let line = self.format(level, message);
        // A closed stderr must not stop the daemon.
        let _ = std::io::stderr().lock().write_all(line.as_bytes());
    }

    fn format(&self, level: Level, message: &str) -> String {
        let message = one_line(message);
        if self.journal {
            format!("<{}>{message}\n", level as u8)
        } else if level <= Level::Warning && !says_its_severity(&message) {
            format!("cgconfigd: {level}: {message}\n")
        } else {
            format!("cgconfigd: {message}\n")
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
        let journal = Logger {
            max: Level::Info,
            journal: true,
        };
        assert_eq!(journal.format(Level::Warning, "x"), "<4>x\n");
        assert_eq!(journal.format(Level::Info, "a\nb\n"), "<6>a; b\n");
        let plain = Logger {
            max: Level::Info,
            journal: false,
        };
        assert_eq!(plain.format(Level::Error, "x"), "cgconfigd: error: x\n");
        assert_eq!(plain.format(Level::Notice, "x"), "cgconfigd: x\n");
        // A configuration error says `error:` itself: once is enough.
        assert_eq!(
            plain.format(
                Level::Error,
                "/etc/cgconfig.conf:9:25: error: expected `;` (hint: end it with `;`)"
            ),
            "cgconfigd: /etc/cgconfig.conf:9:25: error: expected `;` (hint: end it with `;`)\n"
        );
        assert_eq!(
            plain.format(Level::Warning, "a.conf:1:2: warning: old key"),
            "cgconfigd: a.conf:1:2: warning: old key\n"
        );
        // Only a header at the start counts; a location inside the text does not.
        assert_eq!(
            plain.format(Level::Error, "cannot apply: a.conf:1:2: error: x"),
            "cgconfigd: error: cannot apply: a.conf:1:2: error: x\n"
        );
        assert_eq!(
            plain.format(Level::Error, "a.conf:x:2: error: y"),
            "cgconfigd: error: a.conf:x:2: error: y\n"
        );
        assert!(!plain.enabled(Level::Debug));
        assert!(plain.enabled(Level::Error));
    }

    #[test]
    fn levels_parse_by_name() {
        assert_eq!("notice".parse::<Level>(), Ok(Level::Notice));
        assert!("loud".parse::<Level>().is_err());
    }
}
