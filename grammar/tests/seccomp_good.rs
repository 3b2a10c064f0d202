//! Real and made-up seccomp policies that LXC loads: Debian's `lxc` profiles (the one
//! `common.conf` gives every container, and the documentation's examples) and one with
//! every construct. Each parses without error, its canonical text and warnings are
//! snapshotted, and the canonical text reads back to the same policy.

use grammar::diagnostic::render_all;
use grammar::seccomp;
use grammar::SourceFile;
use std::fmt::Write as _;

#[test]
fn good_policies_parse_print_and_read_back() {
    insta::glob!("fixtures/seccomp/good/*.seccomp", |path| {
        let name = path
            .file_name()
            .map_or_else(|| "?".to_string(), |n| n.to_string_lossy().into_owned());
        let src = SourceFile::new(name.clone(), std::fs::read_to_string(path).unwrap());
        let parsed = seccomp::parse(&src)
            .unwrap_or_else(|d| panic!("{name} does not parse:\n{}", render_all(&d, &src)));
        let printed = seccomp::print(&parsed.policy).unwrap_or_else(|e| panic!("{e}"));
        let reread = seccomp::parse(&SourceFile::new("printed", printed.clone()))
            .unwrap_or_else(|d| panic!("the printed text of {name} does not parse: {d:?}"));
        assert_eq!(reread.policy, parsed.policy);

        let mut out = printed;
        let _ = writeln!(out, "\n# warnings\n{}", render_all(&parsed.warnings, &src));
        insta::assert_snapshot!(out);
    });
}

/// Debian's `common.seccomp`, which every container created by `lxc-create -t download`
/// uses through `common.conf`: the five module and kexec calls fail with EPERM.
#[test]
fn debian_common_seccomp_is_a_denylist_of_five_calls_with_eperm() {
    let text = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/fixtures/seccomp/good/debian-common.seccomp"
    ))
    .unwrap();
    let parsed = seccomp::parse(&SourceFile::new("common.seccomp", text)).unwrap();
    let policy = &parsed.policy;
    assert_eq!(policy.default_action(), seccomp::Action::Allow);
    let seccomp::Body::V2(items) = &policy.body else {
        panic!("version 2 expected")
    };
    let denied: Vec<(String, seccomp::Action)> = items
        .iter()
        .filter_map(|item| match item {
            seccomp::Item::Rule(r) => Some((r.syscall.value.clone(), policy.rule_action(r))),
            _ => None,
        })
        .collect();
    let eperm = seccomp::Action::Errno(1);
    assert_eq!(
        denied,
        [
            ("kexec_load".to_string(), eperm),
            ("open_by_handle_at".to_string(), eperm),
            ("init_module".to_string(), eperm),
            ("finit_module".to_string(), eperm),
            ("delete_module".to_string(), eperm),
        ]
    );
    assert!(matches!(items[0], seccomp::Item::RejectForceUmount(_)));
}
