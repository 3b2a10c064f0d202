//! The file-format man pages (`man/cgconfig.conf.5`, `man/cgrules.conf.5`) are written by
//! hand, so this keeps them true to the grammar: every example of their EXAMPLES section
//! is parsed (accepted, or refused when the paragraph before it says it "is refused"),
//! every keyword, option and variable the grammar knows is described, and `man` renders
//! the pages without a warning.

#![allow(clippy::expect_used, clippy::panic, clippy::unwrap_used)] // a test fails by panicking

use grammar::{cgconfig, cgrules, SourceFile};
use std::path::PathBuf;

fn page(name: &str) -> String {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../man")
        .join(name);
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// The page's text with the roff escapes it uses turned into the characters they print.
fn unescape(line: &str) -> String {
    line.replace("\\(dq", "\"")
        .replace("\\-", "-")
        .replace("\\e", "\\")
        .replace("\\&", "")
}

/// An example of the EXAMPLES section: its text, and whether the page says it is refused.
struct Example {
    text: String,
    refused: bool,
    line: usize,
}

fn examples(page: &str) -> Vec<Example> {
    let mut out = Vec::new();
    let mut in_examples = false;
    let mut prose = String::new();
    let mut block: Option<(usize, String)> = None;
    for (n, line) in page.lines().enumerate() {
        if let Some((start, text)) = block.as_mut() {
            if line == ".EE" {
                out.push(Example {
                    text: std::mem::take(text),
                    refused: prose.contains("is refused"),
                    line: *start,
                });
                block = None;
                prose.clear();
            } else {
                text.push_str(&unescape(line));
                text.push('\n');
            }
            continue;
        }
        if let Some(title) = line.strip_prefix(".SH ") {
            in_examples = title == "EXAMPLES";
            prose.clear();
        } else if in_examples && line == ".EX" {
            block = Some((n + 1, String::new()));
        } else if in_examples {
            prose.push_str(&unescape(line));
            prose.push(' ');
        }
    }
    assert!(block.is_none(), "an .EX without its .EE");
    out
}

/// Words the page prints in bold (`.B word`, `.BR word ,`, `\fBword\fR`).
fn bold_words(page: &str) -> Vec<String> {
    let mut out = Vec::new();
    for line in page.lines() {
        if let Some(rest) = line
            .strip_prefix(".B ")
            .or_else(|| line.strip_prefix(".BR "))
        {
            if let Some(word) = rest.split_whitespace().next() {
                out.push(unescape(word).trim_matches('"').to_string());
            }
        }
    }
    out
}

fn check_examples(name: &str, parse: impl Fn(&SourceFile) -> Result<(), String>) {
    let page = page(name);
    let examples = examples(&page);
    assert!(
        examples.len() >= 4,
        "{name}: only {} examples found",
        examples.len()
    );
    assert!(
        examples.iter().any(|e| e.refused),
        "{name}: no refused example"
    );
    for example in examples {
        let src = SourceFile::new(
            format!("{name} example at line {}", example.line),
            example.text.clone(),
        );
        match (parse(&src), example.refused) {
            (Ok(()), false) | (Err(_), true) => {}
            (Err(errors), false) => panic!(
                "{name}: the example at line {} is refused:\n{errors}",
                example.line
            ),
            (Ok(()), true) => panic!(
                "{name}: the example at line {} is said to be refused but is accepted:\n{}",
                example.line, example.text
            ),
        }
    }
}

#[test]
fn cgconfig_conf_examples_read_as_the_page_says() {
    check_examples("cgconfig.conf.5", |src| {
        cgconfig::parse(src)
            .map(|_| ())
            .map_err(|d| grammar::diagnostic::render_all(&d, src))
    });
}

#[test]
fn cgrules_conf_examples_read_as_the_page_says() {
    check_examples("cgrules.conf.5", |src| {
        cgrules::parse(src)
            .map(|_| ())
            .map_err(|d| grammar::diagnostic::render_all(&d, src))
    });
}

#[test]
fn cgconfig_conf_describes_every_keyword() {
    let page = page("cgconfig.conf.5");
    let bold = bold_words(&page);
    // The permission keys and the systemd section's keys are words of the grammar too
    // (grammar/src/cgconfig/build.rs), not reserved ones.
    let keys = [
        "uid",
        "gid",
        "fperm",
        "dperm",
        "slice",
        "scope",
        "setdefault",
        "pid",
    ];
    for word in cgconfig::KEYWORDS.iter().chain(keys.iter()) {
        assert!(
            bold.iter().any(|b| b == word) || page.contains(&format!("{word} =")),
            "cgconfig.conf(5) does not describe `{word}`"
        );
    }
    for section in cgconfig::SECTION_KEYWORDS {
        assert!(
            page.contains(&format!("\n{section} ")) || page.contains(&format!("\n{section} {{")),
            "cgconfig.conf(5) has no synopsis of the `{section}` section"
        );
    }
}

#[test]
fn cgrules_conf_describes_every_option_and_variable() {
    let page = page("cgrules.conf.5");
    let bold = bold_words(&page);
    for option in cgrules::RuleOption::ALL {
        assert!(
            bold.iter().any(|b| b == option.as_str()),
            "cgrules.conf(5) does not describe the option `{}`",
            option.as_str()
        );
    }
    for variable in cgrules::Variable::ALL {
        let word = format!("%{}", variable.letter());
        assert!(
            bold.contains(&word),
            "cgrules.conf(5) does not describe `{word}`"
        );
    }
}

/// `man --warnings` (what lintian runs) renders both pages without a warning. Needs man-db
/// (scripts/test.sh installs it); without it the test is a counted skip.
#[test]
fn the_pages_render_without_warnings() {
    let man = std::process::Command::new("man").arg("--version").output();
    if man.is_err() {
        test_support::skip!("`man` (man-db) is not installed");
    }
    for name in ["cgconfig.conf.5", "cgrules.conf.5"] {
        let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
            .join("../man")
            .join(name);
        let out = std::process::Command::new("man")
            .args(["--warnings", "-E", "UTF-8", "-l", "-Tutf8", "-Z"])
            .arg(&path)
            .env("MANROFFSEQ", "")
            .env("MANWIDTH", "80")
            .output()
            .expect("man runs");
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(out.status.success(), "man {name} failed: {stderr}");
        assert!(
            stderr.trim().is_empty(),
            "man warns about {name}:\n{stderr}"
        );
    }
}
