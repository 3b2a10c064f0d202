//! Real-world LXC configs: each is loaded with its includes (from `good/root`, standing in
//! for `/`), and its expanded canonical text, warnings and autostart settings are
//! snapshotted. The canonical text must read back to the same settings.

use grammar::lxc::{self, Config, Loader};
use grammar::SourceFile;
use std::fmt::Write as _;

/// The settings with the pre-3.0 spelling forgotten, as a re-read of the printed text has it.
fn current(config: &Config) -> Config {
    let mut config = config.clone();
    for e in &mut config.entries {
        e.renamed_from = None;
    }
    config
}

#[test]
fn good_fixtures_load_print_and_read_back() {
    insta::glob!("fixtures/lxc/good/*.conf", |path| {
        let root = path.parent().map(|p| p.join("root")).unwrap_or_default();
        let name = path.file_name().unwrap_or_default().to_string_lossy();
        let loaded = match Loader::new().root(&root).load_as(path, &name) {
            Ok(loaded) => loaded,
            Err(e) => panic!("{name} does not load:\n{e}"),
        };
        let expanded = loaded.expanded();
        let printed = lxc::print(&expanded).unwrap_or_else(|e| panic!("{e}"));
        let reread = lxc::parse(&SourceFile::new("printed", printed.clone()))
            .unwrap_or_else(|d| panic!("the printed text of {name} does not parse: {d:?}"));
        assert_eq!(reread.config, current(&expanded));
        assert!(reread.warnings.is_empty());

        let mut out = printed;
        let _ = writeln!(out, "\n# files read");
        for (_, src) in loaded.sources.iter() {
            let _ = writeln!(out, "{}", src.name());
        }
        let _ = writeln!(out, "\n# autostart\n{:?}", loaded.autostart());
        let _ = writeln!(out, "\n# warnings\n{}", loaded.render(&loaded.warnings));
        insta::assert_snapshot!(out);
    });
}
