//! LXC container configs: any text either parses or yields diagnostics that render; what
//! parses prints, and the printed text reads back to the same settings (with pre-3.0 keys
//! under their current names). Only the single-file parser: includes would read files.

#![no_main]

use grammar::diagnostic::render_all;
use grammar::lxc;
use grammar::SourceFile;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let src = SourceFile::new("fuzz.conf", text);
    let parsed = match lxc::parse(&src) {
        Ok(parsed) => parsed,
        Err(diagnostics) => {
            assert!(!render_all(&diagnostics, &src).is_empty());
            return;
        }
    };
    let _ = render_all(&parsed.warnings, &src);
    let printed = match lxc::print(&parsed.config) {
        Ok(printed) => printed,
        Err(e) => panic!("a parsed config does not print: {e}"),
    };
    let reread = match lxc::parse(&SourceFile::new("printed.conf", printed.as_str())) {
        Ok(reread) => reread,
        Err(d) => panic!("printed text does not parse: {printed:?}: {d:?}"),
    };
    let mut expected = parsed.config;
    for entry in &mut expected.entries {
        entry.renamed_from = None;
    }
    assert_eq!(reread.config, expected, "printed as {printed:?}");
});
