//! The rtnetlink messages of each operation, built from plain values, and what is read
//! back from the kernel's replies: pure functions, unit-tested without a kernel.

use super::{Address, IpFamily, LinkInfo, MacvlanMode, ProxyNeighbour, Route, Stats};
use netlink_packet_route::address::{AddressAttribute, AddressMessage, AddressScope};
use netlink_packet_route::link::{
    InfoData, InfoKind, InfoMacVlan, InfoVeth, InfoVlan, LinkAttribute, LinkFlags,
    LinkInfo as NlLinkInfo, LinkMessage, MacVlanMode,
};
use netlink_packet_route::neighbour::{
    NeighbourAddress, NeighbourAttribute, NeighbourFlags, NeighbourMessage, NeighbourState,
};
use netlink_packet_route::route::{
    RouteAddress, RouteAttribute, RouteHeader, RouteMessage, RouteProtocol, RouteScope, RouteType,
};
use netlink_packet_route::AddressFamily;
use std::net::{IpAddr, Ipv4Addr};
use std::os::fd::RawFd;

fn family(ip: IpAddr) -> AddressFamily {
    match ip {
        IpAddr::V4(_) => AddressFamily::Inet,
        IpAddr::V6(_) => AddressFamily::Inet6,
    }
}

/// A link message for the interface `index` (`RTM_SETLINK`, `RTM_DELLINK`).
pub(crate) fn link(index: u32) -> LinkMessage {
    let mut msg = LinkMessage::default();
    msg.header.index = index;
    msg
}

/// `RTM_GETLINK` of the interface called `name`.
pub(crate) fn link_by_name(name: &str) -> LinkMessage {
    let mut msg = LinkMessage::default();
    msg.attributes.push(LinkAttribute::IfName(name.to_string()));
    msg
}

/// `RTM_NEWLINK` of a veth pair: `host` here, its peer `peer` created directly in the
/// network namespace `peer_netns` (`IFLA_NET_NS_FD` in the peer's own message, as LXC
/// passes `IFLA_NET_NS_PID`), both with `mtu` when given.
pub(crate) fn veth(host: &str, peer: &str, peer_netns: RawFd, mtu: Option<u32>) -> LinkMessage {
    let mut peer_msg = LinkMessage::default();
    peer_msg
        .attributes
        .push(LinkAttribute::IfName(peer.to_string()));
    peer_msg.attributes.push(LinkAttribute::NetNsFd(peer_netns));
    let mut msg = LinkMessage::default();
    msg.attributes.push(LinkAttribute::IfName(host.to_string()));
    if let Some(mtu) = mtu {
        peer_msg.attributes.push(LinkAttribute::Mtu(mtu));
        msg.attributes.push(LinkAttribute::Mtu(mtu));
    }
    msg.attributes.push(LinkAttribute::LinkInfo(vec![
        NlLinkInfo::Kind(InfoKind::Veth),
        NlLinkInfo::Data(InfoData::Veth(InfoVeth::Peer(peer_msg))),
    ]));
    msg
}

/// `RTM_NEWLINK` of a bridge called `name`.
pub(crate) fn bridge(name: &str) -> LinkMessage {
    let mut msg = LinkMessage::default();
    msg.attributes.push(LinkAttribute::IfName(name.to_string()));
    msg.attributes
        .push(LinkAttribute::LinkInfo(vec![NlLinkInfo::Kind(
            InfoKind::Bridge,
        )]));
    msg
}

/// `RTM_NEWLINK` of a macvlan `name` on the interface `lower` of the sender's namespace,
/// created in `netns`.
pub(crate) fn macvlan(name: &str, lower: u32, mode: MacvlanMode, netns: RawFd) -> LinkMessage {
    let mode = match mode {
        MacvlanMode::Private => MacVlanMode::Private,
        MacvlanMode::Vepa => MacVlanMode::Vepa,
        MacvlanMode::Bridge => MacVlanMode::Bridge,
        MacvlanMode::Passthru => MacVlanMode::Passthrough,
    };
    let mut msg = LinkMessage::default();
    msg.attributes.push(LinkAttribute::IfName(name.to_string()));
    msg.attributes.push(LinkAttribute::Link(lower));
    msg.attributes.push(LinkAttribute::NetNsFd(netns));
    msg.attributes.push(LinkAttribute::LinkInfo(vec![
        NlLinkInfo::Kind(InfoKind::MacVlan),
        NlLinkInfo::Data(InfoData::MacVlan(vec![InfoMacVlan::Mode(mode)])),
    ]));
    msg
}

/// `RTM_NEWLINK` of a VLAN `name` with `id` on the interface `lower` of the sender's
/// namespace, created in `netns`.
pub(crate) fn vlan(name: &str, lower: u32, id: u16, netns: RawFd) -> LinkMessage {
    let mut msg = LinkMessage::default();
    msg.attributes.push(LinkAttribute::IfName(name.to_string()));
    msg.attributes.push(LinkAttribute::Link(lower));
    msg.attributes.push(LinkAttribute::NetNsFd(netns));
    msg.attributes.push(LinkAttribute::LinkInfo(vec![
        NlLinkInfo::Kind(InfoKind::Vlan),
        NlLinkInfo::Data(InfoData::Vlan(vec![InfoVlan::Id(id)])),
    ]));
    msg
}

/// `RTM_SETLINK` of `index`: administratively up or down (`IFF_UP` in flags and change
/// mask, nothing else touched).
pub(crate) fn set_up(index: u32, up: bool) -> LinkMessage {
    let mut msg = link(index);
    if up {
        msg.header.flags = LinkFlags::Up;
    }
    msg.header.change_mask = LinkFlags::Up;
    msg
}

/// `RTM_SETLINK` of `index` with one attribute.
pub(crate) fn set_attribute(index: u32, attribute: LinkAttribute) -> LinkMessage {
    let mut msg = link(index);
    msg.attributes.push(attribute);
    msg
}

/// `RTM_NEWADDR`: `addr/prefix` on `index`, with `broadcast` (IPv4 only).
pub(crate) fn address(
    index: u32,
    addr: IpAddr,
    prefix: u8,
    broadcast: Option<Ipv4Addr>,
) -> AddressMessage {
    let mut msg = AddressMessage::default();
    msg.header.family = family(addr);
    msg.header.prefix_len = prefix;
    msg.header.index = index;
    msg.header.scope = AddressScope::Universe;
    // As iproute2: IFA_LOCAL is the interface's address, IFA_ADDRESS the same one on a
    // link that is not point-to-point.
    msg.attributes.push(AddressAttribute::Local(addr));
    msg.attributes.push(AddressAttribute::Address(addr));
    if let (IpAddr::V4(_), Some(brd)) = (addr, broadcast) {
        msg.attributes.push(AddressAttribute::Broadcast(brd));
    }
    msg
}

fn route_address(ip: IpAddr) -> RouteAddress {
    match ip {
        IpAddr::V4(a) => RouteAddress::Inet(a),
        IpAddr::V6(a) => RouteAddress::Inet6(a),
    }
}

/// `RTM_NEWROUTE` in the main table: to `dest/prefix` (the default route when `dest` is
/// `None`) through `index`, via `gateway` or directly on the link (`scope link`).
pub(crate) fn route(
    fam: IpFamily,
    dest: Option<(IpAddr, u8)>,
    gateway: Option<IpAddr>,
    index: u32,
) -> RouteMessage {
    let mut msg = RouteMessage::default();
    msg.header.address_family = match fam {
        IpFamily::V4 => AddressFamily::Inet,
        IpFamily::V6 => AddressFamily::Inet6,
    };
    msg.header.table = RouteHeader::RT_TABLE_MAIN;
    msg.header.protocol = RouteProtocol::Boot;
    msg.header.kind = RouteType::Unicast;
    msg.header.scope = if gateway.is_some() {
        RouteScope::Universe
    } else {
        RouteScope::Link
    };
    if let Some((dest, prefix)) = dest {
        msg.header.destination_prefix_length = prefix;
        msg.attributes
            .push(RouteAttribute::Destination(route_address(dest)));
    }
    if let Some(gw) = gateway {
        msg.attributes
            .push(RouteAttribute::Gateway(route_address(gw)));
    }
    msg.attributes.push(RouteAttribute::Oif(index));
    msg
}

/// A dump request for the routes of `fam` (the kernel filters by family).
pub(crate) fn route_dump(fam: IpFamily) -> RouteMessage {
    let mut msg = RouteMessage::default();
    msg.header.address_family = match fam {
        IpFamily::V4 => AddressFamily::Inet,
        IpFamily::V6 => AddressFamily::Inet6,
    };
    msg
}

/// `RTM_NEWNEIGH` of a proxy entry (`NTF_PROXY`) for `addr` on `index`: the interface
/// answers ARP (IPv4) or neighbour solicitations (IPv6) for `addr` as `ip neigh add proxy
/// ADDR dev IF` makes it, and as LXC's `lxc_ip_neigh_proxy` does for a router-mode veth's
/// gateways.
pub(crate) fn proxy_neighbour(addr: IpAddr, index: u32) -> NeighbourMessage {
    let mut msg = NeighbourMessage::default();
    msg.header.family = family(addr);
    msg.header.ifindex = index;
    msg.header.flags = NeighbourFlags::Proxy;
    msg.header.state = NeighbourState::Permanent;
    msg.header.kind = RouteType::Unicast;
    msg.attributes
        .push(NeighbourAttribute::Destination(match addr {
            IpAddr::V4(a) => NeighbourAddress::Inet(a),
            IpAddr::V6(a) => NeighbourAddress::Inet6(a),
        }));
    msg
}

/// A dump request for the proxy entries of `fam` (the kernel lists the proxy table when
/// the request's flags are exactly `NTF_PROXY`, as `ip neigh show proxy` asks).
pub(crate) fn proxy_neighbour_dump(fam: IpFamily) -> NeighbourMessage {
    let mut msg = NeighbourMessage::default();
    msg.header.family = match fam {
        IpFamily::V4 => AddressFamily::Inet,
        IpFamily::V6 => AddressFamily::Inet6,
    };
    msg.header.flags = NeighbourFlags::Proxy;
    msg
}

/// A proxy entry of a neighbour message; `None` for another kind of entry.
pub(crate) fn parse_proxy_neighbour(msg: &NeighbourMessage) -> Option<ProxyNeighbour> {
    if !msg.header.flags.contains(NeighbourFlags::Proxy) {
        return None;
    }
    let addr = msg.attributes.iter().find_map(|a| match a {
        NeighbourAttribute::Destination(NeighbourAddress::Inet(a)) => Some(IpAddr::V4(*a)),
        NeighbourAttribute::Destination(NeighbourAddress::Inet6(a)) => Some(IpAddr::V6(*a)),
        _ => None,
    })?;
    Some(ProxyNeighbour {
        addr,
        index: msg.header.ifindex,
    })
}

/// What a link message says of its interface; `None` without a name.
pub(crate) fn parse_link(msg: &LinkMessage) -> Option<LinkInfo> {
    let mut name = None;
    let mut info = LinkInfo {
        index: msg.header.index,
        name: String::new(),
        kind: None,
        mtu: 0,
        up: msg.header.flags.contains(LinkFlags::Up),
        mac: None,
        master: None,
        lower: None,
    };
    for attribute in &msg.attributes {
        match attribute {
            LinkAttribute::IfName(n) => name = Some(n.clone()),
            LinkAttribute::Mtu(mtu) => info.mtu = *mtu,
            LinkAttribute::Address(mac) => info.mac = <[u8; 6]>::try_from(mac.as_slice()).ok(),
            LinkAttribute::Controller(master) if *master != 0 => info.master = Some(*master),
            LinkAttribute::Link(lower) if *lower != 0 && *lower != msg.header.index => {
                info.lower = Some(*lower)
            }
            LinkAttribute::LinkInfo(infos) => {
                info.kind = infos.iter().find_map(|i| match i {
                    NlLinkInfo::Kind(kind) => Some(kind.to_string()),
                    _ => None,
                })
            }
            _ => {}
        }
    }
    info.name = name?;
    Some(info)
}

/// The byte and packet counters of a link message (64-bit ones when present).
pub(crate) fn parse_stats(msg: &LinkMessage) -> Option<Stats> {
    let mut found = None;
    for attribute in &msg.attributes {
        match attribute {
            LinkAttribute::Stats64(s) => {
                return Some(Stats {
                    rx_bytes: s.rx_bytes,
                    tx_bytes: s.tx_bytes,
                    rx_packets: s.rx_packets,
                    tx_packets: s.tx_packets,
                })
            }
            LinkAttribute::Stats(s) => {
                found = Some(Stats {
                    rx_bytes: u64::from(s.rx_bytes),
                    tx_bytes: u64::from(s.tx_bytes),
                    rx_packets: u64::from(s.rx_packets),
                    tx_packets: u64::from(s.tx_packets),
                })
            }
            _ => {}
        }
    }
    found
}

/// The address an address message describes (the interface's own one: `IFA_LOCAL`, else
/// `IFA_ADDRESS`, which is the peer's on a point-to-point link), its prefix and broadcast;
/// the interface's name is filled in by the caller.
pub(crate) fn parse_address(msg: &AddressMessage) -> Option<Address> {
    let mut local = None;
    let mut address = None;
    let mut broadcast = None;
    for attribute in &msg.attributes {
        match attribute {
            AddressAttribute::Local(a) => local = Some(*a),
            AddressAttribute::Address(a) => address = Some(*a),
            AddressAttribute::Broadcast(b) => broadcast = Some(*b),
            _ => {}
        }
    }
    Some(Address {
        index: msg.header.index,
        ifname: String::new(),
        addr: local.or(address)?,
        prefix: msg.header.prefix_len,
        broadcast,
    })
}

/// A route of the main table.
pub(crate) fn parse_route(msg: &RouteMessage) -> Option<Route> {
    if msg.header.table != RouteHeader::RT_TABLE_MAIN {
        return None;
    }
    let ip = |a: &RouteAddress| match a {
        RouteAddress::Inet(a) => Some(IpAddr::V4(*a)),
        RouteAddress::Inet6(a) => Some(IpAddr::V6(*a)),
        _ => None,
    };
    let mut route = Route {
        destination: None,
        prefix: msg.header.destination_prefix_length,
        gateway: None,
        index: None,
        link_scope: msg.header.scope == RouteScope::Link,
    };
    for attribute in &msg.attributes {
        match attribute {
            RouteAttribute::Destination(a) => route.destination = ip(a),
            RouteAttribute::Gateway(a) => route.gateway = ip(a),
            RouteAttribute::Oif(i) => route.index = Some(*i),
            _ => {}
        }
    }
    Some(route)
}

/// Whether `addr` is in `net/prefix`.
pub(crate) fn in_subnet(addr: IpAddr, net: IpAddr, prefix: u8) -> bool {
    fn masked(bits: u128, width: u32, prefix: u8) -> u128 {
        let prefix = u32::from(prefix).min(width);
        if prefix == 0 {
            0
        } else {
            bits >> (width - prefix)
        }
    }
    match (addr, net) {
        (IpAddr::V4(a), IpAddr::V4(n)) => {
            masked(u32::from(a).into(), 32, prefix) == masked(u32::from(n).into(), 32, prefix)
        }
        (IpAddr::V6(a), IpAddr::V6(n)) => {
            masked(u128::from(a), 128, prefix) == masked(u128::from(n), 128, prefix)
        }
        _ => false,
    }
}

/// Whether a default route via `gateway` needs a route to the gateway on the link first:
/// when no address of the interface (`addresses`: address and prefix) puts the gateway on
/// a local subnet, the kernel refuses the gateway (`ENETUNREACH`), so LXC adds a
/// link-scope host route to it (`lxc_ipv4_dest_add`) and retries. An IPv6 link-local
/// gateway is always on the link.
pub(crate) fn needs_route_to_gateway(gateway: IpAddr, addresses: &[(IpAddr, u8)]) -> bool {
    if let IpAddr::V6(v6) = gateway {
        if v6.segments()[0] & 0xffc0 == 0xfe80 {
            return false;
        }
    }
    !addresses
        .iter()
        .any(|&(addr, prefix)| in_subnet(gateway, addr, prefix))
}

#[cfg(test)]
mod tests {
    use super::*;
    use netlink_packet_core::{NetlinkMessage, NLM_F_REQUEST};
    use netlink_packet_route::RouteNetlinkMessage;
    use std::net::Ipv6Addr;

    fn ip(s: &str) -> IpAddr {
        s.parse().unwrap_or_else(|e| panic!("{s}: {e}"))
    }

    #[test]
    fn a_veth_peer_carries_its_name_its_namespace_and_the_mtu() {
        let msg = veth("vethAB12CD", "eth0", 7, Some(1400));
        assert_eq!(
            msg.attributes[0],
            LinkAttribute::IfName("vethAB12CD".into())
        );
        assert!(msg.attributes.contains(&LinkAttribute::Mtu(1400)));
        let LinkAttribute::LinkInfo(infos) = &msg.attributes[2] else {
            panic!("no IFLA_LINKINFO: {msg:?}");
        };
        assert_eq!(infos[0], NlLinkInfo::Kind(InfoKind::Veth));
        let NlLinkInfo::Data(InfoData::Veth(InfoVeth::Peer(peer))) = &infos[1] else {
            panic!("no peer: {infos:?}");
        };
        // The namespace is the peer's, not the host end's.
        assert_eq!(
            peer.attributes,
            vec![
                LinkAttribute::IfName("eth0".into()),
                LinkAttribute::NetNsFd(7),
                LinkAttribute::Mtu(1400),
            ]
        );
        assert!(!msg.attributes.contains(&LinkAttribute::NetNsFd(7)));
        // Without an MTU, neither end gets one (the kernel's default).
        let msg = veth("v1", "eth1", 7, None);
        assert!(!msg
            .attributes
            .iter()
            .any(|a| matches!(a, LinkAttribute::Mtu(_))));
    }

    #[test]
    fn a_veth_request_is_the_bytes_the_kernel_expects() {
        let mut nl = NetlinkMessage::from(RouteNetlinkMessage::NewLink(veth("h", "p", 9, None)));
        nl.header.flags = NLM_F_REQUEST;
        nl.finalize();
        let mut buf = vec![0; nl.buffer_len()];
        nl.serialize(&mut buf);
        // nlmsghdr: RTM_NEWLINK (16); ifinfomsg (16 bytes); IFLA_IFNAME "h".
        assert_eq!(u16::from_ne_bytes([buf[4], buf[5]]), 16);
        assert_eq!(&buf[32..36], &[6, 0, 3, 0]); // len 6, IFLA_IFNAME (3)
        assert_eq!(&buf[36..38], b"h\0");
        // IFLA_NET_NS_FD (28) with 9 appears once, inside the peer.
        let needle = [8u8, 0, 28, 0, 9, 0, 0, 0];
        let at: Vec<usize> = (0..=buf.len() - 8)
            .filter(|&i| buf[i..i + 8] == needle)
            .collect();
        assert_eq!(at.len(), 1, "{buf:?}");
    }

    #[test]
    fn up_and_down_touch_only_the_up_flag() {
        let up = set_up(5, true);
        assert_eq!(up.header.index, 5);
        assert_eq!(up.header.flags, LinkFlags::Up);
        assert_eq!(up.header.change_mask, LinkFlags::Up);
        let down = set_up(5, false);
        assert_eq!(down.header.flags, LinkFlags::empty());
        assert_eq!(down.header.change_mask, LinkFlags::Up);
    }

    #[test]
    fn macvlan_and_vlan_go_to_the_target_namespace_on_their_lower_link() {
        let m = macvlan("mv0", 3, MacvlanMode::Passthru, 11);
        assert!(m.attributes.contains(&LinkAttribute::Link(3)));
        assert!(m.attributes.contains(&LinkAttribute::NetNsFd(11)));
        assert!(m.attributes.contains(&LinkAttribute::LinkInfo(vec![
            NlLinkInfo::Kind(InfoKind::MacVlan),
            NlLinkInfo::Data(InfoData::MacVlan(vec![InfoMacVlan::Mode(
                MacVlanMode::Passthrough
            )])),
        ])));
        let v = vlan("eth0.5", 3, 5, 11);
        assert!(v.attributes.contains(&LinkAttribute::NetNsFd(11)));
        assert!(v.attributes.contains(&LinkAttribute::LinkInfo(vec![
            NlLinkInfo::Kind(InfoKind::Vlan),
            NlLinkInfo::Data(InfoData::Vlan(vec![InfoVlan::Id(5)])),
        ])));
    }

    #[test]
    fn an_ipv4_address_has_its_broadcast_an_ipv6_one_none() {
        let v4 = address(4, ip("10.0.3.2"), 24, Some(Ipv4Addr::new(10, 0, 3, 255)));
        assert_eq!(v4.header.family, AddressFamily::Inet);
        assert_eq!(v4.header.prefix_len, 24);
        assert_eq!(v4.header.index, 4);
        assert!(v4
            .attributes
            .contains(&AddressAttribute::Broadcast(Ipv4Addr::new(10, 0, 3, 255))));
        let v6 = address(4, ip("fd00::2"), 64, Some(Ipv4Addr::new(10, 0, 3, 255)));
        assert_eq!(v6.header.family, AddressFamily::Inet6);
        assert!(!v6
            .attributes
            .iter()
            .any(|a| matches!(a, AddressAttribute::Broadcast(_))));
        // Read back, the address is what was added.
        let read = parse_address(&v4).unwrap_or_else(|| panic!("{v4:?}"));
        assert_eq!(
            (read.addr, read.prefix, read.broadcast),
            (ip("10.0.3.2"), 24, Some(Ipv4Addr::new(10, 0, 3, 255)))
        );
    }

    #[test]
    fn the_local_address_is_the_interface_s_own_on_a_point_to_point_link() {
        let mut msg = AddressMessage::default();
        msg.header.prefix_len = 32;
        msg.attributes
            .push(AddressAttribute::Address(ip("192.0.2.9")));
        msg.attributes
            .push(AddressAttribute::Local(ip("192.0.2.1")));
        assert_eq!(parse_address(&msg).map(|a| a.addr), Some(ip("192.0.2.1")));
        // IPv6 has IFA_ADDRESS only.
        let mut msg = AddressMessage::default();
        msg.attributes
            .push(AddressAttribute::Address(ip("fd00::2")));
        assert_eq!(parse_address(&msg).map(|a| a.addr), Some(ip("fd00::2")));
        assert_eq!(parse_address(&AddressMessage::default()), None);
    }

    #[test]
    fn a_default_route_via_a_gateway_and_a_link_route_to_it() {
        let r = route(IpFamily::V4, None, Some(ip("10.0.3.1")), 4);
        assert_eq!(r.header.destination_prefix_length, 0);
        assert_eq!(r.header.scope, RouteScope::Universe);
        assert_eq!(r.header.table, RouteHeader::RT_TABLE_MAIN);
        assert_eq!(
            r.attributes,
            vec![
                RouteAttribute::Gateway(RouteAddress::Inet(Ipv4Addr::new(10, 0, 3, 1))),
                RouteAttribute::Oif(4)
            ]
        );
        let h = route(IpFamily::V4, Some((ip("192.0.2.1"), 32)), None, 4);
        assert_eq!(h.header.scope, RouteScope::Link);
        assert_eq!(h.header.destination_prefix_length, 32);
        let back = parse_route(&h).unwrap_or_else(|| panic!("{h:?}"));
        assert_eq!(back.destination, Some(ip("192.0.2.1")));
        assert!(back.link_scope);
        assert_eq!(back.index, Some(4));
        let v6 = route(IpFamily::V6, None, Some(ip("fd00::1")), 4);
        assert_eq!(v6.header.address_family, AddressFamily::Inet6);
    }

    #[test]
    fn a_route_to_a_network_through_an_interface_is_on_its_link() {
        // `veth.ipv4.route = 192.0.2.0/24` and a router-mode host route.
        let r = route(IpFamily::V4, Some((ip("192.0.2.0"), 24)), None, 9);
        assert_eq!(r.header.scope, RouteScope::Link);
        assert_eq!(r.header.protocol, RouteProtocol::Boot);
        assert_eq!(r.header.kind, RouteType::Unicast);
        assert_eq!(r.header.destination_prefix_length, 24);
        assert_eq!(
            r.attributes,
            vec![
                RouteAttribute::Destination(RouteAddress::Inet(Ipv4Addr::new(192, 0, 2, 0))),
                RouteAttribute::Oif(9)
            ]
        );
        let r6 = route(IpFamily::V6, Some((ip("fd79::2"), 128)), None, 9);
        assert_eq!(r6.header.address_family, AddressFamily::Inet6);
        assert_eq!(r6.header.destination_prefix_length, 128);
    }

    #[test]
    fn a_proxy_entry_is_ntf_proxy_with_its_address_on_its_interface() {
        let n = proxy_neighbour(ip("169.254.0.1"), 6);
        assert_eq!(n.header.family, AddressFamily::Inet);
        assert_eq!(n.header.ifindex, 6);
        assert_eq!(n.header.flags, NeighbourFlags::Proxy);
        assert_eq!(
            n.attributes,
            vec![NeighbourAttribute::Destination(NeighbourAddress::Inet(
                Ipv4Addr::new(169, 254, 0, 1)
            ))]
        );
        // The bytes: ndmsg family AF_INET, ifindex 6, NUD_PERMANENT (0x80), NTF_PROXY (8),
        // then NDA_DST (1) with the 4 bytes.
        let mut nl = NetlinkMessage::from(RouteNetlinkMessage::NewNeighbour(n.clone()));
        nl.header.flags = NLM_F_REQUEST;
        nl.finalize();
        let mut buf = vec![0; nl.buffer_len()];
        nl.serialize(&mut buf);
        assert_eq!(u16::from_ne_bytes([buf[4], buf[5]]), 28); // RTM_NEWNEIGH
        assert_eq!(buf[16], libc::AF_INET as u8);
        assert_eq!(&buf[20..24], &6u32.to_ne_bytes());
        assert_eq!(&buf[24..26], &0x80u16.to_ne_bytes());
        assert_eq!(buf[26], 8);
        assert_eq!(&buf[28..36], &[8, 0, 1, 0, 169, 254, 0, 1]);
        // Read back.
        assert_eq!(
            parse_proxy_neighbour(&n),
            Some(ProxyNeighbour {
                addr: ip("169.254.0.1"),
                index: 6
            })
        );
        let n6 = proxy_neighbour(ip("fe80::1"), 6);
        assert_eq!(n6.header.family, AddressFamily::Inet6);
        assert_eq!(
            parse_proxy_neighbour(&n6).map(|p| p.addr),
            Some(ip("fe80::1"))
        );
        // An ordinary neighbour entry is not a proxy one.
        let mut plain = n;
        plain.header.flags = NeighbourFlags::empty();
        assert_eq!(parse_proxy_neighbour(&plain), None);
        // The dump asks for the proxy table of one family.
        let d = proxy_neighbour_dump(IpFamily::V6);
        assert_eq!(d.header.family, AddressFamily::Inet6);
        assert_eq!(d.header.flags, NeighbourFlags::Proxy);
        assert!(d.attributes.is_empty());
    }

    #[test]
    fn link_attributes_are_read_into_link_info() {
        let mut msg = veth("vethX", "eth0", 3, Some(1450));
        msg.header.index = 12;
        msg.header.flags = LinkFlags::Up | LinkFlags::Broadcast;
        msg.attributes
            .push(LinkAttribute::Address(vec![0, 0x16, 0x3e, 1, 2, 3]));
        msg.attributes.push(LinkAttribute::Controller(4));
        let info = parse_link(&msg).unwrap_or_else(|| panic!("{msg:?}"));
        assert_eq!(
            info,
            LinkInfo {
                index: 12,
                name: "vethX".into(),
                kind: Some("veth".into()),
                mtu: 1450,
                up: true,
                mac: Some([0, 0x16, 0x3e, 1, 2, 3]),
                master: Some(4),
                lower: None,
            }
        );
        // A link without a name is not one to report; an odd-sized address is no MAC.
        assert_eq!(parse_link(&LinkMessage::default()), None);
        let mut ip6tnl = link_by_name("t0");
        ip6tnl.attributes.push(LinkAttribute::Address(vec![0; 16]));
        assert_eq!(parse_link(&ip6tnl).map(|l| l.mac), Some(None));
    }

    #[test]
    fn subnets() {
        assert!(in_subnet(ip("10.0.3.1"), ip("10.0.3.2"), 24));
        assert!(!in_subnet(ip("10.0.4.1"), ip("10.0.3.2"), 24));
        assert!(in_subnet(ip("192.168.1.1"), ip("10.0.3.2"), 0));
        assert!(in_subnet(ip("10.0.3.2"), ip("10.0.3.2"), 32));
        assert!(!in_subnet(ip("10.0.3.3"), ip("10.0.3.2"), 32));
        assert!(in_subnet(ip("fd00::1"), ip("fd00::2"), 64));
        assert!(!in_subnet(ip("fd01::1"), ip("fd00::2"), 64));
        assert!(!in_subnet(ip("10.0.3.1"), ip("fd00::2"), 0));
        // A prefix past the width is the whole address.
        assert!(in_subnet(ip("10.0.3.2"), ip("10.0.3.2"), 99));
    }

    #[test]
    fn a_gateway_off_the_local_subnets_needs_a_route_to_it_first() {
        let addrs = [(ip("10.0.3.2"), 24), (ip("fd00::2"), 64)];
        assert!(!needs_route_to_gateway(ip("10.0.3.1"), &addrs));
        assert!(needs_route_to_gateway(ip("192.168.77.1"), &addrs));
        assert!(needs_route_to_gateway(ip("10.0.3.1"), &[]));
        assert!(!needs_route_to_gateway(ip("fd00::1"), &addrs));
        assert!(needs_route_to_gateway(ip("fd01::1"), &addrs));
        // Link-local IPv6 gateways are on every link.
        assert!(!needs_route_to_gateway(
            IpAddr::V6(Ipv6Addr::new(0xfe80, 0, 0, 0, 0, 0, 0, 1)),
            &[]
        ));
    }
}
