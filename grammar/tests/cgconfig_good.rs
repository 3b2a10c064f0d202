//! Every file in `fixtures/cgconfig/good/` parses; its canonical form is a snapshot and
//! reads back to the same tree.

use grammar::diagnostic::render_all;
use grammar::{cgconfig, SourceFile};

#[test]
fn good_configs_parse_and_print_canonically() {
    insta::glob!("fixtures/cgconfig/good/*.conf", |path| {
        let name = path.file_name().unwrap().to_string_lossy().into_owned();
        let src = SourceFile::new(name, std::fs::read_to_string(path).unwrap());
        let config =
            cgconfig::parse(&src).unwrap_or_else(|errors| panic!("{}", render_all(&errors, &src)));
        let printed = cgconfig::print(&config).unwrap();
        let again = cgconfig::parse(&SourceFile::new("printed", printed.clone()))
            .unwrap_or_else(|_| panic!("the printed form does not parse:\n{printed}"));
        assert_eq!(again, config);
        insta::assert_snapshot!(printed);
    });
}
