//! The hand-written reader of `group` and `template` sections (`src/cgconfig/fast.rs`)
//! against pest: on every input, `parse` (which uses the reader where it can) and
//! `parse_with_pest` (pest alone) give the same tree, or the same diagnostics, with every
//! span at the same place (`Span`'s own equality ignores positions; [`WithPositions`] does
//! not). And the reader does take the sections it is there for, so this comparison is not
//! between pest and pest.

use grammar::cgconfig::{fast_coverage, parse, parse_with_pest};
use grammar::source::WithPositions;
use grammar::SourceFile;
use proptest::prelude::*;

fn same_both_ways(text: &str) -> Result<(), TestCaseError> {
    let src = SourceFile::new("t.conf", text);
    let (fast, pest) = (parse(&src), parse_with_pest(&src));
    prop_assert_eq!(
        WithPositions(&fast),
        WithPositions(&pest),
        "text: {:?}",
        text
    );
    Ok(())
}

#[test]
fn every_fixture_reads_the_same_both_ways() {
    let mut seen = 0;
    for dir in [
        "tests/fixtures/cgconfig/good",
        "tests/fixtures/cgconfig/bad",
    ] {
        for entry in std::fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            let Ok(text) = std::fs::read_to_string(&path) else {
                continue;
            };
            let src = SourceFile::new(path.display().to_string(), text.as_str());
            assert_eq!(
                WithPositions(&parse(&src)),
                WithPositions(&parse_with_pest(&src)),
                "{}",
                path.display()
            );
            seen += 1;
        }
    }
    assert!(seen > 40, "only {seen} fixtures");
}

#[test]
fn the_reader_takes_ordinary_groups_and_templates() {
    let text = "# a file as configuration management writes it\n\
        group web/frontend {\n  perm {\n    task { uid = www-data; gid = 0; fperm = 660; }\n    admin { uid = root; dperm = 0755; }\n  }\n  cpu { cpu.shares = 512; }\n  memory { memory.limit_in_bytes = \"1G\"; }\n}\n\
        group \"with space\" { cpuset { cpuset.cpus = 0-1; cpuset.mems = \"\"; } }\r\n\
        template users/%u { cpu { cpu.shares = 100; } } # trailing\n\
        * a star comment\n\
        group default { memory { } }\n\
        default { perm { task { uid = root; } } }\n";
    assert_eq!(
        fast_coverage(text),
        (4, 5),
        "the default section goes to pest"
    );
    same_both_ways(text).unwrap();
    assert!(parse(&SourceFile::new("t.conf", text)).is_ok());
}

#[test]
fn the_benchmark_file_is_read_without_pest() {
    let mut text = String::new();
    for i in 0..200 {
        text.push_str(&format!("group base/p{}/g{i} {{\n", i / 50));
        if i % 2 == 0 {
            text.push_str("  perm {\n    task { uid = nobody; gid = nogroup; }\n    admin { uid = nobody; gid = nogroup; }\n  }\n");
        }
        text.push_str(&format!(
            "  cpu {{ cpu.shares = {}; }}\n  memory {{ memory.limit_in_bytes = {}M; }}\n}}\n",
            100 + i,
            64 + i
        ));
    }
    assert_eq!(fast_coverage(&text), (200, 200));
    same_both_ways(&text).unwrap();
}

/// A word as it may appear anywhere: plain, quoted (with anything inside), a keyword.
fn word() -> impl Strategy<Value = String> {
    prop_oneof![
        4 => "[a-zA-Z0-9_./,%@\\\\-]{1,10}",
        2 => "[^\"]{0,8}".prop_map(|s| format!("\"{s}\"")),
        1 => prop::sample::select(vec![
            "group", "template", "default", "mount", "namespace", "systemd", "perm", "task",
            "admin", "groups", "perm2", ".", "..", "a/../b", "/", "0", "0755", "4294967295",
        ])
        .prop_map(str::to_string),
    ]
}

/// Space between tokens, as the grammar allows it (and sometimes none).
fn gap() -> impl Strategy<Value = String> {
    prop_oneof![
        4 => Just(" ".to_string()),
        1 => Just(String::new()),
        1 => Just("\n".to_string()),
        1 => Just("\r\n\t".to_string()),
        1 => Just(" # comment {\n".to_string()),
        1 => Just("\n* star comment }\n".to_string()),
    ]
}

fn setting() -> impl Strategy<Value = String> {
    (word(), gap(), gap(), word(), gap())
        .prop_map(|(k, g1, g2, v, g3)| format!("{k}{g1}={g2}{v}{g3};"))
}

fn block(head: BoxedStrategy<String>) -> impl Strategy<Value = String> {
    (head, gap(), prop::collection::vec((setting(), gap()), 0..4)).prop_map(|(h, g, body)| {
        let body: String = body.into_iter().map(|(s, g)| format!("{s}{g}")).collect();
        format!("{h}{g}{{{body}}}")
    })
}

fn perm() -> impl Strategy<Value = String> {
    let head = prop_oneof![Just("task".to_string()), Just("admin".to_string()), word()].boxed();
    (gap(), prop::collection::vec((block(head), gap()), 0..3)).prop_map(|(g, blocks)| {
        let body: String = blocks.into_iter().map(|(b, g)| format!("{b}{g}")).collect();
        format!("perm{g}{{{body}}}")
    })
}

fn section() -> impl Strategy<Value = String> {
    let item = prop_oneof![3 => block(word().boxed()), 1 => perm()];
    (
        prop_oneof![
            4 => Just("group"),
            1 => Just("template"),
            1 => Just("default"),
            1 => Just("mount")
        ],
        gap(),
        word(),
        gap(),
        prop::collection::vec((item, gap()), 0..4),
    )
        .prop_map(|(kw, g1, name, g2, items)| {
            let body: String = items.into_iter().map(|(i, g)| format!("{i}{g}")).collect();
            format!("{kw}{g1}{name}{g2}{{{body}}}")
        })
}

fn file() -> impl Strategy<Value = String> {
    prop::collection::vec((section(), gap()), 1..4).prop_map(|sections| {
        sections
            .into_iter()
            .map(|(s, g)| format!("{s}{g}\n"))
            .collect()
    })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2000))]

    #[test]
    fn generated_files_read_the_same_both_ways(text in file()) {
        same_both_ways(&text)?;
    }

    /// Valid-looking files with one edit: a character inserted, removed or replaced by
    /// one the grammar cares about.
    #[test]
    fn mutated_files_read_the_same_both_ways(
        text in file(),
        at in any::<prop::sample::Index>(),
        edit in 0..3u8,
        byte in prop::sample::select(b"{}\";=#*\n\r\t /.a0-_\\%".to_vec()),
    ) {
        let mut bytes = text.into_bytes();
        let i = at.index(bytes.len() + 1);
        match edit {
            0 => bytes.insert(i, byte),
            1 if i < bytes.len() => { bytes.remove(i); }
            _ if i < bytes.len() => bytes[i] = byte,
            _ => bytes.push(byte),
        }
        if let Ok(text) = String::from_utf8(bytes) {
            same_both_ways(&text)?;
        }
    }
}
