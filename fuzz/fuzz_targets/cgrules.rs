//! cgrules.conf: any input is either refused with diagnostics that render, or parsed into
//! rules whose canonical text parses back into the same rules.

#![no_main]

use grammar::cgrules::{analyze, parse, print};
use grammar::diagnostic::render_all;
use grammar::SourceFile;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let src = SourceFile::new("fuzz.conf", text);
    let analysis = analyze(&src);
    // Rendering must not panic, whatever the spans.
    let rendered = render_all(&analysis.diagnostics, &src);
    assert_eq!(rendered.is_empty(), analysis.diagnostics.is_empty());
    let Ok(rules) = analysis.into_result() else {
        return;
    };
    let printed = match print(&rules) {
        Ok(printed) => printed,
        Err(err) => panic!("parsed rules cannot be printed: {err}\n{rules:?}"),
    };
    let printed_src = SourceFile::new("printed.conf", printed.clone());
    match parse(&printed_src) {
        Ok(back) => assert_eq!(back, rules, "printed as:\n{printed}"),
        Err(diagnostics) => panic!(
            "printed text is refused:\n{printed}\n{}",
            render_all(&diagnostics, &printed_src)
        ),
    }
});
