//! LXC seccomp policies: any text either parses or yields diagnostics that render; what
//! parses prints, and the printed text reads back to the same policy.

#![no_main]

use grammar::diagnostic::render_all;
use grammar::seccomp;
use grammar::SourceFile;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let src = SourceFile::new("fuzz.seccomp", text);
    let parsed = match seccomp::parse(&src) {
        Ok(parsed) => parsed,
        Err(diagnostics) => {
            assert!(!render_all(&diagnostics, &src).is_empty());
            return;
        }
    };
    let _ = render_all(&parsed.warnings, &src);
    let printed = match seccomp::print(&parsed.policy) {
        Ok(printed) => printed,
        Err(e) => panic!("a parsed policy does not print: {e}"),
    };
    let reread = match seccomp::parse(&SourceFile::new("printed.seccomp", printed.as_str())) {
        Ok(reread) => reread,
        Err(d) => panic!("printed text does not parse: {printed:?}: {d:?}"),
    };
    assert_eq!(reread.policy, parsed.policy, "printed as {printed:?}");
});
