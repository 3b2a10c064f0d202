//! `man/cgconfigd.8` is generated from the clap definition (`cgtools::cli::cgconfigd`) and
//! its extra sections (`cgtools::cli::man_extra`): this test fails when the committed page
//! is stale, and rewrites it with `CGTOOLS_UPDATE_MAN=1 cargo test -p cgconfigd --test
//! man_page`. The style is that of the other pages in `man/` (clap_mangen, no date,
//! `cgtools <version>` as the source).

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // tests fail by panicking

use clap_mangen::roff::{roman, Roff};
use std::path::PathBuf;

fn page() -> Vec<u8> {
    let command = cgtools::cli::cgconfigd::command();
    let name = command.get_name().to_string();
    let man = clap_mangen::Man::new(command.clone())
        .section(cgtools::cli::man_section(&name))
        // No date, so that the page is reproducible; a blank keeps the .TH fields in place.
        .date(" ")
        .source(format!("cgtools {}", env!("CARGO_PKG_VERSION")))
        .manual("System Administration");
    let mut out = Vec::new();
    man.render_title(&mut out).unwrap();
    man.render_name_section(&mut out).unwrap();
    man.render_synopsis_section(&mut out).unwrap();
    man.render_description_section(&mut out).unwrap();
    man.render_options_section(&mut out).unwrap();
    let mut extra = Roff::default();
    for (heading, paragraphs) in cgtools::cli::man_extra(&name) {
        extra.control("SH", [*heading]);
        for (i, paragraph) in paragraphs.iter().enumerate() {
            if i > 0 {
                extra.control("PP", []);
            }
            extra.text([roman(*paragraph)]);
        }
    }
    extra.to_writer(&mut out).unwrap();
    man.render_version_section(&mut out).unwrap();
    // Each section rendered alone starts with roff's quote-string preamble: keep the first.
    let text = String::from_utf8(out).unwrap();
    let preamble = ".ie \\n(.g .ds Aq \\(aq\n.el .ds Aq '\n";
    let mut parts = text.split(preamble);
    let first = parts.next().unwrap_or_default();
    let mut joined = format!("{first}{preamble}");
    for part in parts {
        joined.push_str(part);
    }
    joined.into_bytes()
}

fn committed() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .unwrap()
        .join("man/cgconfigd.8")
}

#[test]
fn the_committed_man_page_is_up_to_date() {
    let fresh = page();
    if std::env::var_os("CGTOOLS_UPDATE_MAN").is_some() {
        std::fs::create_dir_all(committed().parent().unwrap()).unwrap();
        std::fs::write(committed(), &fresh).unwrap();
    }
    let on_disk = std::fs::read(committed()).unwrap_or_default();
    assert!(
        on_disk == fresh,
        "man/cgconfigd.8 is stale: regenerate it with `CGTOOLS_UPDATE_MAN=1 cargo test -p cgconfigd --test man_page` and commit it"
    );
}

#[test]
fn the_page_has_the_sections_an_administrator_looks_for() {
    let text = String::from_utf8(page()).unwrap();
    assert_eq!(text.matches(".ds Aq").count(), 2, "one preamble");
    assert!(text.contains(".TH cgconfigd 8"), "{text}");
    for section in [
        "NAME",
        "SYNOPSIS",
        "DESCRIPTION",
        "OPTIONS",
        "MODES",
        "RELOADING",
        "OWNERSHIP",
        "SIGNALS",
        "SYSTEMD",
        "EXIT STATUS",
        "FILES",
        "SEE ALSO",
    ] {
        assert!(
            text.contains(&format!(".SH {section}"))
                || text.contains(&format!(".SH \"{section}\"")),
            "no {section}"
        );
    }
    assert!(text.contains("\\-\\-remove\\-on\\-stop"));
}
