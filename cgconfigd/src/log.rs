//! One line per event on stderr.
//!
//! Under systemd (`JOURNAL_STREAM` set: stderr is connected to the journal) each line
//! starts with the syslog priority in angle brackets (`<4>`), which journald turns into
//! the entry's priority and strips, so `journalctl -p warning -u cgconfigd` works. Run
//! by hand, lines read `cgconfigd: warning: ...`. Messages never contain a newline: a
//! multi-line text is folded onto one line so that one event stays one journal entry.

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
        } else {
            match level {
                Level::Error | Level::Warning => format!("cgconfigd: {level}: {message}\n"),
                _ => format!("cgconfigd: {message}\n"),
            }
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
        assert!(!plain.enabled(Level::Debug));
        assert!(plain.enabled(Level::Error));
    }

    #[test]
    fn levels_parse_by_name() {
        assert_eq!("notice".parse::<Level>(), Ok(Level::Notice));
        assert!("loud".parse::<Level>().is_err());
    }
}
