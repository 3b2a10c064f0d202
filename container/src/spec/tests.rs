//! The spec of configs as `lxc-create` writes them, and refusals located in their files.

use super::*;
use grammar::lxc::Loader;
use std::fs;

/// The LXC files of Debian's packages (`tests/data/lxc/README.md`).
fn lxc_root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/data/lxc")
}

/// A container directory `<tmp>/<name>` with `config` = `text` (and `fstab` if given).
fn container(text: &str, fstab: Option<&str>) -> (tempfile::TempDir, PathBuf) {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("c1");
    fs::create_dir_all(dir.join("rootfs")).unwrap();
    let text = text.replace("@DIR@", &dir.to_string_lossy());
    fs::write(dir.join("config"), text).unwrap();
    if let Some(f) = fstab {
        fs::write(dir.join("fstab"), f).unwrap();
    }
    (tmp, dir)
}

fn load(dir: &Path) -> Loaded {
    Loader::new()
        .root(lxc_root())
        .load_as(&dir.join("config"), "c1/config")
        .unwrap_or_else(|e| panic!("{e}"))
}

fn spec_of(text: &str) -> (Spec, String) {
    let (_tmp, dir) = container(text, None);
    let loaded = load(&dir);
    match check(
        &loaded,
        &Context {
            name: "c1",
            dir: &dir,
        },
    ) {
        Ok((spec, report)) => (spec, report.render(&loaded)),
        Err(refused) => panic!("refused:\n{}", refused.report.render(&loaded)),
    }
}

fn refusal(text: &str, fstab: Option<&str>) -> String {
    let (tmp, dir) = container(text, fstab);
    let loaded = load(&dir);
    match check(
        &loaded,
        &Context {
            name: "c1",
            dir: &dir,
        },
    ) {
        Ok((spec, _)) => panic!("accepted: {spec:?}"),
        Err(refused) => refused
            .report
            .render(&loaded)
            .replace(&tmp.path().to_string_lossy().into_owned(), "TMP"),
    }
}

/// `lxc-create -t busybox` (lxc-templates 5.0.2, `copy_configuration`), on a host with
/// /lib and /usr/lib.
const BUSYBOX: &str = "\
lxc.rootfs.path = @DIR@/rootfs
lxc.signal.halt = SIGUSR1
lxc.signal.reboot = SIGTERM
lxc.uts.name = \"c1\"
lxc.autodev = 1
lxc.tty.max = 5
lxc.pty.max = 1
lxc.cap.drop = sys_module mac_admin mac_override sys_time

# When using LXC with apparmor, uncomment the next line to run unconfined:
#lxc.apparmor.profile = unconfined

lxc.mount.auto = cgroup:mixed proc:mixed sys:ro
lxc.mount.entry = shm dev/shm tmpfs defaults,create=dir 0 0
lxc.mount.entry = mqueue dev/mqueue mqueue defaults,optional,create=dir 0 0
lxc.mount.entry = /lib lib none ro,bind 0 0
lxc.mount.entry = /usr/lib usr/lib none ro,bind 0 0
lxc.mount.entry = /sys/kernel/security sys/kernel/security none ro,bind,optional 0 0
";

#[test]
fn a_busybox_template_config() {
    let (spec, warnings) = spec_of(BUSYBOX);
    assert_eq!(spec.hostname.as_deref(), Some("c1"));
    assert!(spec.rootfs.path.ends_with("c1/rootfs"));
    assert_eq!(spec.autodev, Some(500_000));
    assert_eq!(spec.pty_max, 1);
    // sys_module 16, mac_admin 33, mac_override 32, sys_time 25
    assert_eq!(spec.caps, Caps::Drop(vec![16, 33, 32, 25]));
    assert_eq!(spec.signals.halt, Some(10));
    assert_eq!(spec.signals.reboot, Some(15));
    assert_eq!(spec.auto_mounts.proc, Some(ProcMode::Mixed));
    assert_eq!(spec.auto_mounts.sys, Some(SysMode::Ro));
    assert_eq!(
        spec.auto_mounts.cgroup,
        Some(CgroupMount {
            mode: Some(CgroupMode::Mixed),
            force: false
        })
    );
    let targets: Vec<&str> = spec.mounts.iter().map(|m| m.target.as_str()).collect();
    assert_eq!(
        targets,
        [
            "dev/shm",
            "dev/mqueue",
            "lib",
            "usr/lib",
            "sys/kernel/security"
        ]
    );
    assert_eq!(spec.mounts[2].flags, mount::ms::RDONLY | mount::ms::BIND);
    assert!(spec.mounts[1].optional);
    assert_eq!(spec.init.argv, ["/sbin/init"]);
    // lxc.tty.max = 5: five ttys, named for the init as they are under /dev.
    assert_eq!(spec.tty_max, 5);
    assert_eq!(
        spec.init.env,
        ["container=lxc", "container_ttys=tty1 tty2 tty3 tty4 tty5"]
    );
    assert_eq!(spec.net, Net::Isolated { loopback_up: false });
    assert!(spec.namespaces.net && !spec.namespaces.user);
    assert_eq!(spec.pdeath_signal, None);
    assert!(spec.session_keyring);
    insta::assert_snapshot!(warnings);
}

/// `lxc-create -t download -- -d debian -r bookworm -a amd64`: the image's config, with
/// `/etc/lxc/default.conf`'s network and AppArmor lines.
const DOWNLOAD: &str = "\
# Template used to create this container: /usr/share/lxc/templates/lxc-download
# Parameters passed to the template: -d debian -r bookworm -a amd64
# For additional config options, please look at lxc.container.conf(5)

# Uncomment the following line to support nesting containers:
#lxc.include = /usr/share/lxc/config/nesting.conf
# (Be aware this has security implications)


# Distribution configuration
lxc.include = /usr/share/lxc/config/common.conf
lxc.arch = linux64

# Container specific configuration
lxc.apparmor.profile = generated
lxc.apparmor.allow_nesting = 1
lxc.rootfs.path = dir:@DIR@/rootfs
lxc.uts.name = c1

# Network configuration
lxc.net.0.type = @NET@
lxc.net.0.link = lxcbr0
lxc.net.0.flags = up
";

#[test]
fn a_download_template_config_with_common_conf() {
    let (spec, warnings) = spec_of(&DOWNLOAD.replace("@NET@", "empty"));
    assert_eq!(
        spec.seccomp.as_deref(),
        Some(Path::new("/usr/share/lxc/config/common.seccomp"))
    );
    // common.conf: mac_admin mac_override sys_time sys_module sys_rawio
    assert_eq!(spec.caps, Caps::Drop(vec![33, 32, 25, 16, 17]));
    assert_eq!(spec.devices_v2.len(), 13);
    assert_eq!(spec.devices_v2[0], ("deny".to_string(), "a".to_string()));
    assert_eq!(
        spec.devices_v2[1],
        ("allow".to_string(), "c *:* m".to_string())
    );
    assert_eq!(spec.devices_v1.len(), 13);
    assert_eq!(spec.device_rules(true), spec.devices_v2.as_slice());
    assert!(spec.cgroup.is_empty());
    assert_eq!(spec.tty_dir.as_deref(), Some("lxc"));
    assert_eq!(spec.pty_max, 1024);
    assert_eq!(spec.apparmor, AppArmor::Generated);
    assert_eq!(spec.net, Net::Isolated { loopback_up: true });
    assert_eq!(spec.mounts.len(), 1);
    assert_eq!(spec.mounts[0].source, "/sys/fs/fuse/connections");
    insta::assert_snapshot!(warnings);
}

#[test]
fn a_veth_network_is_refused_with_its_location() {
    insta::assert_snapshot!(refusal(&DOWNLOAD.replace("@NET@", "veth"), None));
}

#[test]
fn an_unprivileged_container_with_userns_conf() {
    let text = format!(
        "{}lxc.include = /usr/share/lxc/config/userns.conf\nlxc.idmap = u 0 100000 65536\nlxc.idmap = g 0 100000 65536\n",
        DOWNLOAD.replace("@NET@", "empty")
    );
    let (spec, _) = spec_of(&text);
    assert!(spec.namespaces.user);
    assert_eq!(
        spec.idmap,
        [
            IdMap {
                kind: IdKind::User,
                inside: 0,
                host: 100000,
                count: 65536
            },
            IdMap {
                kind: IdKind::Group,
                inside: 0,
                host: 100000,
                count: 65536
            },
        ]
    );
    // userns.conf clears the device lists, the capability lists and the tty dir.
    assert!(spec.devices_v2.is_empty() && spec.devices_v1.is_empty());
    assert_eq!(spec.caps, Caps::All);
    assert_eq!(spec.tty_dir, None);
    assert_eq!(spec.auto_mounts.sys, Some(SysMode::Rw));
}

#[test]
fn settings_of_the_init_and_the_group() {
    let (spec, _) = spec_of(
        "lxc.rootfs.path = /srv/c1
lxc.init.cmd = /bin/sh -c 'sleep 100'
lxc.init.uid = 1000
lxc.init.gid = 100
lxc.init.cwd = /tmp
lxc.environment = LANG=C
lxc.environment = container=other
lxc.cgroup2.memory.max = 64M
lxc.cgroup.memory.limit_in_bytes = 64M
lxc.prlimit.nofile = 1024:4096
lxc.prlimit.core = unlimited
lxc.sysctl.net.ipv4.ip_forward = 1
lxc.proc.oom_score_adj = 10
lxc.monitor.signal.pdeath = SIGKILL
lxc.no_new_privs = 1
lxc.net.0.type = none
lxc.cap.keep = none
lxc.keyring.session = 0
lxc.arch = linux32
",
    );
    assert_eq!(spec.init.argv, ["/bin/sh", "-c", "sleep 100"]);
    assert_eq!(
        (spec.init.uid, spec.init.gid, spec.init.cwd.as_str()),
        (1000, 100, "/tmp")
    );
    assert_eq!(spec.init.env, ["LANG=C", "container=other"]);
    assert_eq!(
        spec.cgroup,
        [
            CgroupSetting {
                version: 2,
                name: "memory.max".into(),
                value: "64M".into()
            },
            CgroupSetting {
                version: 1,
                name: "memory.limit_in_bytes".into(),
                value: "64M".into()
            },
        ]
    );
    assert_eq!(
        spec.prlimits,
        [
            Prlimit {
                resource: 7,
                soft: 1024,
                hard: 4096
            },
            Prlimit {
                resource: 4,
                soft: u64::MAX,
                hard: u64::MAX
            },
        ]
    );
    assert_eq!(
        spec.sysctls,
        [("net/ipv4/ip_forward".to_string(), "1".to_string())]
    );
    assert_eq!(spec.proc, [("oom_score_adj".to_string(), "10".to_string())]);
    assert_eq!(spec.pdeath_signal, Some(9));
    assert!(spec.no_new_privs);
    assert_eq!(spec.net, Net::Host);
    assert!(!spec.namespaces.net);
    assert_eq!(spec.caps, Caps::Keep(vec![]));
    assert!(!spec.session_keyring);
    assert_eq!(spec.personality, Personality::Linux32);
}

#[test]
fn every_refusal_at_once_located() {
    let text = "\
lxc.rootfs.path = overlay:/var/lib/lxc/base/rootfs:/var/lib/lxc/c1/delta
lxc.hook.pre-start = /usr/local/bin/prepare
lxc.cap.drop = sys_admn
lxc.idmap = u 0 100000 65536
lxc.idmap = x 0 100000
lxc.mount.auto = proc sys:mixed cgroup:bogus
lxc.mount.entry = /srv srv none bind,create=pipe 0 0
lxc.mount.fstab = fstab
lxc.namespace.share.net = other
lxc.prlimit.files = 10
lxc.ephemeral = 1
lxc.console.path = /dev/ttyS0
lxc.net.0.type = macvlan
";
    let fstab = "# the container's mounts\n/srv/a srv/a none bind 0 0\n/srv/b\n";
    insta::assert_snapshot!(refusal(text, Some(fstab)));
}

#[test]
fn a_missing_rootfs_and_a_missing_fstab() {
    insta::assert_snapshot!(refusal(
        "lxc.uts.name = c1\nlxc.mount.fstab = /nonexistent/fstab\n",
        None
    ));
}

#[test]
fn signals_as_lxc_reads_them() {
    assert_eq!(parse_signal("SIGPWR"), Some(30));
    assert_eq!(parse_signal("sigterm"), Some(15));
    assert_eq!(parse_signal("SIGRTMIN+3"), Some(37));
    assert_eq!(parse_signal("SIGRTMAX-1"), Some(63));
    assert_eq!(parse_signal("9"), Some(9));
    assert_eq!(parse_signal("0"), Some(0));
    assert_eq!(parse_signal("SIGNOPE"), None);
    assert_eq!(parse_signal("65"), None);
    assert_eq!(parse_signal("pwr"), Some(30));
    assert_eq!(parse_signal("SIGRTMIN+40"), None);
    assert_eq!(signal_name(30), "SIGPWR");
    assert_eq!(signal_name(37), "SIGRTMIN+3");
    assert_eq!(signal_name(9), "SIGKILL");
    assert_eq!(signal_name(99), "signal 99");
}

#[test]
fn quoted_command_lines() {
    assert_eq!(
        split_quoted("/sbin/init"),
        Some(vec!["/sbin/init".to_string()])
    );
    assert_eq!(
        split_quoted("a  'b c' \"d\"e"),
        Some(vec!["a".to_string(), "b c".to_string(), "de".to_string()])
    );
    assert_eq!(split_quoted("'open"), None);
}
