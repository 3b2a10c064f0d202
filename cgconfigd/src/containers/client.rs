//! The client commands: `cgconfigd ls`, `info`, `start`, `stop`, `restart`, `attach`,
//! `console`. Each sends one request on the control socket ([`super::control`]) and
//! prints the answer (`attach` and `console` then do their work in the client:
//! [`super::attach`], [`super::console`]); `ls` and `info` print what `lxc-ls` and `lxc-info` (LXC 5) print,
//! byte for byte where the data is the same, so that scripts parsing them keep working:
//!
//! * `ls`: the names, in columns as wide as the longest name (at least 4, the width of
//!   `NAME`), as many per line as the terminal takes, one per line when the output is not
//!   a terminal; `-1` one per line.
//! * `ls -f`: `NAME STATE AUTOSTART GROUPS IPV4 IPV6 UNPRIVILEGED`, each column as wide as
//!   its widest cell, each cell followed by one blank (so every line ends with one); an
//!   empty cell is `-`; groups and addresses joined with `, `; `-F` chooses the columns
//!   of `-f` (alone it changes nothing, as in `lxc-ls`).
//!   Nothing at all (not even the header) when there are no containers. A container
//!   whose config does not load is left out of the table and named on stderr, as LXC
//!   does (`--json` lists it, with its errors).
//! * `info`: `Name:`, `State:`, and for a running container `PID:`, one `IP:` per
//!   address (IPv4 first), `CPU use:`, `BlkIO use:`, `Memory use:`, `KMem use:`, and per
//!   interface `Link:` (a veth's host end), ` TX bytes:`, ` RX bytes:`, ` Total bytes:`
//!   (the container's view: TX is what the host end received, as `lxc-info`), each label
//!   padded to 15 columns; sizes as LXC's `size_humanize` writes them (`924.00 KiB`); `-H`
//!   raw numbers; `-s`, `-p`, `-i`, `-S` only those lines (`-S` includes the links).

use super::control::{call, Request, Response, Row};
use super::group::Usage;
use std::io::{IsTerminal, Write};
use std::path::Path;
use std::process::ExitCode;
use std::time::Duration;

/// How long a client waits for an answer, besides a stop's own timeout.
const ANSWER: Duration = Duration::from_secs(60);

/// The columns `ls -F` knows.
pub const COLUMNS: &[&str] = &[
    "NAME",
    "STATE",
    "PID",
    "AUTOSTART",
    "GROUPS",
    "IPV4",
    "IPV6",
    "UNPRIVILEGED",
];

/// `ls -f`'s columns, LXC 5's default.
pub const DEFAULT_COLUMNS: &[&str] = &[
    "NAME",
    "STATE",
    "AUTOSTART",
    "GROUPS",
    "IPV4",
    "IPV6",
    "UNPRIVILEGED",
];

/// How `ls` prints.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct LsFormat {
    /// The table's columns; `None`: names only.
    pub columns: Option<Vec<String>>,
    /// One name per line.
    pub line: bool,
    /// The terminal's width (0: not a terminal, one name per line).
    pub width: usize,
}

/// Which containers `ls` shows.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Filter {
    /// Only not stopped ones.
    pub active: bool,
    /// Only running ones.
    pub running: bool,
    /// Only stopped ones.
    pub stopped: bool,
}

impl Filter {
    fn keeps(&self, row: &Row) -> bool {
        let stopped = row.state == "STOPPED" || row.state == "BROKEN";
        (!self.active || !stopped)
            && (!self.running || row.state == "RUNNING")
            && (!self.stopped || stopped)
    }
}

/// `ls`'s output (stdout) and its complaints (stderr lines).
pub fn format_ls(rows: &[Row], format: &LsFormat) -> (String, Vec<String>) {
    let mut complaints = Vec::new();
    let shown: Vec<&Row> = rows
        .iter()
        .filter(|r| {
            if r.state == "BROKEN" {
                complaints.push(format!(
                    "{}: its config does not load: {}",
                    r.name,
                    r.errors.first().map_or("", String::as_str)
                ));
                false
            } else {
                true
            }
        })
        .collect();
    let mut out = String::new();
    if shown.is_empty() {
        return (out, complaints);
    }
    let Some(columns) = &format.columns else {
        let width = shown.iter().map(|r| r.name.len()).max().unwrap_or(0).max(4);
        if format.line {
            for r in &shown {
                out.push_str(&r.name);
                out.push('\n');
            }
            return (out, complaints);
        }
        // lxc-ls's ls_print_names.
        let mut len = 0;
        for r in &shown {
            out.push_str(&format!("{:<width$}", r.name));
            len += width;
            if len + width >= format.width {
                out.push('\n');
                len = 0;
            } else {
                out.push(' ');
                len += 1;
            }
        }
        if len > 0 {
            out.push('\n');
        }
        return (out, complaints);
    };
    let cell = |r: &Row, column: &str| -> String {
        let list = |items: &[String]| {
            if items.is_empty() {
                "-".to_string()
            } else {
                items.join(", ")
            }
        };
        match column {
            "NAME" => r.name.clone(),
            "STATE" => r.state.clone(),
            "PID" => r.pid.map_or_else(|| "-".into(), |p| p.to_string()),
            "AUTOSTART" => match r.autostart {
                Some(true) => "1".into(),
                Some(false) => "0".into(),
                None => "-".into(),
            },
            "GROUPS" => list(&r.groups),
            "IPV4" => list(&r.ipv4),
            "IPV6" => list(&r.ipv6),
            "UNPRIVILEGED" => match r.unprivileged {
                Some(true) => "true".into(),
                Some(false) => "false".into(),
                None => "-".into(),
            },
            _ => "-".into(),
        }
    };
    let table: Vec<Vec<String>> = shown
        .iter()
        .map(|r| columns.iter().map(|c| cell(r, c)).collect())
        .collect();
    let widths: Vec<usize> = columns
        .iter()
        .enumerate()
        .map(|(i, c)| {
            table
                .iter()
                .map(|row| row[i].chars().count())
                .max()
                .unwrap_or(0)
                .max(c.len())
        })
        .collect();
    let mut line = |cells: &[String]| {
        for (i, c) in cells.iter().enumerate() {
            let pad = widths[i].saturating_sub(c.chars().count());
            out.push_str(c);
            out.push_str(&" ".repeat(pad + 1));
        }
        out.push('\n');
    };
    line(columns);
    for row in &table {
        line(row);
    }
    (out, complaints)
}

/// LXC's `size_humanize` (`src/lxc/tools/lxc_info.c`): `512 bytes`, `924.00 KiB`,
/// `12.34 MiB`, `1.50 GiB`, with its rounding.
pub fn humanize(val: u64) -> String {
    if val > 1 << 30 {
        format!(
            "{}.{:02} GiB",
            val >> 30,
            (val & ((1 << 30) - 1)) / 10_737_419
        )
    } else if val > 1 << 20 {
        let x = val + 5243;
        format!("{}.{:02} MiB", x >> 20, ((x & ((1 << 20) - 1)) * 100) >> 20)
    } else if val > 1 << 10 {
        let x = val + 5;
        format!("{}.{:02} KiB", x >> 10, ((x & ((1 << 10) - 1)) * 100) >> 10)
    } else {
        format!("{val} bytes")
    }
}

/// Which lines `info` prints.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct InfoFormat {
    /// `-s`.
    pub state: bool,
    /// `-p`.
    pub pid: bool,
    /// `-S`.
    pub stats: bool,
    /// `-i`.
    pub ips: bool,
    /// `-H`: raw numbers.
    pub raw: bool,
}

/// `info`'s output, as `lxc-info`'s.
pub fn format_info(row: &Row, format: &InfoFormat) -> String {
    let all = !(format.state || format.pid || format.stats || format.ips);
    let mut out = String::new();
    let mut line = |label: &str, value: &str| out.push_str(&format!("{label:<15} {value}\n"));
    if all {
        line("Name:", &row.name);
    }
    if all || format.state {
        line("State:", &row.state);
    }
    if row.state != "RUNNING" && row.state != "STOPPING" {
        return out;
    }
    if all || format.pid {
        if let Some(pid) = row.pid {
            line("PID:", &pid.to_string());
        }
    }
    if all || format.ips {
        for ip in row.ipv4.iter().chain(&row.ipv6) {
            line("IP:", ip);
        }
    }
    if all || format.stats {
        let Usage {
            cpu_ns,
            blkio_bytes,
            memory_bytes,
            kmem_bytes,
        } = row.usage.unwrap_or_default();
        let size = |n: u64| {
            if format.raw {
                n.to_string()
            } else {
                humanize(n)
            }
        };
        if let Some(ns) = cpu_ns {
            if format.raw {
                line("CPU use:", &ns.to_string());
            } else {
                line("CPU use:", &format!("{:.2} seconds", ns as f64 / 1e9));
            }
        }
        if let Some(n) = blkio_bytes {
            line("BlkIO use:", &size(n));
        }
        if let Some(n) = memory_bytes {
            line("Memory use:", &size(n));
        }
        if let Some(n) = kmem_bytes {
            line("KMem use:", &size(n));
        }
        for l in &row.links {
            line("Link:", &l.link);
            line(" TX bytes:", &size(l.tx_bytes));
            line(" RX bytes:", &size(l.rx_bytes));
            line(
                " Total bytes:",
                &size(l.tx_bytes.saturating_add(l.rx_bytes)),
            );
        }
    }
    out
}

/// The terminal's width, if stdout is one.
fn terminal_width() -> usize {
    if !std::io::stdout().is_terminal() {
        return 0;
    }
    rustix::termios::tcgetwinsize(std::io::stdout()).map_or(80, |w| usize::from(w.ws_col))
}

fn fail(message: &str) -> ExitCode {
    eprintln!("cgconfigd: {message}");
    ExitCode::FAILURE
}

fn print(text: &str) -> ExitCode {
    let mut out = std::io::stdout().lock();
    if out
        .write_all(text.as_bytes())
        .and_then(|()| out.flush())
        .is_err()
    {
        return ExitCode::FAILURE;
    }
    ExitCode::SUCCESS
}

fn ask(state_dir: &Path, request: &Request, wait: Duration) -> Result<Response, ExitCode> {
    match call(state_dir, request, wait) {
        Ok(r) if r.ok => Ok(r),
        Ok(r) => Err(fail(r.error.as_deref().unwrap_or("the request failed"))),
        Err(e) => Err(fail(&e)),
    }
}

/// Runs client command `command` (its matches `m`) against the daemon of `state_dir`.
pub fn run(command: &str, m: &clap::ArgMatches, state_dir: &Path) -> ExitCode {
    let name = || m.get_one::<String>("name").cloned().unwrap_or_default();
    let flag = |id: &str| m.get_flag(id);
    match command {
        "ls" => {
            // As lxc-ls: -F chooses the columns of -f, and alone changes nothing.
            let columns = match m
                .get_one::<String>("fancy-format")
                .filter(|_| flag("fancy"))
            {
                Some(list) => {
                    let cols: Vec<String> = list
                        .split(',')
                        .map(|c| c.trim().to_ascii_uppercase())
                        .collect();
                    if let Some(bad) = cols.iter().find(|c| !COLUMNS.contains(&c.as_str())) {
                        return fail(&format!(
                            "invalid key: {bad} (columns: {})",
                            COLUMNS.join(",")
                        ));
                    }
                    Some(cols)
                }
                None if flag("fancy") => {
                    Some(DEFAULT_COLUMNS.iter().map(|c| c.to_string()).collect())
                }
                None => None,
            };
            // Addresses cost a look into each container's namespace: only when shown.
            let addresses = flag("json")
                || columns
                    .as_ref()
                    .is_some_and(|c| c.iter().any(|c| c == "IPV4" || c == "IPV6"));
            let response = match ask(state_dir, &Request::Ls { addresses }, ANSWER) {
                Ok(r) => r,
                Err(code) => return code,
            };
            let filter = Filter {
                active: flag("active"),
                running: flag("running"),
                stopped: flag("stopped"),
            };
            let rows: Vec<Row> = response
                .containers
                .into_iter()
                .filter(|r| filter.keeps(r))
                .collect();
            if flag("json") {
                let text = serde_json::to_string_pretty(&rows).unwrap_or_default();
                return print(&format!("{text}\n"));
            }
            let (out, complaints) = format_ls(
                &rows,
                &LsFormat {
                    columns,
                    line: flag("line"),
                    width: terminal_width(),
                },
            );
            for c in complaints {
                eprintln!("cgconfigd: {c}");
            }
            print(&out)
        }
        "info" => {
            let response = match ask(state_dir, &Request::Info { name: name() }, ANSWER) {
                Ok(r) => r,
                Err(code) => return code,
            };
            let Some(row) = response.containers.first() else {
                return fail("no answer about the container");
            };
            if flag("json") {
                let text = serde_json::to_string_pretty(row).unwrap_or_default();
                return print(&format!("{text}\n"));
            }
            if row.state == "BROKEN" {
                for e in &row.errors {
                    eprintln!("cgconfigd: {e}");
                }
                return fail(&format!("{}: its config does not load", row.name));
            }
            print(&format_info(
                row,
                &InfoFormat {
                    state: flag("state"),
                    pid: flag("pid"),
                    stats: flag("stats"),
                    ips: flag("ips"),
                    raw: flag("no-humanize"),
                },
            ))
        }
        "start" | "restart" => {
            let request = match command {
                "start" => Request::Start { name: name() },
                _ => Request::Restart { name: name() },
            };
            // A restart waits for the stop (the daemon's --stop-timeout, unknown here).
            let wait = if command == "restart" {
                Duration::from_secs(3600)
            } else {
                ANSWER
            };
            match ask(state_dir, &request, wait) {
                Ok(_) => ExitCode::SUCCESS,
                Err(code) => code,
            }
        }
        "stop" => {
            let timeout = m.get_one::<u32>("timeout").copied();
            let request = Request::Stop {
                name: name(),
                kill: flag("kill"),
                timeout,
            };
            let wait = Duration::from_secs(u64::from(timeout.unwrap_or(3600)))
                + super::group::EMPTY_WAIT
                + ANSWER;
            match ask(state_dir, &request, wait) {
                Ok(_) => ExitCode::SUCCESS,
                Err(code) => code,
            }
        }
        "console" => {
            let escape = match m.get_one::<String>("escape") {
                Some(text) => match super::terminal::parse_escape(text) {
                    Ok(key) => key,
                    Err(e) => return fail(&e),
                },
                None => 1,
            };
            let tty = m.get_one::<u32>("tty").copied();
            super::console::run(state_dir, &name(), escape, tty)
        }
        "attach" => {
            let command: Vec<String> = m
                .get_many::<String>("command")
                .map(|v| v.cloned().collect())
                .unwrap_or_default();
            let many = |id: &str| -> Vec<String> {
                m.get_many::<String>(id)
                    .map(|v| v.cloned().collect())
                    .unwrap_or_default()
            };
            let env = super::attach::Environment {
                keep: flag("keep-env"),
                keep_vars: many("keep-var"),
                set_vars: many("set-var"),
            };
            super::attach::run(state_dir, &name(), command, &env)
        }
        other => fail(&format!("unknown command {other}")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(name: &str, state: &str, auto: bool, groups: &[&str]) -> Row {
        Row {
            name: name.into(),
            state: state.into(),
            autostart: Some(auto),
            groups: groups.iter().map(|g| g.to_string()).collect(),
            unprivileged: Some(false),
            ..Row::default()
        }
    }

    /// The rows of the containers `lxc-create -t busybox` made in the comparison with
    /// LXC 5.0.2 (Debian 12), whose output is in the expected texts below.
    fn lxc_rows() -> Vec<Row> {
        vec![
            row("c1", "STOPPED", false, &[]),
            row("c2", "STOPPED", false, &["db"]),
            row("longername12", "STOPPED", false, &[]),
            row("web", "STOPPED", true, &["onboot", "web"]),
            Row {
                name: "broken".into(),
                state: "BROKEN".into(),
                errors: vec![
                    "config:30:18: error: `lxc.start.auto` must be 0 or 1, not `7`".into(),
                ],
                ..Row::default()
            },
        ]
    }

    #[test]
    fn ls_f_prints_what_lxc_ls_f_prints() {
        let (out, complaints) = format_ls(
            &lxc_rows(),
            &LsFormat {
                columns: Some(DEFAULT_COLUMNS.iter().map(|c| c.to_string()).collect()),
                ..LsFormat::default()
            },
        );
        // `lxc-ls -P DIR -f`, LXC 5.0.2, same containers (trailing blanks included).
        assert_eq!(
            out,
            "NAME         STATE   AUTOSTART GROUPS      IPV4 IPV6 UNPRIVILEGED \n\
             c1           STOPPED 0         -           -    -    false        \n\
             c2           STOPPED 0         db          -    -    false        \n\
             longername12 STOPPED 0         -           -    -    false        \n\
             web          STOPPED 1         onboot, web -    -    false        \n"
        );
        assert_eq!(complaints.len(), 1);
        assert!(complaints[0].starts_with("broken: its config does not load: config:30:18"));
        // No containers: nothing, not even the header.
        assert_eq!(format_ls(&[], &LsFormat::default()).0, "");
    }

    #[test]
    fn ls_prints_names_as_lxc_ls_does() {
        let rows = lxc_rows();
        // Not a terminal: one per line, padded to the widest name.
        let (out, _) = format_ls(&rows, &LsFormat::default());
        assert_eq!(
            out,
            "c1          \nc2          \nlongername12\nweb         \n"
        );
        // A 40-column terminal.
        let (out, _) = format_ls(
            &rows,
            &LsFormat {
                width: 40,
                ..LsFormat::default()
            },
        );
        assert_eq!(
            out,
            "c1           c2           longername12\nweb          \n"
        );
        let (out, _) = format_ls(
            &rows,
            &LsFormat {
                line: true,
                ..LsFormat::default()
            },
        );
        assert_eq!(out, "c1\nc2\nlongername12\nweb\n");
        // Short names: at least as wide as NAME.
        let (out, _) = format_ls(&rows[..2], &LsFormat::default());
        assert_eq!(out, "c1  \nc2  \n");
        let (out, _) = format_ls(
            &rows[..2],
            &LsFormat {
                columns: Some(vec!["NAME".into(), "PID".into()]),
                ..LsFormat::default()
            },
        );
        assert_eq!(out, "NAME PID \nc1   -   \nc2   -   \n");
    }

    #[test]
    fn sizes_are_humanized_as_lxc_info_does() {
        // Values read from a running LXC 5.0.2 container and what lxc-info printed.
        assert_eq!(humanize(946_176), "924.00 KiB");
        assert_eq!(humanize(360_448), "352.00 KiB");
        assert_eq!(humanize(0), "0 bytes");
        assert_eq!(humanize(1024), "1024 bytes");
        assert_eq!(humanize(1536), "1.50 KiB");
        assert_eq!(humanize(12_939_264), "12.34 MiB");
        assert_eq!(humanize(3 << 30), "3.00 GiB");
    }

    #[test]
    fn info_prints_what_lxc_info_prints() {
        let mut r = row("c1", "RUNNING", false, &[]);
        r.pid = Some(2285);
        r.usage = Some(Usage {
            cpu_ns: Some(7_468_077),
            blkio_bytes: Some(0),
            memory_bytes: Some(946_176),
            kmem_bytes: Some(360_448),
        });
        // `lxc-info -n c1`, `-H`, `-p -S`, `-s` of LXC 5.0.2 on that container.
        assert_eq!(
            format_info(&r, &InfoFormat::default()),
            "Name:           c1\nState:          RUNNING\nPID:            2285\n\
             CPU use:        0.01 seconds\nBlkIO use:      0 bytes\n\
             Memory use:     924.00 KiB\nKMem use:       352.00 KiB\n"
        );
        assert_eq!(
            format_info(
                &r,
                &InfoFormat {
                    raw: true,
                    ..InfoFormat::default()
                }
            ),
            "Name:           c1\nState:          RUNNING\nPID:            2285\n\
             CPU use:        7468077\nBlkIO use:      0\nMemory use:     946176\n\
             KMem use:       360448\n"
        );
        assert_eq!(
            format_info(
                &r,
                &InfoFormat {
                    pid: true,
                    stats: true,
                    ..InfoFormat::default()
                }
            ),
            "PID:            2285\nCPU use:        0.01 seconds\nBlkIO use:      0 bytes\n\
             Memory use:     924.00 KiB\nKMem use:       352.00 KiB\n"
        );
        assert_eq!(
            format_info(
                &r,
                &InfoFormat {
                    state: true,
                    ..InfoFormat::default()
                }
            ),
            "State:          RUNNING\n"
        );
        let stopped = row("c1", "STOPPED", false, &[]);
        assert_eq!(
            format_info(&stopped, &InfoFormat::default()),
            "Name:           c1\nState:          STOPPED\n"
        );
    }

    /// A networked container: its addresses in `ls -f` (joined with `, `) and `info`'s
    /// `IP:` lines after `PID:`, its host end's counters after the usage, from the
    /// container's view.
    #[test]
    fn addresses_and_links_are_shown_as_lxc_shows_them() {
        let mut r = row("web", "RUNNING", true, &[]);
        r.pid = Some(4242);
        r.ipv4 = vec!["10.0.3.2".into(), "10.0.4.2".into()];
        r.ipv6 = vec!["fd00::2".into()];
        r.usage = Some(Usage {
            cpu_ns: Some(10_000_000),
            blkio_bytes: None,
            memory_bytes: Some(946_176),
            kmem_bytes: None,
        });
        r.links = vec![super::super::control::LinkTraffic {
            name: "eth0".into(),
            link: "vethAB12cd".into(),
            tx_bytes: 1536,
            rx_bytes: 90,
        }];
        let (out, _) = format_ls(
            &[r.clone(), row("c1", "STOPPED", false, &[])],
            &LsFormat {
                columns: Some(DEFAULT_COLUMNS.iter().map(|c| c.to_string()).collect()),
                ..LsFormat::default()
            },
        );
        assert_eq!(
            out,
            "NAME STATE   AUTOSTART GROUPS IPV4               IPV6    UNPRIVILEGED \n\
             web  RUNNING 1         -      10.0.3.2, 10.0.4.2 fd00::2 false        \n\
             c1   STOPPED 0         -      -                  -       false        \n"
        );
        assert_eq!(
            format_info(&r, &InfoFormat::default()),
            "Name:           web\nState:          RUNNING\nPID:            4242\n\
             IP:             10.0.3.2\nIP:             10.0.4.2\nIP:             fd00::2\n\
             CPU use:        0.01 seconds\nMemory use:     924.00 KiB\n\
             Link:           vethAB12cd\n TX bytes:      1.50 KiB\n RX bytes:      90 bytes\n\
             \x20Total bytes:   1.59 KiB\n"
        );
        assert_eq!(
            format_info(
                &r,
                &InfoFormat {
                    ips: true,
                    ..InfoFormat::default()
                }
            ),
            "IP:             10.0.3.2\nIP:             10.0.4.2\nIP:             fd00::2\n"
        );
        assert_eq!(
            format_info(
                &r,
                &InfoFormat {
                    stats: true,
                    raw: true,
                    ..InfoFormat::default()
                }
            ),
            "CPU use:        10000000\nMemory use:     946176\nLink:           vethAB12cd\n\
             \x20TX bytes:      1536\n RX bytes:      90\n Total bytes:   1626\n"
        );
    }
}
