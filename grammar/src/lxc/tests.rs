use super::*;
use crate::diagnostic::render_all;
use std::fs;
use std::path::Path;

fn parse_ok(text: &str) -> Parsed {
    let src = SourceFile::new("config", text);
    match parse(&src) {
        Ok(parsed) => parsed,
        Err(d) => panic!("unexpected errors:\n{}", render_all(&d, &src)),
    }
}

/// The rendered diagnostics of a text that must not parse.
fn parse_err(text: &str) -> String {
    let src = SourceFile::new("config", text);
    match parse(&src) {
        Ok(parsed) => panic!("parsed, but should not: {parsed:?}"),
        Err(d) => render_all(&d, &src),
    }
}

fn warnings(text: &str) -> String {
    let src = SourceFile::new("config", text);
    render_all(&parse_ok(text).warnings, &src)
}

fn pairs(config: &Config) -> Vec<(&str, &str)> {
    config
        .entries
        .iter()
        .map(|e| (e.key.value.as_str(), e.value.value.as_str()))
        .collect()
}

fn value_of(text: &str) -> String {
    parse_ok(text).config.entries[0].value.value.clone()
}

fn loaded(text: &str) -> Loaded {
    match Loader::new().load_source(SourceFile::new("config", text)) {
        Ok(l) => l,
        Err(e) => panic!("{e}"),
    }
}

fn values<'a>(l: &'a Loaded, key: &str) -> Vec<&'a str> {
    l.values(key)
        .into_iter()
        .map(|e| e.entry.value.value.as_str())
        .collect()
}

// ---- the line language -------------------------------------------------------------------

#[test]
fn the_seed_article_lines_read_as_current_keys_with_a_warning_each() {
    let text = "lxc.network.type = veth\n\
                lxc.network.link = lxcbr0\n\
                lxc.network.flags = up\n\
                lxc.network.hwaddr = 00:16:3e:xx:xx:xx\n\
                lxc.id_map = u 0 100000 65536\n\
                lxc.id_map = g 0 100000 65536\n\
                # Enable autostart\n\
                lxc.start.auto = 1\n\
                # Bind mount system path to local path\n\
                lxc.mount.entry = /mnt mnt none bind 0 0\n";
    let parsed = parse_ok(text);
    assert_eq!(
        pairs(&parsed.config),
        [
            ("lxc.net.0.type", "veth"),
            ("lxc.net.0.link", "lxcbr0"),
            ("lxc.net.0.flags", "up"),
            ("lxc.net.0.hwaddr", "00:16:3e:xx:xx:xx"),
            ("lxc.idmap", "u 0 100000 65536"),
            ("lxc.idmap", "g 0 100000 65536"),
            ("lxc.start.auto", "1"),
            ("lxc.mount.entry", "/mnt mnt none bind 0 0"),
        ]
    );
    assert_eq!(
        parsed.config.entries[0]
            .renamed_from
            .as_ref()
            .map(|k| k.value.as_str()),
        Some("lxc.network.type")
    );
    assert_eq!(parsed.warnings.len(), 6);
    let shown = warnings(text);
    assert!(shown.contains(
        "config:1:1: warning: `lxc.network.type` is the pre-3.0 name of `lxc.net.0.type`; \
         LXC 3.0 and later refuse it"
    ));
    assert!(shown.contains("`lxc.id_map` is the pre-3.0 name of `lxc.idmap`"));
}

#[test]
fn a_hash_after_a_value_is_part_of_the_value() {
    assert_eq!(
        value_of("lxc.uts.name = web # main host"),
        "web # main host"
    );
}

#[test]
fn comments_and_blank_lines_are_skipped() {
    let parsed = parse_ok("# a comment\n   \t# indented comment\n\n \t \nlxc.uts.name = a\n");
    assert_eq!(pairs(&parsed.config), [("lxc.uts.name", "a")]);
    assert!(parsed.warnings.is_empty());
}

#[test]
fn a_line_splits_at_its_first_equals_sign() {
    assert_eq!(value_of("lxc.environment = A=B=C"), "A=B=C");
    assert_eq!(value_of("lxc.environment=X"), "X");
}

#[test]
fn keys_and_values_are_trimmed_of_blanks_only() {
    let parsed = parse_ok("  \tlxc.uts.name \t =  \t web  server \t \n");
    assert_eq!(pairs(&parsed.config), [("lxc.uts.name", "web  server")]);
    // LXC trims spaces and TABs, nothing else: a form feed stays.
    assert_eq!(value_of("lxc.uts.name = \x0cweb"), "\x0cweb");
}

#[test]
fn one_pair_of_matching_quotes_is_removed() {
    assert_eq!(value_of("lxc.uts.name = \"  padded \""), "  padded ");
    assert_eq!(value_of("lxc.uts.name = 'single'"), "single");
    assert_eq!(value_of("lxc.uts.name = \"a\"b\""), "a\"b");
    assert_eq!(value_of("lxc.uts.name = \"\"x\"\""), "\"x\"");
    // Unmatched or lone quotes stay.
    assert_eq!(value_of("lxc.uts.name = 'mixed\""), "'mixed\"");
    assert_eq!(value_of("lxc.uts.name = \""), "\"");
    // No escapes.
    assert_eq!(value_of("lxc.uts.name = a\\nb"), "a\\nb");
}

#[test]
fn an_empty_or_empty_quoted_value_resets_the_key() {
    let parsed = parse_ok("lxc.group =\nlxc.group = ''\nlxc.group =   \n");
    assert!(parsed.config.entries.iter().all(Entry::is_clear));
    assert_eq!(parsed.config.entries.len(), 3);
}

#[test]
fn crlf_line_endings_are_line_endings() {
    let parsed = parse_ok("lxc.start.auto = 1\r\n# c\r\nlxc.uts.name = a\r\n\r\nlxc.group = g\r");
    assert_eq!(
        pairs(&parsed.config),
        [
            ("lxc.start.auto", "1"),
            ("lxc.uts.name", "a"),
            ("lxc.group", "g")
        ]
    );
    // A lone carriage return inside a line is text.
    assert_eq!(value_of("lxc.uts.name = a\rb\n"), "a\rb");
}

#[test]
fn entries_keep_the_spans_of_key_and_value() {
    let text = "\n  lxc.uts.name = \"web\"  \n";
    let entry = &parse_ok(text).config.entries[0];
    let src = SourceFile::new("config", text);
    assert_eq!(src.slice(entry.key.span), "lxc.uts.name");
    assert_eq!(src.slice(entry.value.span), "\"web\"");
    assert_eq!(src.slice(entry.span), "lxc.uts.name = \"web\"");
}

#[test]
fn martian_lines_are_ignored_with_a_warning_naming_the_likely_key() {
    let text = "lcx.start.auto = 1\nLXC.group = web\nstart.delay = 5\nfoo bar\n";
    let parsed = parse_ok(text);
    assert!(parsed.config.entries.is_empty());
    insta::assert_snapshot!(warnings(text), @r"
    config:1:1: warning: line ignored: it does not start with `lxc.`
        1 | lcx.start.auto = 1
          | ^^^^^^^^^^^^^^^^^^
          = hint: did you mean `lxc.start.auto`? LXC skips this line, so the setting is left out
    config:2:1: warning: line ignored: it does not start with `lxc.`
        2 | LXC.group = web
          | ^^^^^^^^^^^^^^^
          = hint: did you mean `lxc.group`? LXC skips this line, so the setting is left out
    config:3:1: warning: line ignored: it does not start with `lxc.`
        3 | start.delay = 5
          | ^^^^^^^^^^^^^^^
          = hint: did you mean `lxc.start.delay`? LXC skips this line, so the setting is left out
    config:4:1: warning: line ignored: it does not start with `lxc.`
        4 | foo bar
          | ^^^^^^^
          = hint: LXC skips lines that do not start with `lxc.`; start it with `#` to make it a comment
    ");
}

#[test]
fn an_unknown_key_is_an_error_with_the_key_probably_meant() {
    insta::assert_snapshot!(parse_err("lxc.start.auto = 1\nlxc.start.atuo = 1\n"), @r"
    config:2:1: error: unknown key `lxc.start.atuo`
        2 | lxc.start.atuo = 1
          | ^^^^^^^^^^^^^^
          = hint: did you mean `lxc.start.auto`?
    ");
    assert!(parse_err("lxc.cgroups2.memory.max = 1G")
        .contains("did you mean `lxc.cgroup2.memory.max`?"));
    assert!(parse_err("lxc.start.timeout = 30").contains("unknown key `lxc.start.timeout`"));
    assert!(parse_err("lxc.my own key = 1").contains("keys contain no blanks"));
}

#[test]
fn a_setting_without_equals_sign_is_an_error_where_the_equals_sign_belongs() {
    insta::assert_snapshot!(parse_err("lxc.uts.name web1\nlxc.autodev\n"), @r"
    config:1:13: error: expected `=` after `lxc.uts.name`
        1 | lxc.uts.name web1
          |             ^
          = hint: a setting is written `key = value`: `lxc.uts.name = web1`
    config:2:12: error: expected `=` after `lxc.autodev`
        2 | lxc.autodev
          |            ^
          = hint: a setting is written `key = value`; `lxc.autodev =` with nothing after it resets the key
    ");
}

#[test]
fn every_error_of_a_file_is_reported_in_order() {
    let shown = parse_err("lxc.bogus = 1\nlxc.uts.name = ok\nlxc.net.type = veth\nlxc.arch\n");
    let lines: Vec<&str> = shown.lines().filter(|l| l.contains("error:")).collect();
    assert_eq!(lines.len(), 3, "{shown}");
    assert!(lines[0].starts_with("config:1:1"));
    assert!(lines[1].starts_with("config:3:1"));
    assert!(lines[2].starts_with("config:4:9"));
}

#[test]
fn a_nul_byte_is_an_error() {
    assert!(parse_err("lxc.uts.name = a\0b\n")
        .contains("config:1:17: error: the line holds a NUL byte"));
}

// ---- keys ----------------------------------------------------------------------------------

#[test]
fn network_keys_need_an_index_and_a_known_subkey() {
    insta::assert_snapshot!(parse_err("lxc.net.type = veth\nlxc.net.0.tpye = veth\n"), @r"
    config:1:1: error: `lxc.net.type` has no network index
        1 | lxc.net.type = veth
          | ^^^^^^^^^^^^
          = hint: networks are numbered from 0: write `lxc.net.0.type` for the first one
    config:2:11: error: unknown network key `tpye` in `lxc.net.0.tpye`
        2 | lxc.net.0.tpye = veth
          |           ^^^^
          = hint: did you mean `lxc.net.0.type`?
    ");
    assert!(parse_err("lxc.net.99999999999.type = veth").contains("too large"));
}

#[test]
fn network_indexes_are_decimal_and_written_without_leading_zeros() {
    let parsed = parse_ok("lxc.net.01.link = br0\nlxc.net.00.type = veth\nlxc.net.010 =\n");
    assert_eq!(
        pairs(&parsed.config),
        [
            ("lxc.net.1.link", "br0"),
            ("lxc.net.0.type", "veth"),
            ("lxc.net.10", "")
        ]
    );
}

#[test]
fn keys_that_only_clear_refuse_a_value() {
    for (text, example) in [
        ("lxc.net = eth0", "lxc.net.0.type = veth"),
        ("lxc.hook = /bin/true", "lxc.hook.pre-start"),
        ("lxc.cgroup2 = 1G", "lxc.cgroup2.memory.max"),
        ("lxc.net.0 = veth", "lxc.net.0.type = veth"),
    ] {
        let shown = parse_err(text);
        assert!(shown.contains("takes no value"), "{shown}");
        assert!(shown.contains(example), "{shown}");
    }
    parse_ok("lxc.net =\nlxc.hook =\nlxc.cgroup2 =\nlxc.cgroup =\nlxc.net.0 =\nlxc.prlimit =\n");
}

#[test]
fn family_keys_need_a_name_after_the_dot() {
    assert!(parse_err("lxc.cgroup2. = 1").contains("needs a name after the last dot"));
    assert!(parse_err("lxc.cgroup2memory.max = 1").contains("unknown key"));
}

#[test]
fn shared_namespaces_must_be_namespaces() {
    parse_ok("lxc.namespace.share.uts = /proc/1/ns/uts");
    insta::assert_snapshot!(parse_err("lxc.namespace.share.nte = c2"), @r"
    config:1:21: error: `nte` is not a namespace that `lxc.namespace.share.` can name
        1 | lxc.namespace.share.nte = c2
          |                     ^^^
          = hint: did you mean `lxc.namespace.share.net`?
    ");
}

// ---- pre-3.0 keys ----------------------------------------------------------------------------

#[test]
fn each_pre_3_network_is_numbered_at_its_type_line() {
    let parsed = parse_ok(
        "lxc.network.type = veth\n\
         lxc.network.ipv4 = 10.0.3.5/24\n\
         lxc.network.ipv4.gateway = auto\n\
         lxc.network.type = macvlan\n\
         lxc.network.ipv6 = fd00::5/64\n\
         lxc.network.veth.pair = v1\n\
         lxc.network.1.ipv4 = 10.0.4.5/24\n\
         lxc.network.0.link = br0\n",
    );
    assert_eq!(
        pairs(&parsed.config),
        [
            ("lxc.net.0.type", "veth"),
            ("lxc.net.0.ipv4.address", "10.0.3.5/24"),
            ("lxc.net.0.ipv4.gateway", "auto"),
            ("lxc.net.1.type", "macvlan"),
            ("lxc.net.1.ipv6.address", "fd00::5/64"),
            ("lxc.net.1.veth.pair", "v1"),
            ("lxc.net.1.ipv4.address", "10.0.4.5/24"),
            ("lxc.net.0.link", "br0"),
        ]
    );
}

#[test]
fn an_empty_pre_3_network_type_clears_every_network() {
    let parsed = parse_ok(
        "lxc.network.type = veth\nlxc.network.type =\nlxc.network.type = empty\nlxc.network =\n",
    );
    assert_eq!(
        pairs(&parsed.config),
        [
            ("lxc.net.0.type", "veth"),
            ("lxc.net", ""),
            ("lxc.net.0.type", "empty"),
            ("lxc.net", ""),
        ]
    );
}

#[test]
fn a_pre_3_network_key_before_any_type_is_an_error() {
    insta::assert_snapshot!(parse_err("lxc.network.link = lxcbr0\n"), @r"
    config:1:1: error: `lxc.network.link` comes before any `lxc.network.type`, so it belongs to no network
        1 | lxc.network.link = lxcbr0
          | ^^^^^^^^^^^^^^^^
          = hint: in pre-3.0 configs each network starts with `lxc.network.type`; move this line below one, or write `lxc.net.0.link`
    ");
}

#[test]
fn the_pre_3_rootfs_takes_the_backend_of_its_file_as_prefix() {
    let parsed = parse_ok("lxc.rootfs = /var/lib/lxc/c1/rootfs\nlxc.rootfs.backend = dir\n");
    assert_eq!(
        pairs(&parsed.config),
        [("lxc.rootfs.path", "dir:/var/lib/lxc/c1/rootfs")]
    );
    let plain = parse_ok("lxc.rootfs = /var/lib/lxc/c1/rootfs\n");
    assert_eq!(
        pairs(&plain.config),
        [("lxc.rootfs.path", "/var/lib/lxc/c1/rootfs")]
    );
    let prefixed = parse_ok("lxc.rootfs.backend = dir\nlxc.rootfs = dir:/r\n");
    assert_eq!(pairs(&prefixed.config), [("lxc.rootfs.path", "dir:/r")]);
}

#[test]
fn keys_removed_in_lxc_3_are_dropped_with_a_warning() {
    let text =
        "lxc.pivotdir = lxc_putold\nlxc.kmsg = 0\nlxc.limit.nofile = 1024\nlxc.utsname = c1\n";
    let parsed = parse_ok(text);
    assert_eq!(
        pairs(&parsed.config),
        [("lxc.prlimit.nofile", "1024"), ("lxc.uts.name", "c1")]
    );
    let shown = warnings(text);
    assert!(shown.contains("`lxc.pivotdir` was removed in LXC 3.0 and is ignored"));
    assert!(shown.contains("`lxc.kmsg` was removed in LXC 3.0 and is ignored"));
}

// ---- values in force -----------------------------------------------------------------------

#[test]
fn later_values_override_and_empty_values_reset() {
    let l = loaded("lxc.uts.name = a\nlxc.uts.name = b\nlxc.arch = x86_64\nlxc.arch =\n");
    assert_eq!(
        l.value("lxc.uts.name")
            .map(|e| e.entry.value.value.as_str()),
        Some("b")
    );
    assert!(l.value("lxc.arch").is_none());
    assert!(l.value("lxc.tty.max").is_none());
}

#[test]
fn list_keys_collect_values_until_an_empty_one() {
    let l = loaded(
        "lxc.idmap = u 0 1 1\nlxc.idmap =\nlxc.idmap = u 0 100000 65536\nlxc.idmap = g 0 100000 65536\n\
         lxc.cap.drop = sys_time\nlxc.cap.drop = mac_admin mac_override\n",
    );
    assert_eq!(
        values(&l, "lxc.idmap"),
        ["u 0 100000 65536", "g 0 100000 65536"]
    );
    assert_eq!(
        values(&l, "lxc.cap.drop"),
        ["sys_time", "mac_admin mac_override"]
    );
}

#[test]
fn family_resets_clear_every_member() {
    let l = loaded(
        "lxc.cgroup2.memory.max = 1G\nlxc.cgroup2.pids.max = 10\nlxc.cgroup2.memory.max =\n\
         lxc.cgroup2.cpu.weight = 50\n\
         lxc.net.0.type = veth\nlxc.net.0.link = br0\nlxc.net.1.type = empty\nlxc.net.0 =\n\
         lxc.hook.start = /a\nlxc.hook.stop = /b\nlxc.hook.version = 1\nlxc.hook =\n",
    );
    let keys: Vec<&str> = l
        .values_under("lxc.cgroup2.")
        .iter()
        .map(|e| e.entry.key.value.as_str())
        .collect();
    assert_eq!(keys, ["lxc.cgroup2.pids.max", "lxc.cgroup2.cpu.weight"]);
    assert!(l.value("lxc.net.0.link").is_none());
    assert_eq!(values(&l, "lxc.net.1.type"), ["empty"]);
    assert!(l
        .values_under("lxc.hook.")
        .iter()
        .all(|e| e.entry.key.value == "lxc.hook.version"));
    let l = loaded("lxc.net.0.type = veth\nlxc.cgroup2.pids.max = 5\nlxc.net =\nlxc.cgroup2 =\n");
    assert!(l.values_under("lxc.net.").is_empty());
    assert!(l.values_under("lxc.cgroup2.").is_empty());
}

// ---- autostart -----------------------------------------------------------------------------

#[test]
fn autostart_keys_have_lxc_defaults() {
    let a = loaded("lxc.uts.name = c1\n").autostart().unwrap();
    assert_eq!(a, Autostart::default());
}

#[test]
fn autostart_reads_the_values_in_force() {
    let l = loaded(
        "lxc.start.auto = 1\nlxc.start.delay = 0x10\nlxc.start.order = -5\n\
         lxc.group = onboot web\tdb\nlxc.group = extra\n",
    );
    assert_eq!(
        l.autostart().unwrap(),
        Autostart {
            auto: true,
            delay: 16,
            order: -5,
            groups: vec!["onboot".into(), "web".into(), "db".into(), "extra".into()],
        }
    );
    let l = loaded("lxc.start.auto = 1\nlxc.start.auto =\nlxc.group = onboot\nlxc.group =\n");
    assert!(!l.start_auto().unwrap());
    assert!(l.groups().is_empty());
}

#[test]
fn autostart_refuses_what_lxc_refuses_even_when_overridden_later() {
    let l = loaded(
        "lxc.start.auto = 2\nlxc.start.auto = 1\nlxc.start.delay = -5\nlxc.start.order = first\n",
    );
    let errors = l.autostart().unwrap_err();
    insta::assert_snapshot!(l.render(&errors), @r"
    config:1:18: error: `lxc.start.auto` must be 0 or 1, not `2`
        1 | lxc.start.auto = 2
          |                  ^
          = hint: 1 starts the container at boot, 0 (the default) does not; LXC refuses to load the config with any other value
    config:3:19: error: `lxc.start.delay` cannot be negative, but is `-5`
        3 | lxc.start.delay = -5
          |                   ^^
          = hint: it is how many seconds to wait after starting this container
    config:4:19: error: `lxc.start.order` must be a whole number, not `first`
        4 | lxc.start.order = first
          |                   ^^^^^
          = hint: lower numbers start first; negative numbers are allowed
    ");
    assert!(loaded("lxc.start.auto = yes").start_auto().is_err());
    assert!(loaded("lxc.start.delay = 4294967296")
        .start_delay()
        .is_err());
    assert!(loaded("lxc.start.order = 2147483648")
        .start_order()
        .is_err());
    assert_eq!(
        loaded("lxc.start.order = -2147483648").start_order(),
        Ok(i32::MIN)
    );
}

// ---- printing -------------------------------------------------------------------------------

#[test]
fn printing_writes_canonical_lines() {
    let parsed =
        parse_ok("# comment\n  lxc.network.type=veth\nlxc.uts.name = 'web'\nfoo\nlxc.group =\n");
    assert_eq!(
        print(&parsed.config).unwrap(),
        "lxc.net.0.type = veth\nlxc.uts.name = web\nlxc.group =\n"
    );
}

#[test]
fn printing_quotes_values_that_would_read_back_differently() {
    for value in [
        " lead", "trail\t", "'q'", "\"\"", "cr\r", "\"", "a\"b", "#x", "=", "x y",
    ] {
        let config = Config {
            entries: vec![Entry::new("lxc.uts.name", value)],
        };
        let text = print(&config).unwrap();
        assert_eq!(parse_ok(&text).config, config, "{text:?}");
    }
    let quoted = Config {
        entries: vec![Entry::new("lxc.uts.name", " a ")],
    };
    assert_eq!(print(&quoted).unwrap(), "lxc.uts.name = \" a \"\n");
}

#[test]
fn printing_refuses_what_cannot_be_written() {
    let print_one = |k: &str, v: &str| {
        print(&Config {
            entries: vec![Entry::new(k, v)],
        })
    };
    assert_eq!(
        print_one("lxc.uts.name", "a\nb").unwrap_err().to_string(),
        "cannot write the value of `lxc.uts.name`: the value holds a line break or a NUL byte"
    );
    assert!(print_one("uts.name", "a").is_err());
    assert!(print_one("lxc.a=b", "a").is_err());
    assert!(print_one("lxc.a ", "a").is_err());
}

// ---- includes ---------------------------------------------------------------------------------

fn write(path: &Path, text: &str) {
    if let Some(dir) = path.parent() {
        fs::create_dir_all(dir).unwrap();
    }
    fs::write(path, text).unwrap();
}

fn load_text(dir: &Path, text: &str) -> Result<Loaded, LoadError> {
    let top = dir.join("config");
    write(&top, text);
    Loader::new().root(dir).load_as(&top, "config")
}

fn entry_pairs(l: &Loaded) -> Vec<(String, String)> {
    l.entries
        .iter()
        .map(|e| (e.entry.key.value.clone(), e.entry.value.value.clone()))
        .collect()
}

#[test]
fn an_included_file_is_read_in_place_of_the_include_line() {
    let dir = tempfile::tempdir().unwrap();
    write(
        &dir.path().join("common.conf"),
        "lxc.uts.name = common\nlxc.cap.drop = sys_time\n",
    );
    let l = load_text(
        dir.path(),
        "lxc.uts.name = before\nlxc.include = /common.conf\nlxc.cap.drop = sys_module\n",
    )
    .unwrap();
    assert_eq!(
        l.value("lxc.uts.name")
            .map(|e| e.entry.value.value.as_str()),
        Some("common")
    );
    assert_eq!(values(&l, "lxc.cap.drop"), ["sys_time", "sys_module"]);
    let inc = l.value("lxc.uts.name").unwrap();
    assert_eq!(l.sources.file(inc.file).unwrap().name(), "/common.conf");
    assert_eq!(
        print(&l.expanded()).unwrap(),
        "lxc.uts.name = before\nlxc.uts.name = common\nlxc.cap.drop = sys_time\nlxc.cap.drop = sys_module\n"
    );
}

#[test]
fn a_directory_is_included_in_sorted_order_and_only_its_conf_files() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path().join("conf.d");
    write(&d.join("20-b.conf"), "lxc.group = b\n");
    write(&d.join("10-a.conf"), "lxc.group = a\n");
    write(&d.join("README"), "not a config\n");
    write(&d.join(".conf"), "lxc.group = too-short-name\n");
    write(&d.join("x.conf.bak"), "lxc.group = backup\n");
    write(&d.join("a.conf"), "lxc.group = c\n");
    for include in ["/conf.d", "/conf.d/"] {
        let l = load_text(dir.path(), &format!("lxc.include = {include}\n")).unwrap();
        assert_eq!(l.groups(), ["a", "b", "c"]);
        let names: Vec<&str> = l.sources.iter().map(|(_, f)| f.name()).collect();
        assert_eq!(
            names,
            [
                "config",
                "/conf.d/10-a.conf",
                "/conf.d/20-b.conf",
                "/conf.d/a.conf"
            ]
        );
    }
}

#[test]
fn a_missing_drop_in_directory_is_fine_but_a_missing_file_is_an_error_at_the_include() {
    let dir = tempfile::tempdir().unwrap();
    let l = load_text(dir.path(), "lxc.include = /missing.d/\nlxc.uts.name = a\n").unwrap();
    assert!(l.warnings.is_empty());
    assert_eq!(l.entries.len(), 2);
    let err = load_text(
        dir.path(),
        "lxc.uts.name = a\nlxc.include = /missing.conf\n",
    )
    .unwrap_err();
    insta::assert_snapshot!(err.to_string(), @r"
    config:2:15: error: cannot include `/missing.conf`: No such file or directory
        2 | lxc.include = /missing.conf
          |               ^^^^^^^^^^^^^
          = hint: LXC refuses to load a config whose include is missing; end the path with `/` if it names a drop-in directory that may not exist
    ");
}

#[test]
fn an_include_cycle_is_caught() {
    let dir = tempfile::tempdir().unwrap();
    write(&dir.path().join("a.conf"), "lxc.include = /b.conf\n");
    write(&dir.path().join("b.conf"), "lxc.include = /config\n");
    let err = load_text(dir.path(), "lxc.include = /a.conf\n").unwrap_err();
    insta::assert_snapshot!(err.to_string(), @r"
    /b.conf:1:15: error: `/config` includes itself: config -> /a.conf -> /b.conf -> /config
        1 | lxc.include = /config
          |               ^^^^^^^
          = hint: remove one of these includes; LXC would recurse until it fails
          = note: `/b.conf` is included from /a.conf:1:15
          = note: `/a.conf` is included from config:1:15
    ");
}

#[test]
fn a_file_may_be_included_twice_without_a_cycle() {
    let dir = tempfile::tempdir().unwrap();
    write(&dir.path().join("a.conf"), "lxc.cap.drop = x\n");
    let l = load_text(dir.path(), "lxc.include = /a.conf\nlxc.include = /a.conf\n").unwrap();
    assert_eq!(values(&l, "lxc.cap.drop"), ["x", "x"]);
}

#[test]
fn errors_in_an_included_file_point_into_that_file() {
    let dir = tempfile::tempdir().unwrap();
    write(
        &dir.path().join("usr/share/common.conf"),
        "# shared\nlxc.tty.mx = 4\n",
    );
    let err = load_text(dir.path(), "lxc.include = /usr/share/common.conf\n").unwrap_err();
    insta::assert_snapshot!(err.to_string(), @r"
    /usr/share/common.conf:2:1: error: unknown key `lxc.tty.mx`
        2 | lxc.tty.mx = 4
          | ^^^^^^^^^^
          = hint: did you mean `lxc.tty.max`?
          = note: `/usr/share/common.conf` is included from config:1:15
    ");
}

#[test]
fn an_empty_include_clears_the_include_list_but_not_what_was_included() {
    let dir = tempfile::tempdir().unwrap();
    write(&dir.path().join("a.conf"), "lxc.uts.name = from-a\n");
    let l = load_text(dir.path(), "lxc.include = /a.conf\nlxc.include =\n").unwrap();
    assert!(l.values("lxc.include").is_empty());
    assert_eq!(
        l.value("lxc.uts.name")
            .map(|e| e.entry.value.value.as_str()),
        Some("from-a")
    );
}

#[test]
fn a_relative_include_draws_a_warning() {
    let dir = tempfile::tempdir().unwrap();
    write(&dir.path().join("a.conf"), "lxc.uts.name = a\n");
    let l = load_text(dir.path(), "lxc.include = a.conf\n").unwrap();
    assert!(l
        .render(&l.warnings)
        .contains("the include path `a.conf` is relative"));
    assert_eq!(l.entries.len(), 2);
}

#[test]
fn pre_3_networks_are_numbered_across_includes() {
    let dir = tempfile::tempdir().unwrap();
    write(&dir.path().join("net.conf"), "lxc.network.type = veth\n");
    let l = load_text(
        dir.path(),
        "lxc.include = /net.conf\nlxc.network.link = br0\nlxc.network.type = empty\n",
    )
    .unwrap();
    let pairs = entry_pairs(&l);
    assert_eq!(pairs[1], ("lxc.net.0.type".into(), "veth".into()));
    assert_eq!(pairs[2], ("lxc.net.0.link".into(), "br0".into()));
    assert_eq!(pairs[3], ("lxc.net.1.type".into(), "empty".into()));
}

#[test]
fn a_missing_top_file_is_a_read_error() {
    let dir = tempfile::tempdir().unwrap();
    let err = load(&dir.path().join("nope")).unwrap_err();
    assert!(matches!(err, LoadError::Read(_)));
    assert!(err.to_string().ends_with("No such file or directory"));
}

#[test]
fn trees_serialize() {
    let parsed = parse_ok("lxc.network.type = veth\n");
    let json = serde_json::to_string(&parsed.config).unwrap();
    let back: Config = serde_json::from_str(&json).unwrap();
    assert_eq!(back, parsed.config);
}
