//! Property: any valid tree prints, in either layout, to text that parses back to the same
//! tree.

use grammar::cgconfig::*;
use grammar::{SourceFile, Spanned};
use proptest::prelude::*;

fn s(value: String) -> Spanned<String> {
    Spanned::unplaced(value)
}

/// Group names: components that need no quoting, some that do, keywords, and the root.
fn group_name() -> impl Strategy<Value = String> {
    prop_oneof![
        8 => prop::collection::vec("[a-zA-Z0-9_,%@-][a-zA-Z0-9 _.,%@=+:-]{0,8}", 1..4)
            .prop_map(|parts| parts.join("/")),
        1 => Just(".".to_string()),
        1 => prop::sample::select(vec!["group", "task", "default", "perm", "mount"]).prop_map(str::to_string),
    ]
    .prop_filter("components `.` and `..` are refused", |name| {
        name == "." || name.split('/').all(|c| c != "." && c != "..")
    })
}

fn id() -> impl Strategy<Value = Spanned<Id>> {
    prop_oneof![
        (0..u32::MAX).prop_map(Id::Number),
        "[a-z_][a-z0-9_.-]{0,8}".prop_map(Id::Name),
    ]
    .prop_map(Spanned::unplaced)
}

fn mode() -> impl Strategy<Value = Spanned<Mode>> {
    (0..=MAX_MODE).prop_map(|m| Spanned::unplaced(Mode(m)))
}

fn perm() -> impl Strategy<Value = Perm> {
    let task = (
        prop::option::of(id()),
        prop::option::of(id()),
        prop::option::of(mode()),
    )
        .prop_map(|(uid, gid, fperm)| TaskPerm {
            uid,
            gid,
            fperm,
            ..TaskPerm::default()
        });
    let admin = (
        prop::option::of(id()),
        prop::option::of(id()),
        prop::option::of(mode()),
        prop::option::of(mode()),
    )
        .prop_map(|(uid, gid, fperm, dperm)| AdminPerm {
            uid,
            gid,
            fperm,
            dperm,
            ..AdminPerm::default()
        });
    (prop::option::of(task), prop::option::of(admin))
        .prop_filter("a perm block holds task or admin", |(t, a)| {
            t.is_some() || a.is_some()
        })
        .prop_map(|(task, admin)| Perm {
            task,
            admin,
            ..Perm::default()
        })
}

/// Values: anything without `"`, newlines and braces included.
fn value() -> impl Strategy<Value = String> {
    prop_oneof![
        "[a-zA-Z0-9_./,%@-]{1,12}",
        "[^\"]{0,24}",
        Just(String::new()),
    ]
}

fn settings() -> impl Strategy<Value = Vec<Setting>> {
    prop::collection::btree_map("[a-z][a-z_. -]{0,15}", value(), 0..4).prop_map(|map| {
        map.into_iter()
            .map(|(name, value)| Setting {
                name: s(name),
                value: s(value),
                span: Default::default(),
            })
            .collect()
    })
}

fn controllers() -> impl Strategy<Value = Vec<Controller>> {
    prop::collection::btree_map("[a-z][a-z=,_ ]{0,9}", settings(), 0..4).prop_map(|map| {
        map.into_iter()
            .map(|(name, settings)| Controller {
                name: s(name),
                settings,
                span: Default::default(),
            })
            .collect()
    })
}

fn group() -> impl Strategy<Value = Group> {
    (group_name(), prop::option::of(perm()), controllers())
        .prop_filter("a group is not empty", |(_, p, c)| {
            p.is_some() || !c.is_empty()
        })
        .prop_map(|(name, perm, controllers)| Group {
            name: s(name),
            perm,
            controllers,
            span: Default::default(),
        })
}

fn template() -> impl Strategy<Value = Group> {
    (group(), "(%[uUgGpP])?").prop_map(|(mut g, var)| {
        if g.name.value == "." {
            g.name.value = "t".into();
        }
        if !var.is_empty() {
            g.name.value = format!("{}/{var}", g.name.value);
        }
        g
    })
}

fn systemd() -> impl Strategy<Value = Systemd> {
    (
        prop::option::of("[a-z][a-z-]{0,8}\\.slice"),
        prop::option::of("[a-z][a-z-]{0,8}\\.scope"),
        prop::option::of(any::<bool>()),
        prop::option::of(2..u32::MAX),
    )
        .prop_map(|(slice, scope, setdefault, pid)| Systemd {
            slice: slice.map(s),
            scope: scope.map(s),
            setdefault: setdefault.map(Spanned::unplaced),
            pid: pid.map(Spanned::unplaced),
            ..Systemd::default()
        })
}

fn mount() -> impl Strategy<Value = Mount> {
    prop::collection::btree_map("[a-z][a-z,=]{0,12}", "/[a-z0-9/ ]{0,12}", 0..3).prop_map(|m| {
        Mount {
            points: m
                .into_iter()
                .map(|(c, p)| MountPoint {
                    controllers: s(c),
                    path: s(p),
                    span: Default::default(),
                })
                .collect(),
            span: Default::default(),
        }
    })
}

fn namespace() -> impl Strategy<Value = Namespace> {
    prop::collection::btree_map("[a-z]{1,8}", group_name(), 0..3).prop_map(|m| Namespace {
        entries: m
            .into_iter()
            .map(|(c, p)| NamespaceEntry {
                controller: s(c),
                path: s(p),
                span: Default::default(),
            })
            .collect(),
        span: Default::default(),
    })
}

fn section() -> impl Strategy<Value = Section> {
    prop_oneof![
        6 => group().prop_map(Section::Group),
        2 => template().prop_map(Section::Template),
        1 => perm().prop_map(|perm| Section::Default(DefaultSection { perm, span: Default::default() })),
        1 => mount().prop_map(Section::Mount),
        1 => namespace().prop_map(Section::Namespace),
        1 => systemd().prop_map(Section::Systemd),
    ]
}

fn config() -> impl Strategy<Value = Config> {
    prop::collection::vec(section(), 0..6)
        .prop_filter("mount and namespace exclude each other", |sections| {
            let has = |f: fn(&Section) -> bool| sections.iter().any(f);
            !(has(|s| matches!(s, Section::Mount(_)))
                && has(|s| matches!(s, Section::Namespace(_))))
        })
        .prop_map(|sections| Config { sections })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn parse_of_print_is_identity(config in config()) {
        reads_back(&config, &print(&config).unwrap())?;
    }

    #[test]
    fn parse_of_the_cgsnapshot_layout_is_identity(config in config()) {
        reads_back(&config, &print_with(&config, Layout::Cgsnapshot).unwrap())?;
    }
}

fn reads_back(config: &Config, text: &str) -> Result<(), TestCaseError> {
    let src = SourceFile::new("printed", text);
    match parse(&src) {
        Ok(parsed) => prop_assert_eq!(&parsed, config, "printed text:\n{}", text),
        Err(errors) => prop_assert!(
            false,
            "printed text does not parse:\n{}\n{}",
            text,
            grammar::diagnostic::render_all(&errors, &src)
        ),
    }
    Ok(())
}
