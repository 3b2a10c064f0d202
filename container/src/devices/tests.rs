//! Unit tests of the device rules: the syntax LXC accepts and refuses, what a list of rules
//! allows on cgroup v2 (LXC 5.0's emulation, expectations written from its source and from
//! Debian's common.conf, never from this code), and the program: its exact instructions
//! for a small list (LXC's layout, encoded by hand) and, through a small interpreter, the
//! same decisions as the rules for a grid of devices.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::path::{Path, PathBuf};

use grammar::lxc::Loader;
use proptest::prelude::*;

use super::policy::{Policy, Request};
use super::program::{disassemble, generate, run, Insn};
use super::rule::{ACC_MKNOD, ACC_READ, ACC_WRITE};
use super::*;

const R: u8 = ACC_READ;
const W: u8 = ACC_WRITE;
const M: u8 = ACC_MKNOD;
const RW: u8 = ACC_READ | ACC_WRITE;

fn rules(entries: &[(Kind, &str)]) -> Rules {
    Rules::parse(entries).unwrap_or_else(|e| panic!("{e}"))
}

fn policy(entries: &[(Kind, &str)]) -> Policy {
    rules(entries).policy().unwrap()
}

fn problem(kind: Kind, value: &str) -> Problem {
    match Rules::parse(&[(kind, value)]) {
        Err(DevicesError::Rule(p)) => p,
        other => panic!("`{value}` should be refused, got {other:?}"),
    }
}

fn char_dev(major: u32, minor: u32, access: u8) -> Request {
    Request {
        ty: DeviceType::Char,
        major,
        minor,
        access,
    }
}

fn block_dev(major: u32, minor: u32, access: u8) -> Request {
    Request {
        ty: DeviceType::Block,
        major,
        minor,
        access,
    }
}

/// The decision of the generated program, run by the test interpreter.
fn program_allows(p: &Policy, q: Request) -> bool {
    let ty = match q.ty {
        DeviceType::Block => 1,
        DeviceType::Char => 2,
        DeviceType::Any => unreachable!(),
    };
    match run(&generate(p), ty, u32::from(q.access), q.major, q.minor) {
        0 => false,
        1 => true,
        other => panic!("the program returned {other}"),
    }
}

/// Both the list and the program decide `q` as `expected`.
#[track_caller]
fn assert_decides(p: &Policy, q: Request, expected: bool) {
    assert_eq!(p.allows(q), expected, "rules, for {q:?}");
    assert_eq!(program_allows(p, q), expected, "program, for {q:?}");
}

use Kind::{Allow, Deny};

// ---- syntax ---------------------------------------------------------------------------

#[test]
fn the_forms_lxc_documents_parse() {
    let r = rules(&[
        (Deny, "a"),
        (Allow, "c 1:3 rwm"),
        (Allow, "b *:* m"),
        (Allow, "c 136:* rw"),
        (Allow, "a *:* r"),
        (Allow, "/dev/null rw"),
    ]);
    let shown: Vec<String> = r
        .entries()
        .iter()
        .map(|(k, rule)| match rule {
            Rule::Everything => format!("{} a", k.word()),
            Rule::Devices(p) => format!("{} {p}", k.word()),
            Rule::Node { path, access } => {
                format!("{} {} {}", k.word(), path.display(), access.as_str())
            }
        })
        .collect();
    assert_eq!(
        shown,
        [
            "deny a",
            "allow c 1:3 rwm",
            "allow b *:* m",
            "allow c 136:* rw",
            "allow a *:* r",
            "allow /dev/null rw"
        ]
    );
    assert!(r.warnings().is_empty());
}

#[test]
fn any_c_blank_separates_fields_and_the_access_letters_keep_their_order() {
    let r = rules(&[(Allow, "c\t1:3\tmwr"), (Allow, "c 1:07 r")]);
    let Rule::Devices(p) = &r.entries()[0].1 else {
        panic!()
    };
    assert_eq!(
        (p.major, p.minor, p.access.as_str()),
        (Some(1), Some(3), "mwr")
    );
    // 07 is 7 read as octal (LXC on v2) and as decimal (the kernel on v1).
    let Rule::Devices(p) = &r.entries()[1].1 else {
        panic!()
    };
    assert_eq!(p.minor, Some(7));
}

#[test]
fn refused_rules_say_which_character_and_why() {
    let cases: &[(Kind, &str, std::ops::Range<usize>, &str)] = &[
        (Allow, "x 1:3 rwm", 0..1, "not `x`"),
        (
            Allow,
            "c1:3 rwm",
            1..2,
            "expected one blank after the device type `c`",
        ),
        (
            Allow,
            "c 1:x rwm",
            4..5,
            "expected the minor number or `*`, found `x`",
        ),
        (
            Allow,
            "c 1 3 rwm",
            3..4,
            "expected `:` between the major and the minor",
        ),
        (
            Allow,
            "c 1:3",
            5..5,
            "the access is missing after the minor number",
        ),
        (Allow, "c 1:3  rwm", 6..7, "` ` is not an access"),
        (Allow, "c 1:3 rwx", 8..9, "`x` is not an access"),
        (
            Allow,
            "c 1:010 rwm",
            4..7,
            "the minor number `010` has a leading zero",
        ),
        (Allow, "c 1:09 rwm", 4..6, "not a number LXC can read"),
        (Allow, "c 2147483648:1 rwm", 2..12, "out of range"),
        (
            Allow,
            "c 99999999999999999999999:1 rwm",
            2..25,
            "out of range",
        ),
        (
            Deny,
            "/dev/null rwm",
            0..13,
            "accepted in `devices.allow` only",
        ),
        (
            Allow,
            "/dev/null",
            9..9,
            "the access is missing after the device path",
        ),
        (Allow, "/dev/null   ", 12..12, "the access is missing"),
        (Allow, "", 0..0, "empty"),
        // The kernel's v1 file takes anything starting with `a` as `a`; LXC does not.
        (
            Allow,
            "all",
            1..2,
            "expected one blank after the device type `a`",
        ),
    ];
    for (kind, value, span, words) in cases {
        let p = problem(*kind, value);
        assert_eq!(&p.span, span, "span for `{value}`: {p}");
        assert!(p.message.contains(words), "`{value}`: {}", p.message);
        assert!(p.hint.is_some(), "`{value}` has no hint");
    }
    assert_eq!(
        problem(Allow, "c 1:3 rwx").to_string(),
        "device rule `allow c 1:3 rwx`: `x` is not an access"
    );
}

#[test]
fn the_index_says_which_entry_was_refused() {
    let Err(DevicesError::Rule(p)) =
        Rules::parse(&[(Deny, "a"), (Allow, "c 1:3 rw"), (Allow, "c 1:y rw")])
    else {
        panic!()
    };
    assert_eq!(p.index, 2);
}

#[test]
fn text_lxc_ignores_is_accepted_with_a_warning() {
    let r = rules(&[(Allow, "c 1:3 rwmr"), (Allow, "/dev/fuse rwm # fuse")]);
    let Rule::Devices(p) = &r.entries()[0].1 else {
        panic!()
    };
    assert_eq!(p.access.as_str(), "rwm");
    let spans: Vec<_> = r
        .warnings()
        .iter()
        .map(|w| (w.index, w.span.clone()))
        .collect();
    assert_eq!(spans, [(0, 9..10), (1, 14..20)]);
}

// ---- meaning on cgroup v2 -------------------------------------------------------------

/// Debian's common.conf, `lxc.cgroup2.devices.*` in order (the fixture has the file).
const COMMON_CONF: &[(Kind, &str)] = &[
    (Deny, "a"),
    (Allow, "c *:* m"),
    (Allow, "b *:* m"),
    (Allow, "c 1:3 rwm"),
    (Allow, "c 1:5 rwm"),
    (Allow, "c 1:7 rwm"),
    (Allow, "c 5:0 rwm"),
    (Allow, "c 5:1 rwm"),
    (Allow, "c 5:2 rwm"),
    (Allow, "c 1:8 rwm"),
    (Allow, "c 1:9 rwm"),
    (Allow, "c 136:* rwm"),
    (Allow, "c 10:229 rwm"),
];

#[test]
fn common_conf_allows_the_usual_devices_and_mknod_only_of_the_rest() {
    let p = policy(COMMON_CONF);
    // null, zero, full, tty, console, ptmx, random, urandom, a pty, fuse: everything.
    for (major, minor) in [
        (1, 3),
        (1, 5),
        (1, 7),
        (5, 0),
        (5, 1),
        (5, 2),
        (1, 8),
        (1, 9),
        (136, 0),
        (136, 42),
        (10, 229),
    ] {
        for access in [R, W, RW, M, R | W | M] {
            assert_decides(&p, char_dev(major, minor, access), true);
        }
    }
    // mem, kmem, port, kmsg, tty0, ttyS0, a disk, loop0, /dev/net/tun: mknod only.
    for q in [
        char_dev(1, 1, R),
        char_dev(1, 2, RW),
        char_dev(1, 4, W),
        char_dev(1, 11, R),
        char_dev(4, 0, RW),
        char_dev(4, 64, RW),
        char_dev(10, 200, RW),
    ] {
        assert_decides(&p, q, false);
        assert_decides(&p, Request { access: M, ..q }, true);
    }
    for q in [block_dev(8, 0, R), block_dev(7, 0, RW), block_dev(1, 3, R)] {
        assert_decides(&p, q, false);
        assert_decides(&p, Request { access: M, ..q }, true);
    }
}

#[test]
fn without_an_a_rule_the_list_allows_only_what_it_allows() {
    // LXC's list starts in allow-list mode.
    let p = policy(&[(Allow, "c 1:3 rwm")]);
    assert_decides(&p, char_dev(1, 3, RW), true);
    assert_decides(&p, char_dev(1, 5, R), false);
    // ... where a deny rule has no place in the program: everything is denied.
    let p = policy(&[(Deny, "c 1:3 rwm")]);
    assert_decides(&p, char_dev(1, 3, R), false);
    assert_decides(&p, char_dev(1, 5, R), false);
    assert_decides(&p, block_dev(8, 0, M), false);
}

#[test]
fn allow_a_makes_a_deny_list() {
    let p = policy(&[(Allow, "a"), (Deny, "c 1:1 rwm"), (Deny, "b *:* rw")]);
    assert_decides(&p, char_dev(1, 1, R), false);
    assert_decides(&p, char_dev(1, 3, RW), true);
    assert_decides(&p, block_dev(8, 0, R), false);
    assert_decides(&p, block_dev(8, 0, M), true);
    // An allow rule adds nothing to a deny-list.
    let p = policy(&[(Allow, "a"), (Allow, "c 1:1 rwm")]);
    assert!(p.allows_everything());
}

#[test]
fn a_later_rule_for_the_same_device_and_access_replaces_the_earlier() {
    let base = [(Deny, "a"), (Allow, "c 1:3 rwm")];
    let p = policy(&[base[0], base[1], (Deny, "c 1:3 rwm")]);
    assert_decides(&p, char_dev(1, 3, R), false);
    let p = policy(&[base[0], base[1], (Deny, "c 1:3 rwm"), (Allow, "c 1:3 rwm")]);
    assert_decides(&p, char_dev(1, 3, R), true);
    // A different access text is another rule, and a deny one is not in an allow-list
    // program: writing stays allowed (LXC's behaviour, kept: docs/compat.md).
    let p = policy(&[base[0], base[1], (Deny, "c 1:3 w")]);
    assert_decides(&p, char_dev(1, 3, W), true);
    let p = policy(&[base[0], (Allow, "c 1:3 rwm"), (Deny, "c 1:3 mrw")]);
    assert_decides(&p, char_dev(1, 3, W), true);
}

#[test]
fn an_a_rule_empties_the_list() {
    let p = policy(&[(Allow, "c 1:3 rwm"), (Deny, "a")]);
    assert_decides(&p, char_dev(1, 3, R), false);
    let p = policy(&[
        (Deny, "a"),
        (Allow, "c 1:3 rwm"),
        (Allow, "a"),
        (Deny, "c 1:5 rwm"),
    ]);
    assert_decides(&p, char_dev(1, 3, R), true);
    assert_decides(&p, char_dev(1, 5, R), false);
    assert_decides(&p, char_dev(1, 1, R), true);
}

#[test]
fn deny_a_alone_denies_every_device() {
    // LXC attaches no program for an empty list, leaving every device open; we deny.
    let p = policy(&[(Deny, "a")]);
    assert!(!p.allows_everything());
    assert_decides(&p, char_dev(1, 3, R), false);
    assert_decides(&p, block_dev(8, 0, M), false);
    assert_eq!(generate(&p).len(), 8, "prologue, r0 = 0, exit");
}

#[test]
fn a_request_needs_all_its_access_in_one_rule() {
    // Opening read-write asks for r and w at once.
    let p = policy(&[(Deny, "a"), (Allow, "c 1:3 r"), (Allow, "c 1:3 w")]);
    assert_decides(&p, char_dev(1, 3, R), true);
    assert_decides(&p, char_dev(1, 3, W), true);
    assert_decides(&p, char_dev(1, 3, RW), false);
    assert_decides(&p, char_dev(1, 3, M), false);
}

#[test]
fn type_a_in_a_rule_means_both_types() {
    let p = policy(&[(Deny, "a"), (Allow, "a 7:* rw")]);
    assert_decides(&p, char_dev(7, 1, RW), true);
    assert_decides(&p, block_dev(7, 1, RW), true);
    assert_decides(&p, block_dev(8, 1, R), false);
}

#[test]
fn a_device_path_is_the_node_s_type_and_numbers() {
    // /dev/null is c 1:3 on every Linux system.
    let p = policy(&[(Deny, "a"), (Allow, "/dev/null rw")]);
    assert_decides(&p, char_dev(1, 3, RW), true);
    assert_decides(&p, char_dev(1, 3, M), false);
    assert_decides(&p, char_dev(1, 5, R), false);
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("plain");
    std::fs::write(&file, "").unwrap();
    let value = format!("{} rw", file.display());
    let err = rules(&[(Allow, &value)]).policy().unwrap_err();
    assert!(matches!(err, DevicesError::Node { .. }), "{err}");
    assert!(
        err.to_string().contains("not a block or character device"),
        "{err}"
    );
    let missing = format!("{} rw", dir.path().join("gone").display());
    let err = rules(&[(Allow, &missing)]).policy().unwrap_err();
    assert!(
        err.to_string().contains("No such file or directory"),
        "{err}"
    );
}

// ---- the program ----------------------------------------------------------------------

fn bytes(prog: &[Insn]) -> Vec<String> {
    prog.iter()
        .map(|i| {
            let mut b = vec![
                i.code,
                if cfg!(target_endian = "little") {
                    (i.src() << 4) | i.dst()
                } else {
                    (i.dst() << 4) | i.src()
                },
            ];
            b.extend(i.off.to_le_bytes());
            b.extend(i.imm.to_le_bytes());
            b.iter().map(|x| format!("{x:02x}")).collect::<String>()
        })
        .collect()
}

/// The instructions LXC's `bpf_program_init` / `_append_device` / `_finalize` emit for
/// `deny a`, `allow c 1:3 rwm`, `allow b *:* m`, encoded by hand as `struct bpf_insn`
/// (code, src << 4 | dst, off le16, imm le32).
#[test]
#[cfg(target_endian = "little")]
fn the_program_is_lxc_s_instruction_for_instruction() {
    let p = policy(&[(Deny, "a"), (Allow, "c 1:3 rwm"), (Allow, "b *:* m")]);
    let expected = [
        "6112000000000000", // r2 = *(u32 *)(r1 + 0)    access_type
        "54020000ffff0000", // w2 &= 0xffff            device type
        "6113000000000000", // r3 = *(u32 *)(r1 + 0)
        "7403000010000000", // w3 >>= 16                access
        "6114040000000000", // r4 = *(u32 *)(r1 + 4)    major
        "6115080000000000", // r5 = *(u32 *)(r1 + 8)    minor
        "5502040002000000", // if r2 != 2 goto +4       c 1:3 rwm
        "5504030001000000", // if r4 != 1 goto +3
        "5505020003000000", // if r5 != 3 goto +2
        "b700000001000000", // r0 = 1
        "9500000000000000", // exit
        "bc31000000000000", // w1 = w3                  b *:* m
        "5401000001000000", // w1 &= 1
        "5d31030000000000", // if r1 != r3 goto +3
        "5502020001000000", // if r2 != 1 goto +2
        "b700000001000000", // r0 = 1
        "9500000000000000", // exit
        "b700000000000000", // r0 = 0                   allow-list: deny the rest
        "9500000000000000", // exit
    ];
    assert_eq!(bytes(&generate(&p)), expected);
}

#[test]
fn the_common_conf_program_reads_as_lxc_s() {
    insta::assert_snapshot!(disassemble(&generate(&policy(COMMON_CONF))));
}

/// Devices around every number the rule sets below name, with every access.
fn grid() -> Vec<Request> {
    let numbers = [0, 1, 2, 3, 5, 7, 8, 9, 10, 136, 229, 4095];
    let mut out = Vec::new();
    for ty in [DeviceType::Block, DeviceType::Char] {
        for major in numbers {
            for minor in numbers {
                for access in 1..=7 {
                    out.push(Request {
                        ty,
                        major,
                        minor,
                        access,
                    });
                }
            }
        }
    }
    out
}

#[test]
fn the_program_decides_as_the_rules_for_every_device_of_the_grid() {
    let sets: &[&[(Kind, &str)]] = &[
        COMMON_CONF,
        &[(Deny, "a")],
        &[(Allow, "c 1:3 rwm")],
        &[(Deny, "c 1:3 rwm")],
        &[
            (Allow, "a"),
            (Deny, "c 1:1 rwm"),
            (Deny, "b 8:* r"),
            (Deny, "a *:3 w"),
        ],
        &[
            (Deny, "a"),
            (Allow, "c 1:3 r"),
            (Allow, "c 1:3 w"),
            (Allow, "b *:0 rm"),
        ],
        &[
            (Deny, "a"),
            (Allow, "c 1:3 rwm"),
            (Deny, "c 1:3 rwm"),
            (Allow, "a 136:* rw"),
        ],
    ];
    for set in sets {
        let p = policy(set);
        for q in grid() {
            assert_eq!(program_allows(&p, q), p.allows(q), "{set:?} for {q:?}");
        }
    }
}

fn arb_rule() -> impl Strategy<Value = (Kind, String)> {
    let kind = prop_oneof![Just(Allow), Just(Deny)];
    let number = prop_oneof![Just("*".to_string()), (0u32..4).prop_map(|n| n.to_string())];
    let access =
        proptest::sample::select(vec!["r", "w", "m", "rw", "wr", "rm", "wm", "rwm", "mrw"]);
    let ty = proptest::sample::select(vec!['a', 'b', 'c']);
    let device = (ty, number.clone(), number, access)
        .prop_map(|(t, maj, min, acc)| format!("{t} {maj}:{min} {acc}"));
    let value = prop_oneof![1 => Just("a".to_string()), 6 => device];
    (kind, value)
}

proptest! {
    /// Any list of rules: the program and the list agree on every device.
    #[test]
    fn the_program_decides_as_the_rules_for_any_list(list in prop::collection::vec(arb_rule(), 0..12)) {
        let entries: Vec<(Kind, &str)> = list.iter().map(|(k, v)| (*k, v.as_str())).collect();
        let p = policy(&entries);
        for ty in [DeviceType::Block, DeviceType::Char] {
            for major in 0..5 {
                for minor in 0..5 {
                    for access in 1..=7 {
                        let q = Request { ty, major, minor, access };
                        prop_assert_eq!(program_allows(&p, q), p.allows(q), "{:?} for {:?}", entries, q);
                    }
                }
            }
        }
    }
}

// ---- from a container config ----------------------------------------------------------

fn fixture_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/lxc")
}

fn load(config: &str) -> grammar::lxc::Loaded {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("config");
    std::fs::write(&path, config).unwrap();
    Loader::new()
        .root(fixture_root())
        .load_as(&path, "/var/lib/lxc/web/config")
        .unwrap_or_else(|e| panic!("{e}"))
}

#[test]
fn a_config_including_debian_s_common_conf_gets_its_rules_for_both_versions() {
    let loaded = load("lxc.include = /usr/share/lxc/config/common.conf\nlxc.uts.name = web\n");
    for keys in [Keys::Cgroup2, Keys::Cgroup1] {
        let r = Rules::from_config(&loaded, keys).unwrap();
        assert_eq!(r, rules(COMMON_CONF), "{keys:?}");
    }
}

#[test]
fn the_container_s_own_lines_come_after_common_conf_and_can_reset_it() {
    let loaded = load(
        "lxc.include = /usr/share/lxc/config/common.conf\n\
         lxc.cgroup2.devices.allow = c 4:1 rw\n",
    );
    let p = Rules::from_config(&loaded, Keys::Cgroup2)
        .unwrap()
        .policy()
        .unwrap();
    assert_decides(&p, char_dev(4, 1, RW), true);
    assert_decides(&p, char_dev(4, 2, R), false);
    // An empty value resets the key (lxc.cgroup2.devices.allow only): `deny a` remains.
    let loaded = load(
        "lxc.include = /usr/share/lxc/config/common.conf\n\
         lxc.cgroup2.devices.allow =\n",
    );
    let r = Rules::from_config(&loaded, Keys::Cgroup2).unwrap();
    assert_eq!(r, rules(&[(Deny, "a")]));
}

#[test]
fn userns_conf_after_common_conf_leaves_no_device_rule() {
    // What lxc-create -t download writes for an unprivileged container.
    let tree = tempfile::tempdir().unwrap();
    let root = tree.path();
    let config = root.join("usr/share/lxc/config");
    std::fs::create_dir_all(config.join("userns.conf.d")).unwrap();
    for f in ["common.conf", "userns.conf"] {
        std::fs::copy(
            fixture_root().join("usr/share/lxc/config").join(f),
            config.join(f),
        )
        .unwrap();
    }
    std::fs::create_dir_all(config.join("common.conf.d")).unwrap();
    let path = root.join("config");
    std::fs::write(
        &path,
        "lxc.include = /usr/share/lxc/config/common.conf\n\
         lxc.include = /usr/share/lxc/config/userns.conf\n",
    )
    .unwrap();
    let loaded = Loader::new()
        .root(root)
        .load(&path)
        .unwrap_or_else(|e| panic!("{e}"));
    for keys in [Keys::Cgroup2, Keys::Cgroup1] {
        assert!(
            Rules::from_config(&loaded, keys).unwrap().is_empty(),
            "{keys:?}"
        );
    }
}

#[test]
fn refused_values_in_a_config_point_at_the_character() {
    let loaded = load(
        "lxc.uts.name = web\n\
         lxc.cgroup2.devices.deny = a\n\
         lxc.cgroup2.devices.allow = c 1:3 rwx\n\
         lxc.cgroup2.devices.allow = \"b 8:010 r\"\n\
         lxc.cgroup.devices.allow = c 1:5 rwm\n",
    );
    let errors = Rules::from_config(&loaded, Keys::Cgroup2).unwrap_err();
    insta::assert_snapshot!(loaded.render(&errors));
    // The v1 keys are fine.
    assert!(Rules::from_config(&loaded, Keys::Cgroup1).is_ok());
}

#[test]
fn warnings_in_a_config_point_at_the_ignored_text() {
    let loaded = load("lxc.cgroup2.devices.allow = c 1:3 rwmm\n");
    let (_, warnings) = Rules::from_config_with_warnings(&loaded, Keys::Cgroup2).unwrap();
    insta::assert_snapshot!(loaded.render(&warnings));
}
