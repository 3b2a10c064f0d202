//! The networking mechanism (`container::net`) on the real kernel, as root.
//!
//! Every interface lives in network namespaces the test creates: each [`Netns`] is an
//! `unshare -n sleep` process (killed on drop), reached through its `/proc/PID/ns/net`;
//! the "host" side of a veth pair and the bridge are in a scratch namespace too, never in
//! the namespace the tests run in. What a test expects is read back with iproute2 and
//! busybox run in the namespace (`nsenter -t PID -n`), not with the code under test.
//! A test whose interface kind the kernel cannot make (veth, bridge, macvlan, 802.1Q)
//! is a counted skip that says which.

// Test code: a fixture that cannot be set up must stop the test loudly.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use container::net::{self, IpFamily, MacvlanMode, NetlinkRoute};
use std::fs::{self, File};
use std::net::{IpAddr, Ipv4Addr};
use std::os::fd::{AsFd, BorrowedFd, OwnedFd};
use std::process::{Command, Output};
use std::time::{Duration, Instant};
use test_support::{iproute2, need, Skip, Spawned};

/// A scratch network namespace: a `sleep` that unshared it, and the namespace's file.
struct Netns {
    fd: OwnedFd,
    proc: Spawned,
}

impl Netns {
    fn new() -> Netns {
        let mut command = Command::new("unshare");
        command.args(["-n", "sleep", "1000"]);
        let proc = Spawned::new(command);
        let pid = proc.pid();
        let ours = fs::read_link("/proc/self/ns/net").unwrap();
        let deadline = Instant::now() + Duration::from_secs(10);
        // unshare(1) enters the namespace before it executes sleep.
        loop {
            let theirs = fs::read_link(format!("/proc/{pid}/ns/net")).unwrap();
            let comm = fs::read_to_string(format!("/proc/{pid}/comm")).unwrap_or_default();
            if theirs != ours && comm.trim() == "sleep" {
                break;
            }
            assert!(Instant::now() < deadline, "unshare -n did not start");
            std::thread::sleep(Duration::from_millis(5));
        }
        let fd = File::open(format!("/proc/{pid}/ns/net")).unwrap().into();
        Netns { fd, proc }
    }

    fn fd(&self) -> BorrowedFd<'_> {
        self.fd.as_fd()
    }

    fn pid(&self) -> u32 {
        self.proc.pid()
    }

    /// A netlink socket in it.
    fn nl(&self) -> NetlinkRoute {
        NetlinkRoute::in_netns(self.fd()).unwrap()
    }

    /// `argv` run in it.
    fn run(&self, argv: &[&str]) -> Output {
        Command::new("nsenter")
            .arg("-t")
            .arg(self.pid().to_string())
            .arg("-n")
            .args(argv)
            .output()
            .unwrap()
    }

    /// `ip ARGS` in it; its output, the test failing when ip does.
    fn ip(&self, args: &[&str]) -> String {
        let mut argv = vec![iproute2()];
        argv.extend_from_slice(args);
        let out = self.run(&argv);
        assert!(
            out.status.success(),
            "ip {args:?} in netns of {}: {}",
            self.pid(),
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8_lossy(&out.stdout).into_owned()
    }

    /// Whether the interface `name` exists there, by iproute2.
    fn has(&self, name: &str) -> bool {
        self.run(&[iproute2(), "link", "show", "dev", name])
            .status
            .success()
    }

    /// The flags of `name` as `ip link` prints them (`BROADCAST,MULTICAST,UP,LOWER_UP`).
    fn flags(&self, name: &str) -> Vec<String> {
        let line = self.ip(&["-o", "link", "show", "dev", name]);
        let start = line.find('<').unwrap() + 1;
        let end = line.find('>').unwrap();
        line[start..end].split(',').map(str::to_string).collect()
    }
}

/// Whether this kernel can make the interface kinds the test needs, tried with iproute2
/// in a scratch namespace; a skip naming what is missing otherwise.
fn can_make(kinds: &[&str]) -> Result<(), Skip> {
    if !nix::unistd::geteuid().is_root() {
        return Err(Skip::because("not running as root"));
    }
    let ns = Netns::new();
    for kind in kinds {
        let (config, argv): (&str, &[&str]) = match *kind {
            "veth" => (
                "CONFIG_VETH",
                &[
                    "link", "add", "probe0", "type", "veth", "peer", "name", "probe1",
                ],
            ),
            "bridge" => (
                "CONFIG_BRIDGE",
                &["link", "add", "probebr", "type", "bridge"],
            ),
            "macvlan" => (
                "CONFIG_MACVLAN",
                &[
                    "link", "add", "link", "probe0", "name", "probemv", "type", "macvlan",
                ],
            ),
            "vlan" => (
                "CONFIG_VLAN_8021Q",
                &[
                    "link", "add", "link", "probe0", "name", "probe0.9", "type", "vlan", "id", "9",
                ],
            ),
            other => panic!("no probe for {other}"),
        };
        let mut full = vec![iproute2()];
        full.extend_from_slice(argv);
        let out = ns.run(&full);
        if !out.status.success() {
            return Err(Skip::because(format!(
                "the kernel cannot make {kind} interfaces ({config}): {}",
                String::from_utf8_lossy(&out.stderr).trim()
            )));
        }
    }
    Ok(())
}

fn ip(s: &str) -> IpAddr {
    s.parse().unwrap()
}

/// A namespace `B` whose `eth0` is the peer of `host_end` in `a` (which has the bridge
/// `br0` when `bridge` is given: the host end is enslaved to it), both up.
fn plugged(a: &NetlinkRoute, host_end: &str, bridge: Option<u32>) -> (Netns, u32) {
    let b = Netns::new();
    let host = a.create_veth(host_end, "eth0", b.fd(), None).unwrap();
    if let Some(br) = bridge {
        a.set_master(host, br).unwrap();
    }
    a.set_up(host, true).unwrap();
    (b, host)
}

#[test]
fn sockets_are_opened_in_other_namespaces_and_the_caller_stays_where_it_was() {
    need!(can_make(&["bridge"]));
    let before = fs::read_link("/proc/thread-self/ns/net").unwrap();
    let a = Netns::new();
    let nl = a.nl();
    assert_eq!(
        fs::read_link("/proc/thread-self/ns/net").unwrap(),
        before,
        "the caller's thread changed namespace"
    );
    // A fresh namespace has only its loopback, down.
    let links = nl.links().unwrap();
    assert_eq!(
        links.iter().map(|l| l.name.as_str()).collect::<Vec<_>>(),
        ["lo"]
    );
    assert!(!links[0].up);
    // What the socket makes is made there, not here.
    let br = nl.create_bridge("br-sock").unwrap();
    assert!(a.has("br-sock"));
    assert!(!std::path::Path::new("/sys/class/net/br-sock").exists());
    assert_eq!(nl.link_index("br-sock").unwrap(), Some(br));
    // By pid: the same namespace.
    let by_pid = NetlinkRoute::in_netns_of(a.pid() as i32).unwrap();
    assert_eq!(by_pid.link_index("br-sock").unwrap(), Some(br));
    assert_eq!(nl.link_index("no-such-link").unwrap(), None);
    // By pidfd: the same namespace.
    let pidfd = rustix::process::pidfd_open(
        rustix::process::Pid::from_raw(a.pid() as i32).unwrap(),
        rustix::process::PidfdFlags::empty(),
    )
    .unwrap();
    let by_pidfd = NetlinkRoute::in_netns(pidfd.as_fd()).unwrap();
    assert_eq!(by_pidfd.link_index("br-sock").unwrap(), Some(br));

    // current(): in a thread that unshared a namespace of its own (it stays there until
    // it ends), the loopback brought up.
    std::thread::spawn(|| {
        nix::sched::unshare(nix::sched::CloneFlags::CLONE_NEWNET).unwrap();
        let nl = NetlinkRoute::current().unwrap();
        nl.set_up(1, true).unwrap();
        let tid = nix::unistd::gettid();
        let out = Command::new("nsenter")
            .arg(format!(
                "--net=/proc/{}/task/{tid}/ns/net",
                std::process::id()
            ))
            .args([iproute2(), "-o", "link", "show", "dev", "lo"])
            .output()
            .unwrap();
        let line = String::from_utf8_lossy(&out.stdout);
        assert!(line.contains(",UP"), "lo is not up: {line}");
        assert!(nl.link_info("lo").unwrap().unwrap().up);
    })
    .join()
    .unwrap();
}

#[test]
fn a_veth_peer_is_created_in_the_other_namespace_and_its_host_end_on_the_bridge() {
    need!(can_make(&["veth", "bridge"]));
    let a = Netns::new();
    let b = Netns::new();
    let nl = a.nl();
    let br = nl.create_bridge("br0").unwrap();
    let host = nl.create_veth("vethB", "eth0", b.fd(), Some(1400)).unwrap();
    // Each end where it belongs, with the MTU.
    assert!(a.has("vethB") && !a.has("eth0"));
    assert!(b.has("eth0") && !b.has("vethB"));
    assert!(a
        .ip(&["-o", "link", "show", "dev", "vethB"])
        .contains("mtu 1400"));
    let peer = b.ip(&["-d", "-o", "link", "show", "dev", "eth0"]);
    assert!(peer.contains("mtu 1400") && peer.contains("veth"), "{peer}");
    let info = b.nl().link_info("eth0").unwrap().unwrap();
    assert_eq!(
        (info.kind.as_deref(), info.mtu, info.up),
        (Some("veth"), 1400, false)
    );
    // Enslaved to the bridge.
    nl.set_master(host, br).unwrap();
    let line = a.ip(&["-o", "link", "show", "dev", "vethB"]);
    assert!(line.contains("master br0"), "{line}");
    assert_eq!(nl.link_info("vethB").unwrap().unwrap().master, Some(br));
    assert_eq!(
        nl.link_info("br0").unwrap().unwrap().kind.as_deref(),
        Some("bridge")
    );
    // And freed from it.
    nl.set_master(host, 0).unwrap();
    assert!(!a
        .ip(&["-o", "link", "show", "dev", "vethB"])
        .contains("master"));
}

#[test]
fn a_link_not_set_up_stays_down_and_set_up_brings_it_up_and_down() {
    need!(can_make(&["veth"]));
    let a = Netns::new();
    let b = Netns::new();
    a.nl().create_veth("vethD", "eth0", b.fd(), None).unwrap();
    let nl = b.nl();
    let eth0 = nl.link_index("eth0").unwrap().unwrap();
    assert!(!b.flags("eth0").contains(&"UP".to_string()));
    assert!(!nl.link_info("eth0").unwrap().unwrap().up);
    nl.set_up(eth0, true).unwrap();
    assert!(b.flags("eth0").contains(&"UP".to_string()));
    assert!(nl.link_info("eth0").unwrap().unwrap().up);
    nl.set_up(eth0, false).unwrap();
    assert!(!b.flags("eth0").contains(&"UP".to_string()));
}

#[test]
fn name_hwaddr_and_mtu_are_set_in_the_namespace() {
    need!(can_make(&["veth"]));
    let a = Netns::new();
    let b = Netns::new();
    a.nl().create_veth("vethN", "tmp0", b.fd(), None).unwrap();
    let nl = b.nl();
    let idx = nl.link_index("tmp0").unwrap().unwrap();
    nl.set_name(idx, "net1").unwrap();
    nl.set_mac(idx, [0x00, 0x16, 0x3e, 0x12, 0x34, 0x56])
        .unwrap();
    nl.set_mtu(idx, 1280).unwrap();
    assert!(!b.has("tmp0"));
    let line = b.ip(&["-o", "link", "show", "dev", "net1"]);
    assert!(line.contains("link/ether 00:16:3e:12:34:56"), "{line}");
    assert!(line.contains("mtu 1280"), "{line}");
    let info = nl.link_info("net1").unwrap().unwrap();
    assert_eq!(info.index, idx);
    assert_eq!(info.mac, Some([0x00, 0x16, 0x3e, 0x12, 0x34, 0x56]));
    assert_eq!(info.mtu, 1280);
}

#[test]
fn addresses_have_their_prefix_and_broadcast() {
    need!(can_make(&["veth"]));
    let a = Netns::new();
    let (b, _) = plugged(&a.nl(), "vethA", None);
    let nl = b.nl();
    let eth0 = nl.link_index("eth0").unwrap().unwrap();
    nl.set_up(eth0, true).unwrap();
    nl.add_address(eth0, ip("10.0.3.2"), 24, Some(Ipv4Addr::new(10, 0, 3, 255)))
        .unwrap();
    nl.add_address(eth0, ip("fd00::2"), 64, None).unwrap();
    let v4 = b.ip(&["-o", "-4", "addr", "show", "dev", "eth0"]);
    assert!(v4.contains("inet 10.0.3.2/24 brd 10.0.3.255"), "{v4}");
    let v6 = b.ip(&["-o", "-6", "addr", "show", "dev", "eth0"]);
    assert!(v6.contains("inet6 fd00::2/64"), "{v6}");

    let listed = nl.addresses(eth0).unwrap();
    let v4 = listed.iter().find(|x| x.addr == ip("10.0.3.2")).unwrap();
    assert_eq!(
        (v4.ifname.as_str(), v4.prefix, v4.broadcast),
        ("eth0", 24, Some(Ipv4Addr::new(10, 0, 3, 255)))
    );
    assert!(listed
        .iter()
        .any(|x| x.addr == ip("fd00::2") && x.prefix == 64));
    let all = nl.all_addresses().unwrap();
    assert!(all
        .iter()
        .any(|x| x.ifname == "eth0" && x.addr == ip("fd00::2")));
    // The loopback's addresses exist once it is up (the kernel adds them).
    nl.set_up(1, true).unwrap();
    let all = nl.all_addresses().unwrap();
    assert!(all
        .iter()
        .any(|x| x.ifname == "lo" && x.addr == ip("127.0.0.1") && x.prefix == 8));

    // Twice is the kernel's EEXIST, said with the address and the interface.
    let e = nl.add_address(eth0, ip("10.0.3.2"), 24, None).unwrap_err();
    // Kernels since 6.3 say why in an extended acknowledgement; older ones only EEXIST.
    let text = e.to_string();
    assert!(
        [
            "adding address 10.0.3.2/24 to eth0: EEXIST (File exists; the kernel says: ipv4: Address already assigned)",
            "adding address 10.0.3.2/24 to eth0: EEXIST (File exists)",
        ]
        .contains(&text.as_str()),
        "{text}"
    );
    assert_eq!(net::errno(&e), Some(libc::EEXIST));
}

#[test]
fn default_routes_via_a_gateway_on_the_subnet_off_it_and_on_the_device() {
    need!(can_make(&["veth"]));
    let a = Netns::new();
    let anl = a.nl();
    // On the subnet, IPv4 and IPv6.
    let (b, _) = plugged(&anl, "vethR1", None);
    let nl = b.nl();
    let eth0 = nl.link_index("eth0").unwrap().unwrap();
    nl.set_up(eth0, true).unwrap();
    nl.add_address(eth0, ip("10.0.3.2"), 24, None).unwrap();
    nl.add_address(eth0, ip("fd00::2"), 64, None).unwrap();
    nl.add_default_route(ip("10.0.3.1"), eth0).unwrap();
    nl.add_default_route(ip("fd00::1"), eth0).unwrap();
    let routes = b.ip(&["route", "show"]);
    assert!(routes.contains("default via 10.0.3.1 dev eth0"), "{routes}");
    // No host route was needed.
    assert!(
        !routes.lines().any(|l| l.starts_with("10.0.3.1 ")),
        "{routes}"
    );
    let routes6 = b.ip(&["-6", "route", "show"]);
    assert!(
        routes6.contains("default via fd00::1 dev eth0"),
        "{routes6}"
    );
    let listed = nl.routes(IpFamily::V4).unwrap();
    assert!(listed.iter().any(|r| r.destination.is_none()
        && r.gateway == Some(ip("10.0.3.1"))
        && r.index == Some(eth0)));

    // Off the subnet: a link route to the gateway first, as LXC adds one.
    let (c, _) = plugged(&anl, "vethR2", None);
    let nl = c.nl();
    let eth0 = nl.link_index("eth0").unwrap().unwrap();
    nl.set_up(eth0, true).unwrap();
    nl.add_address(eth0, ip("10.0.3.3"), 24, None).unwrap();
    nl.add_default_route(ip("192.168.77.1"), eth0).unwrap();
    let routes = c.ip(&["route", "show"]);
    assert!(
        routes.contains("192.168.77.1 dev eth0") && routes.contains("scope link"),
        "{routes}"
    );
    assert!(
        routes.contains("default via 192.168.77.1 dev eth0"),
        "{routes}"
    );

    // On the device (LXC's `gateway = dev`).
    let (d, _) = plugged(&anl, "vethR3", None);
    let nl = d.nl();
    let eth0 = nl.link_index("eth0").unwrap().unwrap();
    nl.set_up(eth0, true).unwrap();
    nl.add_device_default_route(IpFamily::V4, eth0).unwrap();
    let routes = d.ip(&["route", "show"]);
    assert!(routes.contains("default dev eth0"), "{routes}");

    // On a link that is down, the subnet has no route yet (the kernel adds it when the
    // link comes up): the gateway is unreachable, said with the interface.
    let (e, _) = plugged(&anl, "vethR4", None);
    let nl = e.nl();
    let eth0 = nl.link_index("eth0").unwrap().unwrap();
    nl.add_address(eth0, ip("10.0.3.4"), 24, None).unwrap();
    let err = nl.add_default_route(ip("10.0.3.1"), eth0).unwrap_err();
    assert!(
        err.to_string()
            .starts_with("adding the default route via 10.0.3.1 on eth0: ENETUNREACH"),
        "{err}"
    );
}

/// What a router-mode veth's host end gets (LXC's `veth.mode = router`, `veth.ipv4.route`):
/// routes through it, proxy ARP/NDP entries for the container's gateways and its
/// `forwarding`/`proxy_ndp` settings, each read back with iproute2 and /proc/sys; then
/// the container's side pings the "host" through the proxied gateway.
#[test]
fn routes_through_a_host_end_and_proxy_entries_for_the_gateways() {
    need!(can_make(&["veth", "bridge"]));
    let a = Netns::new();
    let anl = a.nl();
    let (b, host) = plugged(&anl, "vethRt", None);
    anl.add_route(ip("192.0.2.0"), 24, host).unwrap();
    anl.add_route(ip("10.79.0.2"), 32, host).unwrap();
    anl.add_route(ip("fd79::2"), 128, host).unwrap();
    anl.add_proxy_neighbour(ip("169.254.0.1"), host).unwrap();
    anl.add_proxy_neighbour(ip("fe80::1"), host).unwrap();
    let routes = a.ip(&["route", "show"]);
    assert!(
        routes.contains("192.0.2.0/24 dev vethRt scope link"),
        "{routes}"
    );
    assert!(
        routes.contains("10.79.0.2 dev vethRt scope link"),
        "{routes}"
    );
    let routes6 = a.ip(&["-6", "route", "show"]);
    assert!(routes6.contains("fd79::2 dev vethRt"), "{routes6}");
    let proxies = a.ip(&["neigh", "show", "proxy"]);
    assert!(proxies.contains("169.254.0.1 dev vethRt"), "{proxies}");
    let proxies6 = a.ip(&["-6", "neigh", "show", "proxy"]);
    assert!(proxies6.contains("fe80::1 dev vethRt"), "{proxies6}");
    // Read back by the client.
    assert!(anl.routes(IpFamily::V4).unwrap().iter().any(|r| {
        r.destination == Some(ip("192.0.2.0"))
            && r.prefix == 24
            && r.index == Some(host)
            && r.link_scope
    }));
    assert_eq!(
        anl.proxy_neighbours(IpFamily::V4).unwrap(),
        [net::ProxyNeighbour {
            addr: ip("169.254.0.1"),
            index: host
        }]
    );
    assert_eq!(
        anl.proxy_neighbours(IpFamily::V6).unwrap(),
        [net::ProxyNeighbour {
            addr: ip("fe80::1"),
            index: host
        }]
    );
    // Twice: the kernel's EEXIST, with the route and the interface.
    let e = anl.add_route(ip("192.0.2.0"), 24, host).unwrap_err();
    assert!(
        e.to_string()
            .starts_with("adding the route to 192.0.2.0/24 on vethRt: EEXIST (File exists"),
        "{e}"
    );

    // The settings are the calling thread's namespace's: set from a thread in `a`.
    let fd = a.fd();
    std::thread::scope(|s| {
        s.spawn(|| {
            nix::sched::setns(fd, nix::sched::CloneFlags::CLONE_NEWNET).unwrap();
            net::set_conf(IpFamily::V4, "vethRt", "forwarding", "1").unwrap();
            net::set_conf(IpFamily::V6, "vethRt", "proxy_ndp", "1").unwrap();
            assert_eq!(
                net::conf(IpFamily::V4, "vethRt", "forwarding").unwrap(),
                "1"
            );
            let e = net::set_conf(IpFamily::V4, "nosuch0", "forwarding", "1").unwrap_err();
            assert_eq!(
                e.to_string(),
                "writing 1 to /proc/sys/net/ipv4/conf/nosuch0/forwarding: ENOENT (No such file or directory)"
            );
        })
        .join()
        .unwrap();
    });
    let read = |ns: &Netns, path: &str| {
        String::from_utf8_lossy(&ns.run(&["cat", path]).stdout)
            .trim()
            .to_string()
    };
    assert_eq!(read(&a, "/proc/sys/net/ipv4/conf/vethRt/forwarding"), "1");
    assert_eq!(read(&a, "/proc/sys/net/ipv6/conf/vethRt/proxy_ndp"), "1");
    assert_eq!(read(&a, "/proc/sys/net/ipv4/conf/all/forwarding"), "0");

    // The container's side: its address alone, the default route via the proxied
    // gateway; the "host" has an address on another link, and a default route there (the
    // kernel proxies a gateway the host routes elsewhere than back to the asker).
    let up = anl.create_bridge("br-up").unwrap();
    anl.add_address(up, ip("10.78.0.1"), 24, None).unwrap();
    anl.set_up(up, true).unwrap();
    anl.add_device_default_route(IpFamily::V4, up).unwrap();
    let bnl = b.nl();
    let eth0 = bnl.link_index("eth0").unwrap().unwrap();
    bnl.add_address(eth0, ip("10.79.0.2"), 32, None).unwrap();
    bnl.set_up(eth0, true).unwrap();
    bnl.add_default_route(ip("169.254.0.1"), eth0).unwrap();
    for (ns, to) in [(&b, "10.78.0.1"), (&a, "10.79.0.2")] {
        let out = ns.run(&["/bin/busybox", "ping", "-c", "1", "-W", "2", "-w", "10", to]);
        assert!(
            out.status.success(),
            "ping {to} through the proxied gateway failed: {}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
    }
}

#[test]
fn two_namespaces_ping_each_other_over_the_bridge_and_counters_move() {
    need!(can_make(&["veth", "bridge"]));
    let a = Netns::new();
    let anl = a.nl();
    let br = anl.create_bridge("br0").unwrap();
    anl.set_up(br, true).unwrap();
    let (b, host_b) = plugged(&anl, "vethB", Some(br));
    let (c, _) = plugged(&anl, "vethC", Some(br));
    for (ns, addr) in [(&b, "10.0.3.2"), (&c, "10.0.3.3")] {
        let nl = ns.nl();
        let eth0 = nl.link_index("eth0").unwrap().unwrap();
        nl.add_address(eth0, ip(addr), 24, None).unwrap();
        nl.set_up(eth0, true).unwrap();
    }
    let bnl = b.nl();
    let eth0_b = bnl.link_index("eth0").unwrap().unwrap();
    let host_before = anl.stats(host_b).unwrap();
    let peer_before = bnl.stats(eth0_b).unwrap();

    let out = b.run(&[
        "/bin/busybox",
        "ping",
        "-c",
        "3",
        "-W",
        "2",
        "-w",
        "15",
        "10.0.3.3",
    ]);
    assert!(
        out.status.success(),
        "ping over the bridge failed: {}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    // Three echo requests and replies of 98 bytes each (Ethernet + IP + ICMP + 56).
    let host_after = anl.stats(host_b).unwrap();
    let peer_after = bnl.stats(eth0_b).unwrap();
    assert!(
        peer_after.tx_bytes >= peer_before.tx_bytes + 3 * 98,
        "{peer_before:?} -> {peer_after:?}"
    );
    assert!(
        peer_after.rx_bytes >= peer_before.rx_bytes + 3 * 98,
        "{peer_before:?} -> {peer_after:?}"
    );
    assert!(peer_after.tx_packets >= peer_before.tx_packets + 3);
    // What the peer sends, its host end receives.
    assert!(
        host_after.rx_bytes >= host_before.rx_bytes + 3 * 98,
        "{host_before:?} -> {host_after:?}"
    );
    // The same counters as the kernel's /proc/net/dev in the namespace (bytes received
    // is its first column); nothing else moves them while the namespace is quiet, but
    // IPv6 may send a router solicitation: within a few packets.
    let dev = String::from_utf8_lossy(&b.run(&["cat", "/proc/net/dev"]).stdout).into_owned();
    let rx: u64 = dev
        .lines()
        .find_map(|l| l.trim().strip_prefix("eth0:"))
        .and_then(|rest| rest.split_whitespace().next())
        .and_then(|n| n.parse().ok())
        .unwrap();
    let now = bnl.stats(eth0_b).unwrap();
    assert!(
        rx <= now.rx_bytes && now.rx_bytes - rx < 1000,
        "{rx} vs {now:?}"
    );
}

#[test]
fn macvlan_is_created_on_its_lower_link_in_the_target_namespace() {
    need!(can_make(&["veth", "macvlan"]));
    let a = Netns::new();
    let b = Netns::new();
    let nl = a.nl();
    let lower = nl.create_veth("low0", "low1", a.fd(), None).unwrap();
    nl.create_macvlan("mv0", lower, MacvlanMode::Bridge, b.fd())
        .unwrap();
    nl.create_macvlan("mv1", lower, MacvlanMode::Private, b.fd())
        .unwrap();
    assert!(!a.has("mv0"));
    let line = b.ip(&["-d", "-o", "link", "show", "dev", "mv0"]);
    assert!(line.contains("macvlan mode bridge"), "{line}");
    let line = b.ip(&["-d", "-o", "link", "show", "dev", "mv1"]);
    assert!(line.contains("macvlan mode private"), "{line}");
    let info = b.nl().link_info("mv0").unwrap().unwrap();
    assert_eq!(info.kind.as_deref(), Some("macvlan"));
    assert!(!info.up);
}

#[test]
fn vlan_is_created_on_its_lower_link_in_the_target_namespace() {
    need!(can_make(&["veth"]));
    let a = Netns::new();
    let b = Netns::new();
    let nl = a.nl();
    let lower = nl.create_veth("low0", "low1", a.fd(), None).unwrap();
    if let Err(skip) = can_make(&["veth", "vlan"]) {
        // Without 802.1Q support, the refusal says what and why.
        let e = nl.create_vlan("low0.5", lower, 5, b.fd()).unwrap_err();
        assert!(
            e.to_string()
                .starts_with("creating vlan low0.5 (id 5) on low0: EOPNOTSUPP"),
            "{e}"
        );
        need!(Err::<(), _>(skip));
    }
    nl.create_vlan("low0.5", lower, 5, b.fd()).unwrap();
    assert!(!a.has("low0.5"));
    let line = b.ip(&["-d", "-o", "link", "show", "dev", "low0.5"]);
    assert!(line.contains("vlan protocol 802.1Q id 5"), "{line}");
}

#[test]
fn a_physical_interface_moves_in_and_back() {
    need!(can_make(&["veth"]));
    let a = Netns::new();
    let b = Netns::new();
    let nl = a.nl();
    let phys = nl.create_veth("phys0", "phys1", a.fd(), None).unwrap();
    nl.move_to_netns(phys, b.fd()).unwrap();
    assert!(!a.has("phys0"));
    assert!(b.has("phys0"));
    // At stop, back where it came from.
    let bnl = b.nl();
    let there = bnl.link_index("phys0").unwrap().unwrap();
    bnl.move_to_netns(there, a.fd()).unwrap();
    assert!(a.has("phys0") && !b.has("phys0"));
}

#[test]
fn the_host_end_disappears_when_the_namespace_dies() {
    need!(can_make(&["veth"]));
    let a = Netns::new();
    let nl = a.nl();
    let b = Netns::new();
    nl.create_veth("vethGone", "eth0", b.fd(), None).unwrap();
    assert!(a.has("vethGone"));
    // Its last process killed, its file closed: the namespace goes, and the pair with it.
    drop(b);
    let deadline = Instant::now() + Duration::from_secs(10);
    while nl.link_index("vethGone").unwrap().is_some() {
        assert!(
            Instant::now() < deadline,
            "the host end outlived its peer's namespace"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
    assert!(!a.has("vethGone"));
}

#[test]
fn errors_name_the_operation_the_interface_and_the_kernel_s_reason() {
    need!(can_make(&["veth", "bridge"]));
    let a = Netns::new();
    let nl = a.nl();
    let dup = nl.create_veth("dup0", "peer0", a.fd(), None).unwrap();
    let e = nl.create_veth("dup0", "peer9", a.fd(), None).unwrap_err();
    assert_eq!(
        e.to_string(),
        "creating veth dup0 (peer peer9 in the target network namespace): EEXIST (File exists)"
    );
    assert_eq!(net::errno(&e), Some(libc::EEXIST));
    // Renaming to a name that is taken.
    let e = nl.set_name(dup, "peer0").unwrap_err();
    assert_eq!(
        e.to_string(),
        "renaming dup0 to peer0: EEXIST (File exists)"
    );
    // An interface that is not there is named by its index.
    let e = nl.set_mtu(9999, 1400).unwrap_err();
    assert_eq!(
        e.to_string(),
        "setting the MTU of interface #9999 to 1400: ENODEV (No such device)"
    );
    // The kernel's own words come along when it sends them.
    let e = nl.set_mtu(dup, 1).unwrap_err();
    assert!(
        e.to_string()
            .starts_with("setting the MTU of dup0 to 1: EINVAL (Invalid argument"),
        "{e}"
    );
    let br = nl.create_bridge("br0").unwrap();
    nl.delete_link(br).unwrap();
    assert!(!a.has("br0"));
    let e = nl.delete_link(br).unwrap_err();
    assert_eq!(net::errno(&e), Some(libc::ENODEV));
}
