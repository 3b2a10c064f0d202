//! Rule destinations on the real kernel: a destination with variables is created from the
//! template of the same name (libcgroup's observed example: `root:cat cpu rule_probe/%u/%p`
//! with a template setting `cpu.shares = 333` puts `cat` in `/rule_probe/root/cat` with
//! 333 shares), intermediate levels without settings; an existing group is left alone.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // tests fail by panicking

mod common;

use cgtools::backend::values::HostFacts;
use cgtools::engine::accounts::{SystemAccounts, SystemMembers};
use cgtools::rules::classify::{materialize, Classifier, Decision, Process};
use common::{host, serving};
use grammar::{cgconfig, cgrules, SourceFile};
use std::fs;
use test_support::{need, TestGroups};

#[test]
fn a_template_destination_is_created_with_the_templates_settings() {
    let (host, cg) = need!(host());
    let cpu = need!(serving(&host, &cg, "cpu"));
    let t = TestGroups::new(&host);
    let p = &t.prefix;
    let rules = cgrules::parse(&SourceFile::new(
        "cgrules.conf",
        format!("root:cat  cpu  {p}/rule_probe/%u/%p\n"),
    ))
    .unwrap();
    let config = cgconfig::parse(&SourceFile::new(
        "cgconfig.conf",
        format!("template {p}/rule_probe/%u/%p {{ cpu {{ cpu.shares = 333; }} }}\n"),
    ))
    .unwrap();
    let templates: Vec<_> = config.templates().cloned().collect();
    let (classifier, warnings) = Classifier::new(
        rules,
        &mut SystemAccounts::default(),
        &mut SystemMembers,
        &[1],
    );
    assert!(warnings.is_empty());
    let cat = Process {
        pid: 1,
        uid: 0,
        gid: 0,
        user: Some("root".into()),
        group: Some("root".into()),
        name: "/usr/bin/cat".into(),
        realtime: Some(false),
    };
    let Ok(Decision::Move(places)) = classifier.classify(&cat) else {
        panic!("root:cat matches")
    };
    let host_facts = HostFacts::read(&cg);
    let created = materialize(
        &cg,
        &places[0],
        &templates,
        &host_facts,
        &mut SystemAccounts::default(),
    )
    .unwrap();
    assert!(
        created >= 3,
        "prefix, rule_probe/root and the leaf: {created}"
    );
    let leaf = cpu.fs_path().join(p).join("rule_probe/root/cat");
    // The version from the raw mount table (test_support), not from cgtools under test.
    let (file, expected) = if host.find("cpu").is_some_and(|m| m.version() == 1) {
        ("cpu.shares", "333")
    } else {
        // cgroup v2: the template's v1 value, translated as libcgroup does
        // (weight = shares * 100 / 1024, truncated).
        ("cpu.weight", "32")
    };
    let value = fs::read_to_string(leaf.join(file)).unwrap();
    assert_eq!(value.trim(), expected, "{file} of the leaf");
    // The level above has no settings of its own, and a second call creates nothing.
    let created = materialize(
        &cg,
        &places[0],
        &templates,
        &host_facts,
        &mut SystemAccounts::default(),
    )
    .unwrap();
    assert_eq!(created, 0);
}
