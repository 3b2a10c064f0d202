//! Every file in `fixtures/cgrules/good` parses without errors or warnings, and its
//! canonical form (snapshotted) reads back as the same rules.

use grammar::cgrules::{analyze, parse, print};
use grammar::diagnostic::render_all;
use grammar::SourceFile;
use std::path::Path;

/// The fixture, named by its file name only.
fn source(path: &Path) -> std::io::Result<SourceFile> {
    let name = path
        .file_name()
        .map_or_else(|| "?".to_string(), |n| n.to_string_lossy().into_owned());
    Ok(SourceFile::new(name, std::fs::read_to_string(path)?))
}

#[test]
fn good_fixtures_parse_cleanly_and_print_canonically() {
    insta::glob!("fixtures/cgrules/good/*.conf", |path| {
        let src = source(path).unwrap();
        let analysis = analyze(&src);
        assert!(
            analysis.diagnostics.is_empty(),
            "{}",
            render_all(&analysis.diagnostics, &src)
        );
        let rules = analysis.rules;
        let printed = print(&rules).unwrap();
        let reparsed = parse(&SourceFile::new("printed", printed.clone()))
            .unwrap_or_else(|d| panic!("printed text does not parse: {d:?}\n{printed}"));
        assert_eq!(reparsed, rules);
        insta::assert_snapshot!(printed);
    });
}

#[test]
fn the_reference_example_reads_as_documented() {
    use grammar::cgrules::{Controllers, ProcessPattern, RuleOption, Subject};
    let path =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/cgrules/good/reference.conf");
    let rules = parse(&source(&path).unwrap()).unwrap();
    assert_eq!(rules.rules.len(), 5);
    let root = &rules.rules[0];
    assert_eq!(root.subject.value, Subject::User("root".into()));
    assert!(root.ignores());
    assert!(root.targets[0].destination.is_nowhere());
    let students = &rules.rules[1];
    assert_eq!(students.subject.value, Subject::Group("students".into()));
    assert_eq!(students.targets.len(), 2);
    assert_eq!(students.targets[1].destination.as_str(), "students/io");
    assert!(students.targets[0].destination.has_variables());
    assert_eq!(
        rules.rules[2].process.as_ref().map(|p| &p.value),
        Some(&ProcessPattern::Exact("/usr/bin/rsync".into()))
    );
    assert_eq!(
        rules.rules[3].process.as_ref().map(|p| &p.value),
        Some(&ProcessPattern::Prefix("java".into()))
    );
    assert_eq!(rules.rules[4].subject.value, Subject::Any);
    assert_eq!(
        rules.rules[4].targets[0].controllers.value.to_field(),
        "cpu"
    );
    assert!(matches!(
        root.targets[0].controllers.value,
        Controllers::All
    ));
    assert_eq!(
        root.targets[0]
            .options
            .iter()
            .map(|o| o.value)
            .collect::<Vec<_>>(),
        [RuleOption::Ignore]
    );
}
