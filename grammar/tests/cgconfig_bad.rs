//! Every file in `fixtures/cgconfig/bad/` is refused, and the full text a user sees is a
//! snapshot: location, message, source line, caret and hint.

use grammar::diagnostic::render_all;
use grammar::{cgconfig, SourceFile};

#[test]
fn bad_configs_are_refused_with_located_messages() {
    insta::glob!("fixtures/cgconfig/bad/*.conf", |path| {
        let name = path.file_name().unwrap().to_string_lossy().into_owned();
        let src = SourceFile::new(name, std::fs::read_to_string(path).unwrap());
        let errors = cgconfig::parse(&src).expect_err("a bad config was accepted");
        assert!(errors.iter().all(|d| d.is_error()));
        insta::assert_snapshot!(render_all(&errors, &src));
    });
}
