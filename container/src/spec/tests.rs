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
    assert_eq!(
        spec.net,
        Net::Isolated {
            loopback_up: false,
            nics: vec![]
        }
    );
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
    assert_eq!(
        spec.net,
        Net::Isolated {
            loopback_up: true,
            nics: vec![]
        }
    );
    assert_eq!(spec.mounts.len(), 1);
    assert_eq!(spec.mounts[0].source, "/sys/fs/fuse/connections");
    insta::assert_snapshot!(warnings);
}

/// `/etc/lxc/default.conf`'s network as the seed article writes it (`hwaddr` with x's).
const DOWNLOAD_HWADDR: &str = "lxc.net.0.hwaddr = 00:16:3e:xx:xx:xx\n";

fn nics(net: &Net) -> &[Nic] {
    match net {
        Net::Isolated { nics, .. } => nics,
        Net::Host => panic!("the host's network"),
    }
}

#[test]
fn a_download_template_config_with_its_veth_network() {
    let text = format!("{}{DOWNLOAD_HWADDR}", DOWNLOAD.replace("@NET@", "veth"));
    let (spec, warnings) = spec_of(&text);
    let Net::Isolated { loopback_up, nics } = &spec.net else {
        panic!("{:?}", spec.net);
    };
    // LXC brings lo up only for `empty` networks.
    assert!(!loopback_up);
    assert!(spec.namespaces.net);
    assert_eq!(nics.len(), 1);
    let nic = &nics[0];
    let hwaddr = nic.hwaddr.expect("a MAC address");
    assert_eq!(&hwaddr.0[..3], &[0x00, 0x16, 0x3e]);
    assert!(hwaddr.fits("00:16:3e:xx:xx:xx"));
    assert_eq!(
        *nic,
        Nic {
            index: 0,
            kind: NicKind::Veth {
                pair: None,
                link: Some("lxcbr0".into()),
                mode: VethMode::Bridge,
                ipv4_routes: vec![],
                ipv6_routes: vec![],
            },
            name: "eth0".into(),
            hwaddr: Some(hwaddr),
            hwaddr_template: Some("00:16:3e:xx:xx:xx".into()),
            mtu: None,
            up: true,
            ipv4: vec![],
            ipv4_gateway: None,
            ipv6: vec![],
            ipv6_gateway: None,
            location: Location {
                file: "c1/config".into(),
                line: 21,
                col: 18
            },
        }
    );
    assert_eq!(nic.location.to_string(), "c1/config:21:18");
    // No word about the network.
    assert!(!warnings.contains("lxc.net"), "{warnings}");
}

#[test]
fn a_hwaddr_lxc_create_completed_is_used_as_written() {
    let text = format!(
        "{}lxc.net.0.hwaddr = 00:16:3E:04:5c:3b\n",
        DOWNLOAD.replace("@NET@", "veth")
    );
    let (spec, _) = spec_of(&text);
    let nic = &nics(&spec.net)[0];
    assert_eq!(
        nic.hwaddr,
        Some(HwAddr([0x00, 0x16, 0x3e, 0x04, 0x5c, 0x3b]))
    );
    assert_eq!(nic.hwaddr_template, None);
}

#[test]
fn several_nics_in_order_of_their_index_with_lxcs_names() {
    let (spec, warnings) = spec_of(
        "lxc.rootfs.path = /srv/c1
lxc.net.10.type = phys
lxc.net.10.link = dummy0
lxc.net.0.type = veth
lxc.net.1.type = veth
lxc.net.1.name = eth0
lxc.net.1.veth.pair = vethweb1
lxc.net.2.type = macvlan
lxc.net.2.link = eno1
lxc.net.2.macvlan.mode = bridge
lxc.net.3.type = vlan
lxc.net.3.link = eno1
lxc.net.3.vlan.id = 100
lxc.net.3.name = vlan100
lxc.net.4.type = empty
lxc.net.4.flags = up
",
    );
    assert_eq!(warnings, "");
    let Net::Isolated { loopback_up, nics } = &spec.net else {
        panic!("{:?}", spec.net);
    };
    assert!(loopback_up);
    let got: Vec<(u32, &str, &str)> = nics
        .iter()
        .map(|n| (n.index, n.kind.type_name(), n.name.as_str()))
        .collect();
    // Unnamed NICs take eth0, eth1, ... in order of N, skipping eth0 (network 1's); a
    // phys keeps its host name.
    assert_eq!(
        got,
        [
            (0, "veth", "eth1"),
            (1, "veth", "eth0"),
            (2, "macvlan", "eth2"),
            (3, "vlan", "vlan100"),
            (10, "phys", "dummy0"),
        ]
    );
    assert_eq!(
        nics[1].kind,
        NicKind::Veth {
            pair: Some("vethweb1".into()),
            link: None,
            mode: VethMode::Bridge,
            ipv4_routes: vec![],
            ipv6_routes: vec![],
        }
    );
    assert_eq!(
        nics[2].kind,
        NicKind::Macvlan {
            link: "eno1".into(),
            mode: MacvlanMode::Bridge
        }
    );
    assert_eq!(
        nics[3].kind,
        NicKind::Vlan {
            link: "eno1".into(),
            id: 100
        }
    );
    assert_eq!(
        nics[4].kind,
        NicKind::Phys {
            link: "dummy0".into()
        }
    );
    assert!(nics.iter().all(|n| !n.up && n.hwaddr.is_none()));
}

#[test]
fn static_addresses_gateways_and_routes() {
    let (spec, warnings) = spec_of(
        "lxc.rootfs.path = /srv/c1
lxc.net.0.type = veth
lxc.net.0.link = br0
lxc.net.0.flags = up
lxc.net.0.mtu = 1400
lxc.net.0.ipv4.address = 10.0.3.5/24 10.0.3.255
lxc.net.0.ipv4.address = 192.168.7.9/30
lxc.net.0.ipv4.gateway = auto
lxc.net.0.ipv6.address = fd00:1::5/48
lxc.net.0.ipv6.address = fd00:2::5
lxc.net.0.ipv6.gateway = fd00:1::1
lxc.net.1.type = veth
lxc.net.1.veth.mode = router
lxc.net.1.flags = up
lxc.net.1.ipv4.address = 172.16.0.2/32
lxc.net.1.ipv4.gateway = dev
lxc.net.1.ipv6.gateway = fe80::1
lxc.net.1.veth.ipv4.route = 172.16.0.2/32
lxc.net.1.veth.ipv6.route = fd00:9::/64
lxc.net.2.type = macvlan
lxc.net.2.link = eno1
lxc.net.2.flags = up
lxc.net.2.ipv4.address = 10.9.0.2/16
lxc.net.2.ipv4.gateway = 10.9.0.1
",
    );
    assert_eq!(warnings, "");
    let nics = nics(&spec.net);
    let a = &nics[0];
    assert_eq!(a.mtu, Some(1400));
    assert_eq!(
        a.ipv4,
        [
            Ipv4Net {
                addr: "10.0.3.5".parse().unwrap(),
                prefix: 24,
                broadcast: Some("10.0.3.255".parse().unwrap())
            },
            Ipv4Net {
                addr: "192.168.7.9".parse().unwrap(),
                prefix: 30,
                broadcast: None
            },
        ]
    );
    assert_eq!(
        a.ipv4[1].broadcast_or_default(),
        Some("192.168.7.11".parse().unwrap())
    );
    assert_eq!(a.ipv4_gateway, Some(Gateway::Auto));
    assert_eq!(
        a.ipv6,
        [
            Ipv6Net {
                addr: "fd00:1::5".parse().unwrap(),
                prefix: 48
            },
            // LXC's default prefix.
            Ipv6Net {
                addr: "fd00:2::5".parse().unwrap(),
                prefix: 64
            },
        ]
    );
    assert_eq!(
        a.ipv6_gateway,
        Some(Gateway::Address("fd00:1::1".parse().unwrap()))
    );
    let b = &nics[1];
    assert_eq!(b.ipv4_gateway, Some(Gateway::Dev));
    // A link-local IPv6 gateway needs no IPv6 address, as in LXC.
    assert_eq!(
        b.ipv6_gateway,
        Some(Gateway::Address("fe80::1".parse().unwrap()))
    );
    assert_eq!(b.ipv4[0].broadcast_or_default(), None);
    assert_eq!(
        b.kind,
        NicKind::Veth {
            pair: None,
            link: None,
            mode: VethMode::Router,
            ipv4_routes: vec![Ipv4Net {
                addr: "172.16.0.2".parse().unwrap(),
                prefix: 32,
                broadcast: None
            }],
            ipv6_routes: vec![Ipv6Net {
                addr: "fd00:9::".parse().unwrap(),
                prefix: 64
            }],
        }
    );
    assert_eq!(
        nics[2].ipv4_gateway,
        Some(Gateway::Address("10.9.0.1".parse().unwrap()))
    );
}

#[test]
fn bad_network_values_are_refused_at_their_place() {
    let text = "\
lxc.rootfs.path = /srv/c1
lxc.net.0.type = veth
lxc.net.0.link = lxcbr0
lxc.net.0.ipv4.address = 10.0.3.300/24
lxc.net.0.ipv4.address = 10.0.3.5/33
lxc.net.0.ipv4.address = 10.0.3.5/24 10.0.3.256
lxc.net.0.ipv4.address = 10.0.3.6/24 10.0.3.255 extra
lxc.net.0.ipv6.address = fd00::g/64
lxc.net.0.ipv6.address = fd00::5/129
lxc.net.0.ipv4.gateway = 10.0.3.1
lxc.net.0.hwaddr = 00:16:3e:xx:xx
lxc.net.0.mtu = 10
lxc.net.0.name = a-very-long-name0
lxc.net.0.veth.pair = veth/1
lxc.net.0.veth.mode = bridged
lxc.net.0.veth.ipv4.route = 10.1.0.0
lxc.net.1.type = vet
lxc.net.2.type = macvlan
lxc.net.2.macvlan.mode = open
lxc.net.3.type = vlan
lxc.net.3.link = eno1:1
lxc.net.3.vlan.id = 5000
lxc.net.4.type = phys
lxc.net.4.link = eth+
lxc.net.5.type = veth
lxc.net.5.hwaddr = 01:16:3e:00:00:01
lxc.net.5.ipv6.gateway = auto
lxc.net.5.flags = up
lxc.net.5.name = lo
lxc.net.6.vlan.id = 3
lxc.net.6.type = vlan
lxc.net.6.link = eno1
lxc.net.7.type = macvlan
lxc.net.7.link = eno1
lxc.net.7.veth.pair = v7
lxc.net.8.type = ipvlan
lxc.net.8.link = eno1
lxc.net.9.type = veth
lxc.net.9.name = eth0
lxc.net.10.type = veth
lxc.net.10.name = eth0
lxc.net.11.link = br0
";
    insta::assert_snapshot!(refusal(text, None));
}

#[test]
fn network_keys_we_do_not_implement_warn_or_refuse() {
    insta::assert_snapshot!(refusal(
        "lxc.rootfs.path = /srv/c1
lxc.net.0.type = veth
lxc.net.0.script.up = /usr/local/bin/net-up
lxc.net.0.l2proxy = 1
lxc.net.0.veth.vlan.id = 10
lxc.net.0.veth.vlan.tagged.id = 11
lxc.net.1.type = veth
lxc.net.1.l2proxy = 0
lxc.net.1.script.down = /usr/local/bin/net-down
lxc.net.1.veth.n_rxqueues = 4
",
        None
    ));
}

#[test]
fn network_settings_lxc_reads_its_own_way_warn() {
    let (spec, warnings) = spec_of(
        "lxc.rootfs.path = /srv/c1
lxc.net.0.type = veth
lxc.net.0.flags = down
lxc.net.0.ipv4.address = 10.0.3.5
lxc.net.1.type = vlan
lxc.net.1.link = eno1
lxc.net.2.type = empty
lxc.net.2.link = br0
lxc.net.3.type = veth
lxc.net.3.veth.mode = router
lxc.net.3.link = br0
",
    );
    let nics = nics(&spec.net);
    // LXC brings the network up for any value of flags.
    assert!(nics[0].up);
    // Class A: /8, as LXC derives it.
    assert_eq!(nics[0].ipv4[0].prefix, 8);
    assert_eq!(
        nics[1].kind,
        NicKind::Vlan {
            link: "eno1".into(),
            id: 0
        }
    );
    assert_eq!(nics[2].kind.link(), None);
    insta::assert_snapshot!(warnings);
}

#[test]
fn none_must_be_the_only_type() {
    let (spec, _) =
        spec_of("lxc.rootfs.path = /srv/c1\nlxc.net.0.type = none\nlxc.net.1.type = none\n");
    assert_eq!(spec.net, Net::Host);
    assert!(!spec.namespaces.net);
    insta::assert_snapshot!(refusal(
        "lxc.rootfs.path = /srv/c1\nlxc.net.0.type = veth\nlxc.net.1.type = none\n",
        None
    ));
}

#[test]
fn nics_need_the_containers_own_network_namespace() {
    insta::assert_snapshot!(refusal(
        "lxc.rootfs.path = /srv/c1\nlxc.namespace.keep = net\nlxc.net.0.type = veth\n",
        None
    ));
}

#[test]
fn a_cleared_network_is_gone() {
    let (spec, _) = spec_of(
        "lxc.rootfs.path = /srv/c1\nlxc.net.0.type = veth\nlxc.net.0.link = br0\nlxc.net.0 =\nlxc.net.1.type = macvlan\nlxc.net.1.link = eno1\n",
    );
    let nics = nics(&spec.net);
    assert_eq!(nics.len(), 1);
    assert_eq!((nics[0].index, nics[0].name.as_str()), (1, "eth0"));
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
