//! LXC configs with mistakes: everything reported about each, rendered as the user sees
//! it. A fixture that loads must fail the autostart checks instead; includes are read from
//! `bad/root`, standing in for `/`.

use grammar::lxc::{LoadError, Loader};

#[test]
fn bad_fixtures_report_every_error() {
    insta::glob!("fixtures/lxc/bad/*.conf", |path| {
        let root = path.parent().map(|p| p.join("root")).unwrap_or_default();
        let name = path.file_name().unwrap_or_default().to_string_lossy();
        let rendered = match Loader::new().root(&root).load_as(path, &name) {
            Err(e @ LoadError::Invalid { .. }) => e.to_string(),
            Err(e) => panic!("{name} cannot be read: {e}"),
            Ok(loaded) => match loaded.autostart() {
                Ok(a) => panic!("{name} has no error: {a:?}"),
                Err(mut errors) => {
                    errors.extend(loaded.warnings.iter().cloned());
                    errors.sort_by_key(|d| (d.file, d.diagnostic.span.start));
                    loaded.render(&errors)
                }
            },
        };
        insta::assert_snapshot!(rendered);
    });
}
