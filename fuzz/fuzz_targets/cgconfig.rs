//! cgconfig.conf: no input makes the parser, the error renderer or the printer panic,
//! whatever parses prints to text that parses back to the same tree, and the hand-written
//! reader of group sections agrees with pest on every input (same tree or same errors, each
//! span at the same place).
#![no_main]

use grammar::diagnostic::render_all;
use grammar::source::WithPositions;
use grammar::{cgconfig, SourceFile};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let src = SourceFile::new("fuzz.conf", text);
    let parsed = cgconfig::parse(&src);
    let pest = cgconfig::parse_with_pest(&src);
    assert_eq!(
        WithPositions(&parsed),
        WithPositions(&pest),
        "the two readers differ"
    );
    match parsed {
        Err(errors) => {
            assert!(!errors.is_empty());
            let _ = render_all(&errors, &src);
        }
        Ok(config) => {
            let printed = cgconfig::print(&config).expect("a parsed tree is printable");
            let again = cgconfig::parse(&SourceFile::new("printed", printed.as_str()))
                .unwrap_or_else(|_| panic!("printed text does not parse:\n{printed}"));
            assert_eq!(again, config, "printed text:\n{printed}");
        }
    }
});
