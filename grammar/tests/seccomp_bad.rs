//! Every file in `fixtures/seccomp/bad` is refused; the full rendered diagnostics are
//! snapshotted so that a change of wording, column or hint is reviewed.

use grammar::diagnostic::render_all;
use grammar::seccomp::parse;
use grammar::SourceFile;

#[test]
fn bad_policies_are_refused_with_these_messages() {
    insta::glob!("fixtures/seccomp/bad/*.seccomp", |path| {
        // Named by the file name only, so the snapshots do not depend on the checkout path.
        let name = path
            .file_name()
            .map_or_else(|| "?".to_string(), |n| n.to_string_lossy().into_owned());
        let src = SourceFile::new(name, std::fs::read_to_string(path).unwrap());
        let diagnostics = match parse(&src) {
            Ok(parsed) => panic!("{} was accepted: {parsed:?}", src.name()),
            Err(diagnostics) => diagnostics,
        };
        insta::assert_snapshot!(render_all(&diagnostics, &src));
    });
}
