//! Every file in `fixtures/cgrules/bad` is refused; the full rendered diagnostics are
//! snapshotted so that a change of wording, column or hint is reviewed.

use grammar::cgrules::parse;
use grammar::diagnostic::render_all;
use grammar::SourceFile;

#[test]
fn bad_fixtures_are_refused_with_these_messages() {
    insta::glob!("fixtures/cgrules/bad/*.conf", |path| {
        // Named by the file name only, so the snapshots do not depend on the checkout path.
        let name = path
            .file_name()
            .map_or_else(|| "?".to_string(), |n| n.to_string_lossy().into_owned());
        let src = SourceFile::new(name, std::fs::read_to_string(path).unwrap());
        let diagnostics = match parse(&src) {
            Ok(rules) => panic!("{} was accepted: {rules:?}", src.name()),
            Err(diagnostics) => diagnostics,
        };
        insta::assert_snapshot!(render_all(&diagnostics, &src));
    });
}
