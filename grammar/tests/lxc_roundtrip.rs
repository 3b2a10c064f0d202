//! Printing then parsing gives back the same settings: for generated valid configs (any
//! value, quotes, blanks and `#` included), and for whatever arbitrary text parses.

use grammar::lxc::{self, Config, Entry};
use grammar::SourceFile;
use proptest::prelude::*;

/// A sample of LXC's exact keys, single- and multi-valued.
const KEYS: &[&str] = &[
    "lxc.arch",
    "lxc.apparmor.profile",
    "lxc.autodev",
    "lxc.cap.drop",
    "lxc.cap.keep",
    "lxc.cgroup.dir",
    "lxc.environment",
    "lxc.group",
    "lxc.hook.pre-start",
    "lxc.hook.version",
    "lxc.idmap",
    "lxc.include",
    "lxc.init.cmd",
    "lxc.mount.auto",
    "lxc.mount.entry",
    "lxc.rootfs.path",
    "lxc.seccomp.profile",
    "lxc.start.auto",
    "lxc.start.delay",
    "lxc.start.order",
    "lxc.tty.max",
    "lxc.uts.name",
];

/// Keys that only reset, so only take an empty value.
const CLEAR_ONLY: &[&str] = &[
    "lxc.net",
    "lxc.hook",
    "lxc.cgroup2",
    "lxc.cgroup",
    "lxc.prlimit",
];

const NET_SUBKEYS: &[&str] = &[
    "type",
    "link",
    "flags",
    "hwaddr",
    "ipv4.address",
    "veth.pair",
];

const NAMESPACES: &[&str] = &["net", "uts", "ipc", "pid", "user", "mnt", "cgroup", "time"];

fn name() -> impl Strategy<Value = String> {
    "[a-z][a-z0-9_]{0,8}"
}

fn key() -> impl Strategy<Value = String> {
    prop_oneof![
        4 => proptest::sample::select(KEYS).prop_map(str::to_string),
        2 => (0u32..20, proptest::sample::select(NET_SUBKEYS))
            .prop_map(|(i, sub)| format!("lxc.net.{i}.{sub}")),
        2 => (name(), name()).prop_map(|(c, f)| format!("lxc.cgroup2.{c}.{f}")),
        1 => (name(), name()).prop_map(|(c, f)| format!("lxc.cgroup.{c}.{f}")),
        1 => name().prop_map(|r| format!("lxc.prlimit.{r}")),
        1 => (name(), name()).prop_map(|(a, b)| format!("lxc.sysctl.{a}.{b}")),
        1 => proptest::sample::select(NAMESPACES)
            .prop_map(|ns| format!("lxc.namespace.share.{ns}")),
    ]
}

/// Any value a line can carry: no line break, no NUL; blanks, quotes, `#`, `=`, `\r` and
/// non-ASCII text are all fair.
fn value() -> impl Strategy<Value = String> {
    prop_oneof![
        3 => "[^\n\0]{0,24}",
        1 => "[ \t'\"#=\rx]{0,6}",
        1 => Just(String::new()),
    ]
}

fn entry() -> impl Strategy<Value = Entry> {
    prop_oneof![
        8 => (key(), value()).prop_map(|(k, v)| Entry::new(k, v)),
        1 => proptest::sample::select(CLEAR_ONLY).prop_map(|k| Entry::new(k, "")),
        1 => (0u32..20).prop_map(|i| Entry::new(format!("lxc.net.{i}"), "")),
    ]
}

fn config() -> impl Strategy<Value = Config> {
    proptest::collection::vec(entry(), 0..12).prop_map(|entries| Config { entries })
}

fn reparse(text: &str) -> Result<lxc::Parsed, TestCaseError> {
    lxc::parse(&SourceFile::new("printed", text))
        .map_err(|d| TestCaseError::fail(format!("printed text does not parse: {text:?}\n{d:?}")))
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn printed_configs_read_back_equal(config in config()) {
        let text = lxc::print(&config).map_err(|e| TestCaseError::fail(e.to_string()))?;
        let parsed = reparse(&text)?;
        prop_assert_eq!(&parsed.config, &config, "printed as {:?}", text);
        prop_assert!(parsed.warnings.is_empty());
    }

    #[test]
    fn whatever_parses_prints_and_reads_back_equal(lines in proptest::collection::vec(line(), 0..10)) {
        let text = lines.concat();
        if let Ok(parsed) = lxc::parse(&SourceFile::new("input", text.as_str())) {
            let printed = lxc::print(&parsed.config).map_err(|e| TestCaseError::fail(e.to_string()))?;
            let mut expected = parsed.config.clone();
            for e in &mut expected.entries {
                e.renamed_from = None;
            }
            prop_assert_eq!(reparse(&printed)?.config, expected, "from {:?}", text);
        }
    }
}

/// Pre-3.0 keys, renamed when read.
const LEGACY: &[&str] = &[
    "lxc.network.type",
    "lxc.network.link",
    "lxc.network.ipv4",
    "lxc.network.0.ipv4",
    "lxc.network",
    "lxc.utsname",
    "lxc.rootfs",
    "lxc.rootfs.backend",
    "lxc.id_map",
    "lxc.limit.nofile",
];

/// A line as people write them: odd blanks, quotes, comments, ignored lines, CRLF.
fn line() -> impl Strategy<Value = String> {
    let key = prop_oneof![
        key(),
        proptest::sample::select(LEGACY).prop_map(str::to_string),
    ];
    let setting = ("[ \t]{0,2}", key, "[ \t]{0,2}", "[^\n\0]{0,12}")
        .prop_map(|(lead, k, mid, v)| format!("{lead}{k}{mid}={v}"));
    let body = prop_oneof![
        6 => setting,
        1 => "[ \t]*#[^\n\0]{0,10}",
        1 => "[a-z. =]{0,10}",
    ];
    (body, prop_oneof![Just("\n"), Just("\r\n")]).prop_map(|(b, end)| format!("{b}{end}"))
}
